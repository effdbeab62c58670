"""What the CP.PHAR.418 documentation template asks: one yes/no question per criterion the EHR data may
leave `unknown` (docs/decisions.md), in the policy's own words (the criteria tree, `policy.cp_phar_418`),
grouped by pathway; and the values the service computes, shown read-only.

The questions are derived from the tree: every decided node (a leaf, or a branch's qualifier) of the
pathways' roots that the tree marks ``asked``, in the tree's order. Criteria that structured data always
settles (I.A.4 and II.A.2 concurrent doxorubicin, I.B.1 the extravasation diagnosis) are not asked: their
absence from the record decides them. Nor are those only the plan's own records settle (II.A.1: benefit
history, continuity of care), which no clinician's answer can. Branches are asked only where they carry a
condition of their own (I.A.3.b.i "Pediatric ALL").
"""

from __future__ import annotations

from dataclasses import dataclass

from cds_service.policy.cp_phar_418 import POLICY
from cds_service.policy.decide import MEMBER_COVERAGE

# The pathways a clinician documents (I.C, II.B and III are referrals or judged on other sections).
_PATHWAYS = ("I.A", "I.B", "II.A")


def _asked(root: str) -> tuple[str, ...]:
    return tuple(node.id for node in POLICY[root].walk() if node.evaluator is not None and node.asked)


# (group linkId, pathway root criterion, the criteria asked)
_ASKED: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (f"pathway-{root}", root, _asked(root)) for root in _PATHWAYS
)


@dataclass(frozen=True)
class PathwayQuestions:
    link_id: str
    text: str
    criteria: tuple[tuple[str, str], ...]  # (criterion id = linkId, the policy's words)


PATHWAY_QUESTIONS: tuple[PathwayQuestions, ...] = tuple(
    PathwayQuestions(
        link_id,
        f"{root}. {POLICY[root].text}",
        tuple((criterion, POLICY[criterion].text) for criterion in asked),
    )
    for link_id, root, asked in _ASKED
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

# What settles an unknown line of business (docs/decisions.md "Line of business unknown never approves or
# denies"): the documentation list asks for it under the same linkId.
COVERAGE_GROUP = ("member-coverage", "The member's coverage")
COVERAGE_ITEM = ComputedItem(
    MEMBER_COVERAGE,
    "The member's health plan and line of business for this order (Commercial, HIM/ICHRA marketplace, "
    "Medicaid, Medicare, another government program, or self-pay)",
    "string",
)
