"""The order-sign response as a CRD client and the Inferno CRD server kit see it (the
davinci-crd-test-kit's order-sign checks 3.6.05 to 3.6.12), for approve, deny and pend, in the 2.0.1-safe and
2.2 shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import httpx
import pytest

from cds_service.app import create_app
from cds_service.clinical.facts import Fact
from cds_service.policy.decide import determine
from cds_service.policy.determination import Determination
from cds_service.response.configuration import REQUESTED_VERSION_KEY
from cds_service.response.crd_terms import COVERAGE_INFORMATION_URL, CrdVersion
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from tests.conftest import REPO_ROOT
from tests.response import inferno_checks
from tests.response.determinations import (
    COVERAGE,
    TODAY,
    approve,
    assessed,
    deny,
    draft_order,
    facts,
    hook_request,
    medicare,
    over_extravasation_cap,
    over_ratio,
    pend,
)

SETTINGS = Settings(health_plan_name="Example Health Plan", public_base_url="https://payer.example.org/")
DECISIONS: list[Callable[..., Determination]] = [approve, deny, pend]


def respond(*determinations: Determination, extension: dict[str, Any] | None = None) -> dict[str, Any]:
    request = hook_request(*(d.order_resource for d in determinations), extension=extension)
    return build_response(assessed(*determinations), request.options(), settings=SETTINGS, today=TODAY)


@pytest.mark.parametrize("make", DECISIONS)
def test_3_6_05_response_shape_and_cards(make: Callable[..., Determination]) -> None:
    inferno_checks.check_response_shape(respond(make()))


@pytest.mark.parametrize("make", [*DECISIONS, over_ratio])
def test_3_6_06_optional_card_fields(make: Callable[..., Determination]) -> None:
    inferno_checks.check_optional_fields(respond(make()))


@pytest.mark.parametrize("make", DECISIONS)
def test_3_6_07_an_external_reference_card_links_the_policy(make: Callable[..., Determination]) -> None:
    (card,) = inferno_checks.external_reference_cards(respond(make()))
    assert card["links"][0]["url"].startswith("https://")
    assert "CP.PHAR.418" in card["links"][0]["label"]


@pytest.mark.parametrize("make", DECISIONS)
def test_3_6_09_an_instructions_card(make: Callable[..., Determination]) -> None:
    (card,) = inferno_checks.instructions_cards(respond(make()))
    # The deciding criteria with their outcome (docs/response.md); the pathway's root is always among them.
    assert "- **I.A** " in card["detail"] and "### Deciding criteria" in card["detail"]


@pytest.mark.parametrize("make", DECISIONS)
def test_3_6_10_coverage_information_received(make: Callable[..., Determination]) -> None:
    assert len(inferno_checks.coverage_information_actions(respond(make()))) == 1


@pytest.mark.parametrize("version", list(CrdVersion))
@pytest.mark.parametrize("make", DECISIONS)
def test_3_6_11_coverage_information_validates(
    make: Callable[..., Determination], version: CrdVersion
) -> None:
    response = respond(make(), extension={REQUESTED_VERSION_KEY: version.value})
    inferno_checks.check_coverage_information(response, version)


def test_3_6_11_assertion_ids_are_stable_per_order_and_coverage_and_distinct_otherwise() -> None:
    def assertion_ids(response: dict[str, Any]) -> list[str]:
        return [
            sub["valueString"]
            for action in response["systemActions"]
            for sub in action["resource"]["extension"][-1]["extension"]
            if sub["url"] == "coverage-assertion-id"
        ]

    first, second = approve(draft_order("dex-1")), approve(draft_order("dex-2"))
    other_coverage = approve(draft_order("dex-1"), coverage=Fact("Coverage/cov-2"))
    response = respond(first, second)
    inferno_checks.check_coverage_information(response)
    assert assertion_ids(respond(first)) == assertion_ids(respond(approve(draft_order("dex-1"))))
    assert len(set(assertion_ids(response))) == 2
    assert assertion_ids(respond(other_coverage)) != assertion_ids(respond(first))


@pytest.mark.parametrize("make", [over_ratio, over_extravasation_cap])
def test_3_6_12_propose_alternate_updates_a_draft_order(make: Callable[[], Determination]) -> None:
    determination = make()
    response = respond(determination)
    (update,) = inferno_checks.check_propose_alternate(response, [determination.order_resource])
    (card,) = [c for c in response["cards"] if c.get("suggestions")]
    assert card["selectionBehavior"] == "at-most-one"
    assert card["source"]["topic"]["code"] == "therapy-alternatives-req"
    assert (
        update["resource"]["medicationCodeableConcept"]
        == determination.order_resource["medicationCodeableConcept"]
    )


def test_the_system_action_echoes_the_draft_but_for_the_extension() -> None:
    determination = pend()
    (action,) = respond(determination)["systemActions"]
    resource = action["resource"]
    assert {k: v for k, v in resource.items() if k != "extension"} == determination.order_resource
    assert [e["url"] for e in resource["extension"]] == [COVERAGE_INFORMATION_URL]


def test_no_coverage_means_cards_but_no_system_action() -> None:
    response = respond(pend(coverage=Fact(None)))
    assert response["systemActions"] == []
    (card,) = inferno_checks.instructions_cards(response)
    assert "No active coverage" in card["detail"]


def test_an_invalid_r4_draft_still_gets_its_coverage_information_system_action() -> None:
    order = {**draft_order(), "category": {"text": "outpatient"}, "unknownThing": 1}
    response = respond(approve(order))
    (action,) = response["systemActions"]
    assert {k: v for k, v in action["resource"].items() if k != "extension"} == order
    assert [e["url"] for e in action["resource"]["extension"]] == [COVERAGE_INFORMATION_URL]
    (card,) = inferno_checks.instructions_cards(response)
    assert "not valid FHIR R4" not in card["detail"]


def test_a_draft_without_an_id_gets_cards_saying_why_there_is_no_system_action() -> None:
    order = {k: v for k, v in draft_order().items() if k != "id"}
    response = build_response(
        assessed(approve(order)), hook_request(draft_order()).options(), settings=SETTINGS, today=TODAY
    )
    assert response["systemActions"] == []
    (card,) = inferno_checks.instructions_cards(response)
    assert "no `id`" in card["detail"]


def test_a_dstu2_medication_order_gets_no_system_action() -> None:
    order = {**draft_order(), "resourceType": "MedicationOrder"}
    response = respond(approve(order))
    assert response["systemActions"] == []
    (card,) = inferno_checks.instructions_cards(response)
    assert "MedicationOrder" in card["detail"]


def test_a_medicare_order_gets_one_info_card_and_no_coverage_information() -> None:
    response = respond(medicare())
    assert response["systemActions"] == []
    (card,) = response["cards"]
    assert card["indicator"] == "info"
    assert "Dexrazoxane" in card["summary"] and "not reviewed" in card["summary"]
    assert "Medicare" in card["detail"]


def test_an_order_that_was_not_assessed_gets_no_card() -> None:
    response = respond(replace(medicare(), facts=None))
    assert response == {"cards": [], "systemActions": []}


def test_coverage_info_false_suppresses_the_system_action_and_the_coverage_card() -> None:
    config = {"davinci-crd.configuration": {"coverage-info": False}}
    response = respond(pend(), extension=config)
    assert response["systemActions"] == []
    assert [card["source"]["topic"]["code"] for card in response["cards"]] == ["guideline"]


def test_max_cards_keeps_the_most_important_cards() -> None:
    response = respond(over_ratio(), extension={"davinci-crd.configuration": {"max-cards": 2}})
    assert [card["source"]["topic"]["code"] for card in response["cards"]] == [
        "coverage-info",
        "therapy-alternatives-req",
    ]
    assert respond(pend(), extension={"davinci-crd.configuration": {"max-cards": 0}})["cards"] == []


def test_topics_use_the_temp_system_by_default_and_the_tho_system_under_2_2() -> None:
    default = respond(approve())["cards"][0]["source"]["topic"]["system"]
    v2_2 = respond(approve(), extension={REQUESTED_VERSION_KEY: "2.2"})["cards"][0]["source"]["topic"][
        "system"
    ]
    assert default == "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp"
    assert v2_2 == "http://terminology.hl7.org/CodeSystem/cdshooks-card-type"


def test_a_pend_points_at_the_questionnaire_built_from_the_public_base_url() -> None:
    (action,) = respond(pend())["systemActions"]
    subs = {sub["url"]: sub for sub in action["resource"]["extension"][0]["extension"]}
    assert subs["questionnaire"]["valueCanonical"] == (
        "https://payer.example.org/fhir/Questionnaire/cp-phar-418-dexrazoxane|2026.05.1"
    )
    assert subs["coverage"]["valueReference"] == {"reference": COVERAGE}


def test_every_card_names_the_plan_and_links_the_policy() -> None:
    for card in respond(over_ratio())["cards"]:
        assert card["source"]["label"] == "Example Health Plan"
        assert card["source"]["url"].startswith("https://")
        assert card["extension"]["davinci-crd.associated-resource"] == [
            {"reference": "MedicationRequest/dex-1"}
        ]


@pytest.mark.parametrize(
    ("changes", "decision"),
    [
        ({}, "approve"),
        ({"prescriber_onc_or_hem": Fact(None)}, "pend"),
        ({"concurrent_doxorubicin": Fact(False)}, "deny"),
    ],
)
def test_determinations_of_the_policy_tree_give_valid_responses(
    changes: dict[str, Any], decision: str
) -> None:
    """End to end from ClinicalFacts through the real CP.PHAR.418 tree to the response."""
    order = draft_order()
    decided = determine(
        facts(
            **{
                "prescriber_onc_or_hem": Fact(True, ("PractitionerRole/onc-1",)),
                "prior_dexrazoxane_cardioprotection": Fact(False),
                "last_planned_doxorubicin_date": Fact(date(2027, 1, 30)),
                **changes,
            }
        ),
        order,
    )
    assert decided.decision == decision
    for version in CrdVersion:
        response = respond(decided, extension={REQUESTED_VERSION_KEY: version.value})
        inferno_checks.check_response_shape(response)
        inferno_checks.check_optional_fields(response)
        inferno_checks.check_coverage_information(response, version)
        assert inferno_checks.instructions_cards(response) and inferno_checks.external_reference_cards(
            response
        )


def test_a_sandbox_shaped_draft_still_gets_the_dose_proposal_in_its_own_shape() -> None:
    order = {**draft_order(value=600), "category": {"text": "outpatient"}}
    response = respond(over_ratio(order))
    (action,) = response["systemActions"]
    assert action["resource"]["category"] == {"text": "outpatient"}
    (card,) = [c for c in response["cards"] if c.get("suggestions")]
    resource = card["suggestions"][0]["actions"][0]["resource"]
    assert resource["category"] == {"text": "outpatient"}
    assert resource["medicationCodeableConcept"]["coding"][0]["code"] == "3277"
    assert resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 500


def _is_order_sign(document: Any) -> bool:
    # fhir_fixtures/spec/ also holds a list of requests and a StructureDefinition.
    return isinstance(document, dict) and document.get("hook") == "order-sign"


FIXTURES = {
    path.stem: path.read_bytes()
    for path in sorted((REPO_ROOT / "fhir_fixtures").rglob("*.json"))
    if not path.name.endswith(".expect.json") and _is_order_sign(json.loads(path.read_bytes()))
}


@pytest.mark.parametrize("name", FIXTURES)
async def test_every_order_sign_fixture_answers_what_a_crd_client_expects(
    name: str, make_settings: Callable[..., Settings]
) -> None:
    """Through the app: each fixture request answers 200 with a response that passes the Inferno
    order-sign checks, or 412 with an OperationOutcome when its data is out of reach (docs/api.md
    "Endpoints")."""
    # A fixture's fhirServer is never reached: the FHIR server answers that it holds nothing more.
    fhir = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(404)))
    app = create_app(make_settings(), http_client=fhir)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        fhir,
        app.router.lifespan_context(app),  # the lifespan closes the store it opens
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        (service,) = [
            s for s in (await client.get("/cds-services")).json()["services"] if s["hook"] == "order-sign"
        ]
        response = await client.post(f"/cds-services/{service['id']}", content=FIXTURES[name])
    if response.status_code == 412:
        assert response.json()["resourceType"] == "OperationOutcome"
        return
    assert response.status_code == 200
    body = response.json()
    inferno_checks.check_response_shape(body)
    inferno_checks.check_optional_fields(body)
    inferno_checks.check_coverage_information(body)


@pytest.mark.parametrize("version", [None, "2.2"])
def test_unsolicited_determ_false_turns_an_approve_into_a_pa_to_submit(version: str | None) -> None:
    # CRD §found-35: the client wants no PA-satisfied determination it did not request.
    extension: dict[str, Any] = {"davinci-crd.configuration": {"unsolicited-determ": False}}
    if version:
        extension[REQUESTED_VERSION_KEY] = version
    response = respond(approve(), extension=extension)
    crd_version = CrdVersion.V2_2 if version else CrdVersion.SAFE
    inferno_checks.check_coverage_information(response, crd_version)
    (action,) = response["systemActions"]
    (info,) = action["resource"]["extension"]
    subs = {sub["url"]: sub for sub in info["extension"]}
    assert subs["covered"]["valueCode"] == "covered"
    assert subs["pa-needed"]["valueCode"] == "auth-needed"
    assert subs["doc-needed"]["valueCode"] == "clinical"
    assert subs["doc-purpose"]["valueCode"] == "withpa"
    assert "questionnaire" in subs
    assert "satisfied-pa-id" not in subs and "expiry-date" not in subs
    reason = subs["reason"]["valueCodeableConcept"]["text"]
    assert "criteria are met" in reason and "prior authorization request must" in reason
    (card,) = inferno_checks.instructions_cards(response)
    assert "no prior authorization request needed" not in card["summary"]
    assert "submit the prior authorization request" in card["summary"]


def test_unsolicited_determ_true_keeps_the_satisfied_approval() -> None:
    response = respond(approve(), extension={"davinci-crd.configuration": {"unsolicited-determ": True}})
    (action,) = response["systemActions"]
    subs = {sub["url"]: sub for sub in action["resource"]["extension"][0]["extension"]}
    assert subs["pa-needed"]["valueCode"] == "satisfied" and "satisfied-pa-id" in subs
