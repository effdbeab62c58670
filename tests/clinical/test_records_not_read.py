"""Records no reader reads: swept for what they name, reported beside the facts they could bear on."""

from __future__ import annotations

import base64
import random
import re
from datetime import date
from typing import Any

import pytest

from cds_service.clinical import records_not_read as swept
from cds_service.clinical.codes import ICD10CM, LOINC, SNOMED, Agent
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.limits import ATTACHMENT_WORDS, ELEMENTS_SWEPT, RECORDS_SWEPT, WORDS_SWEPT
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.fhir.pool import Resource, ResourcePool
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    administration,
    condition,
    medication_request,
    observation,
    patient,
    pool_of,
    timing,
)
from tests.conftest import REPO_ROOT

ORDER_DATE = date(2026, 12, 10)
CHILD = "2018-05-01"


def dexrazoxane(**extra: Any) -> Resource:
    return medication_request(
        "dex", DEXRAZOXANE, (300, "mg/m2"), authored="2026-12-10", timing_=timing(count=2, period=21), **extra
    )


def doxorubicin_draft() -> Resource:
    return medication_request(
        "dox", DOXORUBICIN, (30, "mg/m2"), authored="2026-12-10", timing_=timing(count=2, period=21)
    )


def facts_of(*resources: Resource, birth: str = CHILD, today: date = ORDER_DATE) -> ClinicalFacts:
    pool = pool_of(patient(birth), *resources, drafts=[dexrazoxane(), doxorubicin_draft()])
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=today, line_of_business_map={})


def encounter(rid: str = "enc", **extra: Any) -> Resource:
    return {
        "resourceType": "Encounter",
        "id": rid,
        "status": "finished",
        "subject": {"reference": "Patient/p"},
        "period": {"start": "2026-12-03T09:00:00-05:00", "end": "2026-12-03T09:40:00-05:00"},
        **extra,
    }


HODGKIN_REASON = [
    {
        "coding": [{"system": ICD10CM, "code": "C81.12", "display": "Nodular sclerosis Hodgkin lymphoma"}],
        "text": "Classical Hodgkin lymphoma, stage IIB",
    }
]


def test_a_diagnosis_only_on_an_encounter_leaves_the_indication_unknown_naming_it() -> None:
    facts = facts_of(encounter(reasonCode=HODGKIN_REASON))
    hodgkin = facts.hodgkin_lymphoma
    assert (hodgkin.value, hodgkin.settled, hodgkin.unread) == (False, None, ("Encounter/enc",))
    assert "Encounter/enc: an Encounter, a record not read for diagnoses, names C81.12" in hodgkin.reason
    assert "it could be Hodgkin lymphoma" in hodgkin.reason
    # the Conditions read decide what they show: the Encounter is never a diagnosis to meet it on
    assert facts.wilms_tumor.unread == () and facts.wilms_tumor.value is False
    read = facts_of(encounter(reasonCode=HODGKIN_REASON), condition("hl", "C81.10"))
    assert (read.hodgkin_lymphoma.value, read.hodgkin_lymphoma.unread) == (True, ())


def test_a_condition_named_but_not_sent_is_a_sign_the_conditions_were_not_read_whole() -> None:
    named = encounter(
        diagnosis=[{"condition": {"reference": "Condition/gone", "display": "Classical Hodgkin lymphoma"}}]
    )
    hodgkin = facts_of(named).hodgkin_lymphoma
    assert (hodgkin.settled, hodgkin.unread) == (None, ("Condition/gone",))
    assert "Condition/gone: named by Encounter/enc, display 'classical hodgkin lymphoma'" in hodgkin.reason
    # with no display it could be any cancer indication; one whose display names another disease, none
    bare = facts_of(encounter(diagnosis=[{"condition": {"reference": "Condition/gone"}}]))
    assert bare.wilms_tumor.unread == bare.neuroblastoma.unread == ("Condition/gone",)
    other = encounter(diagnosis=[{"condition": {"reference": "Condition/gone", "display": "Otitis media"}}])
    assert facts_of(other).hodgkin_lymphoma.unread == ()
    # a Condition that is sent is read as itself, whatever the reference's display says
    sent = encounter(
        diagnosis=[{"condition": {"reference": "Condition/here", "display": "Hodgkin lymphoma"}}]
    )
    resolved = condition("here", "C81.10", status="resolved")
    assert facts_of(sent, resolved).hodgkin_lymphoma.unread == ()


