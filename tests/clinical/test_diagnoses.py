from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from cds_service.clinical import codes, ph_status
from cds_service.clinical import diagnoses as dx
from cds_service.clinical.codes import ICD10CM, SNOMED
from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import Fact
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.clinical.plausibility import Plausibility
from cds_service.fhir.pool import Resource
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    EPIRUBICIN,
    administration,
    condition,
    medication_request,
    patient,
    pool_of,
    snomed_condition,
)
from tests.conftest import REPO_ROOT


def recorded(*conditions: Resource, order: Resource | None = None) -> list[dx.Diagnosis]:
    order = order or medication_request("dex", DEXRAZOXANE, (500, "mg/m2"))
    return dx.recorded_diagnoses(pool_of(*conditions, order), order)


def test_metastatic_breast_cancer_needs_breast_and_metastasis() -> None:
    both = recorded(condition("b", "C50.911"), condition("m", "C79.51"))
    fact = dx.metastatic_breast_cancer(both)
    assert fact.value is True
    assert fact.evidence == ("Condition/b", "Condition/m")
    assert dx.metastatic_breast_cancer(recorded(condition("b", "C50.911"))).value is False
    assert dx.metastatic_breast_cancer(
        recorded(snomed_condition("b", "254837009"), snomed_condition("m", "128462008"))
    ).value


def test_inactive_refuted_and_entered_in_error_conditions_do_not_count() -> None:
    assert not dx.hodgkin_lymphoma(recorded(condition("h", "C81.10", status="resolved"))).value
    assert not dx.hodgkin_lymphoma(recorded(condition("h", "C81.10", verification="refuted"))).value
    assert not dx.hodgkin_lymphoma(recorded(condition("h", "C81.10", verification="entered-in-error"))).value
    assert dx.hodgkin_lymphoma(recorded(condition("h", "C81.10", status="recurrence"))).value is True


def test_the_orders_reason_counts_as_a_diagnosis() -> None:
    order = medication_request(
        "dex", DEXRAZOXANE, (500, "mg/m2"), reasonCode=[{"coding": [{"system": ICD10CM, "code": "C83.70"}]}]
    )
    assert dx.aggressive_mature_b_cell_lymphoma(recorded(order=order)).value is True


def test_all_ph_status_and_relapse() -> None:
    plain = recorded(condition("a", "C91.00"))
    assert dx.acute_lymphoblastic_leukemia(plain).value is True
    assert dx.relapsed_or_refractory(plain).value is None
    assert ph_status.ph_positive(plain, []).value is None
    assert dx.relapsed_or_refractory(recorded(condition("a", "C91.02"))).value is True
    assert dx.relapsed_or_refractory(recorded(condition("a", "C91.00", status="relapse"))).value is True
    ph = recorded(snomed_condition("ph", "426955004"))
    assert dx.acute_lymphoblastic_leukemia(ph).value is True
    assert ph_status.ph_positive(ph, []).value is True
    assert not dx.acute_lymphoblastic_leukemia(recorded(condition("cml", "C92.10"))).value


def named(rid: str, code: str, text: str, **kwargs: Any) -> Resource:
    resource = condition(rid, code, **kwargs)
    resource["code"]["text"] = text
    return resource


def test_site_codes_are_not_histology_at_any_age() -> None:
    """docs/facts.md "Record integrity": a cancer coded only by its site leaves the indication there unknown
    (not met, not absent), at any age; the histology named on the record settles it or rules it out."""
    assert dx.wilms_tumor(recorded(snomed_condition("w", "302849000"))).value is True
    for age in (4, 60, None):
        kidney = dx.wilms_tumor(recorded(condition("k", "C64.1")), age)
        assert (kidney.value, kidney.evidence) == (None, ("Condition/k",))
        assert "coded by site only: Wilms tumor cannot be ruled out" in kidney.reason
    assert dx.wilms_tumor(recorded(named("k", "C64.1", "Wilms tumour, right kidney"))).value is True
    rcc = dx.wilms_tumor(recorded(named("k", "C64.1", "Clear cell renal cell carcinoma")))
    assert (rcc.value, rcc.evidence) == (False, ("Condition/k",))
    assert dx.neuroblastoma(recorded(snomed_condition("n", "432328008"))).value is True
    for code in ("C74.10", "C74.00", "C74.92", "C47.4", "C48.0", "C38.3"):
        assert dx.neuroblastoma(recorded(condition("n", code))).value is None, code
    assert dx.neuroblastoma(recorded(named("n", "C74.10", "Neuroblastoma of adrenal medulla"))).value is True
    assert dx.neuroblastoma(recorded(named("n", "C74.10", "Pheochromocytoma, malignant"))).value is False
    # the SNOMED CT site-only equivalents read the same
    assert dx.wilms_tumor(recorded(snomed_condition("k", "363518003"))).value is None
    assert dx.neuroblastoma(recorded(snomed_condition("a", "93665005"))).value is None
    assert dx.soft_tissue_sarcoma(recorded(snomed_condition("s", "363492001"))).value is None
    # a cancer elsewhere rules them out: no site code where they occur
    breast = recorded(condition("b", "C50.911"))
    assert [dx.wilms_tumor(breast).value, dx.neuroblastoma(breast).value] == [False, False]
    assert dx.soft_tissue_sarcoma(breast).value is False


def test_a_histology_extension_names_the_tumour() -> None:
    kidney = condition("k", "C64.1")
    kidney["extension"] = [
        {
            "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "25081006"}]},
        }
    ]
    assert dx.wilms_tumor(recorded(kidney)).value is True


