"""Writes the eighth set of "Not plausible is not a fact" and "Not read is not absent" cases, for records
dated after today and prior dexrazoxane whose status cannot be read (docs/facts.md "Plausibility", "A
status not read"): a height, weight or BSA dated in the future, a referral and a cancer disease status dated
after today for an order written ahead, a clinician's answer authored next year, and a dexrazoxane
administration whose status does not say whether it was given, the only evidence of prior cardioprotection
(II.A). `2.2-not-plausible-<decision>-<what>.json` and
`2.2-not-read-<decision>-<what>.json` plus `.expect.json`, each worked by hand from the rule and the policy.

Run from the repository root after `make_cases.py` (which keeps `2.2-*` files):
`.venv/bin/python fhir_fixtures/policy/make_not_plausible_cases_8.py`. Each case is a `make_cases.Case`
then an edit of the request JSON (`tweak`). Beyond make_cases': an Observation's `effectiveDateTime`
moved, a second weight (LOINC 29463-7), a MedicationAdministration's `status` replaced by FHIR R4's
`unknown` or by `_status` with the data-absent-reason extension
(http://hl7.org/fhir/StructureDefinition/data-absent-reason, code `unknown`), a second dexrazoxane
administration (ATC V03AF02) with status `unknown`, a QuestionnaireResponse's `authored` moved, and an
mCODE cancer disease status (make_not_read_elsewhere_cases.disease_status) dated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from make_cases import (
    DRUGS,
    LAST_DOX,
    START,
    TODAY,
    UCUM,
    Case,
    Doses,
    days,
    expect,
    given,
    subject,
)
from make_not_plausible_cases_3 import _append, new_cardiomyopathy
from make_not_read_elsewhere_cases import disease_status
from make_record_cases import RecordCase, both, resources, write_record_cases

Json = dict[str, Any]
M, N, U = "met", "not_met", "unknown"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
# 6 x 100 mg of doxorubicin with a height of 170 cm and a weight of 68 kg: 1.79 m2 (Mosteller), 55.8 mg/m2
# a dose, 334.8 mg/m2 in all (I.A.3.a met at 300)
MG_DOSES: dict[str, Any] = {
    "administered": [given("doxorubicin", 6, 100, "mg")],
    "body": {"height": 170, "weight": 68},
}


def measured(kind: str, when: str) -> Callable[[Json], None]:
    """The ``kind`` Observation ("height", "weight", "bsa") charted at ``when`` instead of yesterday."""

    def tweak(body: Json) -> None:
        for observation in resources(body, "observations"):
            if observation["id"] == f"obs-{kind}":
                observation["effectiveDateTime"] = when

    return tweak


def another_weight(kg: float, when: str) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        weight = next(o for o in resources(body, "observations") if o["id"] == "obs-weight")
        later = {**weight, "id": "obs-weight-later", "effectiveDateTime": when}
        later["valueQuantity"] = {"value": kg, "unit": "kg", "system": UCUM, "code": "kg"}
        _append(body, "observations", later)

    return tweak


def written_on(day: str) -> Callable[[Json], None]:
    """Every order being signed written for ``day`` (ahead of today)."""

    def tweak(body: Json) -> None:
        for entry in body["context"]["draftOrders"]["entry"]:
            entry["resource"]["authoredOn"] = day

    return tweak


def referral_authored(day: str) -> Callable[[Json], None]:
    def tweak(body: Json) -> None:
        resources(body, "serviceRequests")[0]["authoredOn"] = day

    return tweak


def prior_dexrazoxane_status(status: str | None) -> Callable[[Json], None]:
    """The prior dexrazoxane dose (three weeks ago) charted with ``status``, or, for ``None``, only a
    data-absent-reason in its place (a MAR row migrated from another system)."""

    def tweak(body: Json) -> None:
        for administration in resources(body, "medicationAdministrations"):
            if administration["id"].startswith("dexrazoxane-given"):
                if status is None:
                    del administration["status"]
                    administration["_status"] = {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}
                else:
                    administration["status"] = status

    return tweak


def unread_dexrazoxane(day: int) -> Callable[[Json], None]:
    """One more dexrazoxane dose, 500 mg/m2 ``day`` days from today, its status 'unknown'."""

    def tweak(body: Json) -> None:
        when = days(day).isoformat()
        _append(
            body,
            "medicationAdministrations",
            {
                "resourceType": "MedicationAdministration",
                "id": "dexrazoxane-status-unknown",
                "status": "unknown",
                "medicationCodeableConcept": DRUGS["dexrazoxane"],
                "subject": subject(),
                "effectiveDateTime": f"{when}T09:00:00Z",
                "dosage": {"dose": {"value": 500, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"}},
            },
        )

    return tweak


def answered_on(when: str) -> Callable[[Json], None]:
    """The clinician's answers (the DTR QuestionnaireResponse) authored at ``when``."""

    def tweak(body: Json) -> None:
        resources(body, "questionnaireResponses")[0]["authored"] = when

    return tweak


