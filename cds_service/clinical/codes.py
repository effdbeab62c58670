"""Code systems and code lists the facts are read with, each naming its source.

Each list names its primary source (the code system's publisher: NLM RxNorm, WHO ATC, CMS HCPCS and
ICD-10-CM, LOINC, SNOMED CT, NUCC, HL7 mCODE). [V] marks a code checked against that source's own table,
[V-weak] one checked only against a secondary public table (such codes only ever make a criterion unknown).
Codes that could not be checked are left out unless this module names where they were confirmed; the drugs
concerned are then matched by ATC, HCPCS and name.
"""

from __future__ import annotations

from enum import StrEnum

from cds_service.clinical import code_systems

# Code systems by canonical URI; every published identifier of each (OID, http/https...) is read as it
# through the one alias table, clinical.code_systems (``fhir_read.codings`` canonicalises every coding).
RXNORM = code_systems.RXNORM
ATC = code_systems.ATC
# CMS publishes no canonical URI for HCPCS; both spellings occur in EHR data: the alias table
# reads either as the canonical one, kept here with its aliases for readers that test membership.
HCPCS = code_systems.identifiers(code_systems.HCPCS)
LOINC = code_systems.LOINC
SNOMED = code_systems.SNOMED
ICD10CM = code_systems.ICD10CM
ICD10 = code_systems.ICD10
UCUM = code_systems.UCUM
NUCC = code_systems.NUCC
CPT = code_systems.CPT
SOPT = code_systems.identifiers(code_systems.SOPT)


class Agent(StrEnum):
    """The drugs the policy reads. Liposomal doxorubicin is its own agent: it counts toward the
    cumulative doxorubicin and anthracycline totals (docs/facts.md) but is not "doxorubicin" for the
    concurrent-doxorubicin criterion (the doxorubicin label is for conventional doxorubicin; docs/facts.md
    "Drugs")."""

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

# Largest credible single dose, mg/m² (our bound: about twice the highest labelled single dose, e.g.
# doxorubicin 60-75 mg/m² every 21 days, idarubicin 12, mitoxantrone 12-14: the FDA labels). Above
# it a charted dose is a slip ("50 g" for 50 mg), an unknown part of a total, never 28,000 mg/m².
MAX_SINGLE_DOSE_MG_M2: dict[Agent, float] = {
    Agent.DOXORUBICIN: 150.0,
    Agent.LIPOSOMAL_DOXORUBICIN: 100.0,
    Agent.DAUNORUBICIN: 150.0,
    Agent.EPIRUBICIN: 200.0,
    Agent.IDARUBICIN: 30.0,
    Agent.MITOXANTRONE: 30.0,
}
# The most of one anthracycline any regimen gives in one day, mg/m² (the highest labelled or standard
# single-day dose): doxorubicin 75 (doxorubicin HCl injection label: 60-75 mg/m² every 21 days as a single
# agent), liposomal doxorubicin 50 (Doxil label: 50 mg/m² every 4 weeks, ovarian
# cancer), daunorubicin 90 (AML induction at 90 mg/m² a day for 3 days, Fernandez HF et al. N Engl J Med
# 2009;361:1249-1259), epirubicin 120 (Ellence label: 100-120 mg/m² on day 1), idarubicin 12 (Idamycin
# label: 12 mg/m² a day for 3 days), mitoxantrone 14 (label: 12-14 mg/m² every 21 days). Doses of one
# drug charted on one day under different orders that add up to more are no regimen's day: one may be
# the other charted again (``administrations.more_than_a_day_gives``).
MOST_IN_ONE_DAY_MG_M2: dict[Agent, float] = {
    Agent.DOXORUBICIN: 75.0,
    Agent.LIPOSOMAL_DOXORUBICIN: 50.0,
    Agent.DAUNORUBICIN: 90.0,
    Agent.EPIRUBICIN: 120.0,
    Agent.IDARUBICIN: 12.0,
    Agent.MITOXANTRONE: 14.0,
}
# The most cumulative doxorubicin (or doxorubicin equivalents of every anthracycline) any regimen plans, in
# mg/m²: the lifetime ceiling of the doxorubicin HCl injection label ("total cumulative dose ... 550 mg/m²",
# beyond which the risk of cardiomyopathy rises steeply; 400 mg/m² after mediastinal radiation). No
# protocol plans that much still to come (the pediatric ones stop near 450 in all: COG ARST/AHOD/AEWS);
# doses still to come that plan more are a count or a dose typed wrong, not a plan to decide on
# (``plausibility.plan_beyond_ceiling``). The doses given are not held to it: continuing past 550 mg/m² in
# all under dexrazoxane is what the drug is for (CP.PHAR.418 II.A).
MOST_PLANNED_CUMULATIVE_MG_M2 = 550.0
TYROSINE_KINASE_INHIBITORS = frozenset({Agent.DASATINIB, Agent.IMATINIB})
# Words that say a dose was not given (FHIR R4 medication-admin-status "not-done": "the administration was
# terminated prior to any impact on the subject"; "on-hold"): written in an administration's own note or
# status reason beside a status that says it was given ("completed"), they contradict it, and the dose is an
# unknown part, never a dose and never zero (``administrations.words_say_not_given``). Each is a regular
# expression matched on whole words, case and spacing aside. "Held" alone is no such word ("held
# pre-hydration", "given after a 1-day hold"): only a dose held is.
NOT_GIVEN_WORDS: tuple[str, ...] = (
    r"not (?:been )?(?:given|administered|infused|received|started)",
    r"never (?:given|administered|infused|received|started)",
    r"did not (?:receive|get|give|administer|infuse)",
    r"(?:dose|doses|infusion|chemo|chemotherapy|treatment|cycle) (?:was |were |is |to be )?"
    r"(?:held|withheld|omitted|refused|cancell?ed|skipped|deferred)",
    r"(?:held|withheld|omitted|skipped|deferred) (?:the |this |today'?s )?(?:dose|infusion|chemo)",
    r"withheld",
    r"omitted",
    r"refused",
    r"cancell?ed",
)

# RxNorm, ingredient (IN) and clinical-drug (SCD) concepts (NLM RxNorm).
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

# WHO ATC index (all [V]). L01DB01 covers liposomal doxorubicin too: the name decides.
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

# HCPCS Level II J-codes (CMS HCPCS quarterly file). Left out as unverified: J9002, Q2049, Q2050, J9153.
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

