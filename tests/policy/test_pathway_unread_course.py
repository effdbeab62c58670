"""Not read is not absent for the pathway (docs/decisions.md "Pathways"): an order with no reason, beside a
recorded extravasation, is judged on I.B when it is an extravasation course and on cardioprotection when it
is not. When its schedule cannot be read at all (beyond the caps of docs/facts.md "Bounded work") neither
can be chosen: the purpose is unknown, so I.A.1 is unknown and the order pends asking for its reason,
where taking it for plain cardioprotection denied it on criteria it was never meant for."""

from __future__ import annotations

from typing import Any

from tests.policy.offline import FIXTURES, case, decide

NO_REASON = FIXTURES / "policy" / "I.B.1-approve-extravasation-condition-2-days-before-no-order-reason.json"


def _dexrazoxane(body: dict[str, Any]) -> dict[str, Any]:
    order: dict[str, Any] = next(
        e["resource"] for e in body["context"]["draftOrders"]["entry"] if e["resource"]["id"] == "dexrazoxane"
    )
    return order


async def test_a_course_read_as_written_is_judged_on_extravasation() -> None:
    body, today = case(NO_REASON)
    [decided] = await decide(body, today)
    assert (decided["decision"], decided["pathway"]) == ("approve", "I.B")


async def test_a_course_whose_schedule_cannot_be_read_pends_on_its_purpose_not_denied() -> None:
    body, today = case(NO_REASON)
    _dexrazoxane(body)["dosageInstruction"][0]["timing"]["repeat"]["count"] = 10**18
    [decided] = await decide(body, today)
    assert decided["decision"] == "pend"
    assert decided["pathway"] == "I.A"
    assert decided["criteria"]["I.A.1"][0] == "unknown"
    assert "I.A" in decided["documentation"] or "I.A.1" in decided["documentation"]
