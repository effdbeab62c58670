"""Hand-built determinations and draft orders for the response and DTR tests.

The draft order meets the CRD 2.0.1 MedicationRequest profile's musts (status draft, authoredOn,
requester) so what is echoed back is what Inferno would validate.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from typing import Any

from cds_service.assertion_ids import Assessed, assertion_scope, assess
from cds_service.clinical.facts import ClinicalFacts, DoseLine, DoseTotal, ExtravasationDay, Fact
from cds_service.hooks.request import HookRequest
from cds_service.policy.determination import (
    ApprovalPeriod,
    CriterionResult,
    Decision,
    Determination,
    DocumentationRequest,
)
from cds_service.policy.outcome import Outcome

TODAY = date(2026, 11, 28)
COVERAGE = "Coverage/cov-1"

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def draft_order(order_id: str = "dex-1", *, value: float = 500, unit: str = "mg/m2") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": "3277", "display": "dexrazoxane"}],
            "text": "dexrazoxane 500 mg injection",
        },
        "subject": {"reference": "Patient/pat-1"},
        "authoredOn": "2026-11-28",
        "requester": {"reference": "Practitioner/onc-1"},
        "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.919"}]}],
        "dosageInstruction": [
            {
                "text": "with each doxorubicin dose",
                "timing": {"repeat": {"count": 4, "frequency": 1, "period": 21, "periodUnit": "d"}},
                "doseAndRate": [
                    {
                        "doseQuantity": {
                            "value": value,
                            "unit": unit,
                            "system": "http://unitsofmeasure.org",
                            "code": unit,
                        }
                    }
                ],
            }
        ],
    }


def facts(order: str = "MedicationRequest/dex-1", **changes: Any) -> ClinicalFacts:
    base = ClinicalFacts(
        order=order,
        approval_start=TODAY,
        age_years=Fact(54, ("Patient/pat-1",)),
        line_of_business=Fact("commercial", (COVERAGE,)),
        coverage=Fact(COVERAGE),
        bsa_m2=Fact(1.8, ("Observation/bsa-1",), "BSA Observation of 2026-11-20"),
        cumulative_doxorubicin=DoseTotal(
            300.0, evidence=("MedicationAdministration/a1", "MedicationAdministration/a2")
        ),
        cumulative_anthracycline=DoseTotal(
            300.0, evidence=("MedicationAdministration/a1", "MedicationAdministration/a2")
        ),
        planned_doxorubicin=DoseTotal(500.0, evidence=("MedicationRequest/dox-1",)),
        planned_anthracycline=DoseTotal(500.0, evidence=("MedicationRequest/dox-1",)),
        dose_lines=(
            DoseLine(
                "MedicationAdministration/a1",
                "doxorubicin",
                date(2026, 9, 1),
                150.0,
                150.0,
                1.8,
                "Observation/bsa-1",
            ),
            DoseLine(
                "MedicationAdministration/a2",
                "doxorubicin",
                date(2026, 10, 1),
                150.0,
                150.0,
                1.8,
                "Observation/bsa-1",
            ),
        ),
        concurrent_doxorubicin=Fact(True, ("MedicationRequest/dox-1",)),
        doxorubicin_dose_mg_m2=Fact(50.0, ("MedicationRequest/dox-1",)),
        dexrazoxane_dose_mg_m2=Fact(500.0, (order,)),
        dose_ratio=Fact(10.0, (order, "MedicationRequest/dox-1")),
        metastatic_breast_cancer=Fact(True, ("Condition/breast",)),
    )
    return replace(base, **changes)


def _leaf(
    criterion: str, outcome: Outcome, reason: str = "", evidence: tuple[str, ...] = ()
) -> CriterionResult:
    return CriterionResult(
        criterion, f"words of {criterion}", outcome, reason or f"{criterion} is {outcome}", evidence
    )


def tree(**outcomes: Outcome) -> CriterionResult:
    """An I.A tree, every leaf met unless named (``I_A_2=Outcome.UNKNOWN``)."""

    def outcome(criterion: str) -> Outcome:
        return outcomes.get(criterion.replace(".", "_"), Outcome.MET)

    leaves = [
        _leaf("I.A.1", outcome("I.A.1")),
        _leaf("I.A.2", outcome("I.A.2"), evidence=("PractitionerRole/onc-1",)),
        _leaf(
            "I.A.3.a",
            outcome("I.A.3.a"),
            evidence=("MedicationAdministration/a1", "MedicationAdministration/a2"),
        ),
        _leaf("I.A.4", outcome("I.A.4"), evidence=("MedicationRequest/dox-1",)),
        _leaf("I.A.5.a", outcome("I.A.5.a")),
    ]
    if Outcome.NOT_MET in (leaf.outcome for leaf in leaves):
        root = Outcome.NOT_MET
    elif Outcome.UNKNOWN in (leaf.outcome for leaf in leaves):
        root = Outcome.UNKNOWN
    else:
        root = Outcome.MET
    return CriterionResult(
        "I.A", "Doxorubicin-Induced Cardiomyopathy (must meet all)", root, "", (), tuple(leaves)
    )


def approve(order: dict[str, Any] | None = None, **fact_changes: Any) -> Determination:
    order = order if order is not None else draft_order()
    ref = f"MedicationRequest/{order.get('id')}"
    return Determination(
        order=ref,
        decision=Decision.APPROVE,
        pathway="I.A",
        criteria=tree(),
        facts=facts(ref, **fact_changes),
        approval=ApprovalPeriod(TODAY, date(2027, 1, 30)),
        reason="I.A: every criterion is met",
        order_resource=order,
    )


def pend(order: dict[str, Any] | None = None, **fact_changes: Any) -> Determination:
    order = order if order is not None else draft_order()
    ref = f"MedicationRequest/{order.get('id')}"
    return Determination(
        order=ref,
        decision=Decision.PEND,
        pathway="I.A",
        criteria=tree(I_A_2=Outcome.UNKNOWN),
        facts=facts(ref, **fact_changes),
        documentation=(DocumentationRequest("I.A.2", "Send the prescriber's specialty."),),
        reason="I.A: documentation is needed",
        order_resource=order,
    )


def deny(order: dict[str, Any] | None = None, **fact_changes: Any) -> Determination:
    order = order if order is not None else draft_order()
    ref = f"MedicationRequest/{order.get('id')}"
    return Determination(
        order=ref,
        decision=Decision.DENY,
        pathway="I.A",
        criteria=tree(I_A_4=Outcome.NOT_MET),
        facts=facts(ref, **fact_changes),
        off_label_policies=("CP.CPA.09",),
        reason="I.A: I.A.4 not met",
        order_resource=order,
    )


def coverage_unknown(would: Decision, order: dict[str, Any] | None = None) -> Determination:
    """The line of business unknown (docs/decisions.md "Line of business unknown never approves or
    denies"): a pend for the member's coverage, ``would`` being what the policy decides if it applies."""
    base = {Decision.APPROVE: approve, Decision.DENY: deny, Decision.PEND: pend}[would](
        order,
        line_of_business=Fact(
            None, (COVERAGE,), "Coverage has no mapped payer/plan, no SOPT type and no text"
        ),
    )
    coverage = DocumentationRequest("coverage", "Send the member's coverage for this order.")
    return replace(
        base,
        decision=Decision.PEND,
        approval=None,
        documentation=(*base.documentation, coverage),
        if_applies=would,
        off_label_policies=("CP.CPA.09", "HIM.PA.154", "CP.PMN.53") if would is Decision.DENY else (),
        reason="I.A: the member's coverage is needed",
    )


def deceased(order: dict[str, Any] | None = None) -> Determination:
    """Every criterion met, the Patient recorded as deceased: a pend, never an approval."""
    dead = Fact(
        True,
        ("Patient/pat-1",),
        "the Patient is recorded as deceased on 2026-11-01, on or before the order date 2026-11-28",
    )
    base = approve(order, deceased=dead)
    vital = DocumentationRequest(
        "vital-status", "Correct the patient's record or confirm the patient is alive."
    )
    return replace(
        base, decision=Decision.PEND, approval=None, documentation=(vital,), reason="I.A: not decided"
    )


def medicare(order: dict[str, Any] | None = None) -> Determination:
    order = order if order is not None else draft_order()
    ref = f"MedicationRequest/{order.get('id')}"
    return Determination(
        order=ref,
        decision=Decision.NOT_APPLICABLE,
        pathway=None,
        criteria=None,
        facts=facts(ref, line_of_business=Fact("medicare", (COVERAGE,))),
        reason="CP.PHAR.418 covers Commercial, HIM/ICHRA and Medicaid members; this coverage is Medicare",
        order_resource=order,
    )


def over_ratio(order: dict[str, Any] | None = None) -> Determination:
    """Dexrazoxane 600 mg/m² with doxorubicin 50 mg/m²: ratio 12:1, I.A.5.a not met."""
    order = order if order is not None else draft_order(value=600)
    ref = f"MedicationRequest/{order.get('id')}"
    return replace(
        deny(order),
        criteria=tree(I_A_5_a=Outcome.NOT_MET),
        facts=facts(ref, dexrazoxane_dose_mg_m2=Fact(600.0), dose_ratio=Fact(12.0)),
    )


def extravasation_order(day_mg: tuple[float, float]) -> dict[str, Any]:
    """Days 1-2 at `day_mg[0]` mg, day 3 at `day_mg[1]` mg, as two dosage instructions."""
    order = draft_order("dex-x", value=day_mg[0], unit="mg")
    first = order["dosageInstruction"][0]
    first["timing"] = {"repeat": {"count": 2, "frequency": 1, "period": 1, "periodUnit": "d"}}
    third = copy.deepcopy(first)
    third["timing"] = {"repeat": {"count": 1, "frequency": 1, "period": 1, "periodUnit": "d"}}
    third["doseAndRate"][0]["doseQuantity"]["value"] = day_mg[1]
    order["dosageInstruction"] = [first, third]
    return order


def over_extravasation_cap() -> Determination:
    order = extravasation_order((2200, 1100))
    ref = "MedicationRequest/dex-x"
    course = (
        ExtravasationDay(1, 2200.0, (ref,)),
        ExtravasationDay(2, 2200.0, (ref,)),
        ExtravasationDay(3, 1100.0, (ref,)),
    )
    return replace(
        deny(order),
        pathway="I.B",
        facts=facts(ref, extravasation_course=course, anthracycline_extravasation=Fact(True)),
    )


PATIENT_ID = "pat-1"
FHIR_SERVER = "https://ehr.example.org/fhir"


def hook_request(*orders: dict[str, Any], extension: dict[str, Any] | None = None) -> HookRequest:
    return HookRequest.model_validate(
        {
            "hook": "order-sign",
            "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "fhirServer": FHIR_SERVER,
            "context": {
                "userId": "Practitioner/onc-1",
                "patientId": PATIENT_ID,
                "draftOrders": {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"fullUrl": f"urn:uuid:{o['id']}", "resource": o} for o in orders],
                },
            },
            **({"extension": extension} if extension is not None else {}),
        }
    )


ASSERTION_KEY = b"test-assertion-key"


def assessed(*determinations: Determination, key: bytes = ASSERTION_KEY, client: str = "") -> list[Assessed]:
    """The determinations with their coverage assertions, as ``evaluation`` hands them on for the patient
    and FHIR server of ``hook_request``."""
    scope = assertion_scope(PATIENT_ID, FHIR_SERVER, client)
    return assess(determinations, scope=scope, key=key)
