"""A request with no prefetch and a fhirServer decides exactly as the same request
with full prefetch (CDS Hooks 2.0 S2 L272: prefetched data "MUST be equivalent to the data the CDS Service
would receive if it were making its own call")."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import httpx
import pytest
import respx

from cds_service.evaluation import decide_all, gather
from cds_service.policy.determination import Determination
from cds_service.policy.render import determination_to_json
from cds_service.settings import Settings
from tests.fhir.fake_fhir_server import FakeFhirServer
from tests.fhir.request_fixtures import hook_request, server_resources

TODAY = date(2026, 11, 28)


async def determinations(
    body: dict[str, Any], settings: Settings, fake: FakeFhirServer
) -> list[Determination]:
    with respx.mock(using=None, assert_all_mocked=True) as router:
        router.route(host=httpx.URL(fake.base).host).mock(side_effect=fake.handle)
        async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
            gathered = await gather(hook_request(body).source(), settings=settings, http=http)
    assert gathered.pool.problems == []
    return decide_all(gathered, today=TODAY, settings=settings)


def without_prefetch(body: dict[str, Any], *keep: str) -> dict[str, Any]:
    stripped = copy.deepcopy(body)
    stripped["prefetch"] = {k: v for k, v in body["prefetch"].items() if k in keep}
    if not keep:
        del stripped["prefetch"]
    return stripped


@pytest.mark.parametrize(
    ("kept", "page_size"),
    [
        pytest.param((), 50, id="no-prefetch"),
        pytest.param((), 2, id="no-prefetch-paged"),
        pytest.param(("patient", "coverage", "conditions"), 50, id="partial-prefetch"),
    ],
)
async def test_fetching_decides_as_prefetch_does(
    dexrazoxane_body: dict[str, Any], settings: Settings, kept: tuple[str, ...], page_size: int
) -> None:
    fake = FakeFhirServer(dexrazoxane_body["fhirServer"], server_resources(dexrazoxane_body))
    with_prefetch = await determinations(dexrazoxane_body, settings, fake)

    paged = FakeFhirServer(fake.base, fake.resources, default_page_size=page_size)
    fetched = await determinations(without_prefetch(dexrazoxane_body, *kept), settings, paged)

    assert len(with_prefetch) == 1
    assert fetched == with_prefetch  # decision, pathway, every criterion and fact, with their evidence
    assert determination_to_json(fetched[0]) == determination_to_json(with_prefetch[0])


async def test_the_fixture_exercises_the_facts_that_come_from_the_fetched_data(
    dexrazoxane_body: dict[str, Any], settings: Settings
) -> None:
    # Guard against a vacuous comparison: the decision must rest on data, including the Medication only
    # the server holds (the sixth administration names its drug by reference).
    fake = FakeFhirServer(dexrazoxane_body["fhirServer"], server_resources(dexrazoxane_body))
    (determination,) = await determinations(without_prefetch(dexrazoxane_body), settings, fake)
    facts = determination_to_json(determination)["facts"]
    assert determination.pathway == "I.A"
    assert facts["age_years"] == 54
    assert facts["line_of_business"] == "commercial"
    assert facts["cumulative_doxorubicin_mg_m2"] == pytest.approx(360, abs=1)
