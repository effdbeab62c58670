"""Chart text reaches the cards literal, never as markup: fixture requests with HTML and Markdown written into
the record (an attachment title, a Coverage class value, the payor's name, the order's id), their responses
rendered by a CommonMark renderer that lets raw HTML through (as an EHR that renders raw HTML in Markdown
would); order-select's provisional card, the reads not made whole and what changed since the determination
on record alike."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import orjson
import pytest

from cds_service.clinical.facts import UnreadData
from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.basis import Revision, Standing
from cds_service.policy.provisional import provisional
from cds_service.response.card_detail import instructions_detail
from cds_service.response.hook_response import build_response
from cds_service.response.provisional_card import provisional_response
from cds_service.response.revision_note import revision_lines
from cds_service.response.unread import MAX_SHOWN
from cds_service.settings import Settings
from tests.response.determinations import approve, pend
from tests.response.test_markdown import rendered
from tests.response.test_record_rulings_end_to_end import POLICY_CASES

TODAY = date(2026, 11, 28)
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
# The Markdown the service itself writes in a card: headings, lists, bold, italic notes.
OWN_TAGS = {"p", "ul", "li", "strong", "em", "h3"}

CASES = {
    # the literature's attachment title is quoted in I.A.5.b's reason
    "2.1-evidence-pend-literature-attached-awaits-the-payers-review": [
        ("Dexrazoxane dosing review", f"Dosing review {IMG} **bold** [x](https://evil.example)")
    ],
    # the Coverage's class value is quoted in the line-of-business note; the payor's name beside it
    "2.1-line-of-business-deny-medicaid-in-class-value-names-cp-pmn-53": [
        ('"value": "MEDICAID"', f'"value": "MEDICAID {IMG}"'),
        ("Example Health Plan", f"{SCRIPT} Health Plan"),
    ],
}


async def respond(body: dict[str, Any]) -> dict[str, Any]:
    request = HookRequest.model_validate(body)
    settings = Settings()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("a fixture with full prefetch reaches no FHIR server")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        evaluation = await evaluate_hook(request.source(), settings=settings, http=http, today=TODAY)
    return build_response(evaluation.assessed, request.options(), settings=settings, today=TODAY)


def hostile(name: str, replacements: list[tuple[str, str]]) -> dict[str, Any]:
    text = (POLICY_CASES / f"{name}.json").read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return orjson.loads(text)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", CASES)
async def test_chart_text_is_shown_as_text_in_every_card(name: str) -> None:
    response = await respond(hostile(name, CASES[name]))
    shown_anywhere = ""
    for card in response["cards"]:
        html = rendered(card["detail"])
        assert set(html.tags) <= OWN_TAGS, (card["summary"], html.tags)
        shown_anywhere += html.text
        assert "<" not in card["summary"]
    assert IMG in shown_anywhere  # the record's words are there, as words


async def test_an_order_id_with_markup_is_text_in_every_card() -> None:
    """The draft's id is the EHR's, quoted in the lead line and the External Reference card."""
    name = "2.1-evidence-pend-literature-attached-awaits-the-payers-review"
    body = orjson.loads((POLICY_CASES / f"{name}.json").read_bytes())
    draft = body["context"]["draftOrders"]["entry"][0]["resource"]
    draft["id"] = f"x{IMG}"
    response = await respond(body)
    for card in response["cards"]:
        assert set(rendered(card["detail"]).tags) <= OWN_TAGS
    assert f"MedicationRequest/x{IMG}" in rendered(response["cards"][0]["detail"]).text


@pytest.mark.parametrize("name", CASES)
async def test_chart_text_is_text_on_the_provisional_card_of_order_select(name: str) -> None:
    """order-select's one card quotes the order, the reason and the documentation requests: literal too."""
    body = hostile(name, CASES[name])
    draft = body["context"]["draftOrders"]["entry"][0]["resource"]
    draft["id"] = f"x{IMG}"
    request = HookRequest.model_validate(body)
    settings = Settings()
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
        evaluation = await evaluate_hook(request.source(), settings=settings, http=http, today=TODAY)
    guidance = [provisional(d) for d in evaluation.determinations]
    (card,) = provisional_response(guidance, request.options(), settings=settings)["cards"]
    html = rendered(card["detail"])
    assert set(html.tags) <= OWN_TAGS, html.tags
    assert f"MedicationRequest/x{IMG}" in html.text
    assert "<" not in card["summary"]


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError("a fixture with full prefetch reaches no FHIR server")


def test_a_read_not_made_whole_is_named_as_text() -> None:
    """The 'Not read in full' section quotes what was read (a key may be the client's), why and what it
    left unknown."""
    unread = tuple(
        UnreadData(f"key{n}{IMG}", f"{SCRIPT} search incomplete", (f"**the** {IMG} total",), "send it")
        for n in range(MAX_SHOWN + 2)
    )
    detail = instructions_detail(pend(unread=unread))
    html = rendered(detail)
    assert "### Not read in full" in detail
    assert set(html.tags) <= OWN_TAGS, html.tags
    assert f"key0{IMG}: {SCRIPT} search incomplete; left unknown: **the** {IMG} total" in html.text
    assert f"and key{MAX_SHOWN}{IMG}, key{MAX_SHOWN + 1}{IMG}" in html.text  # the rest, by key


def test_what_changed_since_the_determination_on_record_is_text() -> None:
    """order-dispatch's card names what changed, quoting values of both determinations (a coverage
    reference, a fact's value): literal."""
    changed = Revision(
        Standing.CHANGED,
        date(2026, 11, 20),
        "deny",
        (f"the coverage: Coverage/a{IMG} → Coverage/b", f"the order ({SCRIPT}: 1 → 2)"),
    )
    detail = instructions_detail(approve(), preface=revision_lines(changed, approve()))
    html = rendered(detail)
    assert set(html.tags) <= OWN_TAGS, html.tags
    assert f"the coverage: Coverage/a{IMG} → Coverage/b" in html.text
    assert f"the order ({SCRIPT}: 1 → 2)" in html.text