def test_a_read_records_reason_naming_a_condition_not_sent_is_unread_too() -> None:
    active = medication_request(
        "dox-active",
        DOXORUBICIN,
        (25, "mg/m2"),
        status="active",
        authored="2026-11-01",
        timing_=timing(count=2, period=21, start="2026-11-01"),
        reasonReference=[{"reference": "Condition/wilms-elsewhere", "display": "Wilms tumor, right kidney"}],
    )
    wilms = facts_of(active).wilms_tumor
    assert (wilms.settled, wilms.unread) == (None, ("Condition/wilms-elsewhere",))
    # the order being signed names a Condition not sent: the same
    pool = pool_of(
        patient(CHILD),
        drafts=[dexrazoxane(reasonReference=[{"reference": "Condition/x", "display": "Neuroblastoma"}])],
    )
    facts = extract_facts(pool, dexrazoxane_orders(pool)[0], today=ORDER_DATE, line_of_business_map={})
    assert facts.neuroblastoma.unread == ("Condition/x",)


PATHOLOGY = {
    "resourceType": "DiagnosticReport",
    "id": "path",
    "status": "final",
    "code": {"coding": [{"system": LOINC, "code": "11529-5", "display": "Surgical pathology study"}]},
    "effectiveDateTime": "2026-08-12",
    "conclusion": "RIGHT KIDNEY, RADICAL NEPHRECTOMY: Wilms tumor (nephroblastoma), favorable histology.",
    "presentedForm": [{"contentType": "text/plain", "data": "V2lsbXMgdHVtb3I="}],
}


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_histology_only_in_a_pathology_report_leaves_its_indication_unknown() -> None:
    renal_mass = condition("mass", "N28.89")
    by_words = facts_of(renal_mass, PATHOLOGY).wilms_tumor
    assert (by_words.settled, by_words.unread) == (None, ("DiagnosticReport/path",))
    assert "wilms tumor (nephroblastoma)" in by_words.reason
    coded = {
        **PATHOLOGY,
        "conclusion": None,
        "conclusionCode": [{"coding": [{"system": SNOMED, "code": "302849000"}]}],
    }
    assert facts_of(renal_mass, coded).wilms_tumor.unread == ("DiagnosticReport/path",)


def test_words_naming_another_cancer_or_none_and_records_of_other_people_bear_on_nothing() -> None:
    other = {
        **PATHOLOGY,
        "conclusion": "Acute myeloid leukemia, FAB M2",
        "presentedForm": [{"contentType": "text/plain", "data": _base64("Acute myeloid leukemia")}],
    }
    family = {
        "resourceType": "FamilyMemberHistory",
        "id": "fmh",
        "status": "completed",
        "relationship": {"text": "mother"},
        "condition": [{"code": {"text": "Hodgkin lymphoma"}}],
    }
    facts = facts_of(other, family, encounter(type=[{"text": "Pediatric clinic visit"}]))
    assert all(
        getattr(facts, name).unread == ()
        for name in ("hodgkin_lymphoma", "wilms_tumor", "acute_lymphoblastic_leukemia", "ph_positive")
    )
    assert facts.cumulative_doxorubicin.unknown_parts == 0


def flowsheet(
    when: str, text: str = "Cumulative lifetime anthracycline dose - DOXOrubicin (mg/m2)"
) -> Resource:
    return {
        "resourceType": "Observation",
        "id": "cumdose",
        "status": "final",
        "code": {
            "coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "code": "30401023"}],
            "text": text,
        },
        "effectiveDateTime": when,
        "valueQuantity": {"value": 300, "unit": "mg/m2"},
    }


