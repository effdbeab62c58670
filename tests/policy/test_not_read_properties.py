"""Not read is not absent, as two properties over every fixture request (docs/decisions.md "What is not
read"):

* information loss never flips a decision: remove a coding keeping its text, write a code system's URI as
  one the service does not know, or keep only a concept's text; or leave one administration's status
  unread (docs/facts.md "A status not read"; the prior dexrazoxane that chooses II.A among them); the
  decision may move from approve or deny to pend, never from approve to deny, from deny to approve, nor
  from pend to approve (and a member outside the policy stays outside it or pends);
* aliases agree: every code system written by another of its published identifiers (its OID, with or
  without ``urn:oid:``, http for https and back) gives the same determination;
* a record no reader reads never decides: an Encounter, a pathology report, a flowsheet row or a care team
  naming a cancer the policy names, an anthracycline or oncology (or a Condition the record did not send),
  and what a reader does not read of a record it reads (a Procedure's reason, a Condition's evidence, a
  care plan's words, a text document, a request naming doxorubicin) may move a decision from approve or
  deny to pend, never anything else (clinical.records_not_read).

Hypothesis draws which concepts lose what (derandomized through ``st.randoms``); a property that fails
names the request and the edit. Beside it, a wider search in a fixed budget (other seeds of the same losses;
every single loss of what an Observation says: a coding, its system, its date, its value; every
administration's date deleted in turn, docs/facts.md "An administration with no date") and the failures
it found, each an explicit example (docs/facts.md "Information loss never flips a decision").
"""

from __future__ import annotations

import asyncio
import base64
import copy
import os
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.clinical import code_systems
from cds_service.clinical.codes import ICD10CM, NUCC
from tests.policy.offline import REQUEST_IDS, REQUESTS, case, decide

Json = dict[str, Any]
EXAMPLES = int(os.environ.get("NOT_READ_EXAMPLES", "6"))  # per request; more to search harder
ALIAS_EXAMPLES = 4
STATUS_EXAMPLES = 4
UNKNOWN_SYSTEM = "urn:oid:2.999.1704.1"  # an OID no standard code system is published under
# What information loss may do to a decision: nothing, or leave it pending.
ALLOWED = {
    "approve": {"approve", "pend"},
    "deny": {"deny", "pend"},
    "pend": {"pend", "deny"},
    "not-applicable": {"not-applicable", "pend"},
}


def _concepts(value: Any) -> Iterator[Json]:
    """Every CodeableConcept in a request with a coding in a code system the service reads (clinical
    codes, drugs, specialties, units' systems: not the status and category vocabularies)."""
    if isinstance(value, dict):
        codings = value.get("coding")
        if isinstance(codings, list) and any(
            isinstance(c, dict)
            and isinstance(c.get("system"), str)
            and code_systems.canonical(c["system"]) is not None
            for c in codings
        ):
            yield value
        for item in value.values():
            yield from _concepts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _concepts(item)


def _displays(concept: Json) -> str:
    return "; ".join(c["display"] for c in concept.get("coding", []) if isinstance(c.get("display"), str))


def _administrations(body: Json) -> list[Json]:
    found = body.get("prefetch", {}).get("medicationAdministrations")
    if not isinstance(found, dict):
        return []
    return [e["resource"] for e in found.get("entry") or [] if isinstance(e, dict) and "resource" in e]


def lose(body: Json, rng: random.Random) -> tuple[Json, list[str]]:
    """``body`` with up to three concepts losing information, and what each lost."""
    edited = copy.deepcopy(body)
    concepts = list(_concepts(edited))
    done: list[str] = []
    for concept in rng.sample(concepts, min(len(concepts), rng.randint(1, 3))):
        codings = concept["coding"]
        how = rng.choice(("drop a coding", "unknown system", "text only"))
        if how == "drop a coding":
            dropped = codings.pop(rng.randrange(len(codings)))
            concept.setdefault("text", dropped.get("display") or "")
            done.append(f"dropped {dropped.get('system')}|{dropped.get('code')}")
        elif how == "unknown system":
            coding = rng.choice(codings)
            done.append(f"{coding.get('system')}|{coding.get('code')} written in {UNKNOWN_SYSTEM}")
            coding["system"] = UNKNOWN_SYSTEM
        else:
            concept["text"] = concept.get("text") or _displays(concept)
            done.append(f"only the text {concept['text']!r} kept of {len(codings)} coding(s)")
            del concept["coding"]
    return edited, done