def test_soft_tissue_sarcoma_is_coded_by_its_tissue_c49() -> None:
    # C49.0-C49.9 name the tissue, not a site: they meet soft tissue sarcoma, as do their SNOMED CT
    # equivalents (primary malignant neoplasm of soft tissues of a region); C49.A is GIST.
    for code in ("C49.0", "C49.12", "C49.21", "C49.4", "C49.9"):
        fact = dx.soft_tissue_sarcoma(recorded(condition("s", code)), 50)
        assert (fact.value, fact.evidence) == (True, ("Condition/s",)), code
    for concept in ("94050001", "94057003", "94063007"):
        assert dx.soft_tissue_sarcoma(recorded(snomed_condition("s", concept))).value is True, concept
    tentative = condition("s", "C49.4")
    tentative["verificationStatus"] = {"coding": [{"code": "provisional"}]}
    assert dx.soft_tissue_sarcoma(recorded(tentative)).value is None
    # "Neoplasm and/or hamartoma" (399981008) names no tissue: like C80, it leaves every site-coded
    # indication open, never meets one
    for concept in ("399981008", "363346000"):
        no_site = recorded(snomed_condition("n", concept))
        facts = (dx.soft_tissue_sarcoma(no_site), dx.wilms_tumor(no_site), dx.neuroblastoma(no_site))
        assert [fact.value for fact in facts] == [None, None, None], concept


def test_a_childs_bladder_or_prostate_is_a_rhabdomyosarcoma_site() -> None:
    # Site codes are not histology: in a child the bladder, the prostate, the parameningeal head and neck,
    # the paratesticular region, the female genital and biliary tracts are where rhabdomyosarcoma arises.
    for code in ("C67.9", "C61", "C11.1", "C30.1", "C31.0", "C63.10", "C52", "C53.0", "C24.0"):
        for age in (3, 17, None):
            fact = dx.soft_tissue_sarcoma(recorded(condition("s", code)), age)
            assert (fact.value, fact.evidence) == (None, ("Condition/s",)), (code, age)
        # an adult's bladder or prostate cancer is the carcinoma it nearly always is
        assert dx.soft_tissue_sarcoma(recorded(condition("s", code)), 18).value is False, code
    assert dx.soft_tissue_sarcoma(recorded(snomed_condition("s", "93689003")), 3).value is None
    assert dx.soft_tissue_sarcoma(recorded(snomed_condition("s", "93689003")), 60).value is False
    embryonal = named("s", "C67.9", "Embryonal rhabdomyosarcoma of bladder")
    assert dx.soft_tissue_sarcoma(recorded(embryonal), 3).value is True
    urothelial = named("s", "C67.9", "Urothelial carcinoma of bladder")
    assert dx.soft_tissue_sarcoma(recorded(urothelial), 15).value is False
    # bone is not soft tissue: an osteosarcoma of the femur rules it out at any age
    assert dx.soft_tissue_sarcoma(recorded(condition("b", "C40.21")), 14).value is False


def test_soft_tissue_sarcoma_by_site_is_unknown_and_gist_rules_it_out() -> None:
    for code in ("C48.0", "C48.1", "C47.5", "C69.61", "C76.2", "C38.0"):
        fact = dx.soft_tissue_sarcoma(recorded(condition("s", code)))
        assert (fact.value, fact.evidence) == (None, ("Condition/s",)), code
    assert dx.soft_tissue_sarcoma(recorded(named("s", "C69.60", "Embryonal rhabdomyosarcoma of orbit"))).value
    gist = dx.soft_tissue_sarcoma(recorded(condition("g", "C49.A2")))
    assert (gist.value, gist.evidence) == (False, ("Condition/g",))
    peritoneal = recorded(named("p", "C48.2", "Primary peritoneal serous carcinoma"))
    assert dx.soft_tissue_sarcoma(peritoneal).value is False


def test_a_site_code_beside_a_specific_code_is_settled_by_the_specific_one() -> None:
    both = recorded(condition("k", "C64.1"), snomed_condition("w", "302849000"))
    assert dx.wilms_tumor(both).evidence == ("Condition/w",)


def test_no_structured_diagnosis_is_false() -> None:
    nothing = recorded()
    for fact in (
        dx.metastatic_breast_cancer(nothing),
        dx.acute_lymphoblastic_leukemia(nothing),
        dx.aggressive_mature_b_cell_lymphoma(nothing),
        dx.hodgkin_lymphoma(nothing),
        dx.soft_tissue_sarcoma(nothing),
        dx.wilms_tumor(nothing, 5),
        dx.neuroblastoma(nothing, 5),
    ):
        assert fact.value is False


ORDER_DATE = date(2026, 10, 5)
VINCRISTINE = {"text": "vinCRIStine sulfate injection"}


def extravasation(*resources: Resource, order: Resource | None = None) -> Fact[bool]:
    order = order or medication_request("dex", DEXRAZOXANE, (1000, "mg/m2"), authored="2026-10-05")
    return dx.anthracycline_extravasation(pool_of(*resources, drafts=[order]), order, ORDER_DATE)