def test_a_cumulative_dose_in_a_flowsheet_row_is_an_unknown_part_of_the_totals() -> None:
    given = administration("a1", DOXORUBICIN, "2026-11-19", (50, "mg/m2"))
    facts = facts_of(given, flowsheet("2026-11-19"), birth="1970-01-01")
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts, total.reaches(300)) == (50, 1, None)
    assert "Observation/cumdose" in total.unknown_evidence
    assert any("doxorubicin named in an Observation" in why for why in total.unknown_reasons)
    assert facts.cumulative_anthracycline.unknown_parts == 1
    # a record dated after the order records no dose by then
    assert (
        facts_of(given, flowsheet("2026-12-11"), birth="1970-01-01").cumulative_doxorubicin.unknown_parts == 0
    )
    # "anthracycline" alone: which one is not said, so an unknown part all the same
    generic = facts_of(given, flowsheet("2026-11-19", "Lifetime anthracycline exposure"), birth="1970-01-01")
    assert generic.cumulative_doxorubicin.unknown_parts == 1
    # a known part that reaches the threshold still meets it
    high = [administration(f"a{i}", DOXORUBICIN, f"2026-0{i}-01", (60, "mg/m2")) for i in range(1, 6)]
    assert facts_of(*high, flowsheet("2026-11-19"), birth="1970-01-01").cumulative_doxorubicin.reaches(300)


def test_an_administration_named_but_not_sent_is_an_unknown_part() -> None:
    vitals = {
        "resourceType": "Observation",
        "id": "vitals",
        "status": "final",
        "code": {"text": "Infusion vital signs"},
        "effectiveDateTime": "2026-11-19",
        "partOf": [{"reference": "MedicationAdministration/not-sent", "display": "DOXOrubicin 50 mg/m2 IV"}],
    }
    total = facts_of(vitals, birth="1970-01-01").cumulative_doxorubicin
    assert (total.unknown_parts, total.unknown_evidence) == (1, ("MedicationAdministration/not-sent",))
    sent = administration("not-sent", DOXORUBICIN, "2026-11-19", (50, "mg/m2"))
    assert facts_of(vitals, sent, birth="1970-01-01").cumulative_doxorubicin.unknown_parts == 0


CARE_TEAM = {
    "resourceType": "CareTeam",
    "id": "team",
    "status": "active",
    "period": {"start": "2024-01-09"},
    "participant": [
        {
            "role": [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "207RX0202X"}]}],
            "member": {"reference": "Practitioner/onc", "display": "Maya Okafor, MD"},
        }
    ],
}


def test_an_oncologist_on_the_care_team_is_named_beside_the_consultation() -> None:
    facts = facts_of(CARE_TEAM)
    for fact in (facts.consult_oncologist, facts.consult_onc_or_hem):
        assert (fact.value, fact.unread) == (None, ("CareTeam/team",))
        assert "CareTeam/team: a CareTeam names 207RX0202X" in fact.reason
    # a team that ended long before the order, or an encounter two years old, is not about this therapy
    ended = {**CARE_TEAM, "period": {"start": "2024-01-09", "end": "2024-06-01"}}
    old_visit = encounter(type=[{"text": "Oncology clinic visit"}], period={"start": "2024-06-01"})
    assert facts_of(ended, old_visit).consult_oncologist.unread == ()
    # a hematology clinic is a consultation with a hematologist (I.A.2), not an oncologist (I.B.2)
    hematology = facts_of(encounter(type=[{"text": "Hematology clinic visit"}]))
    assert hematology.consult_onc_or_hem.unread == ("Encounter/enc",)
    assert hematology.consult_oncologist.unread == ()


def test_an_extravasation_recorded_elsewhere_is_unread_beside_i_b_1_in_its_window() -> None:
    nursing = {
        "resourceType": "Observation",
        "id": "iv-site",
        "status": "final",
        "code": {"text": "Peripheral IV site assessment"},
        "effectiveDateTime": "2026-12-09",
        "valueString": "Extravasation of vesicant at left forearm, infusion stopped",
    }
    facts = facts_of(nursing)
    assert facts.anthracycline_extravasation.unread == ("Observation/iv-site",)
    old = {**nursing, "effectiveDateTime": "2026-10-01"}
    assert facts_of(old).anthracycline_extravasation.unread == ()


def test_a_record_cut_short_by_a_cap_could_bear_on_every_fact() -> None:
    huge = encounter(extension=[{"url": "x", "valueString": "note"} for _ in range(ELEMENTS_SWEPT.value)])
    facts = facts_of(huge, birth="1970-01-01")
    assert facts.hodgkin_lymphoma.unread == ("Encounter/enc",)
    assert "more than 5000 elements" in facts.hodgkin_lymphoma.reason
    assert facts.cumulative_doxorubicin.unknown_parts == 1


