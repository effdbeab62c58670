from __future__ import annotations

import pytest

from cds_service.clinical.facts import Fact
from cds_service.policy.pathway import select_pathway
from tests.policy.policy_facts import adult_on_doxorubicin


@pytest.mark.parametrize(
    ("extravasation", "prior_dexrazoxane", "expected"),
    [
        (True, True, "I.B"),  # extravasation is judged on I.B even after earlier dexrazoxane (II.B)
        (True, False, "I.B"),
        (False, True, "II.A"),
        (None, True, "II.A"),
        (False, False, "I.A"),
        (None, None, "I.A"),
    ],
)
def test_pathway(extravasation: bool | None, prior_dexrazoxane: bool | None, expected: str) -> None:
    facts = adult_on_doxorubicin(
        anthracycline_extravasation=Fact(extravasation),
        prior_dexrazoxane_cardioprotection=Fact(prior_dexrazoxane),
    )
    assert select_pathway(facts) == expected


def test_an_extravasation_recorded_without_a_date_is_judged_on_i_b() -> None:
    facts = adult_on_doxorubicin(
        anthracycline_extravasation=Fact(None, ("Condition/x",), "recorded without an onset date"),
        prior_dexrazoxane_cardioprotection=Fact(True),
    )
    assert select_pathway(facts) == "I.B"