# Code systems in which a code names a drug (FHIR R4 "Using Codes in Resources": RxNorm, SNOMED CT medicinal
# products, the FDA's National Drug Code http://hl7.org/fhir/sid/ndc, OID 2.16.840.1.113883.6.69; WHO ATC,
# CMS HCPCS): a medication coded in one is a drug identified, even when the service does not list its code
# (docs/facts.md "A dose under an order of another drug"). A local code is not.
NDC = ("http://hl7.org/fhir/sid/ndc", "urn:oid:2.16.840.1.113883.6.69")
DRUG_CODE_SYSTEMS = frozenset({RXNORM, ATC, SNOMED, *HCPCS, *NDC})

# Name text, the last resort (docs/facts.md "Drugs"): every name a drug the policy reads goes by, one table,
# lower case, matched where a medication's name starts (clinical.drugs). Sources: the generic names and
# their synonyms of the NCI Thesaurus / NCI Drug Dictionary (doxorubicin: Adriamycin, hydroxydaunorubicin,
# 14-hydroxydaunorubicin, hydroxydaunomycin, the "H" of CHOP; daunorubicin: daunomycin, rubidomycin;
# epirubicin: 4'-epidoxorubicin; idarubicin: 4-demethoxydaunorubicin; mitoxantrone: mitozantrone, its
# INN spelling), and the brand names of the FDA labels (Adriamycin, Rubex, Doxil, Lipodox, Cerubidine,
# Vyxeos, DaunoXome, Ellence, Idamycin, Novantrone, Zinecard, Totect, Sprycel, Phyrago, Gleevec, Imkeldi)
# and the EU product information (Caelyx, Myocet, Pharmorubicin / Farmorubicin, Zavedos, Cardioxane,
# Savene, Glivec). Hydroxydaunorubicin is doxorubicin, not daunorubicin: it contains "daunorubicin", so
# names are matched from the start of the name (a name inside another is not read as it) and doxorubicin's
# are tried first; tests/clinical/test_drugs.py checks every name of the table reads as its own drug.
# Liposomal markers are checked before plain doxorubicin (Doxil label: "Do not substitute").
LIPOSOMAL_MARKERS = ("liposom", "doxil", "lipodox", "caelyx", "myocet", "pegylated", "lipid")
NAME_PATTERNS: tuple[tuple[Agent, tuple[str, ...]], ...] = (
    (Agent.DEXRAZOXANE, ("dexrazoxane", "zinecard", "totect", "cardioxane", "savene")),
    (
        Agent.DOXORUBICIN,
        (
            "doxorubicin",
            "adriamycin",
            "rubex",
            "14-hydroxydaunorubicin",
            "hydroxydaunorubicin",
            "hydroxydaunomycin",
        ),
    ),
    # Brand names of liposomal doxorubicin, recognised on their own (a "Doxil" administration).
    (Agent.LIPOSOMAL_DOXORUBICIN, ("doxil", "lipodox", "caelyx", "myocet")),
    (
        Agent.DAUNORUBICIN,
        ("daunorubicin", "daunomycin", "rubidomycin", "cerubidine", "vyxeos", "daunoxome"),
    ),
    (
        Agent.EPIRUBICIN,
        ("epirubicin", "4'-epidoxorubicin", "epidoxorubicin", "ellence", "pharmorubicin", "farmorubicin"),
    ),
    (
        Agent.IDARUBICIN,
        ("idarubicin", "4-demethoxydaunorubicin", "demethoxydaunorubicin", "idamycin", "zavedos"),
    ),
    (Agent.MITOXANTRONE, ("mitoxantrone", "mitozantrone", "novantrone")),
    (Agent.DASATINIB, ("dasatinib", "sprycel", "phyrago")),
    (Agent.IMATINIB, ("imatinib", "gleevec", "glivec", "imkeldi")),
)

# LOINC: body height, body weight (and weight measured), body surface area (and its
# derived / measured variants, all in m2).
HEIGHT_LOINC = frozenset({"8302-2"})
WEIGHT_LOINC = frozenset({"29463-7", "3141-9"})
BSA_LOINC = frozenset({"8277-6", "3140-1", "3139-3"})
# LOINC: the patient's age as an Observation records it (a lab interface's "age at collection", an age
# reported or calculated on a form) [V] against HL7 Terminology's ValueSet
# v3-LOINCObservationActContextAgeType: 30525-0 Age, 21612-7 Age - Reported, 29553-5 Age calculated.
# 21611-9 (an estimated age) is left out: an estimate is not held to the birth date.
AGE_LOINC = frozenset({"30525-0", "21612-7", "29553-5"})

