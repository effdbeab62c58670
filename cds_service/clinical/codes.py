"""Code systems and code lists the facts are read with, each naming its source.

"clinical-codes" below is /work/shared/reference/clinical-codes.md (section given), which carries the
primary sources and a confidence tag per code. Codes that digest marks [UNVERIFIED] are left out unless
this module names where they were confirmed; the drugs concerned are then matched by ATC, HCPCS and name.
"""

from __future__ import annotations

from enum import StrEnum

# Code systems by canonical URI (CONTRACT §3: "every code system by its canonical URI").
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
# CMS publishes no canonical URI for HCPCS; both spellings occur (clinical-codes §1.3).
HCPCS = (
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
)
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
NUCC = "http://nucc.org/provider-taxonomy"
CPT = "http://www.ama-assn.org/go/cpt"
SOPT = ("https://nahdo.org/sopt", "urn:oid:2.16.840.1.113883.3.221.5")


class Agent(StrEnum):
    """The drugs the policy reads. Liposomal doxorubicin is its own agent: it counts toward the
    cumulative doxorubicin and anthracycline totals (CONTRACT §3) but is not "doxorubicin" for the
    concurrent-doxorubicin criterion (clinical-codes §1.1, "Liposomal doxorubicin — does it count?")."""

    DEXRAZOXANE = "dexrazoxane"
    DOXORUBICIN = "doxorubicin"
    LIPOSOMAL_DOXORUBICIN = "liposomal doxorubicin"
    DAUNORUBICIN = "daunorubicin"
    EPIRUBICIN = "epirubicin"
    IDARUBICIN = "idarubicin"
    MITOXANTRONE = "mitoxantrone"
    DASATINIB = "dasatinib"
    IMATINIB = "imatinib"


ANTHRACYCLINES = frozenset(
    {
        Agent.DOXORUBICIN,
        Agent.LIPOSOMAL_DOXORUBICIN,
        Agent.DAUNORUBICIN,
        Agent.EPIRUBICIN,
        Agent.IDARUBICIN,
        Agent.MITOXANTRONE,
    }
)
DOXORUBICINS = frozenset({Agent.DOXORUBICIN, Agent.LIPOSOMAL_DOXORUBICIN})
TYROSINE_KINASE_INHIBITORS = frozenset({Agent.DASATINIB, Agent.IMATINIB})

# RxNorm, ingredient (IN) and clinical-drug (SCD) concepts, clinical-codes §1.1.
# Left out as unverified: the ingredient RxCUIs of dexrazoxane, daunorubicin, mitoxantrone and liposomal
# doxorubicin (a search of public code tables and RxNav mirrors found none), and 1790115/1790127 (names
# unseen, possibly liposomal). Those drugs are matched by ATC, HCPCS and name text.
RXNORM_CODES: dict[str, Agent] = {
    "3639": Agent.DOXORUBICIN,  # IN [V] HL7 mCODE IG examples
    "1790099": Agent.DOXORUBICIN,  # SCD 10 ML doxorubicin HCl 2 MG/ML Injection [V] mCODE, openFDA
    "5650": Agent.IDARUBICIN,  # IN [V] mCODE pediatric example
    "3995": Agent.EPIRUBICIN,  # IN [V] CPIC drug.sql
    "1732186": Agent.EPIRUBICIN,  # SCD 100 ML epirubicin HCl 2 MG/ML Injection [V-weak]
    # SCDs of every dexrazoxane-for-injection NDC in openFDA (Hikma 0143-9248, Gland 68083-195,
    # Fosun 72266-101, Novadoz 72205-247 list exactly these two), confirmed in openFDA drug/ndc records.
    "1736585": Agent.DEXRAZOXANE,
    "1736590": Agent.DEXRAZOXANE,
    "282388": Agent.IMATINIB,  # IN [V] PEDSnet OMOP codeset
    "403878": Agent.IMATINIB,  # SCDs [V] PEDSnet: 100/400 mg tablet, 100/50 mg capsule
    "403879": Agent.IMATINIB,
    "284206": Agent.IMATINIB,
    "411240": Agent.IMATINIB,
    "475342": Agent.DASATINIB,  # IN [V] PEDSnet OMOP codeset
    "643105": Agent.DASATINIB,  # SCDs [V] PEDSnet: 20/50/70/100/140/80 mg tablet
    "643107": Agent.DASATINIB,
    "643109": Agent.DASATINIB,
    "799047": Agent.DASATINIB,
    "1045402": Agent.DASATINIB,
    "1045406": Agent.DASATINIB,
}

# WHO ATC, clinical-codes §1.2 (all [V]). L01DB01 covers liposomal doxorubicin too: the name decides.
ATC_CODES: dict[str, Agent] = {
    "L01DB01": Agent.DOXORUBICIN,
    "L01DB02": Agent.DAUNORUBICIN,
    "L01DB03": Agent.EPIRUBICIN,
    "L01DB06": Agent.IDARUBICIN,
    "L01DB07": Agent.MITOXANTRONE,
    "V03AF02": Agent.DEXRAZOXANE,
    "L01EA01": Agent.IMATINIB,
    "L01XE01": Agent.IMATINIB,  # pre-2022 code of the same substance
    "L01EA02": Agent.DASATINIB,
    "L01XE06": Agent.DASATINIB,
}

# HCPCS Level II J-codes, clinical-codes §1.3. Left out as unverified: J9002, Q2049, Q2050, J9153.
HCPCS_CODES: dict[str, Agent] = {
    "J1190": Agent.DEXRAZOXANE,  # per 250 mg [V]; also the policy's own Coding Implications
    "J9000": Agent.DOXORUBICIN,  # 10 mg [V]
    "J9001": Agent.LIPOSOMAL_DOXORUBICIN,  # all lipid formulations, 10 mg [V-weak]
    "J9150": Agent.DAUNORUBICIN,  # 10 mg [V]
    "J9151": Agent.DAUNORUBICIN,  # liposomal daunorubicin citrate, 10 mg [V-weak]
    "J9178": Agent.EPIRUBICIN,  # 2 mg [V]
    "J9211": Agent.IDARUBICIN,  # 5 mg [V]
    "J9293": Agent.MITOXANTRONE,  # per 5 mg [V]
}

# Name text, the last resort (CONTRACT §3): generic and US brand names, lower case, matched as words.
# Liposomal markers are checked before plain doxorubicin (Doxil label: "Do not substitute").
LIPOSOMAL_MARKERS = ("liposom", "doxil", "lipodox", "caelyx", "myocet", "pegylated", "lipid")
NAME_PATTERNS: tuple[tuple[Agent, tuple[str, ...]], ...] = (
    (Agent.DEXRAZOXANE, ("dexrazoxane", "zinecard", "totect", "cardioxane", "savene")),
    (Agent.DOXORUBICIN, ("doxorubicin", "adriamycin", "rubex")),
    (Agent.DAUNORUBICIN, ("daunorubicin", "daunomycin", "cerubidine", "vyxeos", "daunoxome")),
    (Agent.EPIRUBICIN, ("epirubicin", "ellence")),
    (Agent.IDARUBICIN, ("idarubicin", "idamycin")),
    (Agent.MITOXANTRONE, ("mitoxantrone", "novantrone")),
    (Agent.DASATINIB, ("dasatinib", "sprycel", "phyrago")),
    (Agent.IMATINIB, ("imatinib", "gleevec", "glivec", "imkeldi")),
)
