"""Copies of the Patient (docs/facts.md "Copies of the Patient that disagree"), as two properties over every
fixture request whose patient key holds its Patient, decided offline as the service decides it:

* **the order of the copies decides nothing**: the Patient sent as a history Bundle of two versions, the
  second with its birth date moved by a drawn number of days (or its death recorded), is decided the same
  whichever version comes first;
* **a copy never approves**: such a second copy never turns a pend or a deny into an approve.

Hypothesis draws the copy; example counts are modest, as the properties run over every fixture."""

from __future__ import annotations

import asyncio
import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.clinical.fhir_read import parse_date
from tests.policy.offline import REQUEST_IDS, REQUESTS, case, decide

Json = dict[str, Any]
EXAMPLES = 2
HOLD = ("pend", "deny")


def _with_patient(path: Path) -> bool:
    patient = orjson.loads(path.read_bytes()).get("prefetch", {}).get("patient")
    return isinstance(patient, dict) and patient.get("resourceType") == "Patient"


def _expected(path: Path) -> str:
    expect = orjson.loads(path.with_name(path.name.removesuffix(".json") + ".expect.json").read_bytes())
    return str(expect.get("decision"))


WITH_PATIENT = [(p, n) for p, n in zip(REQUESTS, REQUEST_IDS, strict=True) if _with_patient(p)]
HELD = [(p, n) for p, n in WITH_PATIENT if _expected(p) in HOLD]

# A second copy: its birth date moved by up to 80 years either way (a day to a lifetime), or a death.
CHANGES = st.one_of(
    st.integers(-80 * 366, 80 * 366).filter(lambda shift: shift != 0).map(lambda shift: ("birth", shift)),
    st.just(("deceased", 0)),
)


def _two_versions(body: Json, change: tuple[str, int], *, changed_first: bool) -> Json:
    found = copy.deepcopy(body)
    patient = found["prefetch"]["patient"]
    other = copy.deepcopy(patient)
    kind, shift = change
    born = parse_date(patient.get("birthDate"))
    if kind == "birth" and born is not None and len(str(patient["birthDate"])) == 10:
        other["birthDate"] = (born + timedelta(days=shift)).isoformat()
    else:
        other["deceasedBoolean"] = True
    versions = [other, patient] if changed_first else [patient, other]
    found["prefetch"]["patient"] = {
        "resourceType": "Bundle",
        "type": "history",
        "entry": [{"resource": version} for version in versions],
    }
    return found


def test_the_properties_cover_the_fixtures() -> None:
    assert len(WITH_PATIENT) >= len(REQUESTS) - 5 and len(HELD) >= 60


@pytest.mark.parametrize("request_path", [p for p, _ in WITH_PATIENT], ids=[n for _, n in WITH_PATIENT])
def test_the_order_of_the_patients_copies_decides_nothing(request_path: Path) -> None:
    body, today = case(request_path)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(CHANGES)
    def same_either_way(change: tuple[str, int]) -> None:
        first = asyncio.run(decide(_two_versions(body, change, changed_first=True), today))
        last = asyncio.run(decide(_two_versions(body, change, changed_first=False), today))
        assert first == last, change

    same_either_way()


@pytest.mark.parametrize("request_path", [p for p, _ in HELD], ids=[n for _, n in HELD])
def test_a_copy_of_the_patient_never_approves_a_held_order(request_path: Path) -> None:
    body, today = case(request_path)
    baseline = {d["order"]: d["decision"] for d in asyncio.run(decide(body, today, evidence=False))}
    held = {order for order, decision in baseline.items() if decision in HOLD}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(CHANGES, st.booleans())
    def never_approved(change: tuple[str, int], changed_first: bool) -> None:
        noisy = _two_versions(body, change, changed_first=changed_first)
        after = asyncio.run(decide(noisy, today, evidence=False))
        approved = sorted(d["order"] for d in after if d["order"] in held and d["decision"] == "approve")
        assert not approved, (change, changed_first)

    never_approved()


def test_a_patient_copy_forty_years_younger_pends_an_adults_approval() -> None:
    """The property's premise, on one fixture: the adult approved on 300 mg/m2 with a second version of
    her Patient giving a child's birth date pends, whichever version comes first."""
    (path,) = [p for p, n in WITH_PATIENT if n == "I.A.3.a-approve-adult-cumulative-300"]
    body, today = case(path)
    assert asyncio.run(decide(body, today))[0]["decision"] == "approve"
    shift = (date(2012, 3, 15) - date(1972, 3, 15)).days
    for changed_first in (True, False):
        (found,) = asyncio.run(
            decide(_two_versions(body, ("birth", shift), changed_first=changed_first), today)
        )
        assert found["decision"] == "pend" and found["criteria"]["I.A.3.a"][0] == "unknown"