# Diagnoses. ICD-10-CM codes are compared without their dot, by prefix
# ("C50" matches C50.911); all ICD-10-CM below are [V] against the CMS April 2026 tabular.
ICD_BREAST = ("C50",)
ICD_METASTASIS = ("C77", "C78", "C79")
ICD_ALL = ("C910",)  # C91.00 / C91.01 / C91.02 only (C91.A is Burkitt-type, C91.1 CLL)
ICD_ALL_RELAPSE = ("C9102",)
# Burkitt C83.7-, DLBCL C83.3-, primary mediastinal LBCL C85.2-, and leukemic Burkitt C91.A- (mature
# B-cell leukemia Burkitt-type, the excludes1 of C83.7: the same disease in NCCN's pediatric aggressive
# mature B-cell lymphoma guideline).
ICD_AGGRESSIVE_B_CELL = ("C837", "C833", "C852", "C91A")
ICD_HODGKIN = ("C81",)
ICD_GIST = ("C49A",)  # gastrointestinal stromal tumour: not a doxorubicin soft tissue sarcoma
# Soft tissue sarcoma is coded by its tissue: C49.0-C49.9 "Malignant neoplasm of other connective and soft
# tissue" names the tissue, not a site, and is how a soft tissue sarcoma is coded (CP.PHAR.418 I.A.3.b.vi;
# docs/facts.md "Record integrity"). C49.A, gastrointestinal stromal tumour, is a histology of its own,
# usually not a doxorubicin indication, and is read as GIST (ICD_GIST).
ICD_SOFT_TISSUE_SARCOMA = ("C490", "C491", "C492", "C493", "C494", "C495", "C496", "C498", "C499")
# Site codes are not histology (docs/facts.md "Record integrity"): a cancer coded only by a site where the
# policy's indication occurs leaves that indication unknown, not absent. ICD-10-CM sites (the
# CMS ICD-10-CM tabular; "Wilms: C64.1/.2/.9, no Wilms-specific code"; "Neuroblastoma: no single code.
# Typical primaries C74.1-, C74.9-, C47.-, C38.1-C38.3, C48.0"; "Soft-tissue sarcoma: C49.-, C48.0-C48.8,
# plus site-specific primaries"; "ICD cannot distinguish sarcoma histology from carcinoma at many sites").
# C74.0 (adrenal cortex) is read with the rest of C74 (neuroblastoma: "adrenal C74.*"); soft-tissue sites
# add the orbit C69.6, the heart and mediastinum C38.0-C38.3 and the ill-defined regions C76.- (head,
# thorax, abdomen, pelvis, limbs), where sarcomas are coded when no tissue is named.
# C80 (malignant neoplasm without specification of site) rules none of them out either.
ICD_SITE_WILMS = ("C64", "C80")
ICD_SITE_NEUROBLASTOMA = ("C74", "C47", "C480", "C381", "C382", "C383", "C80")
ICD_SITE_SOFT_TISSUE = ("C48", "C47", "C696", "C76", "C380", "C381", "C382", "C383", "C80")
# In a child, rhabdomyosarcoma (the commonest soft tissue sarcoma of childhood) arises at the primary sites
# of the IRS/COG site-based pretreatment staging (NCI PDQ "Childhood Rhabdomyosarcoma Treatment", health
# professional version, "Stage information"): beside the orbit, soft tissue and ill-defined regions above,
# the parameningeal head and neck (nasopharynx C11, nasal cavity and middle ear C30, accessory sinuses C31),
# the bladder and prostate (C67, C61), the paratesticular region (epididymis and spermatic cord C63.0,
# C63.1), the female genital tract (vulva C51, vagina C52, cervix C53, uterus C54, C55) and the biliary
# tract (extrahepatic bile duct C24.0, biliary tract C24.8, C24.9). Under 18 (the policy's pediatric age),
# where carcinoma at these sites is rare, such a code without histology leaves soft tissue sarcoma
# unknown; in an adult it is read as the carcinoma it nearly always is. Bone (C40, C41) is not soft tissue:
# osteosarcoma and Ewing sarcoma of bone are not the policy's soft tissue sarcoma.
ICD_PEDIATRIC_SITE_SOFT_TISSUE = (
    *("C11", "C30", "C31", "C67", "C61", "C630", "C631"),
    *("C51", "C52", "C53", "C54", "C55", "C240", "C248", "C249"),
)
# SNOMED CT equivalents, from the HL7 mCODE STU2 "Primary Cancer Disorder" value set expansion (SNOMED CT
# US 2021-09, [V]): primary malignant neoplasm of soft tissues of the abdomen, axilla, buttock, face, head,
# hip, inguinal region, lower limb, neck, pelvis, perineum, shoulder, thorax, trunk (94050001-94063007): the
# tissue, as C49, so they meet soft tissue sarcoma.
SCT_SOFT_TISSUE_SARCOMA = frozenset(
    {
        *("94050001", "94051002", "94052009", "94053004", "94054005", "94055006", "94056007"),
        *("94057003", "94058008", "94059000", "94060005", "94061009", "94062002", "94063007"),
    }
)
# SNOMED CT site-only concepts, all [V-weak] unless marked: malignant tumor of kidney 363518003 (seen in
# several public code tables, e.g. a cancer-type table "renal: 363518003 Malignant tumor of kidney"),
# primary malignant neoplasm of kidney 93849006 (an ICD-to-SNOMED table "C64: 93849006"), primary malignant
# neoplasm of adrenal gland 93665005 (an OncoTree-derived FSH value set), malignant neoplasm of peritoneum
# 363492001, primary malignant neoplasm of orbit 93932000 (mCODE expansion, [V]). And, like C80, the
# concepts that name no site and no histology: malignant tumor 363346000 (mCODE expansion, [V]) and
# neoplasm and/or hamartoma 399981008 ([V]: the parent of the mCODE "histology morphology behavior" value
# sets; earlier read here as "malignant neoplasm of connective tissue", which it is not). They only ever
# make a criterion unknown.
SCT_NO_SITE = frozenset({"363346000", "399981008"})
SCT_SITE_WILMS = frozenset({"363518003", "93849006"}) | SCT_NO_SITE
SCT_SITE_NEUROBLASTOMA = frozenset({"93665005"}) | SCT_NO_SITE
SCT_SITE_SOFT_TISSUE = frozenset({"363492001", "93932000"}) | SCT_NO_SITE
# The pediatric soft tissue sites above in SNOMED CT (mCODE expansion, [V]): primary malignant neoplasm of
# the bladder 93689003 and its walls, trigone, ureteric orifice and neck (93675008, 93863000, 93972009,
# 94109006, 94122003, 94124002), of the prostate 93974005, of the nasopharynx's walls (93674007, 93861003,
# 93970001, 94078000) and of the middle ear 93894000.
SCT_PEDIATRIC_SITE_SOFT_TISSUE = frozenset(
    {
        *("93689003", "93675008", "93863000", "93972009", "94109006", "94122003", "94124002"),
        *("93974005", "93674007", "93861003", "93970001", "94078000", "93894000"),
    }
)
# What a diagnosis the service cannot read by its code could be, read from its text (code.text, coding
# display; lower case, matched as parts of words): only ever to leave an indication unknown, never to
# meet it (docs/facts.md "What is not read"). Keys are the ClinicalFacts the words bear on. Sources: the
# policy's own indications (CP.PHAR.418 I.A.3.b, I.B.1) in the words of their ICD-10-CM and SNOMED CT
# titles, their common abbreviations, and the Ph status words of the LOINC answers below.
HISTOLOGY_WORDS: dict[str, tuple[str, ...]] = {
    "metastatic_breast_cancer": ("breast", "metasta"),
    "acute_lymphoblastic_leukemia": (
        "lymphoblastic",
        "acute lymphoid",
        "acute lymphocytic",
        "b-all",
        "t-all",
        "pre-b",
        "precursor b",
        "precursor t",
    ),
    "aggressive_mature_b_cell_lymphoma": (
        "burkitt",
        "large b-cell",
        "large b cell",
        "dlbcl",
        "pmbcl",
        "high-grade b",
        "high grade b",
    ),
    "hodgkin_lymphoma": ("hodgkin",),
    "wilms_tumor": ("wilms", "nephroblastoma"),
    "neuroblastoma": ("neuroblastoma",),
    "soft_tissue_sarcoma": ("sarcoma",),
    "ph_positive": ("philadelphia", "bcr-abl", "bcr/abl", "bcr::abl", "t(9;22)", "ph+", "ph-positive"),
    # "extravasation" only: "infiltrating" names a carcinoma ("infiltrating ductal carcinoma")
    "anthracycline_extravasation": ("extravasat",),
}
# Words that contain an indication's and name another disease ("non-Hodgkin lymphoma", "osteosarcoma").
NOT_THE_HISTOLOGY: dict[str, tuple[str, ...]] = {
    "hodgkin_lymphoma": ("non-hodgkin", "non hodgkin", "nonhodgkin"),
    "soft_tissue_sarcoma": ("osteosarcoma", "kaposi", "carcinosarcoma", "chondrosarcoma of bone"),
}
# The indications a record nobody can read could be: every cancer the policy names (not Ph status or an
# extravasation, which other records settle).
CANCER_INDICATIONS = frozenset(
    {
        "metastatic_breast_cancer",
        "acute_lymphoblastic_leukemia",
        "aggressive_mature_b_cell_lymphoma",
        "hodgkin_lymphoma",
        "wilms_tumor",
        "neuroblastoma",
        "soft_tissue_sarcoma",
    }
)
# Text naming a cancer without naming which: it could be any of them. The bare word "tumor" is not one: a
# tumour is a mass, benign or malignant, and "to maintain tumor control" (the label's own words for why
# doxorubicin continues) names no disease; a tumour that is a cancer says so ("malignant tumor") or names
# its kind ("Wilms tumor", above). "Small round cell tumor" names the family of childhood cancers
# (neuroblastoma, Wilms tumour, rhabdomyosarcoma, Ewing sarcoma, lymphoma) without saying which.
CANCER_WORDS = (
    "cancer",
    "malignan",
    "neoplas",
    "round cell",
    "carcinoma",
    "leukemia",
    "leukaemia",
    "lymphoma",
    "blastoma",
    "metasta",
    # "oncology" names a specialty or a service ("referral to medical oncology service", "oncology clinic"),
    # no disease: only the words of a disease of it name an unspecified cancer
    "oncologic disease",
    "oncological disease",
    "oncologic disorder",
    "oncological disorder",
    "oncologic condition",
    "oncological condition",
    "oncologic diagnosis",
    "oncological diagnosis",
)
# Text naming a cancer the policy does not name, by its histology or its site (a pharmacist reads it as
# another disease): such a record bears on no indication.
OTHER_CANCER_WORDS = (
    "myeloid",
    "myelogenous",
    "myelomonocytic",
    "promyelocytic",
    "monocytic",
    "chronic lymphocytic",
    "hairy cell",
    "follicular",
    "mantle cell",
    "marginal zone",
    "t-cell",
    "myeloma",
    "melanoma",
    "mesothelioma",
    "glioma",
    "glioblastoma",
    "myelodysplastic",
    "lung",
    "bronch",
    "colon",
    "colorectal",
    "rectum",
    "rectal",
    "prostat",
    "pancrea",
    "stomach",
    "gastric",
    "hepatocellular",
    "ovar",
    "cervix",
    "cervical",
    "endometri",
    "uterine",
    "bladder",
    "thyroid",
    "esophag",
    "oesophag",
    "skin",
    "basal cell",
    "squamous cell",
    "brain",
    "larynx",
    "testi",
)
# Extravasation words that name a drug which is not an anthracycline are read by clinical.vesicants.

