"""Writes the third set of "Not plausible is not a fact" cases (docs/facts.md "A dose and the records it
names", "Routes", "Plausibility", "Documented answers against the record", "Line of business";
docs/decisions.md): records in which a fact an approval (or a deny) would rest on is contradicted by another
record, so the fact is unknown (or set aside, for a dose that never reached the circulation):
`2.2-not-plausible-<decision>-<what>.json` (and two `2.2-line-of-business-*`) plus `.expect.json`, each worked
by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_3.py`. Each case is a `make_cases.Case` on
the same baseline patient (a woman of 54 with metastatic breast cancer, commercial coverage, an oncologist
prescribing, doxorubicin 50 mg/m2 given every 21 days, four more ordered with dexrazoxane 500 mg/m2), then
an edit of the request JSON (`tweak`). Codes beyond make_cases': SNOMED CT routes 372471009 intravesical and
58100008 intra-arterial (FHIR R4 route-codes), ICD-10-CM Z89.611 acquired absence of right leg above knee,
I42.7 cardiomyopathy due to drug and external agent (CMS tabular), LOINC 10230-1 left ventricular ejection
fraction, SOPT 111 Medicare HMO and 21 Medicaid managed care.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from make_cases import (
    DRUGS,
    LOINC,
    SNOMED,
    TODAY,
    UCUM,
    Case,
    days,
    expect,
    given,
    subject,
)
from make_not_read_elsewhere_cases import disease_status
from make_record_cases import RecordCase, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SOPT = "https://nahdo.org/sopt"
FOUR_GIVEN = [given("doxorubicin", 4, 60)]  # 240 mg/m2
PEND_DOSE = {"criteria": {"I.A.3.a": U}, "documentation": ["I.A.3.a"]}


def _append(body: Json, key: str, *added: Json) -> None:
    bundle = body["prefetch"].get(key) or {"resourceType": "Bundle", "type": "searchset"}
    body["prefetch"][key] = bundle
    bundle.setdefault("entry", []).extend(
        {"fullUrl": f"http://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
        for r in added
    )
    bundle["total"] = len(bundle["entry"])


def _administrations(body: Json) -> list[Json]:
    return resources(body, "medicationAdministrations")


def _last_dose(body: Json) -> Json:
    return max(_administrations(body), key=lambda a: a["effectiveDateTime"])


def _draft(body: Json, rid: str) -> Json:
    return next(e["resource"] for e in body["context"]["draftOrders"]["entry"] if e["resource"]["id"] == rid)


def _order(rid: str, status: str, authored: str, **extra: Any) -> Json:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": DRUGS["doxorubicin"],
        "subject": subject(),
        "authoredOn": authored,
        "dosageInstruction": [
            {
                "text": "DOXOrubicin 50 mg/m2 IV day 1 (cycle 6)",
                "timing": {"repeat": {"count": 1, "boundsPeriod": {"start": days(-21).isoformat()}}},
                "doseAndRate": [
                    {"doseQuantity": {"value": 50, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"}}
                ],
            }
        ],
        **extra,
    }


def last_dose_under(
    order: Json, *, key: str = "medicationRequestHistory", contained: bool = False
) -> Callable[[Json], None]:
    """The last dose charted under ``order`` (sent under ``key``, or contained in the dose)."""

    def tweak(body: Json) -> None:
        dose = _last_dose(body)
        if contained:
            dose["contained"] = [{**order, "id": "cycle"}]
            dose["request"] = {"reference": "#cycle"}
        else:
            dose["request"] = {"reference": f"MedicationRequest/{order['id']}"}
            _append(body, key, order)

    return tweak


def cancelled_the_day_before(body: Json) -> None:
    """Cycle 6 cancelled for neutropenia the day before the dose charted under it (FHIR R4: "cancelled:
    withdrawn before any administrations have occurred")."""
    before = days(-22).isoformat()
    order = _order(
        "cycle-6",
        "cancelled",
        days(-28).isoformat(),
        statusReason={"text": "Cycle 6 cancelled: ANC 0.7 x10^9/L; reschedule"},
        meta={"lastUpdated": f"{before}T16:42:00Z"},
    )
    last_dose_under(order)(body)


def stopped_before_the_dose(body: Json) -> None:
    order = _order(
        "cycle-6",
        "stopped",
        days(-28).isoformat(),
        meta={"lastUpdated": f"{days(-23).isoformat()}T10:00:00Z"},
    )
    last_dose_under(order, contained=True)(body)


def dose_before_its_order(body: Json) -> None:
    """The last dose names an active order written a week after it."""
    last_dose_under(_order("cycle-7", "active", days(-14).isoformat()), key="medicationRequests")(body)


def during_a_cancelled_encounter(body: Json) -> None:
    dose = _last_dose(body)
    dose["context"] = {"reference": "Encounter/infusion-visit"}
    _append(
        body,
        "encounters",
        {"resourceType": "Encounter", "id": "infusion-visit", "status": "cancelled", "subject": subject()},
    )


def in_progress_for_weeks(body: Json) -> None:
    dose = _last_dose(body)
    dose["status"] = "in-progress"


def route(code: str, display: str) -> Json:
    return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display.split(" ")[0]}


