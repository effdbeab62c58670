from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.clinical.extract import extract_facts
from cds_service.clinical.facts import ClinicalFacts
from cds_service.clinical.orders import dexrazoxane_orders
from cds_service.fhir.pool import Resource, ResourcePool
from cds_service.policy.pathway import select_pathway
from tests.clinical.builders import (
    DEXRAZOXANE,
    DOXORUBICIN,
    EPIRUBICIN,
    LIPOSOMAL_DOXORUBICIN,
    administration,
    bsa,
    condition,
    height,
    medication_request,
    patient,
    pool_from_request_file,
    pool_of,
    quantity,
    timing,
    weight,
)

TODAY = date(2026, 11, 28)


def facts_of(pool: ResourcePool, order: Resource | None = None, **kwargs: Any) -> ClinicalFacts:
    order = order or dexrazoxane_orders(pool)[0]
    return extract_facts(pool, order, today=TODAY, line_of_business_map=kwargs.get("lob_map", {}))


def dexrazoxane_order(**kwargs: Any) -> Resource:
    return medication_request("dex", DEXRAZOXANE, kwargs.pop("dose", (500, "mg/m2")), **kwargs)


def test_fixture_metastatic_breast_cancer_worked_by_hand() -> None:
    """54-year-old woman (born 1972-03-15, order 2026-10-05); height 162 cm, weight 72 kg, so
    BSA = sqrt(162 x 72 / 3600) = 1.8 m2. Six doxorubicin doses: three of 50 mg/m2, three of 90 mg
    (90 / 1.8 = 50 mg/m2): 300 mg/m2. A not-done and an entered-in-error dose do not count. The draft
    doxorubicin order plans two more 90 mg doses (50 mg/m2 each, 5 and 26 October): 400 mg/m2 planned.
    Dexrazoxane 500 mg/m2 (900 mg), ratio 500 / 50 = 10."""
    facts = facts_of(pool_from_request_file("metastatic-breast-six-doses.json"))
    assert facts.order == "MedicationRequest/dex-order"
    assert facts.approval_start == date(2026, 10, 5)
    assert facts.age_years.value == 54
    assert facts.bsa_m2.value == pytest.approx(1.8)
    assert facts.cumulative_doxorubicin.value == pytest.approx(300)
    assert facts.cumulative_anthracycline.value == pytest.approx(300)
    assert len(facts.cumulative_doxorubicin.evidence) == 6
    assert "MedicationAdministration/dox-7" not in facts.cumulative_doxorubicin.evidence
    assert "MedicationAdministration/dox-8" not in facts.cumulative_doxorubicin.evidence
    assert facts.planned_doxorubicin.value == pytest.approx(400)
    assert facts.planned_anthracycline.value == pytest.approx(400)
    assert facts.dexrazoxane_dose_mg_m2.value == 500
    assert facts.dexrazoxane_dose_mg.value == pytest.approx(900)
    assert facts.doxorubicin_dose_mg_m2.value == pytest.approx(50)
    assert facts.dose_ratio.value == pytest.approx(10)
    assert facts.concurrent_doxorubicin.value is True
    assert facts.last_planned_doxorubicin_date.value == date(2026, 10, 26)
    assert facts.metastatic_breast_cancer.value is True
    assert facts.acute_lymphoblastic_leukemia.value is False
    assert facts.anthracycline_extravasation.value is False
    assert facts.prior_dexrazoxane_cardioprotection.value is False
    assert facts.prescriber_oncologist.value is True
    assert facts.prescriber_onc_or_hem.value is True
    assert facts.line_of_business.value == "commercial"
    assert facts.coverage.value == "Coverage/cov-1"
    assert len(facts.dose_lines) == 8  # six given, two planned
    assert [line.mg_m2 for line in facts.dose_lines] == [50.0] * 8


def test_epirubicin_is_an_anthracycline_not_doxorubicin() -> None:
    pool = pool_of(
        patient(),
        administration("dox", DOXORUBICIN, "2026-06-01", (100, "mg/m2")),
        administration("epi", EPIRUBICIN, "2026-07-01", (100, "mg/m2")),
        drafts=[dexrazoxane_order()],
    )
    facts = facts_of(pool)
    assert facts.cumulative_doxorubicin.value == pytest.approx(100)
    assert facts.cumulative_anthracycline.value == pytest.approx(180)  # 100 + 100 x 0.8


def test_liposomal_doxorubicin_counts_in_totals_but_is_not_concurrent_doxorubicin() -> None:
    pool = pool_of(
        patient(),
        administration("lipo", LIPOSOMAL_DOXORUBICIN, "2026-06-01", (50, "mg/m2")),
        drafts=[
            dexrazoxane_order(),
            medication_request("lipo-next", LIPOSOMAL_DOXORUBICIN, (50, "mg/m2"), timing_=timing(count=1)),
        ],
    )
    facts = facts_of(pool)
    assert facts.cumulative_doxorubicin.value == pytest.approx(50)
    assert facts.planned_doxorubicin.value == pytest.approx(100)
    assert facts.concurrent_doxorubicin.value is False


