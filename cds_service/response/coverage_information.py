"""The CRD `ext-coverage-information` extension for one determination (docs/response.md "Coverage
information").

By default the output keeps to what both CRD 2.0.1 (the Inferno kit's profile) and CRD 2.2 accept
(docs/response.md "Coverage information"); 2.2-only elements (doc-needed on an approval, expiry-date, detail)
are added only when the client asks for 2.2.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.policy.cp_phar_418 import POLICY_ID, POLICY_URL
from cds_service.policy.determination import Decision, Determination
from cds_service.policy.outcome import NOT_SHOWN, Outcome
from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL, DEXRAZOXANE_BILLING_CODE, CrdVersion
from cds_service.response.unread import keys, unread_named

# THO crd-coverage-detail (Da Vinci CRD 2.2, coverage-information "detail").
COVERAGE_DETAIL_SYSTEM = "http://terminology.hl7.org/CodeSystem/crd-coverage-detail"


def _sub(url: str, value_type: str, value: Any) -> dict[str, Any]:
    return {"url": url, value_type: value}


def _criteria_with(determination: Determination, outcome: Outcome) -> list[str]:
    if determination.criteria is None:
        return []
    return [
        node.id for node in determination.criteria.walk() if node.outcome is outcome and not node.children
    ]


def _awaiting_review_only(determination: Determination) -> bool:
    """A pend with nothing left to send: the evidence is with the payer (docs/facts.md "Record integrity"), so
    coverage-information says auth-needed without doc-needed (and so without a questionnaire, crd-ci-q1)."""
    return (
        determination.decision is Decision.PEND
        and bool(determination.evidence_under_review)
        and not determination.documentation
    )


def _coverage_unknown(determination: Determination) -> bool:
    """The line of business is unknown: whether the policy applies at all depends on the member's coverage
    (docs/decisions.md "Line of business unknown never approves or denies")."""
    return determination.decision is Decision.PEND and determination.if_applies is not None


_SEND_COVERAGE = "Send the member's coverage (health plan, line of business)."
_IF_APPLIES = {
    Decision.APPROVE: "its criteria are met",
    Decision.DENY: "its criteria are not met",
    Decision.PEND: "clinical documentation is also needed (complete the documentation template)",
}


def assertion_reason(determination: Determination, *, unsolicited_determ: bool = True) -> str:
    """One sentence, for the `reason` text (invariants crd-ci-q7/q8 want a reason with text)."""
    pathway = f" pathway {determination.pathway}" if determination.pathway else ""
    if _coverage_unknown(determination) and determination.if_applies is not None:
        facts = determination.facts
        why = (facts.undecidable or facts.line_of_business.reason) if facts else ""
        return (
            f"Coverage conditional on the member's line of business, which the EHR data does not settle"
            f"{f' ({why})' if why else ''}: send the member's coverage. {POLICY_ID} applies to Commercial, "
            f"HIM/ICHRA and Medicaid members; if it applies{pathway}, "
            f"{_IF_APPLIES[determination.if_applies]}."
        )
    if determination.decision is Decision.APPROVE and not unsolicited_determ:
        return (
            f"The {POLICY_ID}{pathway} criteria are met per the EHR data; the prior authorization request "
            "must still be submitted (no unsolicited determination was requested)."
        )
    if determination.decision is Decision.APPROVE:
        period = determination.approval
        through = f" from {period.start.isoformat()} through {period.end.isoformat()}" if period else ""
        return (
            f"Meets {POLICY_ID}{pathway} from the EHR data: covered{through}; "
            "no prior authorization request needed."
        )
    if determination.decision is Decision.DENY:
        unmet = ", ".join(_criteria_with(determination, Outcome.NOT_MET)) or "a required criterion"
        referral = (
            f" Off-label use is reviewed under {', '.join(determination.off_label_policies)}."
            if determination.off_label_policies
            else ""
        )
        return f"Does not meet {POLICY_ID}{pathway}: {unmet} not met.{referral}"
    if _awaiting_review_only(determination):
        return (
            f"Prior authorization needed: {POLICY_ID}{pathway} supporting evidence for "
            f"{', '.join(determination.evidence_under_review)} was received and awaits the payer's review."
        )
    undocumented = [doc.criterion for doc in determination.documentation] or _criteria_with(
        determination, Outcome.UNKNOWN
    )
    listed = ", ".join(undocumented) or "some criteria"
    reason = (
        f"Prior authorization needed: {POLICY_ID}{pathway}: {NOT_SHOWN}: {listed}; complete the "
        "documentation template."
    )
    unread = unread_named(determination)
    if unread:
        # A pend on a partial read names the query, and what would let it complete (docs/integration.md).
        reason += (
            f" Not read in full: {unread[0].reason}"
            + (f" (also {keys(unread[1:])})" if len(unread) > 1 else "")
            + "; sign again once fhirServer answers, or send them in the prefetch."
        )
    return reason


def coverage_information(
    determination: Determination,
    *,
    coverage: str,
    assertion_id: str,
    pa_id: str,
    questionnaire: str,
    today: date,
    version: CrdVersion,
    unsolicited_determ: bool = True,
) -> dict[str, Any] | None:
    """The extension for an approve, deny or pend; None for not-applicable (no coverage assertion).

    `unsolicited_determ` false (CRD §found-35): an approve is not answered with the PA satisfied; it is
    reported like a pend (auth-needed, clinical documentation with the PA, the questionnaire), the reason
    saying the criteria are met."""
    decision = determination.decision
    if decision is Decision.NOT_APPLICABLE:
        return None
    satisfied = decision is Decision.APPROVE and unsolicited_determ
    subs: list[dict[str, Any]] = [_sub("coverage", "valueReference", {"reference": coverage})]
    if satisfied:
        subs.append(_sub("covered", "valueCode", "covered"))
        subs.append(_sub("pa-needed", "valueCode", "satisfied"))
        if version is CrdVersion.V2_2:
            # Keep the chart notes the policy asks for ("Provider must submit documentation ...").
            subs.append(_sub("doc-needed", "valueCode", "clinical"))
            subs.append(_sub("doc-purpose", "valueCode", "retain-doc"))
    elif decision is Decision.DENY:
        subs.append(_sub("covered", "valueCode", "not-covered"))  # crd-ci-q2: no pa-needed
    elif _coverage_unknown(determination):
        # Whether the policy applies is not known: coverage and PA are conditional on the member's line of
        # business, the information needed (crd-ci-q3: info-needed; OTH, explained by the reason: q6).
        subs.append(_sub("covered", "valueCode", "conditional"))
        subs.append(_sub("pa-needed", "valueCode", "conditional"))
        if determination.if_applies is Decision.PEND:
            subs.append(_sub("doc-needed", "valueCode", "clinical"))
            subs.append(_sub("doc-purpose", "valueCode", "withpa"))
        subs.append(_sub("info-needed", "valueCode", "OTH"))
    elif _awaiting_review_only(determination):
        subs.append(_sub("covered", "valueCode", "covered"))
        subs.append(_sub("pa-needed", "valueCode", "auth-needed"))
    else:
        subs.append(_sub("covered", "valueCode", "covered"))
        subs.append(_sub("pa-needed", "valueCode", "auth-needed"))
        subs.append(_sub("doc-needed", "valueCode", "clinical"))
        subs.append(_sub("doc-purpose", "valueCode", "withpa"))
    subs.append(_sub("billingCode", "valueCoding", dict(DEXRAZOXANE_BILLING_CODE)))
    reason = assertion_reason(determination, unsolicited_determ=unsolicited_determ)
    subs.append(_sub("reason", "valueCodeableConcept", {"text": reason}))
    if version is CrdVersion.V2_2:
        subs.append(
            {
                "url": "detail",
                "extension": [
                    _sub("category", "valueCode", "cat-other"),
                    _sub(
                        "code",
                        "valueCodeableConcept",
                        {"coding": [{"system": COVERAGE_DETAIL_SYSTEM, "code": "policy-link"}]},
                    ),
                    _sub("value", "valueUrl", POLICY_URL),
                ],
            }
        )
    if version is CrdVersion.V2_2 and _coverage_unknown(determination):
        subs.append(
            {
                "url": "detail",
                "extension": [
                    _sub("category", "valueCode", "cat-other"),
                    _sub(
                        "code",
                        "valueCodeableConcept",
                        {"coding": [{"system": COVERAGE_DETAIL_SYSTEM, "code": "instructions"}]},
                    ),
                    _sub("value", "valueString", _SEND_COVERAGE),
                ],
            }
        )
    asks_documents = not _coverage_unknown(determination) or determination.if_applies is Decision.PEND
    if (decision is Decision.PEND and asks_documents and not _awaiting_review_only(determination)) or (
        decision is Decision.APPROVE and not satisfied
    ):
        subs.append(_sub("questionnaire", "valueCanonical", questionnaire))
    subs.append(_sub("date", "valueDate", today.isoformat()))
    subs.append(_sub("coverage-assertion-id", "valueString", assertion_id))
    if satisfied:
        subs.append(_sub("satisfied-pa-id", "valueString", pa_id))
        if version is CrdVersion.V2_2 and determination.approval is not None:
            # "if the payer knows of an expiry date, they must share it" (CoverageInformation.fsh, 2.1+).
            subs.append(_sub("expiry-date", "valueDate", determination.approval.end.isoformat()))
    return {"url": COVERAGE_INFORMATION_URL, "extension": subs}
