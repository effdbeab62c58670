from __future__ import annotations

from datetime import date

from cds_service.clinical.codes import ICD10CM
from cds_service.clinical.order_purpose import course_first_day, extravasation_course_order, order_purpose
from tests.clinical.builders import DEXRAZOXANE, DOXORUBICIN, condition, medication_request, pool_of, timing

START = date(2026, 10, 5)


def reason(code: str) -> list[dict[str, object]]:
    return [{"coding": [{"system": ICD10CM, "code": code}]}]


def test_the_orders_reason_says_what_it_is_for() -> None:
    def purpose(**extra: object) -> str | None:
        order = medication_request("dex", DEXRAZOXANE, (1000, "mg/m2"), **extra)
        return order_purpose(order, pool_of(order, condition("x", "T80.810A"))).value

    assert purpose(reasonCode=reason("T80.810A")) == "extravasation"
    assert purpose(reasonReference=[{"reference": "Condition/x"}]) == "extravasation"
    assert purpose(reasonCode=reason("C50.911") + reason("T80.810A")) == "extravasation"
    assert purpose(reasonCode=reason("C50.911")) == "cardioprotection"
    assert purpose(reasonCode=reason("I42.7")) == "cardioprotection"
    assert purpose(reasonCode=[{"text": "Cardioprotection with doxorubicin"}]) == "cardioprotection"
    assert purpose(reasonCode=reason("T80.810S")) is None  # a sequela is no reason to start dexrazoxane
    assert purpose() is None


def test_an_extravasation_course_is_one_run_of_at_most_3_days_not_repeating() -> None:
    def course(timing_: dict[str, object] | None, *others: dict[str, object]) -> bool | None:
        order = medication_request("dex", DEXRAZOXANE, (1000, "mg/m2"), timing_=timing_)
        return extravasation_course_order(order, pool_of(order, drafts=[order, *others])).value

    assert course(timing(count=3, period=1, start="2026-10-05")) is True
    assert course(None) is True  # one dose on the order date
    assert course(timing(count=4, period=1, start="2026-10-05")) is False
    assert course(timing(count=2, period=21, start="2026-10-05")) is False  # a cycle
    assert course({"repeat": {"frequency": 1, "period": 21, "periodUnit": "d"}}) is False  # open-ended
    doxorubicin = medication_request("dox", DOXORUBICIN, (50, "mg/m2"))
    assert course(timing(count=1, start="2026-10-05"), doxorubicin) is False


def test_the_course_starts_on_the_orders_first_scheduled_day() -> None:
    later = medication_request(
        "dex", DEXRAZOXANE, (1000, "mg/m2"), timing_=timing(count=3, period=1, start="2026-10-06")
    )
    assert course_first_day(later, START).value == date(2026, 10, 6)
    untimed = medication_request("dex", DEXRAZOXANE, (1000, "mg/m2"))
    assert course_first_day(untimed, START).value == date(2026, 10, 5)


def test_a_dstu2_reason_is_read_too() -> None:
    order = medication_request(
        "dex", DEXRAZOXANE, (1000, "mg/m2"), reasonCodeableConcept=reason("T80.810A")[0]
    )
    assert order_purpose(order, pool_of(order)).value == "extravasation"