def test_an_mg_dose_without_bsa_is_an_unknown_part() -> None:
    pool = pool_of(
        patient(),
        administration("a", DOXORUBICIN, "2026-05-01", (150, "mg/m2")),
        administration("a2", DOXORUBICIN, "2026-06-01", (150, "mg/m2")),
        administration("b", DOXORUBICIN, "2026-07-01", (90, "mg")),
        drafts=[dexrazoxane_order()],
    )
    total = facts_of(pool).cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts, total.value) == (300, 1, None)
    assert total.reaches(300) is True
    assert facts_of(pool).bsa_m2.value is None


def test_mg_converted_with_the_bsa_of_each_dose_date() -> None:
    pool = pool_of(
        patient(),
        bsa("b1", "2026-01-01", 2.0),
        bsa("b2", "2026-06-01", 1.5),
        administration("a", DOXORUBICIN, "2026-01-02", (100, "mg")),  # 50 mg/m2 with 2.0
        administration("b", DOXORUBICIN, "2026-06-02", (75, "mg")),  # 50 mg/m2 with 1.5
        drafts=[dexrazoxane_order()],
    )
    assert facts_of(pool).cumulative_doxorubicin.value == pytest.approx(100)


def test_active_order_counts_only_doses_still_to_come() -> None:
    active = medication_request(
        "dox-active",
        DOXORUBICIN,
        (50, "mg/m2"),
        status="active",
        authored="2026-06-01",
        timing_=timing(count=6, period=21, start="2026-06-01"),
    )
    given = [
        administration(f"a{i}", DOXORUBICIN, day, (50, "mg/m2"), request="MedicationRequest/dox-active")
        for i, day in enumerate(["2026-06-01", "2026-06-22", "2026-07-13", "2026-08-03"])
    ]
    facts = facts_of(pool_of(patient(), active, *given, drafts=[dexrazoxane_order(authored="2026-08-24")]))
    assert facts.cumulative_doxorubicin.value == pytest.approx(200)
    assert facts.planned_doxorubicin.value == pytest.approx(300)  # 6 doses in all, none twice
    assert facts.concurrent_doxorubicin.value is True
    assert facts.last_planned_doxorubicin_date.value == date(2026, 9, 14)


def test_active_order_without_references_counts_doses_from_the_approval_start() -> None:
    active = medication_request(
        "dox-active",
        DOXORUBICIN,
        (50, "mg/m2"),
        status="active",
        authored="2026-06-01",
        timing_=timing(count=6, period=21, start="2026-06-01"),
    )
    given = [administration("a", DOXORUBICIN, "2026-06-01", (50, "mg/m2"))]
    facts = facts_of(pool_of(patient(), active, *given, drafts=[dexrazoxane_order(authored="2026-08-24")]))
    # doses on 24 Aug and 14 Sep are still to come
    assert facts.planned_doxorubicin.value == pytest.approx(150)


def test_age_in_whole_years_on_the_order_date_and_unknown_without_birth_date() -> None:
    born = pool_of(patient("2008-10-06"), drafts=[dexrazoxane_order(authored="2026-10-05")])
    assert facts_of(born).age_years.value == 17
    unborn = pool_of(patient(None), drafts=[dexrazoxane_order()])
    assert facts_of(unborn).age_years.value is None


def test_approval_start_is_today_without_an_order_date() -> None:
    facts = facts_of(pool_of(patient(), drafts=[dexrazoxane_order(authored=None)]))
    assert facts.approval_start == TODAY


def test_dexrazoxane_mg_order_converted_with_current_bsa() -> None:
    pool = pool_of(
        patient(),
        height("h", "2026-09-01", 162),
        weight("w", "2026-09-01", 72),
        drafts=[
            dexrazoxane_order(dose=(900, "mg")),
            medication_request("dox", DOXORUBICIN, (60, "mg/m2"), timing_=timing(count=1)),
        ],
    )
    facts = facts_of(pool)
    assert facts.dexrazoxane_dose_mg_m2.value == pytest.approx(500)
    assert facts.dose_ratio.value == pytest.approx(500 / 60)


def test_no_doxorubicin_order_is_no_concurrent_doxorubicin() -> None:
    facts = facts_of(pool_of(patient(), drafts=[dexrazoxane_order()]))
    assert facts.concurrent_doxorubicin.value is False
    assert facts.dose_ratio.value is None