def test_records_beyond_the_cap_are_named_and_none_depends_on_the_order_sent() -> None:
    many = [encounter(f"e{i:05d}") for i in range(RECORDS_SWEPT.value + 2)]
    many[-1]["reasonCode"] = HODGKIN_REASON  # beyond the cap in the order of references
    shuffled = many[:]
    random.Random(7).shuffle(shuffled)
    for records in (many, shuffled):
        hodgkin = facts_of(*records).hodgkin_lymphoma
        assert hodgkin.unread == ("Encounter/e01000",)
        assert "2 record(s) beyond the 1000 swept, not read" in hodgkin.reason


def test_a_fact_met_by_what_is_read_stays_met() -> None:
    facts = facts_of(condition("w", "302849000", system=SNOMED), PATHOLOGY, CARE_TEAM)
    assert (facts.wilms_tumor.value, facts.wilms_tumor.unread) == (True, ())


def test_every_resource_type_a_reader_reads_is_registered() -> None:
    """The sweep is the complement of what the readers read: a reader of a new type registers it."""
    read = set()
    for source in (REPO_ROOT / "cds_service" / "clinical").glob("*.py"):
        for call in re.findall(r"of_type\(([^)]*)\)", source.read_text()):
            read |= set(re.findall(r'"([A-Z][A-Za-z]+)"', call))
    read |= {"ExplanationOfBenefit", "Claim", "MedicationOrder", "ResearchStudy", "Medication"}
    assert read <= set(swept.READERS), read - set(swept.READERS)
    assert not set(swept.READERS) & swept.NOT_THE_PATIENTS_RECORD


@pytest.mark.parametrize("kind", sorted(swept.NOT_THE_PATIENTS_RECORD))
def test_records_about_others_or_definitions_are_not_swept(kind: str) -> None:
    pool = ResourcePool()
    pool.add({"resourceType": kind, "id": "x", "text": {"div": "doxorubicin"}, "title": "Hodgkin lymphoma"})
    found = swept.sweep(pool)
    assert found.records == [] and found.doses(ORDER_DATE) == [] and found.diagnoses(None) == []


def test_a_dose_names_its_agent() -> None:
    report = {**PATHOLOGY, "conclusion": "Prior epirubicin (FEC x3) at an outside center"}
    doses = swept.sweep(pool_of(report)).doses(ORDER_DATE)
    assert [(d.reference, d.agent) for d in doses] == [("DiagnosticReport/path", Agent.EPIRUBICIN)]


def test_a_result_naming_bcr_abl1_under_a_code_not_read_is_named_once() -> None:
    local = {
        "resourceType": "Observation",
        "id": "bcr-local",
        "status": "final",
        "code": {"coding": [{"system": "urn:oid:1.2.3", "code": "BCRABL"}], "text": "BCR-ABL1 PCR"},
        "effectiveDateTime": "2026-09-01",
        "valueString": "see report",
    }
    ph = facts_of(local).ph_positive
    assert (ph.value, ph.unread) == (None, ("Observation/bcr-local",))
    assert ph.reason.count("Observation/bcr-local") == 1


@pytest.mark.parametrize(
    ("words", "bears"),
    [
        ("IV site: no extravasation, no redness", False),
        ("Assessed for extravasation: none", True),  # not denied in its own words: read as naming one
        ("Without signs of extravasation. Patient tolerated infusion.", False),
        ("No pain. Extravasation of doxorubicin at left forearm", True),
        ("No redness; extravasation suspected", True),
    ],
)
def test_words_denying_an_extravasation_do_not_name_one(words: str, bears: bool) -> None:
    row = {
        "resourceType": "Observation",
        "id": "iv-site",
        "status": "final",
        "code": {"text": "Peripheral IV site assessment"},
        "effectiveDateTime": "2026-12-09",
        "valueString": words,
    }
    assert bool(facts_of(row).anthracycline_extravasation.unread) is bears