# Histology named in a site-coded Condition's text (code.text, coding display, an mCODE histology
# extension): the indication's own words settle it; another histology rules it out for that record.
HISTOLOGY_WILMS = ("wilms", "nephroblastoma")
HISTOLOGY_NEUROBLASTOMA = ("neuroblastoma",)  # ganglioneuroblastoma contains it
HISTOLOGY_SOFT_TISSUE_SARCOMA = ("sarcoma",)  # rhabdomyosarcoma, liposarcoma, leiomyosarcoma...
# Words that make a charted histology a question, not a finding ("rule out Wilms", "suspected
# neuroblastoma"): such text settles nothing (the record stays a site code only).
UNCERTAIN_HISTOLOGY = ("rule out", "r/o", "suspect", "possible", "probable", "likely", "?", "versus", " vs")
# Sarcomas that are not soft tissue sarcomas (bone, Kaposi) or not sarcomas (carcinosarcoma).
NOT_SOFT_TISSUE_SARCOMA = ("osteosarcoma", "kaposi", "carcinosarcoma", "chondrosarcoma of bone")
OTHER_HISTOLOGY = (
    "carcinoma",
    "lymphoma",
    "leukemia",
    "leukaemia",
    "melanoma",
    "mesothelioma",
    "stromal tumo",
    "gist",
    "pheochromocytoma",
    "paraganglioma",
    "germ cell",
    "teratoma",
    "seminoma",
    "glioma",
    "blastoma",
    "sarcoma",
    "wilms",
    "rhabdoid",
)
# A code and its own text that name different cancers conflict (docs/facts.md "Plausibility", a code and
# its own text): words naming a cancer that none of the policy's indications is (a pharmacist reads it as
# another disease, whatever the code says). Histologies only, never a site (text that adds a site, a stage or
# metastases to the code's kind is no conflict). Sources: WHO Classification of Tumours (5th ed.): bone
# sarcomas (osteosarcoma, chondrosarcoma) are not soft tissue sarcomas (NCCN Bone Cancer v1.2025 against
# Soft Tissue Sarcoma v2.2025); Kaposi sarcoma, carcinosarcoma, GIST and the myeloid, plasma cell and
# other lymphoid neoplasms below are none of I.A.3.b's.
OTHER_CANCER_KINDS = (
    "osteosarcoma",
    "chondrosarcoma",
    "kaposi",
    "carcinosarcoma",
    "gastrointestinal stromal",
    "melanoma",
    "mesothelioma",
    "myeloma",
    "plasmacytoma",
    "glioma",
    "glioblastoma",
    "medulloblastoma",
    "retinoblastoma",
    "hepatoblastoma",
    "hepatocellular",
    "myeloid",
    "myelogenous",
    "promyelocytic",
    "myelodysplastic",
    "chronic lymphocytic",
    "hairy cell",
    "mantle cell",
    "germ cell",
    "seminoma",
)
# Words of another cancer for one indication's code only: a Hodgkin code whose text says non-Hodgkin; a
# sarcoma, Wilms or neuroblastoma code whose text says carcinoma or lymphoma (an epithelial or lymphoid
# cancer, not a tumour of connective tissue or of the embryonic kidney or neural crest).
NOT_THE_KIND: dict[str, tuple[str, ...]] = {
    "hodgkin_lymphoma": ("non-hodgkin", "non hodgkin", "nonhodgkin"),
    "soft_tissue_sarcoma": ("carcinoma", "lymphoma", "leukemia", "leukaemia"),
    "wilms_tumor": ("carcinoma", "lymphoma"),
    "neuroblastoma": ("carcinoma", "lymphoma"),
}
# Words that make the other cancer named the code's own kind: an extraskeletal (extraosseous) osteosarcoma
# or chondrosarcoma arises in soft tissue and is classed with the soft tissue tumours (WHO Classification
# of Tumours, Soft Tissue and Bone, 5th ed.), so coded C49 it is no conflict.
SAME_KIND: dict[str, tuple[str, ...]] = {
    "soft_tissue_sarcoma": ("extraskeletal", "extra-skeletal", "extraosseous", "extra-osseous"),
}
# Anthracycline-induced means the anthracycline extravasated (docs/facts.md "Record integrity"). The vesicants
# and irritants that are not anthracyclines, by name and ATC (WHO ATC classes L01CA vinca alkaloids, L01DA
# actinomycines, L01DC03 mitomycin, L01AA05 chlormethine, L01CX01 trabectedin, L01CD taxanes); mitoxantrone
# (L01DB07) is an anthracenedione, not an anthracycline (Agent.MITOXANTRONE is read as such).
OTHER_VESICANT_NAMES = (
    "vincristine",
    "vinblastine",
    "vinorelbine",
    "vindesine",
    "vinflunine",
    "dactinomycin",
    "actinomycin",
    "mitomycin",
    "mechlorethamine",
    "chlormethine",
    "trabectedin",
    "paclitaxel",
    "docetaxel",
    "amsacrine",
    "streptozocin",
    "bendamustine",
    "oxaliplatin",
    "mitoxantrone",
    "novantrone",
    # US brand names of the same drugs
    "oncovin",
    "vincasar",
    "marqibo",
    "velban",
    "navelbine",
    "cosmegen",
    "mutamycin",
    "jelmyto",
    "mustargen",
    "yondelis",
    "taxol",
    "abraxane",
    "taxotere",
    "zanosar",
    "treanda",
    "bendeka",
    "belrapzo",
    "eloxatin",
)
OTHER_VESICANT_ATC_PREFIXES = ("L01CA", "L01DA", "L01DC03", "L01AA05", "L01CX01", "L01CD", "L01DB07")
# The anthracyclines of I.B.1: doxorubicin (liposomal too), daunorubicin, epirubicin, idarubicin.
EXTRAVASATION_ANTHRACYCLINES = frozenset(
    {Agent.DOXORUBICIN, Agent.LIPOSOMAL_DOXORUBICIN, Agent.DAUNORUBICIN, Agent.EPIRUBICIN, Agent.IDARUBICIN}
)
# T80.810- is "Extravasation of vesicant antineoplastic chemotherapy": ANY vesicant (vincristine,
# vinorelbine, dactinomycin, mechlorethamine... as well as the anthracyclines), so the code alone does not
# make an anthracycline extravasation (diagnoses.anthracycline_extravasation asks for the anthracycline).
# 7th character A (initial) and D (subsequent encounter) are the event; S (sequela) is a late effect, never
# a reason to start dexrazoxane.
ICD_CHEMOTHERAPY_EXTRAVASATION = "T80810"
ICD_EXTRAVASATION_SEQUELA = "T80810S"
# Codes that could be an anthracycline extravasation but do not say so: WHO ICD-10 has no extravasation
# code (T80.8 "Other complications following infusion, transfusion and therapeutic injection", T80.9
# "Unspecified complication ..."), and ICD-10-CM's T80.8- other than T80.810 (T80.81 extravasation of a
# vesicant agent, T80.818 of another vesicant agent, T80.89 other complications) and T80.9- name no
# antineoplastic. Such a code whose text names an extravasation leaves I.B.1 unknown, and still selects
# I.B for an extravasation course (docs/facts.md "What is not read"): the titles are those of the
# tables in cds_service/data/icd10.json.
ICD_EXTRAVASATION_UNSPECIFIC = ("T808", "T809")