def test_prior_dexrazoxane_in_the_last_12_months_not_for_extravasation() -> None:
    recent = administration("dex-1", DEXRAZOXANE, "2026-03-01", (500, "mg/m2"))
    old = administration("dex-0", DEXRAZOXANE, "2025-09-01", (500, "mg/m2"))
    facts = facts_of(pool_of(patient(), recent, old, drafts=[dexrazoxane_order()]))
    assert facts.prior_dexrazoxane_cardioprotection.value is True
    assert facts.prior_dexrazoxane_cardioprotection.evidence == ("MedicationAdministration/dex-1",)

    for_extravasation = administration("dex-x", DEXRAZOXANE, "2026-03-01", (1000, "mg/m2"))
    for_extravasation["reasonCode"] = [
        {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "T80.810A"}]}
    ]
    after_onset = administration("dex-y", DEXRAZOXANE, "2026-04-02", (1000, "mg/m2"))
    facts = facts_of(
        pool_of(
            patient(),
            for_extravasation,
            after_onset,
            condition("extrav", "T80.810A", onset="2026-04-01"),
            drafts=[dexrazoxane_order()],
        )
    )
    assert facts.prior_dexrazoxane_cardioprotection.value is False


def test_extravasation_course_in_mg_per_day() -> None:
    order = dexrazoxane_order(
        dose=(1000, "mg/m2"),
        authored="2026-10-05",
        timing_=timing(count=2, period=1, start="2026-10-05"),
        reasonCode=[{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "T80.810A"}]}],
    )
    infusion = administration("dox", DOXORUBICIN, "2026-10-05", None, status="stopped")
    pool = pool_of(patient(), bsa("b", "2026-10-01", 2.1), infusion, drafts=[order])
    facts = facts_of(pool)
    assert facts.anthracycline_extravasation.value is True
    assert [(d.day, d.mg) for d in facts.extravasation_course] == [(1, 2100.0), (2, 2100.0)]


def test_extravasation_condition_within_seven_days() -> None:
    order = dexrazoxane_order(authored="2026-10-05")
    given = administration("dox", DOXORUBICIN, "2026-10-01", (60, "mg/m2"))
    near = pool_of(patient(), given, condition("x", "T80.810A", onset="2026-10-01"), drafts=[order])
    assert facts_of(near).anthracycline_extravasation.value is True
    far = pool_of(patient(), given, condition("x", "T80.810A", onset="2026-09-20"), drafts=[order])
    assert facts_of(far).anthracycline_extravasation.value is False


def test_an_extravasation_of_unknown_drug_still_has_its_course_read() -> None:
    """T80.810 with no anthracycline recorded leaves I.B.1 unknown, but the order is judged on I.B
    all the same: its course is read so that I.B.4 is decided from the doses."""
    order = dexrazoxane_order(
        dose=(1000, "mg/m2"),
        timing_=timing(count=3, period=1, start="2026-10-05"),
        reasonCode=[{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "T80.810A"}]}],
    )
    facts = facts_of(pool_of(patient(), bsa("b", "2026-10-01", 2.1), drafts=[order]))
    assert facts.anthracycline_extravasation.value is None
    assert [(d.day, d.mg) for d in facts.extravasation_course] == [(1, 2100.0), (2, 2100.0), (3, 2100.0)]


# Property tests -------------------------------------------------------------------------------

# Doses within half a year of the charted BSA (bsa.MAX_WEIGHT_DISTANCE), so that every mg dose converts.
doses_mg_m2 = st.lists(
    st.tuples(st.integers(min_value=0, max_value=170), st.floats(min_value=10, max_value=90)), max_size=12
)


def day_of_2026(offset: int) -> str:
    return date.fromordinal(date(2026, 1, 1).toordinal() + offset).isoformat()


def _administrations(doses: list[tuple[int, float]], *, in_mg: bool) -> list[Resource]:
    return [
        administration(
            f"a{i}",
            DOXORUBICIN,
            (
                date(2026, 1, 1).toordinal() + day and date.fromordinal(date(2026, 1, 1).toordinal() + day)
            ).isoformat(),
            (value * 1.8, "mg") if in_mg else (value, "mg/m2"),
        )
        for i, (day, value) in enumerate(doses)
    ]


@settings(max_examples=40, deadline=None)
@given(doses_mg_m2)
def test_the_same_dose_in_mg_or_mg_m2_gives_the_same_total(doses: list[tuple[int, float]]) -> None:
    common = (patient(), bsa("b", "2026-01-01", 1.8))
    in_m2 = facts_of(pool_of(*common, *_administrations(doses, in_mg=False), drafts=[dexrazoxane_order()]))
    in_mg = facts_of(pool_of(*common, *_administrations(doses, in_mg=True), drafts=[dexrazoxane_order()]))
    assert in_mg.cumulative_doxorubicin.value == pytest.approx(in_m2.cumulative_doxorubicin.value)


