from __future__ import annotations

from typing import Any

import pytest

from cds_service.clinical import drugs
from cds_service.clinical.codes import ATC, HCPCS, NAME_PATTERNS, RXNORM, Agent
from cds_service.clinical.drugs import agent_of, agent_of_concept
from cds_service.fhir.pool import ResourcePool


def concept(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


@pytest.mark.parametrize(
    ("system", "code", "agent"),
    [
        (RXNORM, "3639", Agent.DOXORUBICIN),
        (RXNORM, "1790099", Agent.DOXORUBICIN),
        (RXNORM, "3995", Agent.EPIRUBICIN),
        (RXNORM, "5650", Agent.IDARUBICIN),
        (RXNORM, "1736590", Agent.DEXRAZOXANE),
        (RXNORM, "475342", Agent.DASATINIB),
        (RXNORM, "282388", Agent.IMATINIB),
        (ATC, "V03AF02", Agent.DEXRAZOXANE),
        (ATC, "L01DB02", Agent.DAUNORUBICIN),
        (ATC, "L01DB07", Agent.MITOXANTRONE),
        (HCPCS[0], "J1190", Agent.DEXRAZOXANE),
        (HCPCS[1], "J9000", Agent.DOXORUBICIN),
        (HCPCS[0], "J9001", Agent.LIPOSOMAL_DOXORUBICIN),
        (HCPCS[0], "J9178", Agent.EPIRUBICIN),
    ],
)
def test_codes_name_their_agent(system: str, code: str, agent: Agent) -> None:
    assert agent_of_concept(concept(system, code)) is agent


def test_a_code_in_the_wrong_system_is_not_read() -> None:
    assert agent_of_concept(concept("http://example.org/local", "J1190")) is None
    assert agent_of_concept(concept(RXNORM, "J1190")) is None


def test_name_text_is_the_last_resort() -> None:
    assert agent_of_concept({"text": "Dexrazoxane 500 mg/m2 IV"}) is Agent.DEXRAZOXANE
    assert agent_of_concept({"text": "Adriamycin"}) is Agent.DOXORUBICIN
    assert agent_of_concept({"text": "Sprycel 100 mg"}) is Agent.DASATINIB
    assert agent_of_concept({"text": "cyclophosphamide"}) is None


_ATC_OF = {
    Agent.DOXORUBICIN: "L01DB01",
    Agent.LIPOSOMAL_DOXORUBICIN: "L01DB01",
    Agent.DAUNORUBICIN: "L01DB02",
    Agent.EPIRUBICIN: "L01DB03",
    Agent.IDARUBICIN: "L01DB06",
    Agent.MITOXANTRONE: "L01DB07",
}


def test_codes_and_names_naming_different_anthracyclines_conflict() -> None:
    """Not plausible is not a fact: a legacy conversion coding epirubicin as doxorubicin, its text still
    saying epirubicin, names no drug the service can count; ``unidentified`` says which conflict."""
    legacy = {**concept(RXNORM, "3639", "doxorubicin"), "text": "EPIrubicin 100 mg/m2 IV (FEC-100)"}
    assert agent_of_concept(legacy) is None
    resource = {"resourceType": "MedicationAdministration", "medicationCodeableConcept": legacy}
    assert agent_of(resource, ResourcePool()) is None
    assert drugs.unidentified(resource, ResourcePool()) == (
        "its codes and names conflict, naming doxorubicin (rxnorm code), epirubicin (name 'EPIrubicin 100 "
        "mg/m2 IV (FEC-100)'): which drug was given is not known"
    )
    # a code and a display, two codes of one concept, a Medication's code
    assert agent_of_concept(concept(RXNORM, "3995", "doxorubicin")) is None
    two_codes = {"coding": [*concept(RXNORM, "3639")["coding"], *concept(ATC, "L01DB02")["coding"]]}
    assert agent_of_concept(two_codes) is None
    medication = {
        "resourceType": "Medication",
        "code": {**concept(ATC, "L01DB01"), "text": "IDArubicin 1 mg/mL"},
        "ingredient": [{"itemCodeableConcept": concept(RXNORM, "3639")}],
    }
    assert agent_of(medication, ResourcePool()) is None


@pytest.mark.parametrize(
    ("agent", "name"),
    [(agent, name) for agent, names in NAME_PATTERNS if agent in _ATC_OF for name in names],
)
def test_every_name_of_an_anthracycline_beside_its_own_code_is_no_conflict(agent: Agent, name: str) -> None:
    # generic names, synonyms and brands; as the text, as a display, in an RxNorm-style product name
    for text in (name, name.upper(), f"{name} HCl 2 mg/mL injection", f"Injection, {name}, 10 mg"):
        found = agent_of_concept({**concept(ATC, _ATC_OF[agent], text), "text": text})
        expected = {agent, Agent.LIPOSOMAL_DOXORUBICIN} if agent is Agent.DOXORUBICIN else {agent}
        assert found in expected, text


def test_usual_displays_and_regimen_texts_are_no_conflict() -> None:
    hcpcs = {"system": HCPCS[0], "code": "J9000"}
    dox = {
        "coding": [
            {"system": RXNORM, "code": "3639", "display": "doxorubicin"},
            {**hcpcs, "display": "Injection, doxorubicin hydrochloride, 10 mg"},
        ],
        "text": "DOXOrubicin (Adriamycin) injection",
    }
    assert agent_of_concept(dox) is Agent.DOXORUBICIN
    # another anthracycline mentioned after the medication's own name is not read as its name
    assert agent_of_concept(
        {**concept(RXNORM, "3639"), "text": "DOXOrubicin (switched from epirubicin)"}
    ) is (Agent.DOXORUBICIN)
    assert agent_of_concept(concept(ATC, "L01DB01", "Caelyx pegylated liposomal")) is (
        Agent.LIPOSOMAL_DOXORUBICIN
    )
    dexrazoxane = {**concept(ATC, "V03AF02"), "text": "dexrazoxane 750 mg/m2 IV 30 min before DOXOrubicin"}
    assert agent_of_concept(dexrazoxane) is Agent.DEXRAZOXANE


def test_liposomal_doxorubicin_is_told_apart_by_name() -> None:
    assert (
        agent_of_concept(concept(ATC, "L01DB01", "Caelyx pegylated liposomal")) is Agent.LIPOSOMAL_DOXORUBICIN
    )
    assert agent_of_concept({"text": "DOXOrubicin liposomal (Doxil)"}) is Agent.LIPOSOMAL_DOXORUBICIN
    assert agent_of_concept(concept(RXNORM, "3639", "DOXOrubicin")) is Agent.DOXORUBICIN


def test_medication_reference_resolves_from_contained_and_pool() -> None:
    pool = ResourcePool()
    pool.add({"resourceType": "Medication", "id": "m1", "code": concept(ATC, "V03AF02")})
    contained = {
        "resourceType": "MedicationRequest",
        "contained": [{"resourceType": "Medication", "id": "med", "code": concept(HCPCS[0], "J9000")}],
        "medicationReference": {"reference": "#med"},
    }
    pooled = {"resourceType": "MedicationRequest", "medicationReference": {"reference": "Medication/m1"}}
    by_ingredient = {
        "resourceType": "Medication",
        "ingredient": [{"itemCodeableConcept": concept(RXNORM, "3995")}],
    }
    assert agent_of(contained, pool) is Agent.DOXORUBICIN
    assert agent_of(pooled, pool) is Agent.DEXRAZOXANE
    assert agent_of(by_ingredient, pool) is Agent.EPIRUBICIN


def test_unresolvable_reference_falls_back_to_its_display() -> None:
    order = {
        "resourceType": "MedicationOrder",
        "medicationReference": {"reference": "Medication/x", "display": "Zinecard"},
    }
    assert agent_of(order, ResourcePool()) is Agent.DEXRAZOXANE
    assert agent_of({"resourceType": "MedicationRequest"}, ResourcePool()) is None


def test_a_liposomal_code_beside_the_doxorubicin_ingredient_makes_it_liposomal() -> None:
    """RxNorm 3639 names doxorubicin whatever the formulation; HCPCS J9001 (all lipid formulations)
    beside it says which, and liposomal doxorubicin never counts as concurrent doxorubicin."""
    both = {
        "coding": [
            {"system": RXNORM, "code": "3639"},
            {"system": HCPCS[0], "code": "J9001"},
        ]
    }
    assert agent_of_concept(both) is Agent.LIPOSOMAL_DOXORUBICIN


def test_liposomal_brand_names_alone_are_liposomal_doxorubicin() -> None:
    for name in ("Doxil 20 mg/10 mL", "LIPODOX", "Caelyx", "Myocet"):
        assert agent_of_concept({"text": name}) is Agent.LIPOSOMAL_DOXORUBICIN, name


def test_a_drug_mentioned_after_another_drugs_name_is_not_that_drug() -> None:
    """Name text is the last resort, and only where the medication's name starts."""
    ondansetron = {
        "coding": [{"system": RXNORM, "code": "26225", "display": "ondansetron"}],
        "text": "ondansetron - pre-doxorubicin",
    }
    assert agent_of_concept(ondansetron) is None
    assert agent_of_concept({"text": "R-CHOP: prednisone 100 mg (with doxorubicin)"}) is None
    assert (
        agent_of_concept({"text": "10 ML doxorubicin hydrochloride 2 MG/ML Injection"}) is Agent.DOXORUBICIN
    )
    assert agent_of_concept({"text": "Injection, doxorubicin hydrochloride, 10 mg"}) is Agent.DOXORUBICIN
    assert agent_of_concept({"text": "pegylated liposomal doxorubicin"}) is Agent.LIPOSOMAL_DOXORUBICIN


def test_a_negated_liposomal_marker_is_conventional_doxorubicin() -> None:
    for text in ("DOXOrubicin HCl (non-liposomal)", "DOXOrubicin (NOT Doxil)"):
        assert agent_of_concept(concept(RXNORM, "3639", text)) is Agent.DOXORUBICIN, text


def test_liposomal_named_only_in_a_reference_display_or_a_medications_ingredient() -> None:
    order = {
        "resourceType": "MedicationRequest",
        "medicationReference": {"reference": "Medication/gone", "display": "DOXOrubicin liposomal 2 mg/mL"},
    }
    assert agent_of(order, ResourcePool()) is Agent.LIPOSOMAL_DOXORUBICIN
    medication = {
        "resourceType": "Medication",
        "code": {"coding": [{"system": RXNORM, "code": "3639"}]},
        "ingredient": [{"itemCodeableConcept": {"text": "doxorubicin hydrochloride liposomal"}}],
    }
    assert agent_of(medication, ResourcePool()) is Agent.LIPOSOMAL_DOXORUBICIN


def test_a_malformed_coding_is_read_as_absent_not_a_crash() -> None:
    concept = {
        "coding": [{"system": {"x": 1}, "code": ["3639"], "display": {"a": "b"}}],
        "text": "doxorubicin",
    }
    assert agent_of_concept(concept) is Agent.DOXORUBICIN


def test_a_coding_seen_again_names_the_same_agent_and_unusual_json_is_still_read() -> None:
    """Recognition is cached on the coding's JSON: the cached answer is the computed one, and a
    concept too large for the cache, or not writable as JSON, is recognised without it."""
    coding = {"coding": [{"system": RXNORM, "code": "3639", "display": "DOXOrubicin"}]}
    liposomal = {"coding": [{"system": RXNORM, "code": "3639"}], "text": "Doxorubicin liposomal"}
    for _ in range(2):
        assert agent_of_concept(dict(coding)) is Agent.DOXORUBICIN
        assert agent_of_concept(dict(liposomal)) is Agent.LIPOSOMAL_DOXORUBICIN
    large = {**coding, "text": "doxorubicin " + "x" * 5000}
    cached_before = drugs._agent_of_key.cache_info().currsize
    assert agent_of_concept(large) is Agent.DOXORUBICIN
    # Not kept in either cache: a caller's megabytes of text must not be pinned in memory (review finding).
    assert drugs._agent_of_key.cache_info().currsize == cached_before
    assert all(len(key) <= drugs._SEEN_MAX_BYTES for key in drugs._SEEN)
    unwritable = {**coding, "extension": [{"valueInteger": 2**70}]}  # past 64 bits: orjson refuses it
    assert agent_of_concept(unwritable) is Agent.DOXORUBICIN


_EVERY_NAME = [(agent, name) for agent, names in NAME_PATTERNS for name in names]
# How names are written in a chart: alone, in the HCPCS style, in the RxNorm SCD style, in capitals with
# a dose, in a legacy pharmacy mnemonic with the regimen.
_WRITTEN = (
    "{}",
    "Injection, {} hydrochloride, 10 mg",
    "10 ML {} 2 MG/ML Injection",
    "{} 50 MG/M2 IV PUSH",
    "{} (CHOP) INJ",
)


@pytest.mark.parametrize(("agent", "name"), _EVERY_NAME)
def test_every_name_of_the_table_reads_as_its_own_drug(agent: Agent, name: str) -> None:
    for written in _WRITTEN:
        for text in (written.format(name), written.format(name).upper()):
            assert agent_of_concept({"text": text}) is agent, text
            assert agent_of_concept(concept("urn:oid:1.2.840.114350.1.13.0", "77110", text)) is agent, text


def test_no_anthracycline_is_read_as_another_by_a_name_inside_its_own() -> None:
    # Hydroxydaunorubicin (the H of CHOP) is doxorubicin, though "daunorubicin" is in its name; likewise
    # 4-demethoxydaunorubicin is idarubicin and 4'-epidoxorubicin epirubicin.
    inside = [
        (agent, name, other_agent, other)
        for agent, name in _EVERY_NAME
        for other_agent, other in _EVERY_NAME
        if other_agent is not agent and other in name and other != name
    ]
    assert {(name, other) for _a, name, _b, other in inside} >= {
        ("hydroxydaunorubicin", "daunorubicin"),
        ("4-demethoxydaunorubicin", "daunorubicin"),
        ("epidoxorubicin", "doxorubicin"),
    }
    for agent, name, _other_agent, _other in inside:
        assert agent_of_concept({"text": name}) is agent


def test_hydroxydaunorubicin_under_a_local_code_is_doxorubicin_not_an_unknown_drug() -> None:
    administration = {
        "resourceType": "MedicationAdministration",
        "id": "a1",
        "medicationCodeableConcept": {
            "coding": [{"system": "urn:oid:1.2.840.114350.1.13.0", "code": "77110"}],
            "text": "HYDROXYDAUNORUBICIN (CHOP) 50 MG/M2 IV PUSH",
        },
    }
    assert agent_of(administration, ResourcePool()) is Agent.DOXORUBICIN


def test_a_compounded_medication_is_read_by_the_medications_it_is_made_of() -> None:
    doxorubicin = {"resourceType": "Medication", "id": "dox", "code": {"text": "doxorubicin 2 mg/mL"}}
    saline = {"resourceType": "Medication", "id": "ns", "code": {"text": "sodium chloride 0.9%"}}
    for ingredient in (
        {"itemReference": {"reference": "Medication/dox"}},  # R4
        {"item": {"reference": {"reference": "Medication/dox"}}},  # R5 CodeableReference
        {"item": {"reference": "Medication/dox"}},  # STU3 / DSTU2 Reference
    ):
        bag = {
            "resourceType": "Medication",
            "id": "bag",
            "code": {"text": "Chemotherapy bag 1"},
            "ingredient": [{"itemReference": {"reference": "Medication/ns"}}, ingredient],
        }
        given = {
            "resourceType": "MedicationAdministration",
            "medicationReference": {"reference": "Medication/bag"},
        }
        pool = ResourcePool()
        for resource in (doxorubicin, saline, bag):
            pool.add(resource)
        assert agent_of(given, pool) is Agent.DOXORUBICIN, ingredient
        assert agent_of(bag, pool) is Agent.DOXORUBICIN
