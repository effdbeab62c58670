from __future__ import annotations

from datetime import date

import pytest

from cds_service.clinical import ph_status
from cds_service.clinical.codes import SNOMED
from cds_service.clinical.plausibility import Plausibility
from cds_service.fhir.pool import Resource
from tests.clinical.builders import observation


def bcr_abl1(rid: str, **value: object) -> Resource:
    resource = observation(rid, "46434-7", "2026-05-01", 0, "%")
    del resource["valueQuantity"]
    resource.update(value)
    return resource


def test_bcr_abl1_results_decide_ph_status() -> None:
    positive = bcr_abl1("p", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "10828004"}]})
    negative = bcr_abl1("n", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "260385009"}]})
    ratio = bcr_abl1("r", valueQuantity={"value": 0.35, "unit": "%"})
    zero = bcr_abl1("z", valueQuantity={"value": 0, "unit": "%"})
    by_interpretation = bcr_abl1("i", interpretation=[{"coding": [{"code": "NEG"}]}])
    assert ph_status.ph_positive([], [negative]).value is False
    assert ph_status.ph_positive([], [ratio]).value is True
    assert ph_status.ph_positive([], [zero, by_interpretation]).value is False
    # a negative result after a positive one is a treated Ph+ leukemia, not a Ph-negative one
    assert ph_status.ph_positive([], [positive, negative]).value is True


def test_a_ratio_below_the_detection_limit_is_not_detected_and_the_lab_interpretation_wins() -> None:
    below = bcr_abl1("b", valueQuantity={"value": 0.001, "comparator": "<", "unit": "%"})
    assert ph_status.ph_positive([], [below]).value is False
    flagged = bcr_abl1(
        "f", valueQuantity={"value": 0, "unit": "%"}, interpretation=[{"coding": [{"code": "POS"}]}]
    )
    assert ph_status.ph_positive([], [flagged]).value is True


def test_a_bcr_abl1_result_reported_as_a_panels_component_is_read() -> None:
    # A leukemia panel whose BCR-ABL1 result is a component: read as a result, so a positive one there is
    # not lost behind a negative one reported on its own (which alone would read Ph-negative).
    panel = observation("panel", "69548-6", "2026-05-01", 0, "1")  # any panel code the service does not list
    del panel["valueQuantity"]
    panel["component"] = [
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "46434-7"}]},
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "10828004"}]},
        }
    ]
    negative = bcr_abl1("neg", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "260385009"}]})
    assert ph_status.ph_positive([], [negative]).value is False
    both = ph_status.ph_positive([], [negative, panel])
    assert (both.value, both.evidence) == (True, ("Observation/panel",))
    unreadable = {**panel, "component": [{**panel["component"][0], "valueCodeableConcept": {"text": "see"}}]}
    unread = ph_status.ph_positive([], [negative, unreadable])
    assert (unread.value, unread.settled, unread.unread) == (False, None, ("Observation/panel",))


def coded(rid: str, loinc: str, **value: object) -> Resource:
    resource = observation(rid, loinc, "2026-09-09", 0, "%")
    del resource["valueQuantity"]
    resource.update(value)
    return resource


NEGATIVE = {"coding": [{"system": SNOMED, "code": "260385009", "display": "Negative"}]}
POSITIVE = {"coding": [{"system": SNOMED, "code": "10828004", "display": "Positive"}]}


@pytest.mark.parametrize("loinc", ["21821-4", "21822-2", "21823-0", "42714-6", "21795-0", "69380-4"])
def test_the_standard_bcr_abl1_codes_are_read_qualitative_fish_and_international_scale(loinc: str) -> None:
    assert ph_status.ph_positive([], [coded("n", loinc, valueCodeableConcept=NEGATIVE)]).value is False
    assert ph_status.ph_positive([], [coded("p", loinc, valueCodeableConcept=POSITIVE)]).value is True
    # a lab interface sending the ST result as words, flagged normal
    in_words = coded("s", loinc, valueString="Not detected", interpretation=[{"coding": [{"code": "N"}]}])
    assert ph_status.ph_positive([], [in_words]).value is False
    assert ph_status.ph_positive([], [coded("d", loinc, valueString="Detected")]).value is True
    unreadable = ph_status.ph_positive([], [coded("u", loinc, valueString="see report")])
    assert (unreadable.value, unreadable.unread) == (None, ("Observation/u",))


def test_an_international_scale_percent_reads_as_a_quantity() -> None:
    detected = coded("is", "69380-4", valueQuantity={"value": 0.05, "unit": "%"})
    assert ph_status.ph_positive([], [detected]).value is True
    below = coded("is", "69380-4", valueQuantity={"value": 0.0032, "comparator": "<", "unit": "%"})
    assert ph_status.ph_positive([], [below]).value is False


def karyotype(value: object, key: str = "valueString") -> Resource:
    return coded("karyo", "62356-1", **{key: value})


@pytest.mark.parametrize(
    "iscn",
    [
        "46,XX,t(9;22)(q34.1;q11.2)[18]/46,XX[2]",
        "46,XY,der(22)t(9;22)(q34;q11.2)[20]",
        "47~49,XY,+8,t(9;22;11)(q34;q11.2;q13)[cp12]",
        "45,X,-Y,t(9; 22)(q34;q11)[10]",
    ],
)
def test_a_karyotype_with_t_9_22_is_the_philadelphia_chromosome(iscn: str) -> None:
    found = ph_status.ph_positive([], [karyotype(iscn)])
    assert (found.value, found.evidence) == (True, ("Observation/karyo",))
    assert "Philadelphia chromosome" in found.reason
    coded_value = ph_status.ph_positive([], [karyotype({"text": iscn}, "valueCodeableConcept")])
    assert coded_value.value is True