@settings(max_examples=40, deadline=None)
@given(doses_mg_m2, st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_resource_order(doses: list[tuple[int, float]], random: Any) -> None:
    resources = [patient(), height("h", "2026-01-01", 162), weight("w", "2026-03-01", 72)]
    resources += _administrations(doses, in_mg=True)
    shuffled = list(resources)
    random.shuffle(shuffled)
    first = facts_of(pool_of(*resources, drafts=[dexrazoxane_order()]))
    second = facts_of(pool_of(*shuffled, drafts=[dexrazoxane_order()]))
    assert second.cumulative_doxorubicin.known_mg_m2 == pytest.approx(
        first.cumulative_doxorubicin.known_mg_m2
    )
    assert second.planned_anthracycline.known_mg_m2 == pytest.approx(first.planned_anthracycline.known_mg_m2)


@settings(max_examples=40, deadline=None)
@given(
    doses_mg_m2, st.integers(min_value=0, max_value=300), st.floats(min_value=0, max_value=90), st.booleans()
)
def test_adding_an_administration_never_lowers_a_total(
    doses: list[tuple[int, float]], day: int, value: float, epirubicin: bool
) -> None:
    resources = [patient(), bsa("b", "2026-01-01", 1.8), *_administrations(doses, in_mg=False)]
    before = facts_of(pool_of(*resources, drafts=[dexrazoxane_order()]))
    extra = administration(
        "extra",
        EPIRUBICIN if epirubicin else DOXORUBICIN,
        day_of_2026(day),
        (value, "mg/m2"),
    )
    after = facts_of(pool_of(*resources, extra, drafts=[dexrazoxane_order()]))
    for name in (
        "cumulative_doxorubicin",
        "cumulative_anthracycline",
        "planned_doxorubicin",
        "planned_anthracycline",
    ):
        assert getattr(after, name).known_mg_m2 >= getattr(before, name).known_mg_m2 - 1e-9


def with_doxorubicin(
    dexrazoxane: tuple[float, str], doxorubicin: tuple[float, str], birth_date: str = "1972-03-15"
) -> ClinicalFacts:
    """Facts of a dexrazoxane draft signed with a doxorubicin draft, nothing else charted."""
    drafts = [dexrazoxane_order(dose=dexrazoxane), medication_request("dox-order", DOXORUBICIN, doxorubicin)]
    return facts_of(pool_of(patient(birth_date), drafts=drafts))


def test_dose_ratio_of_two_mg_doses_needs_no_bsa() -> None:
    """Dexrazoxane 900 mg with doxorubicin 90 mg and nothing charted to compute a BSA: both doses are
    divided by the same BSA, so the ratio is 10 all the same (a pharmacist would not pend it)."""
    facts = with_doxorubicin((900, "mg"), (90, "mg"))
    assert facts.bsa_m2.value is None
    assert facts.dexrazoxane_dose_mg_m2.value is None
    assert facts.dose_ratio.value == pytest.approx(10)
    assert "MedicationRequest/dox-order" in facts.dose_ratio.evidence


def test_dose_ratio_stays_unknown_when_only_one_dose_is_in_mg_and_no_bsa() -> None:
    facts = with_doxorubicin((900, "mg"), (50, "mg/m2"))
    assert facts.dose_ratio.value is None


def _two_dose_lines(order: Resource, first: tuple[float, str], second: tuple[float, str]) -> Resource:
    """The order written as two dosage lines (e.g. a first dose, then the rest of the cycle)."""
    line = order["dosageInstruction"][0]
    order["dosageInstruction"] = [
        {**line, "doseAndRate": [{"doseQuantity": {"value": first[0], "unit": first[1], "code": first[1]}}]},
        {
            **line,
            "doseAndRate": [{"doseQuantity": {"value": second[0], "unit": second[1], "code": second[1]}}],
        },
    ]
    return order


def test_the_ratio_holds_for_the_largest_dexrazoxane_dose_of_the_order() -> None:
    """Policy I.A.5.a: the dose does not exceed 10 times doxorubicin "given with each doxorubicin dose":
    a later 1,000 mg/m2 line against 50 mg/m2 doxorubicin is 20:1, whatever the first line says."""
    dex = _two_dose_lines(dexrazoxane_order(), (300, "mg/m2"), (1000, "mg/m2"))
    facts = facts_of(
        pool_of(patient(), drafts=[dex, medication_request("dox-order", DOXORUBICIN, (50, "mg/m2"))])
    )
    assert facts.dexrazoxane_dose_mg_m2.value == pytest.approx(1000)
    assert facts.dose_ratio.value == pytest.approx(20)


def test_the_ratio_holds_for_the_smallest_doxorubicin_dose_of_the_order() -> None:
    dox = _two_dose_lines(medication_request("dox-order", DOXORUBICIN, None), (50, "mg/m2"), (25, "mg/m2"))
    facts = facts_of(pool_of(patient(), drafts=[dexrazoxane_order(), dox]))
    assert facts.doxorubicin_dose_mg_m2.value == pytest.approx(25)
    assert facts.dose_ratio.value == pytest.approx(20)


def test_a_dose_line_that_cannot_be_converted_leaves_the_ratio_unknown() -> None:
    """The unconvertible line could be the largest dose: the ratio is not computed from the others."""
    dex = _two_dose_lines(dexrazoxane_order(), (500, "mg/m2"), (900, "mg"))
    facts = facts_of(
        pool_of(patient(), drafts=[dex, medication_request("dox-order", DOXORUBICIN, (50, "mg/m2"))])
    )
    assert facts.dexrazoxane_dose_mg_m2.value is None
    assert facts.dose_ratio.value is None


def test_a_resolved_undated_extravasation_leaves_a_cardioprotection_order_on_i_a() -> None:
    old = condition("x", "T80.810A", status="resolved")
    given = administration("dox", DOXORUBICIN, "2026-09-14", (50, "mg/m2"))
    facts = facts_of(pool_of(patient(), given, old, drafts=[dexrazoxane_order()]))
    assert facts.anthracycline_extravasation.evidence == ()
    assert select_pathway(facts) == "I.A"


def test_a_do_not_perform_doxorubicin_order_is_no_therapy_and_leaves_concurrency_unknown() -> None:
    """A prohibition plans no dose, but it is the prescriber's word that doxorubicin is held now ("HOLD
    until the echo is reviewed"): whether it goes on with the dexrazoxane is unknown, as for an order on
    hold, and beside an order of doxorubicin the two contradict each other."""
    forbidden = medication_request("dox-order", DOXORUBICIN, (50, "mg/m2"), doNotPerform=True)
    facts = facts_of(pool_of(patient(), drafts=[dexrazoxane_order(), forbidden]))
    assert facts.concurrent_doxorubicin.value is None
    assert facts.concurrent_doxorubicin.evidence == ("MedicationRequest/dox-order",)
    assert "forbids doxorubicin for now (doNotPerform" in facts.concurrent_doxorubicin.reason
    assert facts.planned_doxorubicin.value == 0
    ordered = medication_request("dox", DOXORUBICIN, (50, "mg/m2"))
    beside = facts_of(pool_of(patient(), drafts=[dexrazoxane_order(), forbidden, ordered]))
    assert beside.concurrent_doxorubicin.value is None
    assert "contradict each other" in beside.concurrent_doxorubicin.reason
    # a prohibition that no longer stands (completed, cancelled) says nothing
    ended = {**forbidden, "status": "completed"}
    assert (
        facts_of(pool_of(patient(), ended, drafts=[dexrazoxane_order()])).concurrent_doxorubicin.value
        is False
    )


def test_a_do_not_perform_dexrazoxane_order_asks_for_no_determination() -> None:
    pool = pool_of(patient(), drafts=[dexrazoxane_order(doNotPerform=True)])
    assert dexrazoxane_orders(pool) == []


@pytest.mark.parametrize("value", [0, -500])
def test_a_zero_or_negative_dexrazoxane_dose_is_no_dose(value: float) -> None:
    """A charting error must never meet the 10:1 ratio (a -500 mg/m2 dose is 'at most' 10 times anything)."""
    facts = with_doxorubicin((value, "mg/m2"), (50, "mg/m2"))
    assert facts.dexrazoxane_dose_mg_m2.value is None
    assert facts.dose_ratio.value is None


def test_dose_ratio_of_two_mg_per_kg_doses_needs_no_weight() -> None:
    """An infant's regimen in mg/kg: dexrazoxane 10 mg/kg with doxorubicin 1 mg/kg is 10:1 whatever the
    weight, which divides both."""
    facts = with_doxorubicin((10, "mg/kg"), (1, "mg/kg"), birth_date="2026-03-01")
    assert facts.dose_ratio.value == pytest.approx(10)


def test_an_implausible_order_date_is_no_date() -> None:
    """authoredOn 0001-01-01 is a typing error: the approval starts today, and no window arithmetic fails."""
    facts = facts_of(pool_of(patient(), drafts=[dexrazoxane_order(authored="0001-01-01")]))
    assert facts.approval_start == TODAY


def test_volumes_of_two_drugs_give_no_ratio() -> None:
    """50 mL of dexrazoxane and 25 mL of doxorubicin: different strengths, so no mg ratio."""
    facts = with_doxorubicin((50, "mL"), (25, "mL"))
    assert facts.dose_ratio.value is None


EXTRAVASATION_REASON = [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "T80.810A"}]}]