# SNOMED CT disorders ([V] unless marked), with the subtypes of each that the HL7
# mCODE STU2 "Primary Cancer Disorder" value set expansion lists (SNOMED CT US 2021-09, [V]: "mCODE
# expansion" below). SNOMED CT subtypes not listed here are read through their text (``HISTOLOGY_WORDS``):
# never met on text, but never absent either.
SCT_BREAST = frozenset(
    {
        "254837009",
        "372137005",
        # mCODE expansion: primary malignant neoplasm of the female / male breast and of its parts (areola,
        # nipple, central portion, quadrants, ectopic breast tissue)
        "93796005",
        "93884005",
        "93680004",
        "93681000",
        "93745008",
        "93776002",
        "93777006",
        "93874009",
        "93876006",
        "93924008",
        "93925009",
        "94115006",
        "94117003",
    }
)
SCT_METASTATIC = frozenset({"128462008"})
SCT_PH_POSITIVE_ALL = frozenset({"426955004", "450950002"})  # [V-weak] PEDSnet OMOP codeset
# acute lymphoid leukemia 91857003, in remission 91856007 (mCODE expansion), B-cell ALL 277571004
SCT_ALL = frozenset({"91857003", "91856007", "277571004"}) | SCT_PH_POSITIVE_ALL
# Burkitt 118617000, mediastinal LBCL 128801005, DLBCL 413990004: all [V-weak]; Burkitt's tumor of
# lymph nodes of axilla/upper limb, head/face/neck, inguinal region/lower limb, and of an extranodal or
# solid organ site (mCODE expansion).
SCT_AGGRESSIVE_B_CELL = frozenset(
    {"118617000", "128801005", "413990004", "92511007", "92512000", "92513005", "92516002"}
)
# Hodgkin's disease 118599009, and its subtypes by histology (lymphocytic depletion, lymphocytic-histiocytic
# predominance, mixed cellularity, nodular sclerosis, granuloma, paragranuloma, sarcoma) and site listed in
# the mCODE expansion.
SCT_HODGKIN = frozenset(
    {
        "118599009",
        *("93487009", "93488004", "93489007", "93492006", "93493001", "93494007", "93495008", "93496009"),
        *("93497000", "93498005", "93500006", "93501005", "93505001", "93506000", "93507009", "93509007"),
        *("93510002", "93514006", "93515007", "93516008", "93518009", "93519001", "93520007", "93521006"),
        *("93522004", "93523009", "93524003", "93525002", "93526001", "93527005", "93528000", "93530003"),
        *("93531004", "93532006", "93533001", "93534007", "93536009", "93537000", "93541001", "93542008"),
        *("93543003", "93546006", "93547002", "93548007", "93549004", "93550004", "93551000", "93552007"),
        *("93554008", "93555009"),
    }
)
SCT_WILMS = frozenset({"302849000", "25081006"})  # disorder; morphology (nephroblastoma)
SCT_NEUROBLASTOMA = frozenset({"432328008", "87364003"})  # disorder; morphology
# Concepts that say a cancer is there but not its histology (mCODE expansion): malignant tumor 363346000,
# leukemia 93143009 (in remission 93142004), acute leukemia 91855006 (in remission 91854005), lymphoid
# leukemia in remission 93169003, malignant lymphoma of a site (93191005-93199007). Like an unspecific
# ICD-10 code, one whose text names a qualifying histology leaves that indication unknown.
SCT_UNSPECIFIC_CANCER = frozenset(
    {
        "363346000",
        "93143009",
        "93142004",
        "91855006",
        "91854005",
        "93169003",
        *("93191005", "93192003", "93193008", "93194002", "93195001", "93196000", "93197009"),
        *("93198004", "93199007"),
    }
)
# No SNOMED code for anthracycline extravasation could be verified: ICD-10-CM only.