def instillations(
    code: str, display: str, count: int, unit: str = "mg", amount: float = 50
) -> Callable[[Json], None]:
    """``count`` weekly instillations of ``amount`` ``unit`` doxorubicin in 2024 by the route ``code``."""

    def tweak(body: Json) -> None:
        added = []
        for i in range(count):
            when = days(-900 + 7 * i).isoformat()
            added.append(
                {
                    "resourceType": "MedicationAdministration",
                    "id": f"instillation-{i + 1}",
                    "status": "completed",
                    "medicationCodeableConcept": DRUGS["doxorubicin"],
                    "subject": subject(),
                    "effectiveDateTime": f"{when}T14:00:00Z",
                    "dosage": {
                        "route": route(code, display),
                        "dose": {"value": amount, "unit": unit, "system": UCUM, "code": unit},
                    },
                }
            )
        _append(body, "medicationAdministrations", *added)

    return tweak


def measure(rid: str, code: str, when: str, value: float, unit: str) -> Json:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": subject(),
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def condition(rid: str, code: str, display: str, onset: str, system: str = ICD10CM) -> Json:
    return {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": "confirmed"}]},
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": subject(),
        "onsetDateTime": onset,
    }


def amputee(*, charted_bsa: bool) -> Callable[[Json], None]:
    """Above-knee amputation in 2016; her height of 2015 (170 cm) and one measured since (100 cm); a
    weight at every dose; with ``charted_bsa``, the dosing BSA charted at each dose too (1.6 m2)."""

    def tweak(body: Json) -> None:
        added = [
            condition("amputation", "Z89.611", "Acquired absence of right leg above knee", "2016-05-02"),
        ]
        _append(body, "conditions", *added)
        measures = [
            measure("height-2015", "8302-2", "2015-03-02T09:00:00Z", 170, "cm"),
            measure("height-since", "8302-2", f"{days(-120).isoformat()}T09:00:00Z", 100, "cm"),
        ]
        for i, dose in enumerate(_administrations(body)):
            day = dose["effectiveDateTime"][:10]
            measures.append(measure(f"weight-{i}", "29463-7", f"{day}T08:00:00Z", 52, "kg"))
            if charted_bsa:
                measures.append(measure(f"bsa-{i}", "8277-6", f"{day}T08:00:00Z", 1.6, "m2"))
        measures.append(measure("weight-today", "29463-7", f"{TODAY.isoformat()}T08:00:00Z", 52, "kg"))
        if charted_bsa:
            measures.append(measure("bsa-today", "8277-6", f"{TODAY.isoformat()}T08:00:00Z", 1.6, "m2"))
        _append(body, "observations", *measures)

    return tweak