def test_the_course_counts_a_dose_given_on_the_order_day_and_the_other_orders_of_the_course() -> None:
    """Day 1 was given this morning (2,000 mg); this order plans 2,000 mg on days 2 and 3, and another
    draft adds 500 mg on day 3: day 3 carries 2,500 mg against its 1,000 mg cap (I.B.4)."""
    infusion = administration("dox", DOXORUBICIN, "2026-10-05", None, status="stopped")
    given_today = administration("dz-1", DEXRAZOXANE, "2026-10-05", (2000, "mg"))
    order = dexrazoxane_order(
        dose=(2000, "mg"),
        timing_=timing(count=2, period=1, start="2026-10-06"),
        reasonCode=EXTRAVASATION_REASON,
    )
    extra = medication_request(
        "dex-extra", DEXRAZOXANE, (500, "mg"), timing_=timing(count=1, start="2026-10-07")
    )
    facts = facts_of(pool_of(patient(), infusion, given_today, drafts=[order, extra]), order)
    assert [(d.day, d.mg) for d in facts.extravasation_course] == [(1, 2000.0), (2, 2000.0), (3, 2500.0)]


def test_two_dexrazoxane_orders_signed_together_add_up_against_the_doxorubicin_dose() -> None:
    """Two 500 mg/m2 dexrazoxane drafts with 50 mg/m2 doxorubicin: 1,000 mg/m2 is given with the dose,
    20:1, whichever of the two orders is judged."""
    second = medication_request("dex-2", DEXRAZOXANE, (500, "mg/m2"))
    dox = medication_request("dox-order", DOXORUBICIN, (50, "mg/m2"))
    pool = pool_of(patient(), drafts=[dexrazoxane_order(), second, dox])
    for order in dexrazoxane_orders(pool):
        assert facts_of(pool, order).dose_ratio.value == pytest.approx(20)