def _decisions(body: Json, today: Any) -> dict[str, str]:
    return {d["order"]: d["decision"] for d in asyncio.run(decide(body, today, evidence=False))}


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
def test_information_loss_never_flips_a_decision(request_path: Path) -> None:
    body, today = case(request_path)
    before = _decisions(body, today)

    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(st.randoms(use_true_random=False))
    def never_flips(rng: random.Random) -> None:
        edited, done = lose(body, rng)
        after = _decisions(edited, today)
        for order, decision in after.items():
            if order in before:  # an order no longer read as dexrazoxane has no determination at all
                assert decision in ALLOWED[before[order]], f"{before[order]} -> {decision} after {done}"

    never_flips()


# Requests with administrations, for the status property
WITH_ADMINISTRATIONS = [
    (path, name) for path, name in zip(REQUESTS, REQUEST_IDS, strict=True) if _administrations(case(path)[0])
]


@pytest.mark.parametrize(
    "request_path", [p for p, _ in WITH_ADMINISTRATIONS], ids=[n for _, n in WITH_ADMINISTRATIONS]
)
def test_an_administration_status_not_read_never_flips_a_decision(request_path: Path) -> None:
    """One administration's status unread (FHIR's "unknown", or only a data-absent-reason in its place:
    docs/facts.md "A status not read"), a doxorubicin dose or the prior dexrazoxane that chooses II.A
    among them: the decision may only move to pend."""
    body, today = case(request_path)
    before = _decisions(body, today)
    count = len(_administrations(body))

    @settings(max_examples=STATUS_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, count - 1), st.booleans())
    def never_flips(index: int, absent: bool) -> None:
        edited = copy.deepcopy(body)
        administration = _administrations(edited)[index]
        if absent:
            administration.pop("status", None)
            extension = {
                "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                "valueCode": "unknown",
            }
            administration["_status"] = {"extension": [extension]}
        else:
            administration["status"] = "unknown"
        after = _decisions(edited, today)
        done = f"the status of MedicationAdministration/{administration.get('id')} not read"
        for order, decision in after.items():
            if order in before:
                assert decision in ALLOWED[before[order]], f"{before[order]} -> {decision} after {done}"

    never_flips()


# Information losses the property's fixed seed never drew, found by a wider search (every single concept
# losing a coding, its system or all its codings, over every fixture), each a false approval in waiting
# on the code before the rule that answers it (docs/facts.md "Information loss never flips a decision"):
# fixture, Observation, the LOINC code it loses.
LOST_OBSERVATION_CODES = [
    # a height not read beside a charted BSA it conflicts with: the conflict is gone, the BSA trusted
    ("2.2-not-plausible-pend-charted-bsa-conflicts-with-height-and-weight", "height", "8302-2"),
    # an adult's second height not read: the two no longer disagree
    ("2.2-not-plausible-pend-two-adult-heights-that-disagree", "height-b", "8302-2"),
    # an LVEF not read (the fall, or the reading it fell from): "responding positively" no longer contradicted
    ("2.2-not-plausible-pend-response-attested-beside-a-falling-ejection-fraction", "lvef-now", "10230-1"),
    (
        "2.2-not-plausible-pend-response-attested-beside-a-falling-ejection-fraction",
        "lvef-baseline",
        "10230-1",
    ),
    # a karyotype not read beside a negative BCR-ABL1: read as Ph-negative
    ("2.2-not-read-pend-a-karyotype-in-prose-is-not-a-ph-status", "karyotype", "62356-1"),
]
HOW_LOST = ("drop a coding", "unknown system", "text only")