def test_anthracycline_induced_means_the_anthracycline_given_at_the_onset() -> None:
    """docs/facts.md "Record integrity": T80.810 is any vesicant antineoplastic. The drug given on the onset
    day or the day before decides: an anthracycline only → met; other vesicants only → not met; both →
    unknown."""
    onset = condition("x", "T80.810A", onset="2026-10-03")
    vincristine = administration("v", VINCRISTINE, "2026-10-03", (2, "mg"))
    alone = extravasation(onset, vincristine)
    assert alone.value is False
    assert alone.evidence == ("Condition/x", "MedicationAdministration/v")
    assert "vincristine, not an anthracycline, given at the onset" in alone.reason
    mitoxantrone = {"coding": [{"system": "http://www.whocc.no/atc", "code": "L01DB07"}]}
    assert extravasation(onset, administration("m", mitoxantrone, "2026-10-02", (20, "mg"))).value is False
    # the infusion that extravasated, charted as stopped with no dose, ties it to the anthracycline
    stopped = administration("dox", DOXORUBICIN, "2026-10-03", None, status="stopped")
    found = extravasation(onset, stopped)
    assert found.value is True
    assert found.evidence == ("Condition/x", "MedicationAdministration/dox")
    day_before = administration("epi", EPIRUBICIN, "2026-10-02", (90, "mg/m2"))
    assert extravasation(onset, day_before).value is True
    both = extravasation(onset, stopped, vincristine)
    assert both.value is None and "both an anthracycline" in both.reason
    # two days before the onset is not "at the onset"; an order is not a dose given
    early = administration("dox", DOXORUBICIN, "2026-10-01", (60, "mg/m2"))
    assert extravasation(onset, early).value is None
    ordered = medication_request("epi", EPIRUBICIN, (90, "mg/m2"), status="completed", authored="2026-10-03")
    assert extravasation(onset, ordered).value is None
    not_given = administration("dox", DOXORUBICIN, "2026-10-03", (60, "mg/m2"), status="not-done")
    assert extravasation(onset, not_given).value is None


def test_a_condition_that_names_the_drug_decides() -> None:
    stopped = administration("dox", DOXORUBICIN, "2026-10-03", None, status="stopped")
    vinca = named("x", "T80.810A", "Vincristine extravasation, left forearm", onset="2026-10-03")
    assert extravasation(vinca).value is False  # the administrations at the onset say nothing against it
    vincristine_too = administration("v", VINCRISTINE, "2026-10-03", (2, "mg"))
    assert extravasation(vinca, stopped, vincristine_too).value is False  # the drug it names was given
    doxorubicin = named("x", "T80.810A", "Extravasation of doxorubicin", onset="2026-10-03")
    assert extravasation(doxorubicin).value is True
    noted = condition("x", "T80.810A", onset="2026-10-03")
    noted["note"] = [{"text": "Daunorubicin infiltrated at the port site"}]
    assert extravasation(noted).value is True
    by_evidence = condition("x", "T80.810A", onset="2026-10-03")
    by_evidence["evidence"] = [{"detail": [{"reference": "MedicationAdministration/v"}]}]
    vincristine = administration("v", VINCRISTINE, "2026-10-01", (2, "mg"))
    assert extravasation(by_evidence, vincristine, stopped).value is False


def test_an_onset_before_every_anthracycline_dose_of_its_day_contradicts_the_record() -> None:
    """docs/facts.md "An extravasation before its infusion": the onset and the doses both carry times; a dose
    started after the onset cannot have extravasated at it, so when every anthracycline dose of the onset's
    day window started after it, I.B.1 is unknown, the onset and the doses named."""
    onset = condition("x", "T80.810A", onset="2026-10-03T08:30:00-05:00")
    later = administration("dox", DOXORUBICIN, "2026-10-03T13:00:00-05:00", (60, "mg/m2"))
    found = extravasation(onset, later)
    assert found.value is None
    assert found.evidence == ("Condition/x", "MedicationAdministration/dox")
    assert found.reason == (
        "extravasation (T80.810) with its onset at 2026-10-03T08:30:00-05:00, but every anthracycline dose "
        "of that day or the day before started after it (MedicationAdministration/dox started "
        "2026-10-03T13:00:00-05:00): the record contradicts itself, so which drug extravasated is not known"
    )
    # the record naming doxorubicin does not settle it either: the doxorubicin it names started after
    assert (
        extravasation(
            named("x", "T80.810A", "Doxorubicin extravasation", onset=onset["onsetDateTime"]), later
        ).value
        is None
    )
    # a dose of the day before, or one started before the onset the same day, could have been running
    day_before = administration("d1", DOXORUBICIN, "2026-10-02T13:00:00-05:00", (60, "mg/m2"))
    assert extravasation(onset, later, day_before).value is True
    earlier = administration("d0", DOXORUBICIN, "2026-10-03T07:45:00-05:00", (60, "mg/m2"))
    assert extravasation(onset, earlier).value is True
    # a vesicant started after the onset did not extravasate at it either: the doxorubicin before it did
    vincristine = administration("v", VINCRISTINE, "2026-10-03T09:00:00-05:00", (2, "mg"))
    assert extravasation(onset, earlier, vincristine).value is True


def test_date_only_records_and_times_on_different_clocks_keep_the_day_window() -> None:
    later = administration("dox", DOXORUBICIN, "2026-10-03T13:00:00-05:00", (60, "mg/m2"))
    assert extravasation(condition("x", "T80.810A", onset="2026-10-03"), later).value is True
    undated_dose = administration("dox", DOXORUBICIN, "2026-10-03", (60, "mg/m2"))
    assert (
        extravasation(condition("x", "T80.810A", onset="2026-10-03T08:30:00-05:00"), undated_dose).value
        is True
    )
    # an onset with no offset beside a dose with one: which came first is not known, so not compared
    local = condition("x", "T80.810A", onset="2026-10-03T08:30:00")
    assert extravasation(local, later).value is True


