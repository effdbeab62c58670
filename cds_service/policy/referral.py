"""Where a request outside CP.PHAR.418's covered uses is referred (I.C.2 and III): the off-label use
policy of the member's line of business, or all three when the line of business is unknown."""

from __future__ import annotations

from types import MappingProxyType

from cds_service.clinical.codes import LINES_OUTSIDE_POLICY
from cds_service.clinical.facts import ClinicalFacts
from cds_service.policy.determination import Decision

# CP.PHAR.418 I.C.2 / II.C.2: "CP.CPA.09 for commercial, HIM.PA.154 for health insurance
# marketplace/ICHRA, and CP.PMN.53 for Medicaid".
OFF_LABEL_POLICY_BY_LINE_OF_BUSINESS: MappingProxyType[str, str] = MappingProxyType(
    {"commercial": "CP.CPA.09", "marketplace": "HIM.PA.154", "medicaid": "CP.PMN.53"}
)

# The lines of business the policy does not cover (clinical.codes names the source).
LINES_OF_BUSINESS_OUTSIDE_POLICY = LINES_OUTSIDE_POLICY
LINE_OF_BUSINESS_WORDS = MappingProxyType(
    {
        "medicare": "Medicare",
        "other-government": "another government program (TRICARE, VA, corrections...)",
        "self-pay": "self-pay",
    }
)


def off_label_policies(line_of_business: str | None) -> tuple[str, ...]:
    """The off-label use policy for the line of business; every one when it is unknown."""
    known = OFF_LABEL_POLICY_BY_LINE_OF_BUSINESS.get(line_of_business or "")
    return (known,) if known else tuple(OFF_LABEL_POLICY_BY_LINE_OF_BUSINESS.values())


_IF_APPLIES = {
    Decision.APPROVE: "approve the order",
    Decision.DENY: "deny the order (off-label review under "
    + " or ".join(OFF_LABEL_POLICY_BY_LINE_OF_BUSINESS.values())
    + ", by line of business)",
    Decision.PEND: "ask for the documentation listed",
}


def line_of_business_note(facts: ClinicalFacts | None, if_applies: Decision | None = None) -> str:
    """The sentence a card and the text report carry when the line of business is unknown (the order
    pends for the member's coverage; ``if_applies``: what the policy would decide if it applies) or was
    read from the Coverage's text (docs/facts.md "Line of business")."""
    if facts is None:
        return ""
    line = facts.line_of_business
    if line.value is not None:
        # a line of business read from the Coverage's own text says so
        return (
            f"Line of business {line.value}: {line.reason}."
            if "read from Coverage text" in line.reason
            else ""
        )
    why = facts.undecidable or line.reason or "it cannot be read from the Coverage"
    would = (
        f" If the policy applies (Commercial, HIM/ICHRA and Medicaid members), it would "
        f"{_IF_APPLIES[if_applies]}."
        if if_applies is not None
        else ""
    )
    return (
        f"Line of business unknown ({why}): the order waits for the member's coverage, as Medicare, other "
        f"government programs and self-pay are outside the policy.{would}"
    )