# Ph status as a result: the LOINC codes of a BCR-ABL1 result, t(9;22)(q34.1;q11)(ABL1,BCR), the fusion
# that is the Philadelphia chromosome. Each is read as one result (a coded answer, the lab's interpretation,
# a quantity, a "not detected" in words: clinical.ph_status).
# - Quantitative ratios (LOINC) [V]: 46434-7 fusion transcript/control transcript [# Ratio],
#   55147-3 b2a2+b3a2 [# Ratio], 50195-7 [Log # Ratio], 82905-1 the same in bone marrow; and 69380-4
#   b2a2+b3a2 fusion transcript/control transcript (International Scale) [# Ratio], the IS% most US labs
#   report (LOINC long common name, as the NHS North West Genomics FHIR IG's BCR-ABL result panel codes it).
# - Qualitative presence and FISH, LOINC long common names as listed in the Taiwan NHI gene test value set
#   (nhicore.nhi.gov.tw ValueSet gene-test-code): 21821-4 fusion transcript [Presence], 21822-2 major break
#   points (p210) [Presence], 21823-0 minor break points (p190) [Presence], 42714-6 b2a2+b3a2 fusion
#   transcript [Presence], 21795-0 cells/Cells.total (FISH, the fraction of cells with the fusion).
# A quantitative result after a TKI is a response measure, not a Ph status: a negative one while on
# dasatinib or imatinib is unknown (clinical.extract ``_ph_status``), whatever its code.
LOINC_BCR_ABL1 = frozenset(
    {
        "46434-7",
        "55147-3",
        "50195-7",
        "82905-1",
        "69380-4",
        "21821-4",
        "21822-2",
        "21823-0",
        "42714-6",
        "21795-0",
    }
)
# A karyotype in ISCN (LOINC 62356-1 "Chromosome analysis result in ISCN expression", the code HL7
# Terminology's ISCN naming system names for it): t(9;22) in it is the Philadelphia chromosome, read as
# Ph-positive; a karyotype without it is no Ph status (a cryptic fusion escapes banding).
LOINC_KARYOTYPE = frozenset({"62356-1"})
# Words that name a karyotype or the test that gives one (a chromosome analysis, cytogenetics, an ISCN
# expression): an Observation so named under a code not read could be one (not read is not absent).
KARYOTYPE_WORDS = ("karyotyp", "chromosom", "cytogenetic", "iscn")
# Answers meaning "found" / "not found": LOINC LA9633-4 Present [V]; LOINC answer
# list LL360-9 "Pos|Neg": LA6576-8 Positive, LA6577-6 Negative (as its published expansions list them);
# SNOMED CT qualifiers 10828004 Positive, 260373001 Detected, 260385009 Negative, 260415000 Not detected
# (seen with these displays across public FHIR lab examples); HL7 v3 ObservationInterpretation POS / DET /
# NEG / ND. LOINC's "Absent" answer is unverified and left out.
POSITIVE_ANSWERS = frozenset({"LA9633-4", "LA6576-8", "10828004", "260373001", "POS", "DET"})
NEGATIVE_ANSWERS = frozenset({"LA6577-6", "260385009", "260415000", "NEG", "ND"})

# Response to therapy (II.A.3), as the oncologist records the cancer's trend: the mCODE Cancer Disease
# Status profile, Observation.code LOINC 97509-4 (mCODE STU2 to STU4, "Cancer disease progression") or
# 88040-1 (mCODE STU1, "Response to cancer treatment"); its value from the mCODE Condition Status Trend
# value set (SNOMED CT; STU1 also held 260415000 "Not detected", no evidence of disease).
LOINC_DISEASE_STATUS = frozenset({"97509-4", "88040-1"})
SCT_CONDITION_IMPROVED = "268910001"
SCT_CONDITION_TREND: dict[str, str] = {
    SCT_CONDITION_IMPROVED: "patient's condition improved",
    "359746009": "patient's condition stable",
    "271299001": "patient's condition worsened",
    "709137006": "patient condition undetermined",
    "260415000": "not detected (no evidence of disease)",
}

# Prescriber specialty ([V]: NUCC v21.1 expansion; SNOMED occupations).
# "Oncologist" (I.B.2) is a physician who treats cancer with drugs: medical oncology, hematology &
# oncology, pediatric hematology-oncology, gynecologic oncology. Surgical and radiation oncologists do not
# prescribe anthracyclines or manage their extravasation, so they are not read as "oncologist" here.
NUCC_ONCOLOGIST = frozenset({"207RX0202X", "207RH0003X", "2080P0207X", "207VX0201X"})
# "Oncologist or hematologist" (I.A.2) adds clinical hematology (not laboratory hematology, 207ZH0000X).
NUCC_ONC_OR_HEM = NUCC_ONCOLOGIST | frozenset({"207RH0000X"})
# SNOMED CT occupations: medical oncologist 310512001, clinical oncologist 309295000. No clinical
# hematologist occupation code could be verified (18850004 is the laboratory hematologist). SNOMED CT
# specialties (PractitionerRole.specialty, bound in FHIR R4 to the "Practice setting code value set"):
# medical oncology 394593009, clinical oncology 394592004, gynecological oncology 408446006, pediatric
# oncology 418002000 [V-weak], clinical haematology 394803006; surgical (419321007) and radiation
# (419815003) oncology are left out as their NUCC codes are (above).
SCT_ONCOLOGIST = frozenset({"310512001", "309295000", "394593009", "394592004", "408446006", "418002000"})
SCT_ONC_OR_HEM = SCT_ONCOLOGIST | frozenset({"394803006"})
# NUCC Health Care Provider Taxonomy codes are ten characters ending in X; a code of that form not listed
# above is another specialty (the oncology and hematology codes of the v21.1 expansion are all listed). Words
# that make a specialty written in a system not read (or an unlisted SNOMED CT concept) possibly oncology or
# hematology.
NUCC_CODE_FORM = r"^[0-9]{3}[0-9A-Z]{6}X$"
# Of those, the words of oncology alone (an oncologist, I.B.2).
ONCOLOGY_WORDS = ("oncolog", "hem/onc", "hem-onc", "hemonc")
ONC_OR_HEM_WORDS = (*ONCOLOGY_WORDS, "hematolog", "haematolog")