def improved_on(day: str) -> Callable[[Json], None]:
    """An mCODE cancer disease status "improved" dated ``day``."""

    def tweak(body: Json) -> None:
        status = disease_status("268910001", "Patient's condition improved")
        status["effectiveDateTime"] = day
        _append(body, "diseaseStatusObservations", status)

    return tweak


AHEAD = days(10).isoformat()  # an order written for ten days on
TOMORROW_MORNING = f"{days(1).isoformat()}T08:00:00Z"  # before today's end at -14:00 (tomorrow 14:00 UTC)
DAY_AFTER_TOMORROW = f"{days(2).isoformat()}T08:00:00Z"


def cases() -> list[RecordCase]:
    return [
        # Doses in mg sized by a height of July and the only weight, charted for next month (the month typed
        # wrong): approved before on the 334.8 mg/m2 it gave. Nothing measured in the future is a
        # measurement: no weight, the doses unknown
        RecordCase(
            Case(
                "2.2-not-plausible-pend-weight-dated-next-month-sizes-no-dose",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={
                        "cumulative_doxorubicin_known_mg_m2": 0.0,
                        "cumulative_doxorubicin_unknown_parts": 6,
                    },
                    reasons={"I.A.3.a": ["Observation/obs-weight set aside", "dated after today"]},
                ),
                **MG_DOSES,
            ),
            both(measured("height", "2026-07-20T08:00:00Z"), measured("weight", "2026-12-27T08:00:00Z")),
        ),
        # The dexrazoxane ordered in mg (850 mg a dose), the height and weight of four weeks ago beside a
        # weight of 45 kg charted for a week on: nearest the order, the future weight gave 1.46 m2, 583 mg/m2,
        # a ratio of 11.7 (pend before on I.A.5). Sized by the real weight: 1.79 m2, 474 mg/m2, 9.5: approve
        RecordCase(
            Case(
                "2.2-not-plausible-approve-weight-dated-next-week-passed-over-for-the-last-one",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M, "I.A.5.a": M},
                    approval=(START, LAST_DOX),
                    facts={"bsa_m2": 1.79, "dose_ratio": 9.49},
                ),
                **MG_DOSES,
                dexrazoxane=[Doses("dexrazoxane", 4, 850, "mg")],
            ),
            both(
                measured("height", "2026-11-01T08:00:00Z"),
                measured("weight", "2026-11-01T08:00:00Z"),
                another_weight(45, f"{days(7).isoformat()}T08:00:00Z"),
            ),
        ),
        # The only measurement a BSA charted for the day after tomorrow: after today in every time zone, no
        # BSA (approved before on 333 mg/m2)
        RecordCase(
            Case(
                "2.2-not-plausible-pend-only-bsa-charted-the-day-after-tomorrow",
                expect(
                    "pend",
                    criteria={"I.A.3.a": U},
                    facts={"bsa_m2": None},
                    reasons={"I.A.3.a": ["Observation/obs-bsa set aside", "dated after today"]},
                ),
                administered=[given("doxorubicin", 6, 100, "mg")],
                body={"bsa": 1.8},
            ),
            measured("bsa", DAY_AFTER_TOMORROW),
        ),
        # The same BSA charted tomorrow at 08:00 UTC: still today at -12:00 (the evening of today there), so
        # it may be today where it was measured: kept, approved on 333 mg/m2
        RecordCase(
            Case(
                "2.2-not-plausible-approve-bsa-charted-tomorrow-may-be-today-where-measured",
                expect(
                    "approve",
                    criteria={"I.A.3.a": M},
                    approval=(START, LAST_DOX),
                    facts={"bsa_m2": 1.8, "cumulative_doxorubicin_mg_m2": 333.33},
                ),
                administered=[given("doxorubicin", 6, 100, "mg")],
                body={"bsa": 1.8},
            ),
            measured("bsa", TOMORROW_MORNING),
        ),
        # An internist's order written for ten days on, the oncology referral dated five days on: an event
        # still to come, no consultation (approved before: the referral was before the order). An order
        # being signed today cannot be written ten days on: read as of today, the referral comes after it
        RecordCase(
            Case(
                "2.2-not-plausible-pend-referral-dated-after-today-for-an-order-written-ahead",
                expect(
                    "pend",
                    criteria={"I.A.2": U},
                    reasons={"I.A.2": ["after the order of 2026-11-28"]},
                    documentation=["I.A.2"],
                ),
                specialty="internal medicine",
                oncology_referral=True,
            ),
            both(written_on(AHEAD), referral_authored(days(5).isoformat())),
        ),
        # The same order and referral authored today: a consultation, approved from today (an order being
        # signed today cannot be written ten days on: its date is set aside, docs/facts.md "An order
        # written after today")
        RecordCase(
            Case(
                "2.2-not-plausible-approve-referral-dated-today-for-an-order-written-ahead",
                expect("approve", criteria={"I.A.2": M}, approval=(START, LAST_DOX)),
                specialty="internal medicine",
                oncology_referral=True,
            ),
            both(written_on(AHEAD), referral_authored(TODAY.isoformat())),
        ),
        # A member on dexrazoxane the clinician says is not responding (denied on II.A.3), the prior dose's
        # status 'unknown': judged on I.A as a first course it was approved. Whether II.A applies is not
        # known, and the two pathways disagree: pend for the dose's status
        RecordCase(
            Case(
                "2.2-not-read-pend-not-responding-prior-dexrazoxane-status-unknown",
                expect(
                    "pend",
                    "I.A",
                    criteria={"I.A": M},
                    facts={"prior_dexrazoxane_cardioprotection": None},
                    documentation=["I.A"],
                    reason_says=["MedicationAdministration/dexrazoxane-given-1", "its status is 'unknown'"],
                ),
                prior_dexrazoxane=True,
                documented={"II.A.3": False},
            ),
            prior_dexrazoxane_status("unknown"),
        ),
        # The prior dose's status not recorded (a data-absent-reason), the response not documented: approved
        # on I.A before; II.A would pend for the response: pend
        RecordCase(
            Case(
                "2.2-not-read-pend-prior-dexrazoxane-status-not-recorded-response-undocumented",
                expect(
                    "pend",
                    "I.A",
                    criteria={"I.A": M},
                    facts={"prior_dexrazoxane_cardioprotection": None},
                    documentation=["I.A"],
                    reason_says=[
                        "MedicationAdministration/dexrazoxane-given-1",
                        "its status is not recorded",
                    ],
                ),
                prior_dexrazoxane=True,
            ),
            prior_dexrazoxane_status(None),
        ),
        # 250 mg/m2 given, the prior dose's status 'unknown': denied on I.A (I.A.3 not met) before; on II.A
        # the initial criteria and the response are open: pend, never a deny the dose could turn
        RecordCase(
            Case(
                "2.2-not-read-pend-250-given-prior-dexrazoxane-status-unknown",
                expect(
                    "pend",
                    "I.A",
                    criteria={"I.A.3": N},
                    facts={"prior_dexrazoxane_cardioprotection": None},
                    documentation=["I.A"],
                    reason_says=["MedicationAdministration/dexrazoxane-given-1", "its status is 'unknown'"],
                ),
                prior_dexrazoxane=True,
                administered=[given("doxorubicin", 5, 50)],
            ),
            prior_dexrazoxane_status("unknown"),
        ),
        # The response documented, the prior dose's status not recorded: both pathways approve, approved
        RecordCase(
            Case(
                "2.2-not-read-approve-prior-dexrazoxane-status-not-recorded-both-pathways-approve",
                expect(
                    "approve",
                    "I.A",
                    criteria={"I.A": M},
                    approval=(START, LAST_DOX),
                    facts={"prior_dexrazoxane_cardioprotection": None},
                ),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
            ),
            prior_dexrazoxane_status(None),
        ),
        # A completed prior dose beside one whose status is 'unknown': the completed one settles it, II.A
        # (not responding): denied, as before
        RecordCase(
            Case(
                "2.2-not-read-deny-not-responding-a-completed-prior-dose-beside-an-unread-one",
                expect(
                    "deny",
                    "II.A",
                    criteria={"II.A.3": N},
                    off_label_policies=["CP.CPA.09"],
                    facts={"prior_dexrazoxane_cardioprotection": True},
                ),
                prior_dexrazoxane=True,
                documented={"II.A.3": False},
            ),
            unread_dexrazoxane(-42),
        ),
        # Responding attested beside a new cardiomyopathy, the prior dose's status 'unknown': judged on I.A
        # it was approved; on II.A the record contradicts the attestation since that dose: pend
        RecordCase(
            Case(
                "2.2-not-read-pend-response-attested-beside-a-cardiomyopathy-prior-dexrazoxane-unknown",
                expect(
                    "pend",
                    "I.A",
                    criteria={"I.A": M},
                    documentation=["I.A"],
                    reason_says=[
                        "as continued therapy (II.A) pend",
                        "MedicationAdministration/dexrazoxane-given-1",
                    ],
                ),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
            ),
            both(prior_dexrazoxane_status("unknown"), new_cardiomyopathy),
        ),
        # Responding attested in a questionnaire authored next March (the year typed wrong): approved on II.A
        # before; an answer not yet written settles nothing
        RecordCase(
            Case(
                "2.2-not-plausible-pend-response-attested-in-an-answer-authored-next-year",
                expect(
                    "pend",
                    "II.A",
                    criteria={"II.A.3": U},
                    documentation=["II.A.3"],
                    reasons={"II.A.3": ["QuestionnaireResponse/documentation was authored", "after today"]},
                ),
                prior_dexrazoxane=True,
                documented={"II.A.3": True},
            ),
            answered_on(f"{days(93).isoformat()}T10:00:00Z"),
        ),
        # The order written for ten days on, the cancer "improved" in a status dated five days on: approved on
        # II.A before; a status dated after today cannot be, and the order is read as of today, the status
        # after it: none in the 90 days before the order
        RecordCase(
            Case(
                "2.2-not-plausible-pend-disease-improved-dated-after-today-for-an-order-written-ahead",
                expect(
                    "pend",
                    "II.A",
                    criteria={"II.A.3": U},
                    reasons={"II.A.3": ["no cancer disease status recorded in the 90 days before the order"]},
                ),
                prior_dexrazoxane=True,
            ),
            both(written_on(AHEAD), improved_on(days(5).isoformat())),
        ),
        # The same status dated yesterday: approved on II.A from today (the order's date set aside)
        RecordCase(
            Case(
                "2.2-not-plausible-approve-disease-improved-yesterday-for-an-order-written-ahead",
                expect("approve", "II.A", criteria={"II.A.3": M}, approval=(START, LAST_DOX)),
                prior_dexrazoxane=True,
            ),
            both(written_on(AHEAD), improved_on(days(-1).isoformat())),
        ),
        # A dose of status 'unknown' 14 months ago, outside the 12 months II.A looks back: a first course,
        # approved on I.A as before
        RecordCase(
            Case(
                "2.2-not-read-approve-dexrazoxane-status-unknown-14-months-ago",
                expect(
                    "approve",
                    "I.A",
                    criteria={"I.A": M},
                    approval=(START, LAST_DOX),
                    facts={"prior_dexrazoxane_cardioprotection": False},
                ),
            ),
            unread_dexrazoxane(-426),
        ),
    ]


def main() -> None:
    write_record_cases(
        cases(), "2.2-", "cases of records dated after today and prior dexrazoxane not read (eighth set)"
    )


if __name__ == "__main__":
    main()