def heights_that_disagree(body: Json) -> None:
    """Two adult heights a year apart, 150 and 170 cm (13 %), a weight at every dose."""
    measures = [
        measure("height-a", "8302-2", f"{days(-400).isoformat()}T09:00:00Z", 150, "cm"),
        measure("height-b", "8302-2", f"{days(-30).isoformat()}T09:00:00Z", 170, "cm"),
    ]
    for i, dose in enumerate(_administrations(body)):
        measures.append(
            measure(f"weight-{i}", "29463-7", f"{dose['effectiveDateTime'][:10]}T08:00:00Z", 60, "kg")
        )
    _append(body, "observations", *measures)


def new_cardiomyopathy(body: Json) -> None:
    _append(
        body,
        "conditions",
        condition(
            "cardiomyopathy", "I42.7", "Cardiomyopathy due to drug and external agent", days(-10).isoformat()
        ),
    )


def disease_improved_beside_a_new_cardiomyopathy(body: Json) -> None:
    """The treating team records the cancer improved (mCODE Cancer Disease Status), and a new cardiomyopathy
    since dexrazoxane began: the record says no one thing about the response to therapy."""
    _append(body, "diseaseStatusObservations", disease_status("268910001", "Patient's condition improved"))
    new_cardiomyopathy(body)


def ejection_fraction_fell(body: Json) -> None:
    _append(
        body,
        "echoObservations",
        measure("lvef-baseline", "10230-1", days(-200).isoformat(), 62, "%"),
        measure("lvef-now", "10230-1", days(-7).isoformat(), 44, "%"),
    )


def answer_carried_over(body: Json) -> None:
    """The response to 'responding positively' names today's order but was authored three months ago."""
    answer = resources(body, "questionnaireResponses")[0]
    answer["basedOn"] = [{"reference": "MedicationRequest/dexrazoxane"}]
    answer["authored"] = f"{days(-90).isoformat()}T16:00:00Z"


def reason_text(text: str) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        _draft(body, "dexrazoxane")["reasonCode"] = [{"text": text}]

    return tweak


def coverages(*lines: tuple[str, str, str, int]) -> Callable[[Json], None]:
    """The member's Coverages: (id, SOPT code, plan name, order of benefits)."""

    def tweak(body: Json) -> None:
        body["prefetch"]["coverage"]["entry"] = [
            {
                "resource": {
                    "resourceType": "Coverage",
                    "id": rid,
                    "status": "active",
                    "type": {"coding": [{"system": SOPT, "code": code}], "text": name},
                    "beneficiary": subject(),
                    "payor": [{"display": name}],
                    "order": order,
                }
            }
            for rid, code, name, order in lines
        ]
        body["prefetch"]["coverage"]["total"] = len(lines)

    return tweak


def doxorubicin_draft(**changes: Any) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        _draft(body, "doxorubicin-draft").update(changes)

    return tweak


