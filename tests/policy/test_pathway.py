from __future__ import annotations

import pytest

from cds_service.clinical.facts import Fact
from cds_service.policy.pathway import select_pathway
from tests.policy.policy_facts import adult_on_doxorubicin

RECORDED = Fact(True, ("Condition/x",), "extravasation")


@pytest.mark.parametrize(
    ("purpose", "extravasation", "course", "prior_dexrazoxane", "expected"),
    [
        # the order's own reason decides first
        ("extravasation", Fact(None), Fact(False), True, "I.B"),  # judged on I.B even after dexrazoxane
        ("cardioprotection", RECORDED, Fact(True), False, "I.A"),
        ("cardioprotection", RECORDED, Fact(True), True, "II.A"),
        # no reason: an extravasation recorded AND an extravasation course
        (None, RECORDED, Fact(True), True, "I.B"),
        (None, RECORDED, Fact(False), False, "I.A"),  # repeating, or signed with doxorubicin
        (None, RECORDED, Fact(None), False, "I.A"),
        (None, Fact(False), Fact(True), True, "II.A"),
        (None, Fact(None), Fact(True), None, "I.A"),
    ],
)
def test_pathway(
    purpose: str | None,
    extravasation: Fact[bool],
    course: Fact[bool],
    prior_dexrazoxane: bool | None,
    expected: str,
) -> None:
    facts = adult_on_doxorubicin(
        order_purpose=Fact(purpose),
        anthracycline_extravasation=extravasation,
        extravasation_course_order=course,
        prior_dexrazoxane_cardioprotection=Fact(prior_dexrazoxane),
    )
    assert select_pathway(facts) == expected


def test_an_extravasation_record_unsettled_or_of_another_drug_still_selects_i_b() -> None:
    """Without a reason, a T80.810 record in the window with an extravasation course is judged on I.B
    whatever I.B.1 says of it (no date: unknown; vincristine: not met)."""
    for fact in (
        Fact(None, ("Condition/x",), "recorded without an onset date"),
        Fact(False, ("Condition/x", "MedicationAdministration/v"), "vincristine, not an anthracycline"),
    ):
        facts = adult_on_doxorubicin(
            anthracycline_extravasation=fact,
            extravasation_course_order=Fact(True),
            prior_dexrazoxane_cardioprotection=Fact(True),
        )
        assert select_pathway(facts) == "I.B"
