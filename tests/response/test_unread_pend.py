"""A pend caused by data the service could not read says so, on the card and in the coverage-information
reason: which query, what it left unknown, and what would let it complete. The scene: a complete prefetch,
and a fhirServer that answers nothing for the searches read beside it."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import httpx
import orjson

from cds_service.evaluation import Evaluation, evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.policy.render import determination_to_json, determination_to_text
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from tests.fhir.fake_fhir_server import FakeFhirServer
from tests.fhir.request_fixtures import DEXRAZOXANE_REQUEST, load_json, server_resources

TODAY = date(2026, 11, 28)


async def evaluated(handler: Any) -> tuple[Evaluation, dict[str, Any], HookRequest]:
    request = HookRequest.model_validate(copy.deepcopy(load_json(DEXRAZOXANE_REQUEST)))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        evaluation = await evaluate_hook(request.source(), settings=Settings(), http=http, today=TODAY)
    response = build_response(evaluation.assessed, request.options(), settings=Settings(), today=TODAY)
    return evaluation, response, request


def reason_of(response: dict[str, Any]) -> str:
    (action,) = response["systemActions"]
    (extension,) = action["resource"]["extension"]
    (reason,) = [e for e in extension["extension"] if e["url"] == "reason"]
    return str(reason["valueCodeableConcept"]["text"])


async def test_a_pend_on_searches_not_read_names_them_on_the_card_and_in_the_reason() -> None:
    evaluation, response, _ = await evaluated(lambda request: httpx.Response(503))
    (determination,) = evaluation.determinations
    assert str(determination.decision) == "pend"
    detail = response["cards"][0]["detail"]
    # the card: which read, why, what it left unknown, and what completes it
    assert "### Not read in full" in detail
    assert (
        "- **carePlans**: CarePlan search incomplete: fhirServer could not provide it; left unknown:"
        in detail
    )
    assert "the last planned doxorubicin dose (the end of the approval)" in detail
    assert "**To complete:** sign again once fhirServer answers these searches in full" in detail
    # the request for the schedule says what left it open (no criterion below says it)
    assert "Send the doxorubicin schedule" in detail
    assert "Still open: CarePlan search incomplete: fhirServer could not provide it." in detail
    # the coverage-information reason names the query and what would let it complete
    reason = reason_of(response)
    assert "Not read in full: CarePlan search incomplete: fhirServer could not provide it" in reason
    assert "sign again once fhirServer answers, or send them in the prefetch" in reason
    assert "HTTP" not in detail + reason  # a server's own words stay in the logs
    # the determination: text and JSON say the same
    text = determination_to_text(determination)
    assert "Not read (what it left unknown; how to read it):" in text
    assert "to read it: send it whole in the prefetch under carePlans (CarePlan?patient=" in text
    unread = determination_to_json(determination)["unread"]
    assert {u["key"] for u in unread} == {
        "serviceRequests",
        "researchSubjects",
        "carePlans",
        "bcrAbl1Observations",
        "diseaseStatusObservations",
        "medicationStatements",
        "questionnaireResponses",
    }
    assert len(orjson.dumps(detail)) < 3000


async def test_the_same_request_read_whole_says_nothing_of_the_kind() -> None:
    """The control: the server answers every search; nothing is unread, no section, no clause."""
    body = load_json(DEXRAZOXANE_REQUEST)
    fake = FakeFhirServer(body["fhirServer"], server_resources(body))
    evaluation, response, _ = await evaluated(fake.handle)
    (determination,) = evaluation.determinations
    assert determination.facts is not None and determination.facts.unread == ()
    assert "Not read" not in response["cards"][0]["detail"]
    assert "Not read" not in reason_of(response)
    assert "Not read" not in determination_to_text(determination)
