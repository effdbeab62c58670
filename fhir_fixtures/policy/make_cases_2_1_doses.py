"""Writes the docs/facts.md "Record integrity" dose and order cases ("2.1-<ruling>-<decision>-<what>.json" and
its `.expect.json`), on the baseline patient of make_cases.py.

Run from the repository root: `.venv/bin/python fhir_fixtures/policy/make_cases_2_1_doses.py`. The JSON
is committed; tests read the JSON, never this script. Each case is a make_cases Case (the record as the
other cases build it) plus an edit of the request that puts the ruling at work: a dose charted after
the order, one dose charted twice, a cancelled, on-hold or replaced order, two doxorubicin orders, an
order with no stated extent, a CarePlan, mg/kg doses, a BSA charted further from the doses than a height
and weight. The expected outcome is the one a payer's pharmacist reaches under CP.PHAR.418 and the
record-integrity rulings (docs/facts.md "Record integrity"); each comment works it by hand.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from make_cases import (
    DRUGS,
    HERE,
    LOINC,
    START,
    TODAY,
    Case,
    Doses,
    Json,
    days,
    expect,
    given,
    quantity,
    request,
    subject,
)

M, N, U = "met", "not_met", "unknown"
LAST_DOX = "2027-01-30"  # four doses every 21 days from today
WILMS_CHILD: dict[str, Any] = {
    "birth_date": "2022-09-10",
    "diagnoses": ["Wilms tumor"],
    "specialty": "pediatric hematology-oncology",
    "administered": [given("doxorubicin", 2, 25)],
    "dexrazoxane": [Doses("dexrazoxane", 3, 250)],
}


@dataclass
class Edited:
    case: Case
    edit: Callable[[Json], None] = lambda _body: None


def _entries(body: Json, key: str) -> list[Json]:
    bundle = body["prefetch"][key]
    bundle.setdefault("entry", [])
    return bundle["entry"]  # type: ignore[no-any-return]


def _add(body: Json, key: str, resource: Json) -> None:
    _entries(body, key).append(
        {
            "fullUrl": f"http://ehr.example.org/fhir/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
        }
    )
    body["prefetch"][key]["total"] = len(_entries(body, key))


def _drafts(body: Json) -> list[Json]:
    return [entry["resource"] for entry in body["context"]["draftOrders"]["entry"]]


def _draft(body: Json, rid: str) -> Json:
    return next(order for order in _drafts(body) if order["id"] == rid)


def _administration(rid: str, drug: str, when: str, amount: float, unit: str = "mg/m2") -> Json:
    return {
        "resourceType": "MedicationAdministration",
        "id": rid,
        "status": "completed",
        "medicationCodeableConcept": DRUGS[drug],
        "subject": subject(),
        "effectiveDateTime": when,
        "dosage": {"dose": quantity(amount, unit)},
    }


def _observation(rid: str, code: str, display: str, unit: str, value: float, when: str) -> Json:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
        "subject": subject(),
        "effectiveDateTime": when,
        "valueQuantity": quantity(value, unit),
    }


# --- edits -------------------------------------------------------------------------------------------


def dose_charted_after_the_order(body: Json) -> None:
    # A "completed" 50 mg/m² doxorubicin dose dated three days after the order (charted ahead of time).
    _add(
        body,
        "medicationAdministrations",
        _administration("doxorubicin-charted-ahead", "doxorubicin", f"{days(3).isoformat()}T09:00:00Z", 50),
    )


def dose_later_on_the_order_day_in_another_zone(body: Json) -> None:
    # The order is written at 08:00 -05:00; the sixth dose is given at 20:00 -05:00 that evening, which
    # the pump charts as 01:00Z the next day: given on the order date, on the order's clock.
    _draft(body, "dexrazoxane")["authoredOn"] = f"{TODAY.isoformat()}T08:00:00-05:00"
    _add(
        body,
        "medicationAdministrations",
        _administration("doxorubicin-evening", "doxorubicin", f"{days(1).isoformat()}T01:00:00Z", 50),
    )


def same_dose_charted_twice(body: Json) -> None:
    # The last of five doses (given 21 days ago at 09:00Z) charted again by the pump interface: another
    # id, seconds differing, written in the clinic's offset. Same drug, dose and minute: one dose.
    _add(
        body,
        "medicationAdministrations",
        _administration(
            "doxorubicin-pump-copy", "doxorubicin", f"{days(-21).isoformat()}T04:00:37-05:00", 50
        ),
    )


def same_dose_charted_twice_without_time(body: Json) -> None:
    # The last dose charted again as a bare date: with no time, a second dose that day cannot be told
    # from the same dose charted twice.
    _add(
        body,
        "medicationAdministrations",
        _administration("doxorubicin-day-only", "doxorubicin", days(-21).isoformat(), 50),
    )


def doxorubicin_draft_cancelled(body: Json) -> None:
    _draft(body, "doxorubicin-draft")["status"] = "cancelled"


def doxorubicin_order_on_hold(body: Json) -> None:
    for entry in _entries(body, "medicationRequests"):
        if entry["resource"]["id"] == "doxorubicin-active":
            entry["resource"]["status"] = "on-hold"


def draft_replaces_the_active_order(body: Json) -> None:
    _draft(body, "doxorubicin-draft")["priorPrescription"] = {
        "reference": "MedicationRequest/doxorubicin-active"
    }


def two_doxorubicin_orders(larger_first: bool, named: str | None) -> Callable[[Json], None]:
    def edit(body: Json) -> None:
        fifty = _draft(body, "doxorubicin-draft")
        forty = copy.deepcopy(fifty)
        forty["id"] = "doxorubicin-draft-40"
        forty["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 40
        forty["dosageInstruction"][0]["text"] = "40 mg/m2 IV every 21 days, 4 doses"
        entries = body["context"]["draftOrders"]["entry"]
        entries.insert(len(entries) if larger_first else 1, {"resource": forty})
        if named:
            _draft(body, "dexrazoxane")["basedOn"] = [{"reference": f"MedicationRequest/{named}"}]

    return edit


def first_cycle_without_count(body: Json) -> None:
    # The first cycle's order: one 25 mg/m² dose today, no repeat count, no bounds.
    order = _draft(body, "doxorubicin-draft")
    order["dosageInstruction"] = [
        {"sequence": 1, "text": "25 mg/m2 IV once", "doseAndRate": [{"doseQuantity": quantity(25, "mg/m2")}]}
    ]


def care_plan(count: int) -> Callable[[Json], None]:
    def edit(body: Json) -> None:
        first_cycle_without_count(body)
        _add(
            body,
            "carePlans",
            {
                "resourceType": "CarePlan",
                "id": "wilms-regimen",
                "status": "active",
                "intent": "plan",
                "title": "Wilms tumor regimen DD-4A",
                "subject": subject(),
                "created": TODAY.isoformat(),
                "activity": [
                    {
                        "detail": {
                            "kind": "MedicationRequest",
                            "status": "scheduled",
                            "productCodeableConcept": DRUGS["doxorubicin"],
                            "dailyAmount": quantity(25, "mg/m2"),
                            "scheduledTiming": {
                                "repeat": {
                                    "boundsPeriod": {"start": TODAY.isoformat()},
                                    "count": count,
                                    "frequency": 1,
                                    "period": 21,
                                    "periodUnit": "d",
                                }
                            },
                        }
                    }
                ],
            },
        )

    return edit


def bsa_charted_further_than_height_and_weight(body: Json) -> None:
    # Six 90 mg doses 21 to 126 days ago. A BSA of 2.0 m² charted 200 days ago (74 to 179 days from
    # each dose) and a height and weight of 160 cm, 58 kg 60 days ago (3 to 66 days from each): the
    # nearer sizes every dose, sqrt(160 x 58 / 3600) = 1.6055 m², 56.06 mg/m² a dose, 336.3 in all.
    # Had the charted BSA won: 45 mg/m² a dose, 270 in all.
    when = f"{days(-60).isoformat()}T10:00:00Z"
    for resource in (
        _observation(
            "bsa-charted", "8277-6", "Body surface area", "m2", 2.0, f"{days(-200).isoformat()}T10:00:00Z"
        ),
        _observation("height-recent", "8302-2", "Body height", "cm", 160, when),
        _observation("weight-recent", "29463-7", "Body weight", "kg", 58, when),
    ):
        _add(body, "observations", resource)


def messy_record(body: Json) -> None:
    """Several rulings at once, for the shuffle property to move around: a dose charted twice in another
    offset, a dose charted after the order, a cancelled 40 mg/m² doxorubicin draft, an on-hold 45 mg/m²
    doxorubicin order beside the running draft, an epirubicin history."""
    same_dose_charted_twice(body)
    dose_charted_after_the_order(body)
    cancelled = copy.deepcopy(_draft(body, "doxorubicin-draft"))
    cancelled.update({"id": "doxorubicin-draft-cancelled", "status": "cancelled"})
    cancelled["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 40
    body["context"]["draftOrders"]["entry"].insert(1, {"resource": cancelled})
    held = copy.deepcopy(_draft(body, "doxorubicin-draft"))
    held.update({"id": "doxorubicin-on-hold", "status": "on-hold"})
    held["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 45
    _add(body, "medicationRequests", held)


# --- cases -------------------------------------------------------------------------------------------


def cases() -> list[Edited]:
    adult_250 = [given("doxorubicin", 5, 50)]
    return [
        # Given means given by then: 250 mg/m² given by the order date, and a "completed" 50 mg/m² dated
        # three days later: not a dose, an unknown part. 250 known < 300 with one part unknown: pend
        # (counted, it would have made 300 and an approval).
        Edited(
            Case(
                "2.1-given-by-then-pend-completed-dose-dated-after-the-order",
                expect(
                    "pend",
                    criteria={"I.A.3": U, "I.A.3.a": U},
                    facts={"cumulative_doxorubicin_mg_m2": None},
                    documentation=["I.A.3.a"],
                ),
                administered=adult_250,
            ),
            dose_charted_after_the_order,
        ),
        # ... but a dose given on the order date counts, whatever the hour and the offset it is charted
        # in: 250 + 50 = 300, approve. It is the first dose of the doxorubicin draft (four from today),
        # so the planned total is 300 + 3 x 50 = 450, not 500.
        Edited(
            Case(
                "2.1-given-by-then-approve-dose-given-later-on-the-order-day",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 300.0, "planned_doxorubicin_mg_m2": 450.0},
                ),
                administered=adult_250,
            ),
            dose_later_on_the_order_day_in_another_zone,
        ),
        # One dose is counted once: five 50 mg/m² doses, the last charted twice (another id, seconds and
        # offset differing, the same minute): 250, not 300. Every dose known: deny.
        Edited(
            Case(
                "2.1-one-dose-counted-once-deny-same-dose-charted-twice",
                expect(
                    "deny",
                    criteria={"I.A.3.a": N},
                    facts={"cumulative_doxorubicin_mg_m2": 250.0},
                    off_label_policies=["CP.CPA.09"],
                ),
                administered=adult_250,
            ),
            same_dose_charted_twice,
        ),
        # The same dose again as a bare date: one dose or two cannot be told: 250 known, one part unknown.
        Edited(
            Case(
                "2.1-one-dose-counted-once-pend-same-dose-again-with-no-time",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"cumulative_doxorubicin_mg_m2": None},
                    documentation=["I.A.3.a"],
                ),
                administered=adult_250,
            ),
            same_dose_charted_twice_without_time,
        ),
        # Orders in play: the doxorubicin draft sent with the dexrazoxane is cancelled, and there is no
        # other doxorubicin order: I.A.4 not met, deny.
        Edited(
            Case(
                "2.1-orders-in-play-deny-cancelled-doxorubicin-draft",
                expect(
                    "deny",
                    criteria={"I.A.3.a": M, "I.A.4": N},
                    approval=None,
                    off_label_policies=["CP.CPA.09"],
                ),
            ),
            doxorubicin_draft_cancelled,
        ),
        # An on-hold doxorubicin order, nothing else: whether doxorubicin goes on is unknown: pend.
        Edited(
            Case(
                "2.1-orders-in-play-pend-doxorubicin-order-on-hold",
                expect("pend", criteria={"I.A.3.a": M, "I.A.4": U}),
                draft=[],
                active=[Doses("doxorubicin", 4, 50)],
            ),
            doxorubicin_order_on_hold,
        ),
        # A draft that replaces the active order (priorPrescription): Wilms, 50 given + 3 x 25 to come
        # under the draft = 125 < 150. Counted beside it, the active order's 3 x 25 would make 200.
        Edited(
            Case(
                "2.1-orders-in-play-deny-wilms-replaced-order-adds-no-doses",
                expect(
                    "deny",
                    criteria={"I.A.3.b.iv": N},
                    facts={"planned_doxorubicin_mg_m2": 125.0},
                    off_label_policies=["CP.CPA.09"],
                ),
                **WILMS_CHILD,
                draft=[Doses("doxorubicin", 3, 25)],
                active=[Doses("doxorubicin", 3, 25)],
            ),
            draft_replaces_the_active_order,
        ),
        # Nothing depends on resource order: doxorubicin drafts of 50 and 40 mg/m², the 50 first. The
        # ratio is taken against the smallest: 500 / 40 = 12.5 > 10, literature undocumented: pend.
        Edited(
            Case(
                "2.1-resource-order-pend-ratio-against-the-smallest-doxorubicin-dose",
                expect(
                    "pend",
                    criteria={"I.A.5": U, "I.A.5.a": N},
                    facts={"doxorubicin_dose_mg_m2": 40.0, "dose_ratio": 12.5},
                    documentation=["I.A.5.b"],
                ),
            ),
            two_doxorubicin_orders(larger_first=True, named=None),
        ),
        # ... unless the dexrazoxane order names the order it accompanies (basedOn the 50 mg/m² one):
        # 500 / 50 = 10, approve, whichever comes first.
        Edited(
            Case(
                "2.1-resource-order-approve-dexrazoxane-names-its-doxorubicin-order",
                expect(
                    "approve",
                    criteria={"I.A.5.a": M},
                    approval=(START, LAST_DOX),
                    facts={"doxorubicin_dose_mg_m2": 50.0, "dose_ratio": 10.0},
                ),
            ),
            two_doxorubicin_orders(larger_first=False, named="doxorubicin-draft"),
        ),
        # All at once, in any order: 250 mg/m² given (one of the five charted twice: one dose), one dose
        # charted after the order (unknown part), epirubicin beside it (not doxorubicin). The cancelled
        # 40 mg/m² draft and the on-hold 45 mg/m² order do not size the ratio: 500 / 50 = 10, met. The
        # running draft is concurrent. 250 known < 300 with a part unknown: pend on I.A.3.a only.
        Edited(
            Case(
                "2.1-resource-order-pend-several-rulings-at-once-in-any-order",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U, "I.A.4": M, "I.A.5.a": M},
                    facts={
                        "cumulative_doxorubicin_mg_m2": None,
                        "doxorubicin_dose_mg_m2": 50.0,
                        "dose_ratio": 10.0,
                    },
                    documentation=["I.A.3.a"],
                ),
                administered=[given("doxorubicin", 5, 50), given("epirubicin", 2, 50, last=days(-130))],
            ),
            messy_record,
        ),
        # Planned totals need a known extent: Wilms, 50 given, the first cycle ordered as one 25 mg/m²
        # dose with no count or bounds, no CarePlan: 75 < 150 is not a deny but unknown: pend.
        Edited(
            Case(
                "2.1-planned-extent-pend-wilms-first-cycle-without-count",
                expect(
                    "pend",
                    criteria={"I.A.3.b.iv": U},
                    facts={"planned_doxorubicin_mg_m2": None},
                ),
                **WILMS_CHILD,
                draft=[Doses("doxorubicin", 1, 25)],
            ),
            first_cycle_without_count,
        ),
        # An active CarePlan states the regimen: 6 doses of 25 mg/m² every 21 days from today. The order
        # plans today's; the plan adds the five after it: 50 + 25 + 125 = 200 >= 150, approve.
        Edited(
            Case(
                "2.1-planned-extent-approve-wilms-care-plan-states-the-regimen",
                expect(
                    "approve",
                    criteria={"I.A.3.b.iv": M},
                    approval=(START, START),
                    facts={"planned_doxorubicin_mg_m2": 200.0},
                ),
                **WILMS_CHILD,
                draft=[Doses("doxorubicin", 1, 25)],
            ),
            care_plan(6),
        ),
        # A CarePlan that states a short regimen (2 doses): 50 + 25 + 25 = 100 < 150 with the extent
        # known: deny.
        Edited(
            Case(
                "2.1-planned-extent-deny-wilms-care-plan-states-a-short-regimen",
                expect(
                    "deny",
                    criteria={"I.A.3.b.iv": N},
                    facts={"planned_doxorubicin_mg_m2": 100.0},
                    off_label_policies=["CP.CPA.09"],
                ),
                **WILMS_CHILD,
                draft=[Doses("doxorubicin", 1, 25)],
            ),
            care_plan(2),
        ),
        # Doses per kilogram: six doses of 1.4 mg/kg through the weight (70 kg) and the BSA (1.818 m²):
        # 323.4 mg/m² >= 300, approve (unconverted they would leave I.A.3.a unknown).
        Edited(
            Case(
                "2.1-mg-per-kg-approve-doses-converted-with-the-nearest-weight",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 323.4},
                ),
                # 1.4 x 70 kg = 98 mg a dose; / BSA sqrt(170 x 70 / 3600) = 1.8181 m²: 53.9 mg/m² a
                # dose, 323.4 mg/m² in all
                administered=[given("doxorubicin", 6, 1.4, "mg/kg")],
                body={"height": 170, "weight": 70},
            ),
        ),
        # Nearest in time wins: a height and weight measured nearer each dose than the charted BSA size
        # the doses: 336.3 mg/m² >= 300, approve (with the charted BSA: 270, a deny).
        Edited(
            Case(
                "2.1-nearest-in-time-approve-height-and-weight-nearer-than-the-charted-bsa",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"cumulative_doxorubicin_mg_m2": 336.3},
                ),
                administered=[given("doxorubicin", 6, 90, "mg")],
            ),
            bsa_charted_further_than_height_and_weight,
        ),
    ]


def main() -> None:
    for old in HERE.glob("2.1-*.json"):
        if old.name.split("-")[1] in {"given", "one", "orders", "resource", "planned", "mg", "nearest"}:
            old.unlink()
    for edited in cases():
        body = request(edited.case)
        edited.edit(body)
        name = edited.case.name
        (HERE / f"{name}.json").write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        (HERE / f"{name}.expect.json").write_text(
            json.dumps(edited.case.expect, indent=2, ensure_ascii=False) + "\n"
        )
    print(f"wrote {len(cases())} cases to {HERE}")


if __name__ == "__main__":
    main()
