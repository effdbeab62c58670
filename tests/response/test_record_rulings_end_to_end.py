"""docs/facts.md "Record integrity" record rulings seen where the EHR sees them: the order-sign response
(coverage information and the Instructions card) for the fixture requests named after each ruling."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.response.coverage_invariants import invariant_violations
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from tests.response.inferno_checks import check_coverage_information, check_response_shape

POLICY_CASES = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "policy"
TODAY = date(2026, 11, 28)


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a fixture with full prefetch must not reach a FHIR server: {request.url}")


async def respond(name: str) -> dict[str, Any]:
    request = HookRequest.model_validate(orjson.loads((POLICY_CASES / f"{name}.json").read_bytes()))
    settings = Settings()
    async with httpx.AsyncClient(transport=httpx.MockTransport(_refuse)) as http:
        evaluation = await evaluate_hook(request.source(), settings=settings, http=http, today=TODAY)
    return build_response(evaluation.assessed, request.options(), settings=settings, today=TODAY)


def coverage_subs(response: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    order = response["systemActions"][0]["resource"]
    extension = order["extension"][-1]
    found: dict[str, list[Any]] = {}
    for sub in extension["extension"]:
        found.setdefault(sub["url"], []).append(
            next((v for k, v in sub.items() if k.startswith("value")), None)
        )
    return extension, found


async def test_attached_literature_is_received_and_awaits_the_payers_review() -> None:
    response = await respond("2.1-evidence-pend-literature-attached-awaits-the-payers-review")
    extension, found = coverage_subs(response)
    assert found["pa-needed"] == ["auth-needed"]
    assert "doc-needed" not in found and "questionnaire" not in found
    assert invariant_violations(extension) == []
    check_response_shape(response)
    check_coverage_information(response)
    assert response["cards"][0]["summary"].endswith("evidence received, awaiting CP.PHAR.418 review")
    assert len(response["cards"][0]["summary"]) < 140
    detail = response["cards"][0]["detail"]
    assert detail.startswith("**Evidence received**")
    assert "nothing more to send: the supporting evidence for I.A.5.b awaits the payer's review" in detail


async def test_a_tick_with_nothing_attached_still_asks_for_the_evidence() -> None:
    response = await respond("I.A.5-pend-ratio-10.2-literature-ticked-nothing-attached")
    _extension, found = coverage_subs(response)
    assert found["doc-needed"] == ["clinical"]
    assert "a tick is not evidence" in response["cards"][0]["detail"]


async def test_an_unknown_line_of_business_or_one_read_from_text_is_said_on_the_card() -> None:
    response = await respond("I.C.2-pend-no-coverage-would-deny-names-every-off-label-policy")
    detail = response["cards"][0]["detail"]
    assert "Line of business unknown (no active Coverage in the data)" in detail
    # what CP.PHAR.418 would decide if it applies, naming every off-label policy for a deny
    assert "it would deny the order (off-label review under CP.CPA.09 or HIM.PA.154 or CP.PMN.53" in detail
    assert response["cards"][0]["summary"].startswith("Dexrazoxane needs the member's coverage")
    assert "- **coverage**: Send the member's coverage" in detail
    # no Coverage at all: CRD ties coverage-information to a Coverage, so none is emitted
    assert response["systemActions"] == []
    from_text = await respond("2.1-line-of-business-deny-medicaid-in-class-value-names-cp-pmn-53")
    assert "Line of business unknown" not in from_text["cards"][0]["detail"]
    assert (
        "Line of business medicaid: line of business read from Coverage text"
        in from_text["cards"][0]["detail"]
    )
    coded = await respond("I.C.2-deny-medicaid-refers-to-cp-pmn-53")
    assert "Line of business" not in coded["cards"][0]["detail"]


async def test_a_coverage_naming_no_line_of_business_is_answered_conditional() -> None:
    response = await respond("2.2-line-of-business-pend-coverage-names-no-line-of-business")
    extension, found = coverage_subs(response)
    assert found["covered"] == ["conditional"] and found["pa-needed"] == ["conditional"]
    assert found["info-needed"] == ["OTH"] and "questionnaire" not in found
    assert invariant_violations(extension) == []
    check_response_shape(response)
    check_coverage_information(response)
    assert response["cards"][0]["summary"] == (
        "Dexrazoxane needs the member's coverage: CP.PHAR.418 would approve if it applies"
    )


async def test_a_record_that_cannot_vouch_for_a_measurement_names_it_on_the_card() -> None:
    response = await respond("2.2-not-plausible-pend-adult-height-in-inches-in-the-centimetre-field")
    detail = response["cards"][0]["detail"]
    assert "Observation/height set aside: height 64.5 cm on 2026-11-27 is outside the plausible" in detail
    assert "no plausible height (1 set aside as implausible)" in detail