@pytest.mark.parametrize(
    ("conclusion", "bears"),
    [
        ("BCR-ABL1 fusion transcript not detected (p190, p210)", False),
        ("BCR-ABL1: negative", False),
        ("BCR-ABL1 p190 not detected; p210 detected", True),
        ("Philadelphia chromosome positive", True),
        ("BCR-ABL1 testing sent out", True),
    ],
)
def test_a_report_saying_a_ph_status_is_negative_does_not_open_a_ph_negative_reading(
    conclusion: str, bears: bool
) -> None:
    negative = observation("bcr", "21821-4", "2026-09-01", 0, "%")
    del negative["valueQuantity"]
    negative["valueCodeableConcept"] = {"coding": [{"system": SNOMED, "code": "260385009"}]}
    report = {**PATHOLOGY, "id": "molecular", "conclusion": conclusion}
    ph = facts_of(negative, report).ph_positive
    assert (ph.settled is None) is bears
    assert ph.value is False


def test_a_concept_that_is_not_json_is_read_all_the_same() -> None:
    odd = encounter(reasonCode=[{**HODGKIN_REASON[0], "extension": [{"url": "x", "valueInteger": 2**70}]}])
    assert facts_of(odd).hodgkin_lymphoma.unread == ("Encounter/enc",)


# Records a reader reads for other facts, swept for the facts it does not read them for (PARTLY_READ)

BIOPSY = {
    "resourceType": "Procedure",
    "id": "biopsy",
    "status": "completed",
    "code": {"coding": [{"system": SNOMED, "code": "178292004"}], "text": "Excisional biopsy, lymph node"},
    "performedDateTime": "2026-10-09",
}


@pytest.mark.parametrize(
    "element",
    [
        {"reasonCode": HODGKIN_REASON},
        {"outcome": {"text": "Pathology: nodular sclerosis classical Hodgkin lymphoma, CD30+/CD15+"}},
        {"followUp": [{"text": "Staging PET for Hodgkin lymphoma"}]},
    ],
)
def test_a_diagnosis_only_on_a_procedure_is_unread_naming_it(element: dict[str, Any]) -> None:
    mass = condition("mass", "R22.2")
    hodgkin = facts_of(mass, {**BIOPSY, **element}).hodgkin_lymphoma
    assert (hodgkin.value, hodgkin.settled, hodgkin.unread) == (False, None, ("Procedure/biopsy",))
    assert "Procedure/biopsy: a Procedure, not read for diagnoses, names" in hodgkin.reason
    # a procedure naming no cancer bears on nothing; a Hodgkin lymphoma read still meets it
    assert facts_of(mass, BIOPSY).hodgkin_lymphoma.unread == ()
    read = facts_of(condition("hl", "C81.10"), {**BIOPSY, **element}).hodgkin_lymphoma
    assert (read.value, read.unread) == (True, ())


def test_a_procedure_is_still_read_for_its_doses_and_swept_only_for_diagnoses() -> None:
    chemo = {
        **BIOPSY,
        "code": {"text": "DOXOrubicin infusion at an outside center"},
        "reasonCode": HODGKIN_REASON,
        "performedDateTime": "2026-09-01",
    }
    facts = facts_of(chemo, birth="1970-01-01")
    total = facts.cumulative_doxorubicin
    # one unknown part, from the reader of outside doses, not a second one from the sweep
    assert (total.unknown_parts, total.unknown_evidence) == (1, ("Procedure/biopsy",))
    (record,) = swept.sweep(pool_of(chemo)).records
    assert record.swept_for == frozenset({swept.DIAGNOSES})


def test_the_evidence_of_a_condition_is_unread_beside_what_it_names() -> None:
    placeholder = {
        **condition("c-nb", "C22.0"),
        "evidence": [
            {
                "code": [{"coding": [{"system": SNOMED, "code": "432328008"}], "text": "Neuroblastoma"}],
                "detail": [{"reference": "DiagnosticReport/path-nb", "display": "Surgical pathology"}],
            }
        ],
    }
    neuroblastoma = facts_of(placeholder).neuroblastoma
    assert (neuroblastoma.settled, neuroblastoma.unread) == (None, ("Condition/c-nb",))
    assert "the evidence of a Condition, not read for diagnoses, names 432328008" in neuroblastoma.reason
    # in the words of the report it cites, too
    by_display = {
        **placeholder,
        "evidence": [{"detail": [{"reference": "DiagnosticReport/x", "display": "NB"}]}],
    }
    assert facts_of(by_display).neuroblastoma.unread == ()
    by_display["evidence"][0]["detail"][0]["display"] = "Pathology: poorly differentiated neuroblastoma"
    assert facts_of(by_display).neuroblastoma.unread == ("Condition/c-nb",)
    # a Condition resolved or refuted cites evidence of nothing current; one with none is not swept
    resolved = {**placeholder, "clinicalStatus": {"coding": [{"code": "resolved"}]}}
    refuted = {**placeholder, "verificationStatus": {"coding": [{"code": "refuted"}]}}
    for other in (resolved, refuted, condition("c-nb", "C22.0")):
        assert facts_of(other).neuroblastoma.unread == ()
        assert swept.sweep(pool_of(other)).records == []


