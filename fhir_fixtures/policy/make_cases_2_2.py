"""Writes the cases of "Not plausible is not a fact" and its rulings (docs/facts.md "Plausibility" and "One
dose, every link"; docs/decisions.md "Line of business unknown never approves or denies"):
`2.2-<rule>-<decision>-<what>.json` plus `.expect.json`, each a record on which the rule changes the
decision, worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_cases_2_2.py`. Each case is a `make_cases.Case` on the same
baseline patient, then an edit of the request JSON (`tweak`) for what the compact description does not
say (a deceased date, a height in the wrong field, an order's intent and links, a Coverage's codes).
Codes beyond make_cases': HL7 Coverage SelfPay Codes `pay` and v3 ActCode `PAY` (self-pay, see
cds_service/clinical/codes.py); UCUM `[lb_av]`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from make_cases import (
    LOINC,
    START,
    TODAY,
    UCUM,
    Case,
    Doses,
    concept,
    days,
    expect,
    given,
    subject,
)
from make_record_cases import RecordCase, both, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
LAST_DOX = "2027-01-30"  # four doses every 21 days from today: the last on January 30
SARCOMA = {
    "diagnoses": ["soft tissue sarcoma"],
    "administered": [given("doxorubicin", 3, 50)],
    "dexrazoxane": [Doses("dexrazoxane", 1, 500)],
}


def patient(**changes: Any) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        body["prefetch"]["patient"].update(changes)

    return tweak


def observation(rid: str, code: str, when: str, value: float, unit: str) -> Json:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": concept(LOINC, code, {"8302-2": "Body height", "29463-7": "Body weight"}[code]),
        "subject": subject(),
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def add_observations(*found: Json) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        bundle = body["prefetch"]["observations"]
        bundle.setdefault("entry", []).extend(
            {"fullUrl": f"http://ehr.example.org/fhir/Observation/{o['id']}", "resource": o} for o in found
        )
        bundle["total"] = len(bundle["entry"])

    return tweak


def administration_dated(rid: str, when: str) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        for administration in resources(body, "medicationAdministrations"):
            if administration["id"] == rid:
                administration["effectiveDateTime"] = when

    return tweak


def active_order_as_plan(body: Json) -> None:
    """The active doxorubicin order is the regimen's plan (intent plan)."""
    (plan,) = [o for o in resources(body, "medicationRequests") if o["id"] == "doxorubicin-active"]
    plan["intent"] = "plan"


def release_based_on_the_plan(body: Json) -> None:
    """The draft doxorubicin order releases the plan's first cycle: an intent order based on it."""
    release = _draft(body, "doxorubicin-draft")
    release["basedOn"] = [{"reference": "MedicationRequest/doxorubicin-active"}]


def plan_and_release_share_a_group(body: Json) -> None:
    """No basedOn: the plan and its release carry the same groupIdentifier (one requisition)."""
    group = {"system": "http://ehr.example.org/fhir/requisition", "value": "REQ-2026-1128-7"}
    _draft(body, "doxorubicin-draft")["groupIdentifier"] = group
    (plan,) = [o for o in resources(body, "medicationRequests") if o["id"] == "doxorubicin-active"]
    plan["groupIdentifier"] = group


def _draft(body: Json, rid: str) -> Json:
    (found,) = [e["resource"] for e in body["context"]["draftOrders"]["entry"] if e["resource"]["id"] == rid]
    return found


def coverage(**changes: Any) -> Callable[[Json], None]:
    """The Coverage as a payer may send it: its type, payer and classes replaced."""

    def tweak(body: Json) -> None:
        found = resources(body, "coverage")[0]
        found.update(changes)

    return tweak


def second_coverage(code: str, display: str) -> Callable[[Json], None]:
    """Another active Coverage, neither stating which comes first in the order of benefits."""

    def tweak(body: Json) -> None:
        bundle = body["prefetch"]["coverage"]
        other = {
            **bundle["entry"][0]["resource"],
            "id": "coverage-2",
            "type": concept("https://nahdo.org/sopt", code, display),
        }
        bundle["entry"].append(
            {"fullUrl": "http://ehr.example.org/fhir/Coverage/coverage-2", "resource": other}
        )
        bundle["total"] = 2

    return tweak


def care_plan(description: str) -> Callable[[Json], None]:
    """An active CarePlan that names the regimen in words only: no activity the service can read."""

    def tweak(body: Json) -> None:
        plan = {
            "resourceType": "CarePlan",
            "id": "sarcoma-regimen",
            "status": "active",
            "intent": "plan",
            "title": "Soft tissue sarcoma chemotherapy",
            "description": description,
            "subject": subject(),
            "period": {"start": days(-63).isoformat()},
        }
        body["prefetch"]["carePlans"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": 1,
            "entry": [{"fullUrl": "http://ehr.example.org/fhir/CarePlan/sarcoma-regimen", "resource": plan}],
        }

    return tweak