def _observation(body: Json, observation_id: str) -> Json:
    found = [
        entry["resource"]
        for bundle in body["prefetch"].values()
        if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle"
        for entry in bundle.get("entry", [])
        if entry["resource"].get("resourceType") == "Observation"
        and entry["resource"].get("id") == observation_id
    ]
    assert len(found) == 1, observation_id
    return found[0]


def _lose_coding(concept: Json, index: int, how: str) -> None:
    """The concept's coding at ``index`` lost ``how`` (as ``lose`` loses one), in place."""
    if how == "drop a coding":
        dropped = concept["coding"].pop(index)
        concept.setdefault("text", dropped.get("display") or "")
    elif how == "unknown system":
        concept["coding"][index]["system"] = UNKNOWN_SYSTEM
    else:
        concept["text"] = concept.get("text") or _displays(concept)
        del concept["coding"]


def lose_code(body: Json, observation_id: str, code: str, how: str) -> Json:
    """``body`` with one Observation's coding of ``code`` lost ``how``."""
    edited = copy.deepcopy(body)
    concept = _observation(edited, observation_id)["code"]
    (index,) = [i for i, coding in enumerate(concept["coding"]) if coding.get("code") == code]
    _lose_coding(concept, index, how)
    return edited


@pytest.mark.parametrize("how", HOW_LOST)
@pytest.mark.parametrize(
    ("fixture", "observation_id", "code"),
    LOST_OBSERVATION_CODES,
    ids=[f"{fixture}-{observation}" for fixture, observation, _ in LOST_OBSERVATION_CODES],
)
def test_an_observation_code_lost_never_flips_a_decision(
    fixture: str, observation_id: str, code: str, how: str
) -> None:
    (request_path,) = [path for path in REQUESTS if path.name == f"{fixture}.json"]
    body, today = case(request_path)
    before = _decisions(body, today)
    after = _decisions(lose_code(body, observation_id, code, how), today)
    assert after.keys() == before.keys()
    for order, decision in after.items():
        assert decision in ALLOWED[before[order]], f"{before[order]} -> {decision} after {how} {code}"


# The same search losing an Observation's date or its whole value (the measure, LVEF or result is there,
# but what it measured, or when, cannot be read): each a flip on the code before, toward approval or away
# from a deny, as the lost codes above.
LOST_OBSERVATION_ELEMENTS = [
    ("2.2-not-plausible-pend-charted-bsa-conflicts-with-height-and-weight", "height"),
    ("2.2-not-plausible-pend-two-adult-heights-that-disagree", "height-b"),
    ("2.2-not-plausible-pend-response-attested-beside-a-falling-ejection-fraction", "lvef-now"),
    ("2.2-not-plausible-pend-response-attested-beside-a-falling-ejection-fraction", "lvef-baseline"),
    ("2.1-nearest-in-time-approve-height-and-weight-nearer-than-the-charted-bsa", "height-recent"),
    ("2.1-nearest-in-time-approve-height-and-weight-nearer-than-the-charted-bsa", "weight-recent"),
    ("2.2-not-plausible-approve-bsa-charted-minutes-before-the-dose-is-nearest", "bsa-0"),
    ("2.2-not-plausible-deny-weight-far-from-the-others-set-aside", "weight-3"),
]


@pytest.mark.parametrize("element", ["effectiveDateTime", "valueQuantity"])
@pytest.mark.parametrize(
    ("fixture", "observation_id"),
    LOST_OBSERVATION_ELEMENTS,
    ids=[f"{fixture}-{observation}" for fixture, observation in LOST_OBSERVATION_ELEMENTS],
)
def test_an_observation_date_or_value_lost_never_flips_a_decision(
    fixture: str, observation_id: str, element: str
) -> None:
    (request_path,) = [path for path in REQUESTS if path.name == f"{fixture}.json"]
    body, today = case(request_path)
    before = _decisions(body, today)
    edited = copy.deepcopy(body)
    del _observation(edited, observation_id)[element]
    after = _decisions(edited, today)
    assert after.keys() == before.keys()
    for order, decision in after.items():
        assert decision in ALLOWED[before[order]], f"{before[order]} -> {decision} after losing {element}"