def dexrazoxane_range(low: float, high: float) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        dosage = _draft(body, "dexrazoxane")["dosageInstruction"][0]
        dosage["doseAndRate"] = [
            {
                "doseRange": {
                    "low": {"value": low, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"},
                    "high": {"value": high, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"},
                }
            }
        ]

    return tweak


MEDICARE_FIRST = (("medicare-advantage", "111", "Humana Gold Plus (HMO) Medicare Advantage", 1),)
MEDICAID_SECOND = (("medicaid", "21", "Sunshine Health Medicaid Managed Care", 2),)


def cases() -> list[RecordCase]:
    pend_dose = expect("pend", **PEND_DOSE)
    unknown_part = {"cumulative_doxorubicin_known_mg_m2": 250.0, "cumulative_doxorubicin_unknown_parts": 1}
    return [
        # A dose charted under an order cancelled the day before (250 given, the 6th made it 300)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-charted-under-a-cancelled-order",
                {**pend_dose, "facts": unknown_part},
            ),
            cancelled_the_day_before,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-given-after-its-order-was-stopped",
                {**pend_dose, "facts": unknown_part},
            ),
            stopped_before_the_dose,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-dated-before-its-order-was-written",
                {**pend_dose, "facts": unknown_part},
            ),
            dose_before_its_order,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-given-during-a-cancelled-encounter",
                {**pend_dose, "facts": unknown_part},
            ),
            during_a_cancelled_encounter,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dose-charted-in-progress-for-weeks",
                {**pend_dose, "facts": unknown_part},
            ),
            in_progress_for_weeks,
        ),
        # Six bladder instillations of 50 mg in 2024 beside 240 mg/m2 given IV: no systemic dose (approved at
        # about 405 before); by chemoembolization, how much reached the circulation is not known
        RecordCase(
            Case(
                "2.2-not-plausible-deny-intravesical-doxorubicin-is-no-systemic-dose",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    facts={"cumulative_doxorubicin_mg_m2": 240.0},
                    off_label_policies=["CP.CPA.09"],
                    reasons={"I.A.3.a": ["not a systemic dose", "Intravesical"]},
                ),
                administered=FOUR_GIVEN,
            ),
            instillations("372471009", "Intravesical route", 6),
        ),
        # Chemoembolization: how much reached the circulation is not known, anywhere from nothing to the
        # dose charted: 240 to 315 straddles 300 (pend); 240 to 290 stays below it (deny)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-doxorubicin-by-chemoembolization-counts-up-to-its-dose",
                expect(
                    "pend",
                    **PEND_DOSE,
                    facts={
                        "cumulative_doxorubicin_known_mg_m2": 240.0,
                        "cumulative_doxorubicin_up_to_mg_m2": 315.0,
                    },
                    reasons={"I.A.3.a": ["counted from nothing to its whole dose"]},
                ),
                administered=FOUR_GIVEN,
            ),
            instillations("58100008", "Intra-arterial route", 1, "mg/m2", 75),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-deny-doxorubicin-by-chemoembolization-below-the-threshold-even-whole",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    facts={
                        "cumulative_doxorubicin_known_mg_m2": 240.0,
                        "cumulative_doxorubicin_up_to_mg_m2": 290.0,
                    },
                    off_label_policies=["CP.CPA.09"],
                ),
                administered=FOUR_GIVEN,
            ),
            instillations("58100008", "Intra-arterial route", 1, "mg/m2", 50),
        ),
        # An amputee: 6 x 80 mg sized by 100 cm and 52 kg are 6 x 84 (505); by 170 cm, 6 x 61 (364); by the
        # BSA charted since the amputation, 6 x 50 (300: approve)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-amputees-height-and-weight-size-no-dose",
                {
                    **pend_dose,
                    "facts": {
                        "cumulative_doxorubicin_known_mg_m2": 0.0,
                        "cumulative_doxorubicin_unknown_parts": 6,
                    },
                },
                administered=[given("doxorubicin", 6, 80, "mg")],
            ),
            amputee(charted_bsa=False),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-approve-amputee-dosed-by-the-bsa-charted-since",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(TODAY.isoformat(), "2027-01-30"),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0},
                ),
                administered=[given("doxorubicin", 6, 80, "mg")],
            ),
            amputee(charted_bsa=True),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-two-adult-heights-that-disagree",
                {**pend_dose, "facts": {"cumulative_doxorubicin_known_mg_m2": 0.0}},
                administered=[given("doxorubicin", 6, 80, "mg")],
            ),
            heights_that_disagree,
        ),
        # "Responding positively" attested beside what the record says since dexrazoxane began
        RecordCase(
            Case(
                "2.2-not-plausible-pend-response-attested-beside-a-new-cardiomyopathy",
                expect(
                    "pend",
                    "II.A",
                    criteria={"II.A.3": U},
                    documentation=["II.A.3"],
                    reasons={"II.A.3": ["the record contradicts it", "Condition/cardiomyopathy"]},
                ),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
            ),
            new_cardiomyopathy,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-disease-improved-beside-a-new-cardiomyopathy",
                expect(
                    "pend",
                    "II.A",
                    criteria={"II.A.3": U},
                    documentation=["II.A.3"],
                    reasons={
                        "II.A.3": [
                            "Observation/cancer-disease-status",
                            "the record contradicts it",
                            "Condition/cardiomyopathy",
                        ]
                    },
                ),
                prior_dexrazoxane=True,
            ),
            disease_improved_beside_a_new_cardiomyopathy,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-response-attested-beside-a-falling-ejection-fraction",
                expect("pend", "II.A", criteria={"II.A.3": U}, documentation=["II.A.3"]),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
            ),
            ejection_fraction_fell,
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-response-attested-before-its-order-existed",
                expect(
                    "pend",
                    "II.A",
                    criteria={"II.A.3": U},
                    documentation=["II.A.3"],
                    reasons={"II.A.3": ["an answer cannot predate its order"]},
                ),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
            ),
            answer_carried_over,
        ),
        # The label's words "to maintain tumor control" name no cancer: denied at 240 (pended before)
        RecordCase(
            Case(
                "2.2-not-plausible-deny-reason-text-says-tumor-control",
                expect(
                    "deny",
                    criteria={"I.A.3": N, "I.A.3.b.iv": N, "I.A.3.b.v": N, "I.A.3.b.vi": N},
                    off_label_policies=["CP.CPA.09"],
                ),
                administered=FOUR_GIVEN,
            ),
            reason_text("Cardioprotection; continuing DOXOrubicin to maintain tumor control"),
        ),
        # Two Coverages: Medicare Advantage first decides (outside the policy), the Medicaid behind it named
        RecordCase(
            Case(
                "2.2-line-of-business-not-applicable-medicare-first-medicaid-set-aside",
                expect("not-applicable", None, facts={"line_of_business": "medicare"}),
            ),
            coverages(*MEDICARE_FIRST, *MEDICAID_SECOND),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-medicaid-stated-first-before-medicare",
                expect(
                    "pend",
                    criteria={"I.A": M},
                    facts={"line_of_business": None},
                    documentation=["coverage"],
                    if_policy_applies="approve",
                ),
            ),
            coverages(
                ("medicaid", "21", "Sunshine Health Medicaid Managed Care", 1),
                ("medicare", "1", "Original Medicare Part B", 2),
            ),
        ),
        # The doxorubicin signed with it is held ("do not administer until the echo is reviewed"), or is
        # signed for another patient: whether doxorubicin goes on cannot be read (denied, approved before)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-doxorubicin-order-signed-do-not-perform",
                # with no doxorubicin order in play, the ratio's divisor is not known either
                expect("pend", criteria={"I.A.4": U}, documentation=["I.A.4", "I.A.5.a", "I.A.5.b"]),
            ),
            doxorubicin_draft(doNotPerform=True),
        ),
        RecordCase(
            Case(
                "2.2-not-plausible-pend-doxorubicin-order-signed-for-another-patient",
                expect("pend", criteria={"I.A.4": U}, documentation=["I.A.4", "I.A.5.a", "I.A.5.b"]),
            ),
            doxorubicin_draft(subject={"reference": "Patient/sibling"}),
        ),
        # A dexrazoxane dose range read at its top: 250-600 mg/m2 with doxorubicin 50 is up to 12:1
        RecordCase(
            Case(
                "2.2-not-plausible-pend-dexrazoxane-dose-range-whose-top-exceeds-ten-to-one",
                expect(
                    "pend",
                    criteria={"I.A.5.a": N, "I.A.5": U},
                    documentation=["I.A.5.b"],
                    reasons={"I.A.5.a": ["dose range 250-600 mg/m2 read at its top"]},
                ),
            ),
            dexrazoxane_range(250, 600),
        ),
    ]


def main() -> None:
    write_record_cases(cases(), "2.2-", "cases of 'Not plausible is not a fact' (third set)")


if __name__ == "__main__":
    main()