def test_a_karyotype_without_t_9_22_is_no_ph_status_and_prose_is_not_iscn() -> None:
    normal = ph_status.ph_positive([], [karyotype("46,XX[20]")])
    assert (normal.value, normal.unread) == (None, ())
    # a normal karyotype beside a negative BCR-ABL1 result: Ph-negative, nothing left unread
    negative = coded("bcr", "21821-4", valueCodeableConcept=NEGATIVE)
    both = ph_status.ph_positive([], [negative, karyotype("46,XX[20]")])
    assert (both.value, both.unread) == (False, ())
    # words, not ISCN: "no t(9;22)" is never read as the translocation, and the karyotype is unread
    for prose in ("No t(9;22) seen; 46,XX[20]", "46,XX,t(9;22)? rule out", "see scanned report"):
        fact = ph_status.ph_positive([], [negative, karyotype(prose)])
        assert (fact.value, fact.settled, fact.unread) == (False, None, ("Observation/karyo",)), prose
        assert "karyotype whose value cannot be read" in fact.reason


def test_is_read_names_bcr_abl1_results_karyotypes_and_panels_holding_them() -> None:
    assert ph_status.is_read(coded("a", "21821-4"))
    assert ph_status.is_read(karyotype("46,XX[20]"))
    panel = observation("panel", "69548-6", "2026-05-01", 0, "1")
    assert not ph_status.is_read(panel)
    panel["component"] = [{"code": {"coding": [{"system": "http://loinc.org", "code": "46434-7"}]}}]
    assert ph_status.is_read(panel)


def test_a_bcr_abl1_result_whose_answer_and_interpretation_disagree_contradicts_itself() -> None:
    """Not plausible is not a fact: coded "Negative" beside the interpretation POS is no Ph status to meet
    Ph-negative (or Ph-positive) ALL on; it is unread beside the Ph status."""
    torn = bcr_abl1(
        "t",
        valueCodeableConcept={"coding": [{"system": SNOMED, "code": "260385009"}]},
        interpretation=[{"coding": [{"code": "POS"}]}],
    )
    found = ph_status.ph_positive([], [torn])
    assert found.value is None and found.unread == ("Observation/t",)
    assert "contradicts itself" in found.reason
    # beside a negative result that reads, Ph-negative is unread, never met
    negative = bcr_abl1("n", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "260385009"}]})
    beside = ph_status.ph_positive([], [negative, torn])
    assert beside.value is False and beside.unread == ("Observation/t",) and beside.settled is None


def test_a_result_dated_before_the_birth_or_after_the_order_decides_no_ph_status() -> None:
    """Not plausible is not a fact: a BCR-ABL1 result dated after the order it would support (or before
    the patient's birth) meets nothing; beside a Ph-negative reading it leaves the status unknown, named."""
    plausible = Plausibility("2015-03-01")
    on = date(2026, 12, 6)
    positive = {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "10828004"}]}}
    negative = bcr_abl1("n", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "260385009"}]})
    for when, said in (("2026-12-20", "after the order of 2026-12-06"), ("2010-01-01", "before the birth")):
        later = {**bcr_abl1("p", **positive), "effectiveDateTime": when}
        alone = ph_status.ph_positive([], [later], on, plausible)
        assert alone.value is None and said in alone.reason, when
        beside = ph_status.ph_positive([], [later, negative], on, plausible)
        assert (beside.value, beside.unread) == (False, ("Observation/p",)), when
    assert ph_status.ph_positive([], [bcr_abl1("p", **positive)], on, plausible).value is True


@pytest.mark.parametrize(
    "maybe",
    [
        # its words name a karyotype, a chromosome analysis or cytogenetics, under a code not read
        {
            **coded("k", "0000-0", valueString="see report"),
            "code": {"text": "Chromosome analysis, bone marrow"},
        },
        {
            **coded("k", "0000-0", valueString="see report"),
            "code": {"coding": [{"system": "urn:oid:2.999.1", "code": "1", "display": "Karyotype"}]},
        },
        # nothing read names it: its value reads as ISCN, or names cytogenetics
        {**coded("k", "0000-0", valueString="46,XX[20]"), "code": {}},
        {**coded("k", "0000-0", valueString="See scanned cytogenetics report"), "code": {"text": ""}},
        {
            **coded("k", "0000-0", valueString="46,XX[20]"),
            "code": {"coding": [{"system": "urn:oid:2.999.1", "code": "62356-1"}]},
        },
    ],
)
def test_an_observation_that_could_be_a_karyotype_not_read_leaves_ph_negative_unknown(
    maybe: Resource,
) -> None:
    """docs/facts.md "Information loss never flips a decision": a karyotype losing its code is not absent."""
    negative = coded("bcr", "21821-4", valueCodeableConcept=NEGATIVE)
    fact = ph_status.ph_positive([], [negative, maybe])
    assert (fact.value, fact.settled, fact.unread) == (False, None, ("Observation/k",))
    assert "could be a karyotype under a code the service does not read" in fact.reason


def test_what_names_another_test_or_nothing_karyotype_like_is_not_a_karyotype_not_read() -> None:
    negative = coded("bcr", "21821-4", valueCodeableConcept=NEGATIVE)
    for other in (
        coded("k", "718-7", valueString="46,XX[20]"),  # a LOINC code read as another test
        {**coded("k", "0000-0", valueString="see report"), "code": {}},  # nothing says what it is
        {**coded("k", "0000-0", valueString="46,XX[20]"), "code": {"text": "Comment"}},  # named otherwise
    ):
        assert ph_status.ph_positive([], [negative, other]).unread == (), other