# A wider search than the property's fixed seed, in a budget of its own: other seeds of the same losses
# (``lose``), and every single loss of what an Observation says (each coding of its code dropped or in a
# system not read, the text alone kept, its date, its value) over every fixture with Observations. Losing an
# Observation's interpretation or a component, or the value of one whose code is not read (all it says),
# deletes the fact itself, not how it was written: outside this property.
WIDE_SEEDS = range(1000, 1000 + int(os.environ.get("NOT_READ_WIDE_SEEDS", "4")))


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
def test_information_loss_on_other_seeds_never_flips_a_decision(request_path: Path) -> None:
    body, today = case(request_path)
    before = _decisions(body, today)
    for seed in WIDE_SEEDS:
        edited, done = lose(body, random.Random(f"{request_path.name}-{seed}"))
        for order, decision in _decisions(edited, today).items():
            if order in before:
                assert decision in ALLOWED[before[order]], f"{before[order]} -> {decision} after {done}"


def _prefetched(body: Json, resource_type: str) -> list[Json]:
    """Every resource of ``resource_type`` in the prefetch's Bundles, in order (the edits address them by
    index in a deep copy)."""
    return [
        entry["resource"]
        for bundle in body["prefetch"].values()
        if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle"
        for entry in bundle.get("entry", [])
        if isinstance(entry.get("resource"), dict) and entry["resource"].get("resourceType") == resource_type
    ]


def _observations(body: Json) -> list[Json]:
    return _prefetched(body, "Observation")


def observation_losses(body: Json) -> Iterator[tuple[Json, str]]:
    """``body`` with one Observation losing one thing it says, for every such loss, and what it lost."""
    for index, observation in enumerate(_observations(body)):
        name = f"Observation/{observation.get('id')}"
        codings = (observation.get("code") or {}).get("coding") or []
        for how in HOW_LOST:
            for at in range(len(codings)) if how != "text only" else range(min(len(codings), 1)):
                edited = copy.deepcopy(body)
                _lose_coding(_observations(edited)[index]["code"], at, how)
                yield edited, f"{name}: {how} {codings[at].get('system')}|{codings[at].get('code')}"
        # the value of an Observation whose code is not read is all it says: losing it deletes the fact
        read = any(code_systems.canonical(c.get("system") or "") is not None for c in codings)
        for element in ("effectiveDateTime", "valueQuantity") if read else ("effectiveDateTime",):
            if element in observation:
                edited = copy.deepcopy(body)
                del _observations(edited)[index][element]
                yield edited, f"{name}: {element} lost"


WITH_OBSERVATIONS = [path for path in REQUESTS if _observations(case(path)[0])]


@pytest.mark.parametrize(
    "request_path", WITH_OBSERVATIONS, ids=[p.name.removesuffix(".json") for p in WITH_OBSERVATIONS]
)
def test_every_single_loss_of_an_observation_never_flips_a_decision(request_path: Path) -> None:
    body, today = case(request_path)
    before = _decisions(body, today)
    for edited, done in observation_losses(body):
        for order, decision in _decisions(edited, today).items():
            if order in before:
                assert decision in ALLOWED[before[order]], f"{before[order]} -> {decision} after {done}"


def alias(body: Json, rng: random.Random) -> Json:
    """``body`` with every coding's system written by another of its published identifiers."""
    edited = copy.deepcopy(body)
    for concept in _concepts(edited):
        for coding in concept["coding"]:
            uri = code_systems.canonical(coding.get("system") or "")
            if uri is None:
                continue
            written = rng.choice(code_systems.identifiers(uri))
            if rng.random() < 0.3:
                written = written.removeprefix("urn:oid:")
            if written.startswith("http://") and rng.random() < 0.5:
                written = "https://" + written.removeprefix("http://")
            elif written.startswith("https://") and rng.random() < 0.5:
                written = "http://" + written.removeprefix("https://")
            coding["system"] = written
    return edited


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
def test_aliases_agree(request_path: Path) -> None:
    body, today = case(request_path)
    reference = asyncio.run(decide(body, today))

    @settings(
        max_examples=ALIAS_EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.randoms(use_true_random=False))
    def same_by_any_identifier(rng: random.Random) -> None:
        assert asyncio.run(decide(alias(body, rng), today)) == reference

    same_by_any_identifier()