def test_an_extravasation_named_as_the_reason_is_held_to_the_current_event_rules() -> None:
    """reasonReference to a resolved T80.810 Condition, or one from September, is not I.B.1 today."""
    infusion = administration("dox", DOXORUBICIN, "2026-09-20", (60, "mg/m2"))
    for status, onset in (("resolved", "2026-10-04"), ("active", "2026-09-20")):
        old = condition("x", "T80.810A", status=status, onset=onset)
        order = dexrazoxane_order(reasonReference=[{"reference": "Condition/x"}])
        facts = facts_of(pool_of(patient(), infusion, old, drafts=[order]))
        assert not facts.anthracycline_extravasation.value, (status, onset)


def test_a_cancer_that_abated_before_the_order_is_not_the_indication() -> None:
    """A childhood Hodgkin lymphoma in remission since 2021 (abatementDateTime) is not what today's
    doxorubicin is prescribed for."""
    hodgkin = {**condition("h", "C81.10", status="remission"), "abatementDateTime": "2021-03-01"}
    facts = facts_of(pool_of(patient("2014-01-01"), hodgkin, drafts=[dexrazoxane_order()]))
    assert facts.hodgkin_lymphoma.value is False


def test_a_proposed_doxorubicin_order_is_no_concurrent_doxorubicin() -> None:
    proposal = medication_request("dox-order", DOXORUBICIN, (50, "mg/m2"), status="active", intent="proposal")
    facts = facts_of(pool_of(patient(), proposal, drafts=[dexrazoxane_order()]))
    assert facts.concurrent_doxorubicin.value is False


def test_an_incredible_single_dose_is_an_unknown_part_not_a_total() -> None:
    """Three 50 mg/m2 doses and one charted '50 g' (for 50 mg): not 28,000 mg/m2 and an approval."""
    doses = [administration(f"a{i}", DOXORUBICIN, f"2026-0{i + 6}-01", (50, "mg/m2")) for i in range(3)]
    slip = administration("slip", DOXORUBICIN, "2026-09-01", (50, "g"))
    facts = facts_of(
        pool_of(patient(), bsa("b", "2026-08-01", 1.8), *doses, slip, drafts=[dexrazoxane_order()])
    )
    assert facts.cumulative_doxorubicin.known_mg_m2 == pytest.approx(150)
    assert facts.cumulative_doxorubicin.unknown_parts == 1


def test_course_days_are_read_on_the_patients_clock_whatever_zone_each_dose_was_charted_in() -> None:
    """Day 1 at 20:00 -05:00 on 3 October, charted in UTC (01:00Z on the 4th); day 2 at 20:00 -05:00 on
    the 4th, charted locally; this order plans 2,000 mg on the 5th: that is day 3, over its 1,000 mg cap."""
    infusion = administration("dox", DOXORUBICIN, "2026-10-03", None, status="stopped")
    day_1 = administration("dz-1", DEXRAZOXANE, "2026-10-04T01:00:00Z", (2000, "mg"))
    day_2 = administration("dz-2", DEXRAZOXANE, "2026-10-04T20:00:00-05:00", (2000, "mg"))
    order = dexrazoxane_order(
        dose=(2000, "mg"), timing_=timing(count=1, start="2026-10-05"), reasonCode=EXTRAVASATION_REASON
    )
    facts = facts_of(pool_of(patient(), infusion, day_1, day_2, drafts=[order]), order)
    assert [(d.day, d.mg) for d in facts.extravasation_course] == [(1, 2000.0), (2, 2000.0), (3, 2000.0)]