def _document(text: str, content_type: str = "text/plain", when: str = "2026-09-01") -> Resource:
    return {
        "resourceType": "DocumentReference",
        "id": "outside",
        "status": "current",
        "type": {"text": "Outside records - treatment summary"},
        "date": when,
        "content": [{"attachment": {"contentType": content_type, "data": _base64(text)}}],
    }


def test_a_text_document_naming_an_anthracycline_is_an_unknown_part_of_the_totals() -> None:
    given = [administration(f"a{i}", DOXORUBICIN, f"2026-0{i}-01", (60, "mg/m2")) for i in range(1, 4)]
    summary = "Treatment summary: AC x4 cycles in 2025, DOXOrubicin 60 mg/m2 per cycle, cumulative 240 mg/m2."
    total = facts_of(*given, _document(summary), birth="1970-01-01").cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts, total.reaches(300)) == (180, 1, None)
    assert total.unknown_evidence == ("DocumentReference/outside",)
    assert any("doxorubicin named in a DocumentReference" in why for why in total.unknown_reasons)
    assert any("doxorubicin 60 mg/m2" in why for why in total.unknown_reasons)  # the words that name it
    # a document dated after the order records no dose by then; a PDF or a scan is not read as words
    for unread in (_document(summary, when="2026-12-11"), _document(summary, "application/pdf")):
        assert facts_of(*given, unread, birth="1970-01-01").cumulative_doxorubicin.unknown_parts == 0
    # a C-CDA document (XML), JSON
    for kind in ("application/xml", "application/hl7-cda+xml", "application/json", "text/html"):
        assert (
            facts_of(
                *given, _document(summary, kind), birth="1970-01-01"
            ).cumulative_doxorubicin.unknown_parts
            == 1
        )
    # charset parameters, line breaks in the data
    wrapped = _document(summary, "text/plain; charset=utf-8")
    data = wrapped["content"][0]["attachment"]["data"]
    wrapped["content"][0]["attachment"]["data"] = "\n".join(data[i : i + 76] for i in range(0, len(data), 76))
    assert facts_of(*given, wrapped, birth="1970-01-01").cumulative_doxorubicin.unknown_parts == 1