SWEEP_EXAMPLES = 3
# What a record no reader reads may do to a decision: nothing, or leave it pending.
SWEEP_ALLOWED = {
    "approve": {"approve", "pend"},
    "deny": {"deny", "pend"},
    "pend": {"pend"},
    "not-applicable": {"not-applicable"},
}
_REASONS = [
    ("C81.12", "Classical Hodgkin lymphoma"),
    ("C64.1", "Malignant neoplasm of right kidney"),
    ("C91.00", "B-ALL"),
    ("C83.70", "Burkitt lymphoma"),
    ("C74.90", "Malignant neoplasm of adrenal gland"),
    ("C50.911", "Breast cancer"),
]
_WORDS = [
    "Wilms tumor (nephroblastoma), favorable histology",
    "Embryonal rhabdomyosarcoma of the bladder",
    "Neuroblastoma, poorly differentiated",
    "BCR-ABL1 p190 detected",
    "Prior doxorubicin 240 mg/m2 at an outside center",
    "Epirubicin x4 (FEC) in 2019",
]


def _record(rng: random.Random, index: int, day: str) -> Json:
    kind = rng.randrange(10)
    base: Json = {"id": f"not-read-{index}", "subject": {"reference": "Patient/pat"}}
    if kind == 5:  # a Procedure, read for radiation and doses, not for what it was done for
        code, text = rng.choice(_REASONS)
        return {
            **base,
            "resourceType": "Procedure",
            "status": "completed",
            "code": {"text": "Excisional biopsy"},
            "performedDateTime": day,
            "reasonCode": [{"coding": [{"system": ICD10CM, "code": code}], "text": text}],
            "outcome": {"text": rng.choice(_WORDS)},
        }
    if kind == 6:  # a Condition's evidence (the Condition itself names no cancer)
        return {
            **base,
            "resourceType": "Condition",
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": {"coding": [{"system": ICD10CM, "code": "R22.2"}], "text": "Mass"},
            "recordedDate": day,
            "evidence": [{"code": [{"text": rng.choice(_WORDS)}]}],
        }
    if kind == 7:  # a text document
        return {
            **base,
            "resourceType": "DocumentReference",
            "status": "current",
            "date": day,
            "content": [
                {
                    "attachment": {
                        "contentType": "text/plain",
                        "data": base64.b64encode(rng.choice(_WORDS).encode()).decode(),
                    }
                }
            ],
        }
    if kind == 9:  # a CarePlan, read for the regimen it plans, not for the cancer it treats
        return {
            **base,
            "resourceType": "CarePlan",
            "status": "active",
            "intent": "plan",
            "period": {"start": day},
            "title": rng.choice(_WORDS),
        }
    if kind == 8:  # a request in force naming doxorubicin, not read as a medication order
        return {
            **base,
            "resourceType": rng.choice(["ServiceRequest", "RequestGroup", "Task"]),
            "status": rng.choice(["active", "draft", "on-hold"]),
            "intent": "order",
            "authoredOn": day,
            "code": {
                "text": rng.choice(["DOXOrubicin infusion plan", "Anthracycline cycle 5", "Chemotherapy"])
            },
        }
    if kind == 0:
        code, text = rng.choice(_REASONS)
        return {
            **base,
            "resourceType": "Encounter",
            "status": "finished",
            "period": {"start": day},
            "reasonCode": [{"coding": [{"system": ICD10CM, "code": code}], "text": text}],
        }
    if kind == 1:
        return {
            **base,
            "resourceType": "DiagnosticReport",
            "status": "final",
            "code": {"text": "Report"},
            "effectiveDateTime": day,
            "conclusion": rng.choice(_WORDS),
        }
    if kind == 2:
        return {
            **base,
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "urn:oid:1.2.3.4", "code": "77"}], "text": rng.choice(_WORDS)},
            "effectiveDateTime": day,
            "valueQuantity": {"value": 240, "unit": "mg/m2"},
        }
    if kind == 3:
        return {
            **base,
            "resourceType": "CareTeam",
            "status": "active",
            "period": {"start": day},
            "participant": [{"role": [{"coding": [{"system": NUCC, "code": "207RX0202X"}]}]}],
        }
    return {
        **base,
        "resourceType": "Encounter",
        "status": "finished",
        "period": {"start": day},
        "diagnosis": [{"condition": {"reference": f"Condition/not-sent-{index}"}}],
    }