def test_a_condition_the_administrations_at_the_onset_contradict_is_unknown() -> None:
    """Not plausible is not a fact: the Condition says doxorubicin, but only vinorelbine was given at the
    onset (and no anthracycline for years): the record and the MAR conflict, never met on the words."""
    doxorubicin = named("x", "T80.810A", "Doxorubicin extravasation, right hand", onset="2026-10-03")
    vinorelbine = {
        "coding": [{"system": "http://www.whocc.no/atc", "code": "L01CA04"}],
        "text": "Vinorelbine",
    }
    given = administration("vnr", vinorelbine, "2026-10-03", (40, "mg"), status="stopped")
    old = administration("dox-2023", DOXORUBICIN, "2023-05-01", (60, "mg/m2"))
    found = extravasation(doxorubicin, given, old)
    assert found.value is None
    assert found.evidence == ("Condition/x", "MedicationAdministration/vnr")
    assert found.reason == (
        "the extravasation record names doxorubicin, but only vinorelbine is recorded as given at the onset "
        "(2026-10-02 or 2026-10-03): the record and the administrations conflict, so which drug "
        "extravasated is not known"
    )
    # the converse: the record names vincristine, only doxorubicin was given at the onset
    vinca = named("x", "T80.810A", "Vincristine extravasation, left forearm", onset="2026-10-03")
    stopped = administration("dox", DOXORUBICIN, "2026-10-03", None, status="stopped")
    assert extravasation(vinca, stopped).value is None


def test_the_orders_extravasation_reason_also_needs_the_anthracycline() -> None:
    reason = [{"coding": [{"system": ICD10CM, "code": "T80.810A"}]}]
    order = medication_request("dex", DEXRAZOXANE, (1000, "mg/m2"), authored="2026-10-05", reasonCode=reason)
    assert extravasation(order=order).value is None
    given = administration("dox", DOXORUBICIN, "2026-10-05", (60, "mg/m2"))
    assert extravasation(given, order=order).value is True


def test_a_sequela_code_is_never_an_extravasation() -> None:
    given = administration("dox", DOXORUBICIN, "2026-10-03", (60, "mg/m2"))
    sequela = extravasation(condition("x", "T80.810S", onset="2026-10-03"), given)
    assert sequela.value is False
    assert sequela.evidence == ()
    subsequent = extravasation(condition("x", "T80.810D", onset="2026-10-03"), given)
    assert subsequent.value is True
    assert not dx.is_extravasation_reason({"coding": [{"system": ICD10CM, "code": "T80.810S"}]})


def test_only_a_current_extravasation_record_counts() -> None:
    """A resolved / inactive / remission T80.810 Condition is a past extravasation: no evidence, so it
    cannot send a cardioprotection order to I.B (policy.pathway), dated or not."""
    for status in ("resolved", "inactive", "remission"):
        undated = extravasation(condition("x", "T80.810A", status=status))
        assert (undated.value, undated.evidence) == (False, ())
        given = administration("dox", DOXORUBICIN, "2026-10-03", (60, "mg/m2"))
        dated = extravasation(condition("x", "T80.810A", status=status, onset="2026-10-03"), given)
        assert (dated.value, dated.evidence) == (False, ())
    for status in ("active", "recurrence"):
        assert extravasation(condition("x", "T80.810A", status=status)).evidence == ("Condition/x",)
    no_status = condition("x", "T80.810A")
    del no_status["clinicalStatus"]
    assert extravasation(no_status).evidence == ("Condition/x",)


def test_a_tentative_diagnosis_is_unknown_not_met_nor_absent() -> None:
    """verificationStatus unconfirmed / provisional / differential: the fact is unknown, with the
    Condition as evidence and a reason, for every diagnosis the policy names."""
    for status in ("unconfirmed", "provisional", "differential"):
        hodgkin = dx.hodgkin_lymphoma(recorded(condition("h", "C81.10", verification=status)))
        assert (hodgkin.value, hodgkin.evidence) == (None, ("Condition/h",))
        assert status in hodgkin.reason
    maybe = {"verification": "differential"}
    checks = [
        (dx.acute_lymphoblastic_leukemia, condition("d", "C91.00", **maybe)),
        (dx.aggressive_mature_b_cell_lymphoma, condition("d", "C83.70", **maybe)),
        (dx.soft_tissue_sarcoma, named("d", "C49.4", "Leiomyosarcoma", **maybe)),
        (dx.relapsed_or_refractory, condition("d", "C91.02", **maybe)),
        (lambda d: dx.wilms_tumor(d, 40), snomed_condition("d", "302849000", **maybe)),
        (lambda d: dx.wilms_tumor(d, 4), named("d", "C64.1", "Nephroblastoma", **maybe)),
        (lambda d: dx.neuroblastoma(d, 3), snomed_condition("d", "432328008", **maybe)),
        (lambda d: ph_status.ph_positive(d, []), snomed_condition("d", "426955004", **maybe)),
    ]
    for read, resource in checks:
        fact = read(recorded(resource))
        assert (fact.value, fact.evidence) == (None, ("Condition/d",)), resource["code"]
        assert "differential" in fact.reason
    # a confirmed record beside a tentative one settles it; so does a Condition with no verificationStatus
    both = recorded(condition("h1", "C81.10", verification="provisional"), condition("h2", "C81.10"))
    assert dx.hodgkin_lymphoma(both).evidence == ("Condition/h2",)
    unstated = condition("h", "C81.10")
    del unstated["verificationStatus"]
    assert dx.hodgkin_lymphoma(recorded(unstated)).value is True
    # a site code is unknown at any age, tentative or not
    assert dx.wilms_tumor(recorded(condition("k", "C64.1", **maybe)), 60).value is None


def test_a_tentative_breast_cancer_or_metastasis_makes_metastatic_breast_cancer_unknown() -> None:
    provisional = {"verification": "provisional"}
    fact = dx.metastatic_breast_cancer(
        recorded(condition("b", "C50.911"), condition("m", "C79.51", **provisional))
    )
    assert (fact.value, fact.evidence) == (None, ("Condition/b", "Condition/m"))
    no_metastasis = dx.metastatic_breast_cancer(recorded(condition("b", "C50.911", **provisional)))
    assert no_metastasis.value is False


