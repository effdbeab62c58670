"""Not plausible is not a fact (docs/facts.md "Plausibility", "One dose, every link"), as two properties
over every fixture request, decided offline as the service decides it:

* **noise never approves**: adding to a request a resource that is implausible (a height out of range for
  the age, a weight ten times or a tenth of the patient's others, a height, weight or BSA of any value
  dated after today, an anthracycline dose dated before birth), unrecognised (a resource type or a drug
  the service does not read), or a duplicate of an order through an order link (a release ``basedOn``
  it, a plan sharing its ``groupIdentifier``, a re-order replacing it) never turns a pend or a deny into
  an approve;
* a patient recorded as **deceased** on or before the order date (a date, or the flag with none) never
  gets an approval.

Hypothesis draws the noise; example counts are modest (the property runs over every fixture) but each
draw is a different record, so the property can fail."""

from __future__ import annotations

import asyncio
import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cds_service.clinical.plausibility import BODY_RANGES, HUMAN_RANGE, Plausibility
from tests.policy.offline import REQUEST_IDS, REQUESTS, case, decide

Json = dict[str, Any]
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
DOXORUBICIN = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3639"}]}
NOISE_EXAMPLES = 10
DECEASED_EXAMPLES = 4
NOISE_KINDS = ("height", "weight", "future", "before-birth", "unrecognised", "linked-duplicate")
_MEASURES = {"height": ("8302-2", "cm"), "weight": ("29463-7", "kg"), "bsa": ("8277-6", "m2")}
HOLD = ("pend", "deny")


def _patient(body: Json) -> Json | None:
    patient = body.get("prefetch", {}).get("patient")
    return patient if isinstance(patient, dict) else None


def _resources(value: Any) -> list[Json]:
    if not isinstance(value, dict):
        return []
    if value.get("resourceType") == "Bundle":
        return [e["resource"] for e in value.get("entry") or [] if isinstance(e, dict) and "resource" in e]
    return [value]