# Protocols (ClinicalTrials.gov): DFCI ALL Consortium 11-001 and 16-001 (NCT03020030 [V]); COG AALL1331
# (NCT02101853 [V]). The NCT number of DFCI 11-001 is unverified: it is matched by its name only.
DFCI_PROTOCOL_NUMBERS = ("11-001", "16-001")
DFCI_NAMES = ("DFCI", "DANA-FARBER", "DANA FARBER", "ALL CONSORTIUM")
DFCI_NCT = frozenset({"NCT03020030"})
COG_AALL1331_NAMES = ("AALL1331",)
COG_AALL1331_NCT = frozenset({"NCT02101853"})

# Radiation with potential impact to the heart ([V]: HL7 mCODE radiotherapy profiles
# and RadiotherapyTreatmentLocationVS). Radiotherapy procedures: radiotherapy 108290001, course of
# treatment 1217123003, teleradiotherapy 33195004, brachytherapy 152198000, electron 45643008, proton
# 10611004, neutron 80347004 teleradiotherapy.
SCT_RADIOTHERAPY = frozenset(
    {"108290001", "1217123003", "33195004", "152198000", "45643008", "10611004", "80347004"}
)
CPT_RADIATION_RANGE = (77261, 77799)  # CPT radiation oncology section
SCT_CHEST_SITES = frozenset(
    {
        "78904004",
        "72410000",
        "80891009",
        "76848001",
        "59652004",
        "41801008",
        "39607008",
        "76752008",
        "62683002",
    }
)
SCT_ABDOMEN_SITES = frozenset({"75093004", "35783009", "10200004", "64033007"})
SCT_SPINE_SITES = frozenset(
    {"2748008", "50800009", "54785003", "60051002", "11478001", "61853006", "35769007", "73903008"}
)
SCT_WHOLE_BODY = frozenset({"38266002"})
SCT_HEART_IMPACT_SITES = SCT_CHEST_SITES | SCT_ABDOMEN_SITES | SCT_SPINE_SITES | SCT_WHOLE_BODY

# Line of business from Coverage.type in the Source of Payment Typology (docs/facts.md): first digit.
# SOPT first digit (PHDSC Source of Payment Typology): 1 Medicare, 2 Medicaid, 3 other government (TRICARE,
# VA, Indian Health Service...), 4 Department of Corrections, 5 private insurance, 6 Blue Cross/Blue
# Shield, 8 no payment from an organization (self-pay). 7 (managed care, unspecified) and 9 (other) say
# nothing of the line of business. 3, 4 and 8 are outside the policy's "Commercial, HIM/ICHRA, Medicaid".
SOPT_LINE_OF_BUSINESS = {
    "1": "medicare",
    "2": "medicaid",
    "3": "other-government",
    "4": "other-government",
    "5": "commercial",
    "6": "commercial",
    "8": "self-pay",
    # 361 State CHIP: children's coverage run with (or as) Medicaid; the pediatric indications' members
    "361": "medicaid",
}
LINES_OF_BUSINESS = frozenset({"commercial", "marketplace", "medicaid", "medicare"})
# CP.PHAR.418 header: "Line of Business: Commercial, HIM/ICHRA, Medicaid". Medicare is outside it
# (docs/decisions.md), and so are other government programs and self-pay (SOPT 3*, 4*, 8*).
LINES_OUTSIDE_POLICY = frozenset({"medicare", "other-government", "self-pay"})
# How a payer may spell them in CDS_LINE_OF_BUSINESS_MAP: the policy says "HIM/ICHRA" for marketplace.
LINE_OF_BUSINESS_SYNONYMS = {
    **{name: name for name in LINES_OF_BUSINESS},
    "him": "marketplace",
    "ichra": "marketplace",
    "him/ichra": "marketplace",
    "exchange": "marketplace",
    "health insurance marketplace": "marketplace",
}

# Our documentation template: Questionnaire id cp-phar-418-dexrazoxane.
QUESTIONNAIRE_MARKER = "cp-phar-418"

# Self-pay in the standard code systems of Coverage.type, by every published identifier (a self-pay
# member is outside the policy, "Line of business unknown never approves or denies" in docs/decisions.md):
# - HL7 Coverage SelfPay Codes (THO; FHIR's Coverage.type value set "coverage-type" includes it): "pay",
#   and "payconc" (a concession) added in THO 7; canonical URI, the STU3 / R4-ballot URI and both OIDs;
# - HL7 v3 ActCode "PAY" (payment: "the guarantor, who may be the patient, pays the entire charge ... the
#   patient wishes to self-pay"), by its canonical URI, the STU3 URI and its OID;
# - SOPT 8* (no payment from an organization) is read with the other SOPT codes above.
COVERAGE_SELFPAY = (
    "http://terminology.hl7.org/CodeSystem/coverage-selfpay",
    "http://hl7.org/fhir/coverage-selfpay",
    "urn:oid:2.16.840.1.113883.4.642.1.1148",
    "urn:oid:2.16.840.1.113883.4.642.1.526",
)
COVERAGE_SELFPAY_CODES = frozenset({"pay", "payconc"})
V3_ACT_CODE = (
    "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "http://hl7.org/fhir/v3/ActCode",
    "urn:oid:2.16.840.1.113883.5.4",
)
V3_SELF_PAY_CODES = frozenset({"PAY"})

# FHIR R4 Timing.code: the timing-abbreviation value set (http://hl7.org/fhir/ValueSet/timing-abbreviation),
# codes of HL7 v3 GTSAbbreviation, by each of its identifiers (the THO URI, the STU3 URI, the OID). Each
# code as the (frequency, period, periodUnit) its definition states ("BID: two times a day", "QOD: every
# other day", "WK: weekly"...); a code with structured repeat data beside it is read from that data instead
# (FHIR R4 Timing.code: "either the code or the data may be used").
GTS_ABBREVIATION = (
    "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation",
    "http://hl7.org/fhir/v3/GTSAbbreviation",
    "urn:oid:2.16.840.1.113883.5.1022",
)
TIMING_ABBREVIATIONS: dict[str, tuple[int, int, str]] = {
    "QD": (1, 1, "d"),
    "AM": (1, 1, "d"),
    "PM": (1, 1, "d"),
    "BED": (1, 1, "d"),
    "BID": (2, 1, "d"),
    "TID": (3, 1, "d"),
    "QID": (4, 1, "d"),
    "QOD": (1, 2, "d"),
    "Q1H": (1, 1, "h"),
    "Q2H": (1, 2, "h"),
    "Q3H": (1, 3, "h"),
    "Q4H": (1, 4, "h"),
    "Q6H": (1, 6, "h"),
    "Q8H": (1, 8, "h"),
    "WK": (1, 1, "wk"),
    "MO": (1, 1, "mo"),
}
# FHIR R4 days-of-week codes (Timing.repeat.dayOfWeek), as Python's weekday numbers (Monday 0).
DAYS_OF_WEEK: dict[str, int] = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