def test_a_tentative_extravasation_is_unknown_and_still_judged_on_i_b() -> None:
    given = administration("dox", DOXORUBICIN, "2026-10-03", (60, "mg/m2"))
    fact = extravasation(condition("x", "T80.810A", onset="2026-10-03", verification="provisional"), given)
    assert (fact.value, fact.evidence) == (None, ("Condition/x",))
    assert "provisional" in fact.reason


def test_a_cancer_in_remission_still_counts_resolved_and_inactive_do_not() -> None:
    """Pediatric ALL protocols give doxorubicin after remission (delayed intensification): ALL with
    clinicalStatus remission, or coded C91.01, is still the ALL of I.A.3.b.i; so for every cancer listed."""
    assert dx.acute_lymphoblastic_leukemia(recorded(condition("a", "C91.00", status="remission"))).value
    assert dx.acute_lymphoblastic_leukemia(recorded(condition("a", "C91.01", status="remission"))).value
    assert dx.acute_lymphoblastic_leukemia(recorded(condition("a", "C91.01"))).value
    assert dx.hodgkin_lymphoma(recorded(condition("h", "C81.1A", status="remission"))).value
    remission = dx.relapsed_or_refractory(recorded(condition("a", "C91.01", status="remission")))
    assert remission.value is None  # in remission is not relapsed
    for status in ("resolved", "inactive"):
        assert (
            dx.acute_lymphoblastic_leukemia(recorded(condition("a", "C91.01", status=status))).value is False
        )


def test_a_record_that_rules_nothing_out_leaves_the_indication_unknown() -> None:
    """An unspecified primary (C80.1), or a name in the text under a code that does not say it, is not a
    recorded cancer that rules Wilms, neuroblastoma or sarcoma out."""
    unspecified = recorded(condition("u", "C80.1"))
    assert [dx.wilms_tumor(unspecified).value, dx.neuroblastoma(unspecified).value] == [None, None]
    assert dx.soft_tissue_sarcoma(unspecified).value is None
    rhabdo = recorded(named("r", "30924005", "Embryonal rhabdomyosarcoma", system=SNOMED))
    fact = dx.soft_tissue_sarcoma(rhabdo)
    assert (fact.value, fact.evidence) == (None, ("Condition/r",))
    assert "named in a diagnosis's text" in fact.reason
    # bone and Kaposi sarcomas are other tumours
    for text, code in (("Osteosarcoma of left femur", "C40.22"), ("Kaposi sarcoma of skin", "C46.0")):
        assert dx.soft_tissue_sarcoma(recorded(named("b", code, text))).value is False, text
    # C49 names the tissue: an extraskeletal osteosarcoma coded there arises in soft tissue and meets it
    assert dx.soft_tissue_sarcoma(recorded(named("o", "C49.22", "Osteosarcoma, extraskeletal"))).value


def test_a_histology_charted_as_a_question_settles_nothing() -> None:
    for text in ("Rule out Wilms tumor", "Suspected nephroblastoma", "Wilms tumor vs renal cell carcinoma?"):
        fact = dx.wilms_tumor(recorded(named("k", "C64.1", text)))
        assert (fact.value, fact.evidence) == (None, ("Condition/k",)), text


def test_left_open_asks_only_the_indications_a_code_could_concern_and_misses_none() -> None:
    """Every ICD-10-CM code of the neoplasms chapter (with its title as its text) and every SNOMED CT
    concept the service lists: ``left_open``, which asks only the indications whose codes or words the
    diagnosis holds, says what asking all seven says."""
    table = orjson.loads((REPO_ROOT / "cds_service" / "data" / "icd10.json").read_bytes())["icd-10-cm"]
    every = [
        dx.metastatic_breast_cancer,
        dx.acute_lymphoblastic_leukemia,
        dx.aggressive_mature_b_cell_lymphoma,
        dx.hodgkin_lymphoma,
        dx.wilms_tumor,
        dx.neuroblastoma,
    ]
    names = [f.__name__ for f in every]
    concepts = [
        {"coding": [{"system": ICD10CM, "code": code}], "text": title}
        for code, (title, _block) in table["codes"].items()
        if code[:1] in "CD"
    ]
    concepts += [
        {"coding": [{"system": SNOMED, "code": code}]}
        for name in dir(codes)
        if name.startswith("SCT_") and isinstance(getattr(codes, name), frozenset)
        for code in getattr(codes, name)
    ]
    for concept in concepts:
        diagnosis = dx.diagnosis_of(concept, "Encounter/e")
        for age in (6, 40):
            asked_all = {n for n, f in zip(names, every, strict=True) if f([diagnosis]).value is not False}
            if dx.soft_tissue_sarcoma([diagnosis], age).value is not False:
                asked_all.add("soft_tissue_sarcoma")
            assert dx.left_open(diagnosis, age) == asked_all, concept


def test_an_indication_not_met_names_the_past_diagnosis_set_aside() -> None:
    """A resolved Wilms tumor in a survivor now treated for osteosarcoma: not the current indication, and
    the reason says so rather than "no Wilms tumor recorded"."""
    wilms = snomed_condition("wilms", "302849000", status="resolved")
    dex = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"))
    pool = pool_of(patient("2010-05-01"), wilms, condition("osa", "C40.22"), drafts=[dex])
    facts = extract_facts(
        pool, dexrazoxane_orders(pool)[0], today=date(2026, 11, 28), line_of_business_map={}
    )
    found = facts.wilms_tumor
    assert found.value is False and "Condition/wilms" in found.evidence
    assert found.reason.startswith("no current Wilms tumor")
    assert found.reason.endswith(
        "Condition/wilms (resolved) set aside: a past Wilms tumor, not the current indication"
    )