def with_records_not_read(body: Json, rng: random.Random, today: Any) -> tuple[Json, list[str]]:
    """``body`` with one to three records no reader reads, sent under a key of their own."""
    edited = copy.deepcopy(body)
    records = [
        _record(rng, i, (today - timedelta(days=rng.randrange(400))).isoformat())
        for i in range(rng.randint(1, 3))
    ]
    edited["prefetch"]["recordsNotRead"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(records),
        "entry": [{"resource": record} for record in records],
    }
    return edited, [
        f"{r['resourceType']} {r.get('reasonCode') or r.get('conclusion') or r.get('code')} "
        f"{r.get('evidence') or r.get('content') or ''}"
        for r in records
    ]


@pytest.mark.parametrize("request_path", REQUESTS, ids=REQUEST_IDS)
def test_a_record_no_reader_reads_never_decides(request_path: Path) -> None:
    body, today = case(request_path)
    before = _decisions(body, today)

    @settings(
        max_examples=SWEEP_EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.randoms(use_true_random=False))
    def only_pends(rng: random.Random) -> None:
        edited, added = with_records_not_read(body, rng, today)
        after = _decisions(edited, today)
        for order, decision in after.items():
            assert decision in SWEEP_ALLOWED[before[order]], f"{before[order]} -> {decision} after {added}"

    only_pends()


# When a dose was given is part of what the record must say (FHIR R4 requires effective[x]): each element
# that dates an administration, in every version read.
ADMINISTRATION_DATES = (
    "effectiveDateTime",
    "effectivePeriod",
    "effectiveTimeDateTime",
    "effectiveTimePeriod",
    "_effectiveDateTime",
)


def _every_administration(body: Json) -> list[Json]:
    return _prefetched(body, "MedicationAdministration")


def undated_administrations(body: Json) -> Iterator[tuple[Json, str]]:
    """``body`` with one administration's effective[x] deleted, for every administration that has one."""
    for index, administration in enumerate(_every_administration(body)):
        if not any(key in administration for key in ADMINISTRATION_DATES):
            continue
        edited = copy.deepcopy(body)
        undated = _every_administration(edited)[index]
        for key in ADMINISTRATION_DATES:
            undated.pop(key, None)
        yield edited, f"MedicationAdministration/{administration.get('id')}: effective[x] deleted"


WITH_DATED_ADMINISTRATIONS = [
    path for path in REQUESTS if any(True for _ in undated_administrations(case(path)[0]))
]


@pytest.mark.parametrize(
    "request_path",
    WITH_DATED_ADMINISTRATIONS,
    ids=[p.name.removesuffix(".json") for p in WITH_DATED_ADMINISTRATIONS],
)
def test_an_administration_date_deleted_never_flips_a_decision(request_path: Path) -> None:
    """Every administration in turn undated (docs/facts.md "An administration with no date"): an unknown
    part of its totals, never a known dose beside its dated twin, and a prior dexrazoxane not known: the
    decision may only move to pend."""
    body, today = case(request_path)
    before = _decisions(body, today)
    for edited, done in undated_administrations(body):
        for order, decision in _decisions(edited, today).items():
            if order in before:
                assert decision in ALLOWED[before[order]], f"{before[order]} -> {decision} after {done}"
