from __future__ import annotations

from itertools import product

from cds_service.policy.outcome import Outcome, all_of, any_of

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def test_outcome_of_a_fact_value() -> None:
    assert [Outcome.of(v) for v in (True, False, None)] == [MET, NOT_MET, UNKNOWN]


def test_all_of_and_any_of_follow_contract_section_2() -> None:
    for pair in product(Outcome, repeat=2):
        expected_all = NOT_MET if NOT_MET in pair else UNKNOWN if UNKNOWN in pair else MET
        expected_any = MET if MET in pair else UNKNOWN if UNKNOWN in pair else NOT_MET
        assert (all_of(pair), any_of(pair)) == (expected_all, expected_any), pair