def cancelled_dexrazoxane_draft(body: Json) -> None:
    """An earlier dexrazoxane draft, cancelled, sent again among the orders being signed."""
    old = json.loads(json.dumps(_draft(body, "dexrazoxane")))
    old["id"] = "dexrazoxane-cancelled"
    old["status"] = "cancelled"
    old["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 900
    body["context"]["draftOrders"]["entry"].append({"resource": old})


SELF_PAY = "http://terminology.hl7.org/CodeSystem/coverage-selfpay"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CMS = "Centers for Medicare & Medicaid Services"
# Six 80 mg doses for a woman of 164 cm and 60 kg (BSA 1.65 m2): 48.4 mg/m2 each, 290 mg/m2 in all.
EIGHTY_MG = {"administered": [given("doxorubicin", 6, 80, "mg")]}
YESTERDAY = f"{(TODAY - timedelta(days=1)).isoformat()}T08:00:00Z"


def cases() -> list[RecordCase]:
    return [
        # Deceased on or before the order date: no approval, pend saying so
        RecordCase(
            Case(
                "2.2-not-plausible-pend-patient-deceased-before-the-order",
                expect("pend", criteria={"I.A": M}, documentation=["vital-status"]),
            ),
            patient(deceasedDateTime=days(-10).isoformat()),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-deceased-flag-without-a-date",
                expect("pend", criteria={"I.A": M}, documentation=["vital-status"]),
            ),
            patient(deceasedBoolean=True),
        ),
        # A height in inches typed into the centimetre field: a BSA of 1.03 m2 instead of 1.65 made 290
        # mg/m2 read 465 (a false approval); set aside, the mg doses cannot be sized
        RecordCase(
            Case(
                "2.2-not-plausible-pend-adult-height-in-inches-in-the-centimetre-field",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"bsa_m2": None, "cumulative_doxorubicin_mg_m2": None},
                    documentation=["I.A.3.a"],
                ),
                **EIGHTY_MG,
            ),
            add_observations(
                observation("height", "8302-2", YESTERDAY, 64.5, "cm"),
                observation("weight", "29463-7", YESTERDAY, 60, "kg"),
            ),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-deny-the-same-doses-with-the-height-in-centimetres",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    facts={"cumulative_doxorubicin_mg_m2": 290.33},
                    off_label_policies=["CP.CPA.09"],
                ),
                **EIGHTY_MG,
            ),
            add_observations(
                observation("height", "8302-2", YESTERDAY, 164, "cm"),
                observation("weight", "29463-7", YESTERDAY, 60, "kg"),
            ),
        ),
        # A weight far from the patient's others (kilograms charted as pounds: 27 kg among 60s) nearest
        # the last dose made it 71.6 mg/m2 instead of 48.4 and the total 313: set aside, 290 and a deny
        RecordCase(
            Case(
                "2.2-not-plausible-deny-weight-far-from-the-others-set-aside",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    facts={"cumulative_doxorubicin_mg_m2": 290.33},
                    off_label_policies=["CP.CPA.09"],
                ),
                **EIGHTY_MG,
            ),
            add_observations(
                observation("height", "8302-2", days(-150).isoformat(), 164, "cm"),
                observation("weight-1", "29463-7", days(-150).isoformat(), 60, "kg"),
                observation("weight-2", "29463-7", days(-100).isoformat(), 60, "kg"),
                observation("weight-3", "29463-7", days(-60).isoformat(), 60, "kg"),
                observation("weight-4", "29463-7", days(-1).isoformat(), 60, "[lb_av]"),
            ),
        ),
        # Doses given at 15, sized by a height measured at 19 (the same weights then): a growing child's
        # height sizes only doses within a year of it (the adult height made them 48.7 each, 292: a deny)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-doses-at-15-sized-by-a-height-taken-at-19",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"age_years": 19, "cumulative_doxorubicin_mg_m2": None},
                    documentation=["I.A.3.a"],
                ),
                birth_date="2007-06-01",
                administered=[given("doxorubicin", 6, 75, "mg", last=days(-1200))],
            ),
            add_observations(
                observation("height", "8302-2", YESTERDAY, 175, "cm"),
                *(
                    observation(f"weight-{i}", "29463-7", days(-1200 - 21 * i).isoformat(), 50, "kg")
                    for i in range(6)
                ),
            ),
        ),
        # A doxorubicin dose dated before the patient's birth is a charting slip, never a dose: the known
        # 250 mg/m2 cannot meet 300 and the slip leaves the total open
        RecordCase(
            Case(
                "2.2-not-plausible-pend-doxorubicin-dose-dated-before-birth",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"cumulative_doxorubicin_mg_m2": None, "cumulative_doxorubicin_known_mg_m2": 250.0},
                    documentation=["I.A.3.a"],
                ),
            ),
            administration_dated("doxorubicin-given-1-1", "1971-07-30T09:00:00Z"),
        ),
        # One dose, every link: a regimen ordered as an intent plan and its first cycle released as an
        # order based on it are one dose today (150 given + 50 = 200 < 250), not two (250: a false approval)
        RecordCase(
            Case(
                "2.2-not-plausible-deny-sarcoma-plan-and-its-release-counted-once",
                expect(
                    "deny",
                    criteria={"I.A.3.b.vi": N},
                    facts={"planned_doxorubicin_mg_m2": 200.0},
                    off_label_policies=["CP.CPA.09"],
                ),
                **SARCOMA,
                draft=[Doses("doxorubicin", 1, 50)],
                active=[Doses("doxorubicin", 1, 50)],
            ),
            both(active_order_as_plan, release_based_on_the_plan),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-deny-sarcoma-plan-and-release-sharing-a-group-identifier",
                expect(
                    "deny",
                    criteria={"I.A.3.b.vi": N},
                    facts={"planned_doxorubicin_mg_m2": 200.0},
                    off_label_policies=["CP.CPA.09"],
                ),
                **SARCOMA,
                draft=[Doses("doxorubicin", 1, 50)],
                active=[Doses("doxorubicin", 1, 50)],
            ),
            both(active_order_as_plan, plan_and_release_share_a_group),
        ),
        # Line of business unknown never approves or denies
        RecordCase(
            Case(
                "2.2-line-of-business-pend-coverage-names-no-line-of-business",
                expect(
                    "pend",
                    criteria={"I.A": M},
                    facts={"line_of_business": None},
                    documentation=["coverage"],
                    if_policy_applies="approve",
                ),
            ),
            coverage(type={"text": "Health plan"}),
        ),
        RecordCase(
            Case(
                "2.2-line-of-business-pend-coverage-text-names-medicare-and-medicaid",
                expect(
                    "pend",
                    criteria={"I.A": M},
                    facts={"line_of_business": None},
                    documentation=["coverage"],
                    if_policy_applies="approve",
                ),
            ),
            coverage(type={"text": "Medicare-Medicaid Plan"}),
        ),
        RecordCase(
            Case(
                "2.2-line-of-business-pend-two-coverages-neither-first-differ",
                expect(
                    "pend",
                    criteria={"I.A.3.a": N},
                    facts={"line_of_business": None},
                    documentation=["coverage"],
                    off_label_policies=["CP.CPA.09", "HIM.PA.154", "CP.PMN.53"],
                    if_policy_applies="deny",
                ),
                administered=[given("doxorubicin", 5, 50)],
            ),
            second_coverage("2", "MEDICAID"),
        ),
        RecordCase(
            Case(
                "2.2-line-of-business-not-applicable-medicare-part-b-paid-by-cms",
                expect("not-applicable", None, facts={"line_of_business": "medicare"}),
            ),
            coverage(type={"text": "Medicare Part B"}, payor=[{"display": CMS}]),
        ),
        RecordCase(
            Case(
                "2.2-line-of-business-not-applicable-payer-named-cms",
                expect("not-applicable", None, facts={"line_of_business": "medicare"}),
            ),
            coverage(type={"text": "Health plan"}, payor=[{"display": CMS}]),
        ),
        RecordCase(
            Case(
                "2.2-line-of-business-deny-medicaid-plan-paid-through-cms",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    facts={"line_of_business": "medicaid"},
                    off_label_policies=["CP.PMN.53"],
                ),
                administered=[given("doxorubicin", 5, 50)],
            ),
            coverage(type={"text": "Medicaid managed care"}, payor=[{"display": CMS}]),
        ),
        RecordCase(
            Case(
                "2.2-line-of-business-not-applicable-self-pay-coverage-selfpay-code",
                expect("not-applicable", None, facts={"line_of_business": "self-pay"}),
            ),
            coverage(type=concept(SELF_PAY, "pay", "Pay")),
        ),
        RecordCase(
            Case(
                "2.2-line-of-business-not-applicable-self-pay-v3-actcode",
                expect("not-applicable", None, facts={"line_of_business": "self-pay"}),
            ),
            coverage(type=concept(ACT_CODE, "PAY", "payment")),
        ),
        # A care plan named but not read: the planned 200 mg/m2 is below 250, but the CarePlan names
        # doxorubicin in words whose doses and extent the service cannot read
        RecordCase(
            Case(
                "2.2-care-plan-named-pend-sarcoma-regimen-in-words-only",
                expect("pend", criteria={"I.A.3.b.vi": U}, documentation=["I.A.3.b.vi"]),
                **SARCOMA,
                draft=[Doses("doxorubicin", 1, 50)],
            ),
            care_plan("AIM: doxorubicin 75 mg/m2 with ifosfamide, every 21 days, 6 cycles"),
        ),
        RecordCase(
            Case(
                "2.2-care-plan-named-deny-without-the-care-plan",
                expect("deny", criteria={"I.A.3.b.vi": N}, off_label_policies=["CP.CPA.09"]),
                **SARCOMA,
                draft=[Doses("doxorubicin", 1, 50)],
            ),
        ),
        # A dexrazoxane order not in play gets no determination: one determination, for the order signed
        RecordCase(
            Case(
                "2.2-order-not-in-play-approve-cancelled-dexrazoxane-draft-beside-the-one-signed",
                expect(
                    "approve",
                    criteria={"I.A": M},
                    approval=(START, LAST_DOX),
                    order="MedicationRequest/dexrazoxane",
                ),
            ),
            cancelled_dexrazoxane_draft,
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of 'Not plausible is not a fact'")


if __name__ == "__main__":
    main()