def test_a_re_signed_extravasation_order_keeps_the_dose_given_under_it_on_an_unscheduled_day() -> None:
    """Day 1 (2,000 mg) was given yesterday under this order; re-signed, it now plans 2,000 mg today and
    tomorrow: tomorrow is course day 3, over its 1,000 mg cap."""
    infusion = administration("dox", DOXORUBICIN, "2026-10-04", None, status="stopped")
    order = dexrazoxane_order(
        dose=(2000, "mg"),
        timing_=timing(count=2, period=1, start="2026-10-05"),
        reasonCode=EXTRAVASATION_REASON,
    )
    given = administration("dz-1", DEXRAZOXANE, "2026-10-04", (2000, "mg"), request="MedicationRequest/dex")
    facts = facts_of(pool_of(patient(), infusion, given, drafts=[order]), order)
    assert [(d.day, d.mg) for d in facts.extravasation_course] == [(1, 2000.0), (2, 2000.0), (3, 2000.0)]


def test_an_order_date_that_cannot_be_read_is_read_as_today_and_said() -> None:
    order = dexrazoxane_order()
    order["authoredOn"] = "2026-11-20T10:00:00+99:99"
    facts = facts_of(pool_of(patient(), drafts=[order]))
    assert facts.approval_start == TODAY
    assert any("cannot be read: read as of today" in problem for problem in facts.problems)


def test_a_dose_whose_date_cannot_be_read_is_an_unknown_part_not_a_dose() -> None:
    given = [
        administration(f"a{i}", DOXORUBICIN, f"2026-0{i + 1}-01T09:00:00Z", (50, "mg/m2")) for i in range(6)
    ]
    given.append(administration("slip", DOXORUBICIN, "0001-01-01T01:00:00+14:00", (50, "mg/m2")))
    order = dexrazoxane_order()
    order["authoredOn"] = "2026-11-28T09:00:00-05:00"  # the order's clock, where year 1 overflowed
    facts = facts_of(pool_of(patient(), *given, drafts=[order]))
    total = facts.cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (300, 1)
    assert any("its date cannot be read" in reason for reason in total.unknown_reasons)


def undated(resource: Resource) -> Resource:
    """The administration with no effective[x] at all (FHIR R4 requires one)."""
    del resource["effectiveDateTime"]
    return resource


def test_a_dose_with_no_date_is_an_unknown_part_never_a_second_known_dose() -> None:
    """The last of six doses charted again with no date: it cannot be merged with its dated twin, nor
    counted beside it (docs/facts.md "An administration with no date")."""
    given = [
        administration(f"a{i}", DOXORUBICIN, f"2026-0{i + 1}-01T09:00:00Z", (50, "mg/m2")) for i in range(6)
    ]
    given.append(undated(administration("copy", DOXORUBICIN, "", (50, "mg/m2"))))
    total = facts_of(pool_of(patient(), *given, drafts=[dexrazoxane_order()])).cumulative_doxorubicin
    assert (total.known_mg_m2, total.unknown_parts) == (300, 1)
    assert any("it is undated (no effective[x])" in reason for reason in total.unknown_reasons)


def test_an_undated_dexrazoxane_dose_leaves_the_prior_therapy_not_known() -> None:
    """Undated, the dose could be in the 12 months before the order: II.A or I.A is not known, as for a
    dose whose status is not read; one dated in the window settles it."""
    dose = undated(administration("dex-1", DEXRAZOXANE, "", (500, "mg/m2")))
    prior = facts_of(
        pool_of(patient(), dose, drafts=[dexrazoxane_order()])
    ).prior_dexrazoxane_cardioprotection
    assert prior.value is False
    assert prior.unread == ("MedicationAdministration/dex-1",)
    assert "MedicationAdministration/dex-1 (undated) could be one: it is undated" in prior.reason

    unreadable = administration("dex-1", DEXRAZOXANE, "2026-13-45", (500, "mg/m2"))
    prior = facts_of(
        pool_of(patient(), unreadable, drafts=[dexrazoxane_order()])
    ).prior_dexrazoxane_cardioprotection
    assert prior.unread == ("MedicationAdministration/dex-1",)
    assert "its date cannot be read" in prior.reason

    dated = administration("dex-0", DEXRAZOXANE, "2026-03-01", (500, "mg/m2"))
    facts = facts_of(pool_of(patient(), dose, dated, drafts=[dexrazoxane_order()]))
    assert facts.prior_dexrazoxane_cardioprotection.value is True


def test_an_undated_dexrazoxane_dose_could_fall_on_any_day_of_the_course() -> None:
    """Beside a course of 1,000 mg/m2 a day, a dose with no date: the order's first day holds a dose of
    unknown mg, never none (I.B.4 cannot be met on it)."""
    order = dexrazoxane_order(
        dose=(1000, "mg/m2"),
        authored="2026-10-05",
        timing_=timing(count=2, period=1, start="2026-10-05"),
        reasonCode=EXTRAVASATION_REASON,
    )
    infusion = administration("dox", DOXORUBICIN, "2026-10-05", None, status="stopped")
    dose = undated(administration("dz-0", DEXRAZOXANE, "", (1000, "mg/m2")))
    facts = facts_of(pool_of(patient(), bsa("b", "2026-10-01", 2.1), infusion, dose, drafts=[order]))
    assert [(d.day, d.mg) for d in facts.extravasation_course] == [(1, None), (2, 2100.0)]
    assert "MedicationAdministration/dz-0" in facts.extravasation_course[0].evidence


