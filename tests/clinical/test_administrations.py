from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical.administrations import (
    Administration,
    counted_administrations,
    date_unreadable,
    status_not_read,
)
from cds_service.clinical.codes import ANTHRACYCLINES, Agent
from tests.clinical.builders import DOXORUBICIN, administration, pool_of

DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def references(*resources: dict[str, object]) -> list[str]:
    return sorted(a.reference for a in counted_administrations(pool_of(*resources), ANTHRACYCLINES))


def test_statuses_that_count() -> None:
    assert references(
        administration("done", DOXORUBICIN, "2026-01-01", (50, "mg/m2")),
        administration("running", DOXORUBICIN, "2026-01-01", (50, "mg/m2"), status="in-progress"),
        administration("stopped-dose", DOXORUBICIN, "2026-01-01", (20, "mg/m2"), status="stopped"),
        administration("stopped-none", DOXORUBICIN, "2026-01-01", None, status="stopped"),
        administration("not-done", DOXORUBICIN, "2026-01-01", (50, "mg/m2"), status="not-done"),
        administration("error", DOXORUBICIN, "2026-01-01", (50, "mg/m2"), status="entered-in-error"),
        administration("hold", DOXORUBICIN, "2026-01-01", (50, "mg/m2"), status="on-hold"),
    ) == [
        "MedicationAdministration/done",
        "MedicationAdministration/running",
        "MedicationAdministration/stopped-dose",
    ]


def test_dstu2_shape() -> None:
    dstu2 = {
        "resourceType": "MedicationAdministration",
        "id": "old",
        "status": "completed",
        "medicationCodeableConcept": DOXORUBICIN,
        "effectiveTimePeriod": {"start": "2016-04-01T10:00:00Z", "end": "2016-04-01T11:00:00Z"},
        "dosage": {"quantity": {"value": 90, "unit": "mg", "code": "mg"}},
        "prescription": {"reference": "MedicationOrder/mo"},
    }
    not_given = dict(dstu2, id="skipped", wasNotGiven=True)
    [found] = counted_administrations(pool_of(dstu2, not_given), ANTHRACYCLINES)
    assert (found.agent, found.when, found.amount, found.request) == (
        Agent.DOXORUBICIN,
        date(2016, 4, 1),
        (90, "mg"),
        "MedicationOrder/mo",
    )


@pytest.mark.parametrize(
    ("written", "unreadable"),
    [
        ({"effectiveDateTime": "2026-11-28T10:00:00+99:99"}, True),
        ({"effectiveDateTime": "0001-01-01T01:00:00+14:00"}, True),
        ({"effectiveDateTime": 20261128}, True),
        ({"effectivePeriod": {"start": "9999-12-31T23:00:00-14:00"}}, True),
        ({"effectiveDateTime": "2026-11-28T10:00:00-05:00"}, False),
        ({}, False),  # no date at all is not a date that cannot be read
    ],
)
def test_a_date_written_but_unreadable_is_told_from_no_date(
    written: dict[str, object], unreadable: bool
) -> None:
    assert date_unreadable({"resourceType": "MedicationAdministration", **written}) is unreadable


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ({"status": "completed"}, ""),
        ({"status": "not-done"}, ""),
        ({"status": "entered-in-error"}, ""),
        ({"status": "on-hold"}, ""),
        ({"status": "stopped"}, ""),
        ({}, "it has no status: whether it was given is not known"),
        (
            {"_status": {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}},
            "its status is not recorded (data-absent-reason 'unknown'): whether it was given is not known",
        ),
        ({"status": "unknown"}, "its status is 'unknown' (which applies is not known): whether it was given"),
        ({"status": "given"}, "its status 'given' is no FHIR administration status"),
        ({"status": 3}, "its status cannot be read"),
    ],
)
def test_a_status_that_does_not_say_whether_the_dose_was_given_is_not_read(
    status: dict[str, object], why: str
) -> None:
    resource = {"resourceType": "MedicationAdministration", **status}
    assert status_not_read(resource).startswith(why) if why else status_not_read(resource) == ""


def test_an_administration_whose_status_is_not_read_is_kept_aside_not_dropped() -> None:
    migrated = administration("migrated", DOXORUBICIN, "2026-08-24", (60, "mg/m2"))
    del migrated["status"]
    migrated["_status"] = {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}
    aside: list[tuple[Administration, str]] = []
    assert counted_administrations(pool_of(migrated), ANTHRACYCLINES, status_unread=aside) == []
    assert [(a.reference, why) for a, why in aside] == [
        (
            "MedicationAdministration/migrated",
            "its status is not recorded (data-absent-reason 'unknown'): whether it was given is not known",
        )
    ]