def _append(body: Json, key: str, *resources: Json) -> None:
    """Add resources to a prefetch Bundle (a key sent as null, "no data", becomes a Bundle of them)."""
    bundle = body["prefetch"].get(key)
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        bundle = body["prefetch"][key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    entries = bundle.setdefault("entry", [])
    entries.extend({"resource": resource} for resource in resources)
    if isinstance(bundle.get("total"), int):
        bundle["total"] = len(entries)


def _order_date(body: Json, today: date) -> date:
    for entry in body["context"]["draftOrders"].get("entry", []):
        written = entry.get("resource", {}).get("authoredOn")
        if isinstance(written, str) and len(written) >= 10:
            return date.fromisoformat(written[:10])
    return today


def _subject(body: Json) -> Json:
    return {"reference": f"Patient/{body['context']['patientId']}"}


def _observation(body: Json, rid: str, code: str, when: date, value: float, unit: str) -> Json:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": _subject(body),
        "effectiveDateTime": f"{when.isoformat()}T10:00:00Z",
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def _weights_kg(body: Json) -> list[tuple[date, float]]:
    found = []
    for observation in _resources(body["prefetch"].get("observations")):
        codes = {c.get("code") for c in observation.get("code", {}).get("coding", [])}
        quantity = observation.get("valueQuantity", {})
        when = observation.get("effectiveDateTime")
        if "29463-7" in codes and quantity.get("code") == "kg" and isinstance(when, str):
            found.append((date.fromisoformat(when[:10]), float(quantity["value"])))
    return found


def _in_play_orders(body: Json) -> list[Json]:
    drafts = [e["resource"] for e in body["context"]["draftOrders"].get("entry", []) if "resource" in e]
    signed = {o.get("id") for o in drafts}
    # An active record whose id is a draft being signed is that order's earlier version, which the draft
    # re-signs: a copy of it (with its old schedule) is another order, not a duplicate of one in play.
    active = [o for o in _resources(body["prefetch"].get("medicationRequests")) if o.get("id") not in signed]
    # In play: a duplicate of a cancelled order recorded as active would be a new order, not a duplicate.
    return [
        o
        for o in drafts + active
        if o.get("resourceType") == "MedicationRequest"
        and o.get("id")
        and o.get("status", "draft") in ("draft", "active")
        and o.get("intent") != "proposal"
        and o.get("doNotPerform") is not True
    ]


def add_noise(body: Json, today: date, data: st.DataObject) -> str:
    """Add one resource of noise to ``body`` (in place); says what was added, for the failure message."""
    kind = data.draw(st.sampled_from(NOISE_KINDS), label="kind")
    on = _order_date(body, today)
    when = on - timedelta(days=data.draw(st.integers(0, 400), label="days before the order"))
    patient = _patient(body)
    plausible = Plausibility(patient.get("birthDate") if patient else None)
    if kind == "height":
        ranges, _ = plausible.body_range(when)
        low, high = ranges.height_cm if ranges is not HUMAN_RANGE else HUMAN_RANGE.height_cm
        value = data.draw(
            st.one_of(st.floats(1.0, low * 0.99), st.floats(high * 1.01, 1000.0)), label="height cm"
        )
        _append(
            body, "observations", _observation(body, "noise-height", "8302-2", when, round(value, 1), "cm")
        )
        return f"height {value:.1f} cm on {when}"
    if kind == "weight":
        weights = _weights_kg(body)
        if weights:
            near, kg = data.draw(st.sampled_from(weights), label="a weight of the patient's")
            factor = data.draw(st.sampled_from((10.0, 0.1)), label="factor")
            when = near + timedelta(days=data.draw(st.integers(-30, 30), label="days from it"))
            value = kg * factor
        else:
            low, high = BODY_RANGES[20].weight_kg if plausible.age_on(when)[0] else HUMAN_RANGE.weight_kg
            value = data.draw(st.sampled_from((low / 10, high * 10)), label="weight kg")
        _append(body, "observations", _observation(body, "noise-weight", "29463-7", when, value, "kg"))
        return f"weight {value:g} kg on {when}"
    if kind == "future":
        # nothing measured in the future is a measurement, whatever its value: one plausible for the age
        measure = data.draw(st.sampled_from(sorted(_MEASURES)), label="measure")
        dated = today + timedelta(days=data.draw(st.integers(2, 400), label="days after today"))
        ranges, _ = plausible.body_range(today)
        low, high = getattr(ranges, {"height": "height_cm", "weight": "weight_kg", "bsa": "bsa_m2"}[measure])
        value = round(data.draw(st.floats(low, high), label=measure), 2)
        code, unit = _MEASURES[measure]
        _append(body, "observations", _observation(body, f"noise-{measure}", code, dated, value, unit))
        return f"{measure} {value} {unit} on {dated}, after today {today}"
    if kind == "before-birth":
        born = plausible.earliest_birth
        assume(born is not None and born > date(1801, 1, 1))
        assert born is not None
        dated = born - timedelta(days=data.draw(st.integers(1, 3650), label="days before birth"))
        amount = data.draw(st.sampled_from((25, 50, 75, 150)), label="mg/m2")
        administration = {
            "resourceType": "MedicationAdministration",
            "id": "noise-before-birth",
            "status": "completed",
            "medicationCodeableConcept": DOXORUBICIN,
            "subject": _subject(body),
            "effectiveDateTime": f"{dated.isoformat()}T09:00:00Z",
            "dosage": {"dose": {"value": amount, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"}},
        }
        _append(body, "medicationAdministrations", administration)
        return f"doxorubicin {amount} mg/m2 on {dated}, before birth {born}"
    if kind == "unrecognised":
        which = data.draw(st.sampled_from(("resource-type", "drug", "code")), label="unrecognised")
        if which == "resource-type":
            noise: Json = {"resourceType": "Basic", "id": "noise", "subject": _subject(body)}
            _append(body, "conditions", noise)
        elif which == "drug":
            noise = {
                "resourceType": "MedicationRequest",
                "id": "noise-drug",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": {"coding": [{"system": "urn:example:drugs", "code": "X-1"}]},
                "subject": _subject(body),
                "authoredOn": on.isoformat(),
                "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 5, "code": "mg"}}]}],
            }
            _append(body, "medicationRequests", noise)
        else:
            noise = _observation(body, "noise-code", "0000-0", when, 42, "kg")
            _append(body, "observations", noise)
        return f"unrecognised {which}"
    orders = _in_play_orders(body)
    assume(orders)
    original = data.draw(st.sampled_from(orders), label="order duplicated")
    duplicate = copy.deepcopy(original)
    duplicate["id"] = "noise-duplicate"
    duplicate["status"] = "active"
    link = data.draw(st.sampled_from(("basedOn", "groupIdentifier", "priorPrescription")), label="link")
    reference = {"reference": f"MedicationRequest/{original['id']}"}
    if link == "basedOn":
        duplicate["intent"] = "order"
        duplicate["basedOn"] = [reference]
    elif link == "priorPrescription":
        duplicate["priorPrescription"] = reference
    else:
        # the original's group when it has one (a link added, never one taken away)
        group = original.get("groupIdentifier") or {"system": "urn:example:requisition", "value": "noise"}
        duplicate["intent"] = "plan"
        duplicate["groupIdentifier"] = group
        original["groupIdentifier"] = group
    _append(body, "medicationRequests", duplicate)
    return f"{original['id']} duplicated through {link}"


def _decisions(found: list[Json]) -> dict[str, str]:
    return {str(d["order"]): str(d["decision"]) for d in found}


def _expected(path: Path) -> str:
    expect = orjson.loads(path.with_name(path.name.removesuffix(".json") + ".expect.json").read_bytes())
    return str(expect.get("decision"))


# The fixtures whose expected decision is a pend or a deny (what the noise must never turn into an
# approve), and those whose request carries its Patient (what can be recorded as deceased).
HELD = [(path, name) for path, name in zip(REQUESTS, REQUEST_IDS, strict=True) if _expected(path) in HOLD]
WITH_PATIENT = [
    (path, name)
    for path, name in zip(REQUESTS, REQUEST_IDS, strict=True)
    if isinstance(orjson.loads(path.read_bytes()).get("prefetch", {}).get("patient"), dict)
]


def test_the_properties_cover_the_fixtures() -> None:
    assert len(HELD) >= 60 and len(WITH_PATIENT) == len(REQUESTS)


@pytest.mark.parametrize("request_path", [p for p, _ in HELD], ids=[n for _, n in HELD])
def test_noise_never_turns_a_pend_or_a_deny_into_an_approve(request_path: Path) -> None:
    body, today = case(request_path)
    baseline = _decisions(asyncio.run(decide(body, today, evidence=False)))
    held = {order for order, decision in baseline.items() if decision in HOLD}
    assert held, baseline

    @settings(max_examples=NOISE_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def noise_never_approves(data: st.DataObject) -> None:
        noisy = copy.deepcopy(body)
        what = add_noise(noisy, today, data)
        after = _decisions(asyncio.run(decide(noisy, today, evidence=False)))
        approved = sorted(order for order in held if after.get(order) == "approve")
        assert not approved, f"{what} approved {approved} (was {[baseline[o] for o in approved]})"

    noise_never_approves()


@pytest.mark.parametrize("request_path", [p for p, _ in WITH_PATIENT], ids=[n for _, n in WITH_PATIENT])
def test_a_patient_deceased_on_or_before_the_order_date_never_gets_an_approval(request_path: Path) -> None:
    body, today = case(request_path)
    on = _order_date(body, today)

    @settings(max_examples=DECEASED_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(st.none(), st.integers(0, 3650)))
    def never_approved(days_before: int | None) -> None:
        dead = copy.deepcopy(body)
        patient = dead["prefetch"]["patient"]
        if days_before is None:
            patient["deceasedBoolean"] = True
        else:
            patient["deceasedDateTime"] = (on - timedelta(days=days_before)).isoformat()
        decided = asyncio.run(decide(dead, today, evidence=False))
        assert all(d["decision"] != "approve" for d in decided), (days_before, decided[0]["decision"])

    never_approved()