def test_a_dexrazoxane_dose_whose_status_is_not_read_holds_a_dose_of_unknown_mg_on_its_course_day() -> None:
    """Given yesterday with its status "unknown": it may have been given, so that day of the course is not
    known, never empty."""
    order = dexrazoxane_order(
        dose=(1000, "mg/m2"),
        authored="2026-10-05",
        timing_=timing(count=2, period=1, start="2026-10-05"),
        reasonCode=EXTRAVASATION_REASON,
    )
    infusion = administration("dox", DOXORUBICIN, "2026-10-04", None, status="stopped")
    unread = administration("dz-0", DEXRAZOXANE, "2026-10-04", (1000, "mg/m2"), status="unknown")
    facts = facts_of(pool_of(patient(), bsa("b", "2026-10-01", 2.1), infusion, unread, drafts=[order]))
    assert [(d.day, d.mg) for d in facts.extravasation_course] == [(1, None), (2, 2100.0), (3, 2100.0)]


def test_an_undated_vesicant_of_the_other_kind_unsettles_the_drug_that_extravasated() -> None:
    """Doxorubicin given at the onset, vincristine charted with no date: it could have been given then
    too, so which drug extravasated is not known; with nothing undated, doxorubicin settles it."""
    order = dexrazoxane_order(authored="2026-10-05")
    given = administration("dox", DOXORUBICIN, "2026-10-01", (60, "mg/m2"))
    extravasation = condition("x", "T80.810A", onset="2026-10-01")
    assert facts_of(
        pool_of(patient(), given, extravasation, drafts=[order])
    ).anthracycline_extravasation.value
    vinca = {"coding": [{"system": "http://www.whocc.no/atc", "code": "L01CA02"}], "text": "Vincristine"}
    vincristine = undated(administration("vcr", vinca, "", (1.4, "mg/m2")))
    fact = facts_of(
        pool_of(patient(), given, vincristine, extravasation, drafts=[order])
    ).anthracycline_extravasation
    assert fact.value is None
    assert "vincristine (MedicationAdministration/vcr) is charted with no date" in fact.reason


def test_the_ratio_names_the_doxorubicin_dose_set_aside_as_not_credible() -> None:
    facts = with_doxorubicin((600, "mg/m2"), (600, "mg/m2"))  # 60 typed as 600
    assert facts.dose_ratio.value is None
    assert facts.dose_ratio.reason.endswith(
        "doxorubicin: 600 mg/m2 in one dose of doxorubicin is not credible (a charting slip?)"
    )


@pytest.mark.parametrize(("low", "high", "ratio"), [(250, 500, 10), (250, 600, 12), (550, 600, 12)])
def test_a_dexrazoxane_dose_range_is_read_at_its_top(low: float, high: float, ratio: float) -> None:
    """The most the order allows must hold 10:1: a range within it meets it, one whose top exceeds it does
    not (the Propose Alternate Request card caps the top)."""
    order = dexrazoxane_order()
    order["dosageInstruction"][0]["doseAndRate"] = [
        {"doseRange": {"low": quantity(low, "mg/m2"), "high": quantity(high, "mg/m2")}}
    ]
    drafts = [order, medication_request("dox-order", DOXORUBICIN, (50, "mg/m2"))]
    facts = facts_of(pool_of(patient(), drafts=drafts))
    assert facts.dose_ratio.value == pytest.approx(ratio)
    assert facts.dose_ratio.reason.endswith(
        f"the dose range {low:g}-{high:g} mg/m2 read at its top, the most allowed"
    )


def test_an_order_dated_after_today_is_read_as_of_today_for_every_date_fact() -> None:
    """Not plausible is not a fact: a draft being signed today dated a month ahead, past the patient's 18th
    birthday, cannot have been written then. The approval start, the age and the course's first day are
    read as of today, and the date set aside is said; a date today or before is read as written."""
    ahead = dexrazoxane_order(authored="2026-12-28")
    facts = facts_of(pool_of(patient("2008-12-20"), drafts=[ahead]))
    assert facts.approval_start == TODAY
    assert facts.age_years.value == 17
    assert facts.course_first_day.value == TODAY
    assert (
        "its date 2026-12-28 is after today (2026-11-28): set aside, read as of today" in facts.date_set_aside
    )
    assert facts.date_set_aside in facts.problems
    written = facts_of(pool_of(patient("2008-12-20"), drafts=[dexrazoxane_order(authored="2026-11-20")]))
    assert (written.approval_start, written.age_years.value, written.date_set_aside) == (
        date(2026, 11, 20),
        17,
        "",
    )