def test_a_code_whose_own_text_names_another_cancer_meets_nothing() -> None:
    """Not plausible is not a fact: C49.22 (soft tissue of the lower limb) whose own text says
    osteosarcoma of the femur (a bone sarcoma, C40.22) contradicts itself: the sarcoma is unknown, named,
    never met and never absent; so for a Hodgkin code written non-Hodgkin, or an ALL code written AML."""
    bone = recorded(named("s", "C49.22", "Osteosarcoma of left distal femur, conventional osteoblastic"))
    fact = dx.soft_tissue_sarcoma(bone)
    assert fact.value is False and fact.unread == ("Condition/s",)  # unknown once the policy reads it
    assert "C49.22" in fact.reason and "name different cancers" in fact.reason
    for code, text, read in (
        ("C81.10", "Diffuse non-Hodgkin lymphoma", dx.hodgkin_lymphoma),
        ("C91.00", "Acute myeloid leukemia, M2", dx.acute_lymphoblastic_leukemia),
        ("C83.30", "Mantle cell lymphoma", dx.aggressive_mature_b_cell_lymphoma),
        ("C49.4", "Adenocarcinoma of the abdomen", lambda found: dx.soft_tissue_sarcoma(found, 40)),
        ("C50.911", "Melanoma", dx.metastatic_breast_cancer),
    ):
        conflicting = read(recorded(named("c", code, text), condition("m", "C79.51")))
        assert (conflicting.value, conflicting.unread) == (False, ("Condition/c",)), text
    # a code of one indication whose text names another indication: unknown for both, met for neither
    crossed = recorded(named("x", "C81.10", "Diffuse large B-cell lymphoma"))
    assert dx.hodgkin_lymphoma(crossed).unread == ("Condition/x",)
    assert dx.aggressive_mature_b_cell_lymphoma(crossed).unread == ("Condition/x",)
    assert not dx.hodgkin_lymphoma(crossed).value and not dx.aggressive_mature_b_cell_lymphoma(crossed).value


def test_text_that_adds_a_site_a_stage_or_metastases_to_the_codes_kind_is_no_conflict() -> None:
    """Over-caution is a defect too: text naming the code's own kind, or only where it is, how far it has
    gone or that it spread, agrees with the code; a site code is read against its text as before."""
    for code, text, read in (
        ("C49.22", "Leiomyosarcoma of left thigh, metastatic to lung", dx.soft_tissue_sarcoma),
        ("C49.22", "Malignant neoplasm of left thigh, stage III", dx.soft_tissue_sarcoma),
        ("C49.22", "Osteosarcoma, extraskeletal", dx.soft_tissue_sarcoma),
        ("C81.10", "Nodular sclerosis Hodgkin lymphoma, stage IIB, mediastinum", dx.hodgkin_lymphoma),
        ("C83.30", "DLBCL of the stomach", dx.aggressive_mature_b_cell_lymphoma),
        ("C83.30", "Non-Hodgkin lymphoma, diffuse large B-cell type", dx.aggressive_mature_b_cell_lymphoma),
        ("C91.00", "Pre-B ALL in first remission", dx.acute_lymphoblastic_leukemia),
        ("C91.00", "ALL", dx.acute_lymphoblastic_leukemia),
    ):
        fact = read(recorded(named("c", code, text)))
        assert (fact.value, fact.unread) == (True, ()), text
    breast = recorded(
        named("b", "C50.412", "Invasive ductal carcinoma, left breast"), condition("m", "C79.51")
    )
    assert dx.metastatic_breast_cancer(breast).value is True
    ductal = recorded(named("b", "C50.412", "Invasive ductal carcinoma"), condition("m", "C79.51"))
    assert dx.metastatic_breast_cancer(ductal).value is True
    # a histology extension that names another cancer is the record's own words too
    extended = condition("e", "C49.22")
    extended["extension"] = [
        {
            "url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
            "valueCodeableConcept": {
                "coding": [{"system": SNOMED, "code": "21708004", "display": "Osteosarcoma"}]
            },
        }
    ]
    assert dx.soft_tissue_sarcoma(recorded(extended)).unread == ("Condition/e",)


def dated_diagnoses(*conditions: Resource, birth: str = "2011-02-14") -> list[dx.Diagnosis]:
    order = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"), authored="2026-12-06")
    pool = pool_of(patient(birth), *conditions, order)
    return dx.recorded_diagnoses(pool, order, date(2026, 12, 6), 15, Plausibility.of(pool))


def test_a_diagnosis_dated_before_the_birth_or_after_the_order_meets_nothing() -> None:
    """Not plausible is not a fact: a Hodgkin lymphoma with onset 2005 in a patient born 2011 contradicts
    the birth date or itself; one dated after the order cannot be what the order rests on. Either is
    unknown, its date named, never met and never absent; a date between the birth and the order is read."""
    for onset, said in (
        ("2005-10-02", "before the birth date 2011-02-14"),
        ("2026-12-16", "after the order"),
    ):
        fact = dx.hodgkin_lymphoma(dated_diagnoses(condition("h", "C81.12", onset=onset)))
        assert (fact.value, fact.unread) == (False, ("Condition/h",)), onset
        assert said in fact.reason, onset
    assert dx.hodgkin_lymphoma(dated_diagnoses(condition("h", "C81.12", onset="2026-08-01"))).value is True
    assert dx.hodgkin_lymphoma(dated_diagnoses(condition("h", "C81.12", onset="2026-12-06"))).value is True
    # a record that would meet nothing is dropped, not read beside anything
    assert dated_diagnoses(condition("d", "E11.9", onset="2005-01-01")) == []