def test_a_text_attachment_is_read_within_the_words_cap_and_data_not_base64_is_not_read() -> None:
    # a note of a few pages is read whole, past the words cap of the record's own elements
    note = _document("Progress note. " * (WORDS_SWEPT.value // 10) + "Prior doxorubicin 240 mg/m2.")
    (record,) = swept.sweep(pool_of(note)).records
    assert record.cut_short == ""
    assert [d.agent for d in swept.sweep(pool_of(note)).doses(ORDER_DATE)] == [Agent.DOXORUBICIN]
    long = _document("x" * ATTACHMENT_WORDS.value + " doxorubicin")
    (record,) = swept.sweep(pool_of(long)).records
    assert record.cut_short.startswith(f"attachments of more than {ATTACHMENT_WORDS.value} characters")
    broken = _document("")
    broken["content"][0]["attachment"]["data"] = "not base64 at all!"
    (record,) = swept.sweep(pool_of(broken)).records
    assert (record.cut_short, swept.sweep(pool_of(broken)).doses(ORDER_DATE)) == ("", [])


INFUSION_PLAN = {
    "resourceType": "ServiceRequest",
    "id": "plan",
    "status": "active",
    "intent": "order",
    "code": {"coding": [{"system": SNOMED, "code": "367336001"}], "text": "Infusion therapy plan"},
    "orderDetail": [
        {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3639"}],
            "text": "DOXOrubicin 50 mg/m2 IV day 1 q21 days x 4 more cycles",
        }
    ],
    "authoredOn": "2026-11-30",
}


def concurrent_facts(*resources: Resource) -> ClinicalFacts:
    """The facts with no doxorubicin order signed or in play: concurrency rests on what else is sent."""
    pool = pool_of(patient("1970-01-01"), *resources, drafts=[dexrazoxane()])
    return extract_facts(pool, dexrazoxane_orders(pool)[0], today=ORDER_DATE, line_of_business_map={})


def test_a_request_naming_doxorubicin_not_read_as_an_order_leaves_concurrency_unknown() -> None:
    concurrent = concurrent_facts(INFUSION_PLAN).concurrent_doxorubicin
    assert (concurrent.value, concurrent.settled, concurrent.unread) == (
        False,
        None,
        ("ServiceRequest/plan",),
    )
    assert "ServiceRequest/plan (active) names 3639" in concurrent.reason
    assert "not read as a medication order; none is signed or active" in concurrent.reason
    # its doses to come are an unknown part of the planned total, none of the total given
    facts = concurrent_facts(INFUSION_PLAN)
    assert (facts.planned_doxorubicin.unknown_parts, facts.cumulative_doxorubicin.unknown_parts) == (1, 0)
    # a RequestGroup, a Task, by name alone
    group = {
        "resourceType": "RequestGroup",
        "id": "rg",
        "status": "draft",
        "intent": "plan",
        "action": [{"title": "Cycle 5: doxorubicin 50 mg/m2 IV"}],
    }
    assert concurrent_facts(group).concurrent_doxorubicin.unread == ("RequestGroup/rg",)


@pytest.mark.parametrize("status", ["completed", "revoked", "cancelled", "entered-in-error"])
def test_a_request_no_longer_in_force_or_naming_no_doxorubicin_leaves_concurrency_as_read(
    status: str,
) -> None:
    concurrent = concurrent_facts({**INFUSION_PLAN, "status": status}).concurrent_doxorubicin
    assert (concurrent.value, concurrent.unread) == (False, ())
    referral = {**INFUSION_PLAN, "orderDetail": [], "code": {"text": "Referral to cardio-oncology"}}
    assert concurrent_facts(referral).concurrent_doxorubicin.unread == ()
    # an encounter naming doxorubicin is no request: a dose record at most, never an order
    visit = encounter(reasonCode=[{"text": "Doxorubicin cycle 4"}])
    assert concurrent_facts(visit).concurrent_doxorubicin.unread == ()


def test_a_doxorubicin_order_read_stays_concurrent_beside_a_request_not_read() -> None:
    facts = facts_of(INFUSION_PLAN)
    assert (facts.concurrent_doxorubicin.value, facts.concurrent_doxorubicin.unread) == (True, ())


def test_a_record_read_for_other_facts_cut_short_bears_only_on_what_it_is_swept_for() -> None:
    huge = {**BIOPSY, "extension": [{"url": "x", "valueString": "note"} for _ in range(ELEMENTS_SWEPT.value)]}
    facts = facts_of(huge, birth="1970-01-01")
    assert facts.hodgkin_lymphoma.unread == ("Procedure/biopsy",)
    assert "more than 5000 elements" in facts.hodgkin_lymphoma.reason
    # a Procedure is read for its doses: the sweep adds no unknown part, nor names it beside a consultation
    assert facts.cumulative_doxorubicin.unknown_parts == 0
    assert facts.consult_oncologist.unread == ()


def test_a_text_attachment_in_any_utf_8_is_read() -> None:
    summary = _document("Antécédents : DOXOrubicine… doxorubicin 60 mg/m² x 4 (2025)")
    doses = swept.sweep(pool_of(summary)).doses(ORDER_DATE)
    assert [(d.reference, d.agent) for d in doses] == [("DocumentReference/outside", Agent.DOXORUBICIN)]


def test_the_reason_of_an_order_not_signed_here_is_unread_beside_what_it_names() -> None:
    active = medication_request(
        "dox-active", DOXORUBICIN, (25, "mg/m2"), status="active", reasonCode=HODGKIN_REASON
    )
    hodgkin = facts_of(condition("mass", "R22.2"), active).hodgkin_lymphoma
    assert (hodgkin.settled, hodgkin.unread) == (None, ("MedicationRequest/dox-active",))
    assert "the reasonCode of a MedicationRequest, not read for diagnoses, names C81.12" in hodgkin.reason
    # an order signed here is read for its reasons: met on them, never swept
    pool = pool_of(
        patient(CHILD), drafts=[dexrazoxane(), {**doxorubicin_draft(), "reasonCode": HODGKIN_REASON}]
    )
    signed = extract_facts(pool, dexrazoxane_orders(pool)[0], today=ORDER_DATE, line_of_business_map={})
    assert (signed.hodgkin_lymphoma.value, signed.hodgkin_lymphoma.unread) == (True, ())
    assert swept.sweep(pool).records == []
    # an order with no reason is not swept
    assert swept.sweep(pool_of(medication_request("dox-active", DOXORUBICIN, (25, "mg/m2")))).records == []


def test_the_cancer_a_care_plan_treats_is_unread_beside_its_indication() -> None:
    plan = {
        "resourceType": "CarePlan",
        "id": "regimen",
        "status": "active",
        "intent": "plan",
        "title": "EE-4A regimen for Wilms tumor (nephroblastoma)",
    }
    wilms = facts_of(condition("mass", "N28.89"), plan).wilms_tumor
    assert (wilms.settled, wilms.unread) == (None, ("CarePlan/regimen",))
    assert "CarePlan/regimen: a CarePlan, not read for diagnoses, names" in wilms.reason


def referral(code: dict[str, Any], **extra: Any) -> Resource:
    return {
        "resourceType": "ServiceRequest",
        "id": "ref",
        "status": "completed",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "authoredOn": "2026-11-02",
        "category": [{"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}],
        "code": code,
        **extra,
    }


REFERRAL_TO_ONCOLOGY = {
    "coding": [{"system": SNOMED, "code": "306241006", "display": "Referral to medical oncology service"}]
}
_CANCERS = ("neuroblastoma", "soft_tissue_sarcoma", "wilms_tumor", "hodgkin_lymphoma")


def test_a_service_or_a_specialty_names_no_diagnosis() -> None:
    """A referral to medical oncology, an oncology clinic visit, chemotherapy done: what was asked or done,
    by a code the diagnoses do not read, with its words or none, names no cancer."""
    chemotherapy = {
        "resourceType": "Procedure",
        "id": "chemo",
        "status": "completed",
        "subject": {"reference": "Patient/p"},
        "performedDateTime": "2026-11-20",
        "code": {"coding": [{"system": SNOMED, "code": "367336001", "display": "Chemotherapy"}]},
    }
    for record in (
        referral(REFERRAL_TO_ONCOLOGY),
        referral({"coding": [{"system": SNOMED, "code": "306241006"}]}),
        chemotherapy,
        {**chemotherapy, "code": {"coding": [{"system": SNOMED, "code": "367336001"}]}},
        encounter(
            type=[{"coding": [{"system": SNOMED, "code": "11429006"}], "text": "Oncology clinic visit"}]
        ),
        encounter(serviceType={"coding": [{"system": SNOMED, "code": "394593009"}]}),
    ):
        facts = facts_of(record)
        assert all(getattr(facts, name).unread == () for name in _CANCERS), record


def test_a_services_own_words_naming_a_cancer_and_a_reason_not_read_still_bear_on_it() -> None:
    staging = referral(
        {"coding": [{"system": SNOMED, "code": "306241006"}], "text": "Referral for neuroblastoma staging"}
    )
    assert facts_of(staging).neuroblastoma.unread == ("ServiceRequest/ref",)
    assert facts_of(staging).wilms_tumor.unread == ()
    # a reason is a diagnosis's element: a code not read there, with no words, could be any cancer
    reason = referral(REFERRAL_TO_ONCOLOGY, reasonCode=[{"coding": [{"system": SNOMED, "code": "1234567"}]}])
    assert all(getattr(facts_of(reason), name).unread == ("ServiceRequest/ref",) for name in _CANCERS)
    # as on an Encounter, which names what it was for
    visit = encounter(reasonCode=[{"coding": [{"system": SNOMED, "code": "1234567"}]}])
    assert facts_of(visit).neuroblastoma.unread == ("Encounter/enc",)
