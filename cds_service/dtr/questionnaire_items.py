"""What the CP.PHAR.418 documentation template asks: one yes/no question per criterion the EHR data may
leave `unknown` (CONTRACT §2), in the policy's own words (policy/CP.PHAR.418-dexrazoxane.md), grouped by
pathway; and the values the service computes, shown read-only.

Criteria that structured data always settles (I.A.4 and II.A.2 concurrent doxorubicin, I.B.1 the
extravasation diagnosis) are not asked: their absence from the record decides them.
"""

from __future__ import annotations

from dataclasses import dataclass

_RATIO = (
    "Dose does not exceed 10 times the dose of doxorubicin (e.g., dexrazoxane 500 mg/m² for member receiving "
    "doxorubicin 50 mg/m²) given with each doxorubicin dose"
)
_LITERATURE = (
    "Dose is supported by practice guidelines or peer-reviewed literature for the relevant off-label use "
    "(prescriber must submit supporting evidence)"
)
_ANTICIPATED = (
    "with an anticipated cumulative anthracycline dose ≥ 250 mg/m² of doxorubicin equivalent or radiation "
    "with potential impact to the heart (e.g., radiation to chest, abdomen, spine, or total body irradiation)"
)


@dataclass(frozen=True)
class PathwayQuestions:
    link_id: str
    text: str
    criteria: tuple[tuple[str, str], ...]  # (criterion id = linkId, the policy's words)


PATHWAY_QUESTIONS: tuple[PathwayQuestions, ...] = (
    PathwayQuestions(
        "pathway-I.A",
        "I.A. Doxorubicin-Induced Cardiomyopathy, initial approval (must meet all)",
        (
            (
                "I.A.1",
                "Prescribed to reduce the incidence or severity of cardiomyopathy associated with "
                "doxorubicin",
            ),
            ("I.A.2", "Prescribed by or in consultation with an oncologist or hematologist"),
            (
                "I.A.3.a",
                "Age ≥ 18 years, and member has received a cumulative doxorubicin dose of ≥ 300 mg/m²",
            ),
            (
                "I.A.3.b.i.1",
                "Pediatric ALL, Ph-negative: as part of the DFCI ALL Protocol 11-001 or 16-001 in members "
                + _ANTICIPATED,
            ),
            (
                "I.A.3.b.i.2",
                "Pediatric ALL, relapsed or refractory Ph-positive: in combination with dasatinib (Sprycel®) "
                f"or imatinib (Gleevec®) as part of COG AALL1331 regimen {_ANTICIPATED}",
            ),
            ("I.A.3.b.ii", "Pediatric aggressive mature B-cell lymphomas"),
            ("I.A.3.b.iii", "Pediatric Hodgkin lymphoma"),
            (
                "I.A.3.b.iv",
                "Wilms Tumor (nephroblastoma), and member has a planned cumulative dose of doxorubicin "
                "≥ 150 mg/m²",
            ),
            ("I.A.3.b.v", "Neuroblastoma"),
            (
                "I.A.3.b.vi",
                "Soft tissue sarcoma, and member has a planned cumulative dose of doxorubicin ≥ 250 mg/m²",
            ),
            ("I.A.5.a", _RATIO),
            ("I.A.5.b", _LITERATURE),
        ),
    ),
    PathwayQuestions(
        "pathway-I.B",
        "I.B. Anthracycline-Induced Extravasation (off-label) (must meet all)",
        (
            ("I.B.2", "Prescribed by or in consultation with an oncologist"),
            ("I.B.3", "Age ≥ 18 years"),
            ("I.B.4", "Dose does not exceed 2,000 mg per day on days 1 and 2, and 1,000 mg on day 3"),
        ),
    ),
    PathwayQuestions(
        "pathway-II.A",
        "II.A. Doxorubicin-Induced Cardiomyopathy, continued therapy (must meet all)",
        (
            (
                "II.A.1.a",
                "Currently receiving medication via Centene benefit or member has previously met initial "
                "approval criteria",
            ),
            (
                "II.A.1.b",
                "Member is currently receiving medication and is enrolled in a state and product with "
                "continuity of care regulations (refer to state specific addendums for CC.PHARM.03A and "
                "CC.PHARM.03B)",
            ),
            ("II.A.3", "Member is responding positively to therapy"),
            ("II.A.4.a", _RATIO),
            ("II.A.4.b", _LITERATURE),
        ),
    ),
)

CRITERION_LINK_IDS: frozenset[str] = frozenset(
    criterion for pathway in PATHWAY_QUESTIONS for criterion, _ in pathway.criteria
)


@dataclass(frozen=True)
class ComputedItem:
    link_id: str
    text: str
    type: str  # FHIR Questionnaire item type: integer | decimal | string


COMPUTED_GROUP = ("computed", "Computed by the payer's service from the EHR data (read-only)")
COMPUTED_ITEMS: tuple[ComputedItem, ...] = (
    ComputedItem("age-years", "Age in whole years on the approval start date", "integer"),
    ComputedItem("bsa-m2", "Body surface area used (m²)", "decimal"),
    ComputedItem(
        "cumulative-doxorubicin-mg-m2", "Cumulative doxorubicin dose administered (mg/m²)", "decimal"
    ),
    ComputedItem(
        "cumulative-anthracycline-mg-m2",
        "Cumulative anthracycline dose administered (mg/m² of doxorubicin equivalent)",
        "decimal",
    ),
    ComputedItem("planned-doxorubicin-mg-m2", "Planned cumulative doxorubicin dose (mg/m²)", "decimal"),
    ComputedItem(
        "planned-anthracycline-mg-m2",
        "Anticipated cumulative anthracycline dose (mg/m² of doxorubicin equivalent)",
        "decimal",
    ),
    ComputedItem("dexrazoxane-dose-mg-m2", "Dexrazoxane dose per administration (mg/m²)", "decimal"),
    ComputedItem("doxorubicin-dose-mg-m2", "Doxorubicin dose per administration (mg/m²)", "decimal"),
    ComputedItem("dose-ratio", "Dexrazoxane to doxorubicin dose ratio (x:1)", "decimal"),
    ComputedItem("diagnoses", "Diagnoses found in the record", "string"),
)