# Routes of a dose (docs/facts.md "Routes"), in SNOMED CT: the concepts of FHIR R4's "SNOMED CT Route Codes"
# value set (http://hl7.org/fhir/ValueSet/route-codes). Only a dose that reaches the circulation is one of
# the cumulative totals (CP.PHAR.418 I.A.3 reads the label's cumulative doxorubicin dose, a systemic
# exposure):
# - systemic: intravenous (47625008; central 418114005, peripheral 419993007), intravascular (445755006),
#   intramuscular (78421000), subcutaneous (34206005), intraosseous (417255000), oral (26643006);
ROUTES_SYSTEMIC = frozenset(
    {"47625008", "418114005", "419993007", "445755006", "78421000", "34206005", "417255000", "26643006"}
)
# - local, not a systemic dose: intravesical (372471009), intraluminal (37737002, the bladder instillation
#   as some systems code it), urethral (90028008), transurethral (418511008), topical (6064005), cutaneous
#   (448598008), ophthalmic (54485002). Doxorubicin instilled in the bladder is barely absorbed: "systemic
#   toxicity is almost negligible" (Highley MS et al., Intravesical drug delivery: pharmacokinetic and
#   clinical considerations, Clin Pharmacokinet 1999;37(1):59-73);
ROUTES_LOCAL = frozenset(
    {"372471009", "37737002", "90028008", "418511008", "6064005", "448598008", "54485002"}
)
# - regional, its systemic share not weighed: intra-arterial (58100008: hepatic chemoembolization, whose
#   peak plasma doxorubicin differs thirtyfold between conventional TACE and drug-eluting beads, Varela M
#   et al., J Hepatol 2007;46(3):474-481), intraperitoneal (38239002), intrapleural (372469009),
#   intralesional (372466002), intratumor (447122006), intrathecal (72607000), intrahepatic (445941009),
#   body cavity (420254004), tumor cavity (419021003), intrapericardial (445771006).
ROUTES_REGIONAL = frozenset(
    {
        "58100008",
        "38239002",
        "372469009",
        "372466002",
        "447122006",
        "72607000",
        "445941009",
        "420254004",
        "419021003",
        "445771006",
    }
)
# The same three in words (a route's text or display, lower case, matched as words or their starts), read
# when no code is read, and against a code read (a text naming another kind of route is a conflict).
ROUTE_WORDS_SYSTEMIC = (
    "intravenous",
    "iv",
    "i.v.",
    "ivp",
    "ivpb",
    "iv push",
    "intravascular",
    "intramuscular",
)
ROUTE_WORDS_LOCAL = (
    "intravesical",
    "bladder",
    "intraluminal",
    "urethral",
    "topical",
    "cutaneous",
    "ophthalmic",
)
ROUTE_WORDS_REGIONAL = (
    "intra-arterial",
    "intraarterial",
    "arterial",
    "chemoemboli",
    "tace",
    "intraperitoneal",
    "intrapleural",
    "intralesional",
    "intratumo",
    "intrathecal",
    "intrahepatic",
    "hipec",
    "pipac",
)

# A limb lost (docs/facts.md "Plausibility", an amputation recorded): a height and weight give no amputee's
# BSA, which must be adjusted for the missing segments (Colangelo PM et al., Two methods for estimating body
# surface area in adult amputees, Am J Hosp Pharm 1984;41(12):2650-2655). ICD-10-CM Z89 "acquired absence
# of limb" (CMS tabular, April 1 2026): the hand and wrist (Z89.1-), the upper limb above the wrist (Z89.2-),
# the foot and ankle (Z89.43-, Z89.44-), the leg below the knee (Z89.5-) and above it (Z89.6-), unspecified
# limbs (Z89.9); WHO ICD-10 Z89.1-Z89.9 the same levels (Z89.3 both upper limbs, Z89.7 both lower limbs,
# Z89.8 upper and lower limbs). Fingers and toes (Z89.0-, Z89.41-, Z89.42-; WHO Z89.0, Z89.4) change no BSA a
# dose is sized by.
ICD_AMPUTATION = ("Z891", "Z892", "Z893", "Z8943", "Z8944", "Z895", "Z896", "Z897", "Z898", "Z899")
AMPUTATION_WORDS = ("amputat", "amputee", "disarticulat", "limb loss")
# ... and the ICD-10 titles' own words: "acquired absence of" a limb or a part of one above the fingers
# and toes ("Acquired absence of right leg above knee"), not of an organ ("of breast", "of kidney").
ABSENCE_WORDS = ("acquired absence",)
LIMB_WORDS = ("leg", "arm", "limb", "foot", "hand", "knee", "hip", "ankle", "wrist", "elbow", "shoulder")

# Cardiac dysfunction that contradicts "responding positively to therapy" when it arises during it
# (CP.PHAR.418 II.A.3; docs/facts.md "Documented answers against the record"): ICD-10-CM and WHO ICD-10
# I42 cardiomyopathy (I42.7 due to drug and external agent), I43 cardiomyopathy in diseases classified
# elsewhere, I50 heart failure; SNOMED CT 85898001 cardiomyopathy, 84114007 heart failure, 42343007
# congestive heart failure, 703272007 heart failure with reduced ejection fraction. A concept not listed
# is read by its words (only ever to leave the attestation unsettled, never to meet a criterion).
ICD_CARDIAC_DYSFUNCTION = ("I42", "I43", "I50")
SCT_CARDIAC_DYSFUNCTION = frozenset({"85898001", "84114007", "42343007", "703272007"})
CARDIAC_DYSFUNCTION_WORDS = (
    "cardiomyopath",
    "heart failure",
    "cardiac failure",
    "hfref",
    "ventricular dysfunction",
)
# Left ventricular ejection fraction (LOINC; 10230-1 the general code, 8806-2 and 18043-0 by echo, 8808-8,
# 8809-6, 8811-2, 18045-5, 79991-6 by other methods; [V-weak]: a research code set of LVEF results).
LVEF_LOINC = frozenset({"10230-1", "8806-2", "18043-0", "8808-8", "8809-6", "8811-2", "18045-5", "79991-6"})