def test_an_extravasation_dated_after_the_order_is_unknown_not_absent() -> None:
    """The order's reason names a T80.810 Condition naming doxorubicin dated ten days after the order:
    its onset cannot be, so I.B.1 is unknown (pend), named, never 'no extravasation recorded'; an onset
    given only as text is said to be there and not read."""
    order = medication_request(
        "dex",
        DEXRAZOXANE,
        (1000, "mg/m2"),
        authored="2026-12-06",
        reasonReference=[{"reference": "Condition/x"}],
    )
    given = administration("dox", DOXORUBICIN, "2026-12-06", (60, "mg/m2"))
    later = named("x", "T80.810A", "Extravasation of DOXOrubicin", onset="2026-12-16")
    pool = pool_of(patient("1965-01-01"), later, given, drafts=[order])
    fact = dx.anthracycline_extravasation(pool, order, date(2026, 12, 6), (), Plausibility.of(pool))
    assert (fact.value, fact.evidence) == (None, ("Condition/x",))
    assert "after the order of 2026-12-06" in fact.reason
    before_birth = named("x", "T80.810A", "Extravasation of DOXOrubicin", onset="1960-12-06")
    pool = pool_of(patient("1965-01-01"), before_birth, given, drafts=[order])
    fact = dx.anthracycline_extravasation(pool, order, date(2026, 12, 6), (), Plausibility.of(pool))
    assert fact.value is None and "before the birth date" in fact.reason
    worded = named("x", "T80.810A", "Extravasation of DOXOrubicin")
    worded["onsetString"] = "12/06/2026 10:40 AM"
    uncited = medication_request("dex", DEXRAZOXANE, (1000, "mg/m2"), authored="2026-12-06")
    pool = pool_of(worded, given, drafts=[uncited])
    fact = dx.anthracycline_extravasation(pool, uncited, date(2026, 12, 6))
    assert fact.value is None and "'12/06/2026 10:40 AM'" in fact.reason and "not read" in fact.reason
    # cited by the order, it is not dated by the order either: its words may give another day
    worded["onsetString"] = "11/01/2026"
    fact = dx.anthracycline_extravasation(pool_of(worded, given, drafts=[order]), order, date(2026, 12, 6))
    assert fact.value is None and "'11/01/2026'" in fact.reason
    del worded["onsetString"]
    assert dx.anthracycline_extravasation(
        pool_of(worded, given, drafts=[order]), order, date(2026, 12, 6)
    ).value


def test_a_code_of_no_site_or_kind_says_so_and_names_the_words_not_read() -> None:
    """C80.1 or SNOMED CT 'malignant neoplastic disease' is no site code: the reason says the code names
    neither site nor kind, and names what on the record could settle it and is not read (the stage summary
    where COG staging names Wilms tumour, a note holding the pathology)."""
    staged = snomed_condition("w", "363346000")
    staged["stage"] = [
        {"summary": {"text": "Wilms tumor (nephroblastoma), favorable histology - COG stage III"}}
    ]
    fact = dx.wilms_tumor(recorded(staged), 4)
    assert fact.value is None
    assert "coded as a cancer of no stated site or kind" in fact.reason and "site only" not in fact.reason
    assert "Condition/w: its stage summary is not read for a histology" in fact.reason
    noted = condition("n", "C80.1")
    noted["note"] = [{"text": "Path 8/18: poorly differentiated neuroblastoma"}]
    fact = dx.neuroblastoma(recorded(noted), 3)
    assert fact.value is None and "Condition/n: its note is not read for a histology" in fact.reason
    both = recorded(condition("k", "C64.1"), noted)
    assert "coded by site only or as a cancer of no stated site or kind" in dx.wilms_tumor(both, 4).reason


def test_an_extravasation_in_words_dated_after_the_order_is_not_set_aside() -> None:
    """An extravasation recorded only in words (no T80.810) dated after the order cannot be as dated: it
    could be the one the order treats, so I.B.1 is not 'not met' beside it."""
    order = medication_request("dex", DEXRAZOXANE, (1000, "mg/m2"), authored="2026-12-06")
    worded = snomed_condition("w", "999999999", onset="2026-12-16")
    worded["code"]["text"] = "Doxorubicin extravasation, right hand"
    pool = pool_of(patient("1965-01-01"), worded, drafts=[order])
    fact = dx.anthracycline_extravasation(pool, order, date(2026, 12, 6), (), Plausibility.of(pool))
    assert fact.value is False and fact.unread == ("Condition/w",)
    assert dx.anthracycline_extravasation(pool, order, date(2026, 12, 6)).unread == ()


def test_a_condition_whose_own_dates_contradict_each_other_is_neither_current_nor_past() -> None:
    """An abatement before the onset (a year typed wrong), or an onset period ending before it starts:
    which date is wrong cannot be told, so the cancer is neither met on nor set aside as past: unknown."""
    abated = condition("h", "C81.10", onset="2026-08-01")
    abated["abatementDateTime"] = "2025-09-01"
    fact = dx.hodgkin_lymphoma(recorded(abated))
    assert (fact.value, fact.unread) == (False, ("Condition/h",))
    assert "abated 2025-09-01, before its onset 2026-08-01" in fact.reason and "past" not in fact.reason
    backwards = condition("h", "C81.10")
    backwards["onsetPeriod"] = {"start": "2026-08-01", "end": "2025-08-01"}
    assert dx.hodgkin_lymphoma(recorded(backwards)).unread == ("Condition/h",)
    # an abatement after the onset is a past disease, as before
    ended = condition("h", "C81.10", onset="2024-08-01", status="resolved")
    ended["abatementDateTime"] = "2025-09-01"
    assert dx.hodgkin_lymphoma(recorded(ended)).value is False
    assert dx.hodgkin_lymphoma(recorded(ended)).unread == ()


def test_a_condition_recorded_before_its_own_onset_contradicts_itself() -> None:
    """A record made before the onset it states (days compared): an entry reused for a later event, or an
    onset typed wrong. Which date is wrong cannot be told: a cancer is neither met on nor absent, and an
    extravasation dates nothing, so I.B.1 is unknown, named, not met on the drug it names."""
    early = condition("h", "C81.10", onset="2026-08-01")
    early["recordedDate"] = "2026-07-02"
    fact = dx.hodgkin_lymphoma(recorded(early))
    assert (fact.value, fact.unread) == (False, ("Condition/h",))
    assert "recorded 2026-07-02, before its onset 2026-08-01" in fact.reason
    early["recordedDate"] = "2026-08-01T23:10:00-05:00"  # the same day: no conflict
    assert dx.hodgkin_lymphoma(recorded(early)).value is True
    doxorubicin = named("x", "T80.810A", "Doxorubicin extravasation, right hand", onset="2026-10-03")
    assert extravasation(doxorubicin).value is True
    doxorubicin["recordedDate"] = "2026-09-02"
    found = extravasation(doxorubicin)
    assert (found.value, found.evidence) == (None, ("Condition/x",))
    assert "recorded 2026-09-02, before its onset 2026-10-03" in found.reason
    # nor does it date the course (the onset the course is counted from)
    pool = pool_of(doxorubicin)
    assert dx.extravasation_onset(pool, ("Condition/x",)) is None


def test_a_diagnosis_recorded_after_the_order_with_no_onset_is_no_conflict() -> None:
    """The problem list may catch up with an order already written: a Condition with no onset, recorded
    the day after the order, is read as before; recorded before the birth, it conflicts."""
    later = condition("h", "C81.12")
    later["recordedDate"] = "2026-12-07"
    assert dx.hodgkin_lymphoma(dated_diagnoses(later)).value is True
    later["recordedDate"] = "2005-01-01"
    assert dx.hodgkin_lymphoma(dated_diagnoses(later)).unread == ("Condition/h",)


def test_a_condition_whose_status_is_not_read_is_read_only_beside_what_it_would_meet() -> None:
    """Hodgkin lymphoma with its clinical status replaced by a data-absent-reason, or written as text only:
    whether it is current is not read, so it neither meets the indication nor is absent: unknown, named."""
    hodgkin = condition("hl", "C81.10")
    del hodgkin["clinicalStatus"]
    hodgkin["_clinicalStatus"] = {
        "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
        ]
    }
    assert dx.status_not_read(hodgkin) == "its clinical status is not recorded (data-absent-reason 'unknown')"
    order = medication_request("dex", DEXRAZOXANE, (500, "mg/m2"))
    [found] = [
        d for d in dx.recorded_diagnoses(pool_of(hodgkin, order), order) if d.reference == "Condition/hl"
    ]
    assert (found.icd, "hodgkin_lymphoma" in found.bears_on) == (frozenset(), True)
    assert "clinical status is not recorded" in found.unread
    text_only = {**condition("hl", "C81.10"), "verificationStatus": {"text": "confirmed by pathology"}}
    assert (
        dx.status_not_read(text_only)
        == "its verification status is written with no code, not a code of FHIR's"
    )
    # absent with no reason is what FHIR allows outside the problem list: read as before
    plain = condition("hl", "C81.10")
    del plain["clinicalStatus"]
    assert dx.status_not_read(plain) == ""


def test_a_diagnosis_whose_onset_age_is_older_than_the_patient_meets_nothing() -> None:
    """Not plausible is not a fact: the only Hodgkin lymphoma of a 15-year-old gives its onset at 52 (a
    parent's history filed in the child's chart): not the patient's, unknown and named, never met and never
    absent; an onset age the patient could have is read."""

    def with_onset(**written: object) -> Resource:
        return {**condition("h", "C81.12"), "recordedDate": "2026-10-01", **written}

    age = {"value": 52, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}
    for written in ({"onsetAge": age}, {"onsetString": "at age 52"}, {"onsetRange": {"low": age}}):
        fact = dx.hodgkin_lymphoma(dated_diagnoses(with_onset(**written)))
        assert (fact.value, fact.unread) == (False, ("Condition/h",)), written
        assert "older than the patient (15 on 2026-10-01, born 2011-02-14)" in fact.reason, written
    own = {**age, "value": 15}
    assert dx.hodgkin_lymphoma(dated_diagnoses(with_onset(onsetAge=own))).value is True
    refuted = {**with_onset(onsetAge=age), "verificationStatus": {"coding": [{"code": "refuted"}]}}
    assert dx.hodgkin_lymphoma(dated_diagnoses(refuted)).value is False
    assert dx.hodgkin_lymphoma(dated_diagnoses(refuted)).unread == ()


def test_a_specialty_or_a_service_in_words_names_no_cancer() -> None:
    """ "Oncology" names a specialty ("referral to medical oncology service", "oncology clinic"); the words of
    a disease of it ("oncologic disease") name a cancer of no named kind, which could be any of them."""
    from cds_service.clinical.codes import CANCER_INDICATIONS
    from cds_service.clinical.diagnoses import could_be

    for text in (
        "referral to medical oncology service",
        "oncology clinic",
        "hematology/oncology",
        "chemotherapy",
    ):
        assert could_be(text) == frozenset(), text
    assert could_be("oncologic disease, not otherwise specified") == CANCER_INDICATIONS
    assert could_be("malignant neoplasm, primary site unknown") == CANCER_INDICATIONS
