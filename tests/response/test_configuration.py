from __future__ import annotations

from typing import Any

import pytest

from cds_service.response.configuration import CONFIGURATION_OPTIONS, response_options
from cds_service.response.crd_terms import CardType, CrdVersion


def options_for(extension: dict[str, Any] | None) -> Any:
    return response_options(extension)


def test_discovery_offers_coverage_info_max_cards_and_one_boolean_per_card_type() -> None:
    by_code = {option["code"]: option for option in CONFIGURATION_OPTIONS}
    assert by_code["coverage-info"]["type"] == "boolean" and by_code["coverage-info"]["default"] is True
    assert by_code["max-cards"]["type"] == "integer" and by_code["max-cards"]["default"] == 10
    for card_type in CardType:
        assert by_code[card_type.value]["type"] == "boolean"
    for option in CONFIGURATION_OPTIONS:
        assert {"code", "type", "name", "description", "default"} <= set(option)


def test_no_configuration_means_the_defaults_and_the_2_0_1_safe_shape() -> None:
    options = options_for(None)
    assert options.coverage_info is True
    assert options.max_cards == 10
    assert options.version is CrdVersion.SAFE
    assert all(options.wants(card_type) for card_type in CardType)


def test_the_request_configuration_is_obeyed_and_unknown_options_ignored() -> None:
    options = options_for(
        {
            "davinci-crd.configuration": {
                "coverage-info": False,
                "max-cards": 1,
                "guideline": False,
                "alt-drug": True,
            }
        }
    )
    assert options.coverage_info is False
    assert options.max_cards == 1
    assert not options.wants(CardType.GUIDELINE)
    assert options.wants(CardType.THERAPY_ALTERNATIVES_REQ)


@pytest.mark.parametrize(
    "config",
    [
        {"coverage-info": "no", "max-cards": "3"},
        {"coverage-info": None, "max-cards": -2},
        {"coverage-info": 0, "max-cards": True},
        {"max-cards": 2.5},
    ],
)
def test_nonsense_values_fall_back_to_the_defaults(config: dict[str, Any]) -> None:
    options = options_for({"davinci-crd.configuration": config})
    assert options.coverage_info is True
    assert options.max_cards == 10


def test_a_configuration_that_is_not_an_object_is_ignored() -> None:
    assert options_for({"davinci-crd.configuration": ["coverage-info"]}).coverage_info is True


@pytest.mark.parametrize(
    ("requested", "version"),
    [
        ("2.2", CrdVersion.V2_2),
        ("2.2.1", CrdVersion.V2_2),
        ("2.0", CrdVersion.SAFE),
        (2.2, CrdVersion.V2_2),
        (22, CrdVersion.SAFE),
    ],
)
def test_the_requested_crd_version(requested: Any, version: CrdVersion) -> None:
    assert options_for({"davinci-crd.requestedVersion": requested}).version is version


def test_unsolicited_determ_is_offered_and_read() -> None:
    by_code = {option["code"]: option for option in CONFIGURATION_OPTIONS}
    assert by_code["unsolicited-determ"]["type"] == "boolean"
    assert by_code["unsolicited-determ"]["default"] is True
    assert options_for(None).unsolicited_determ is True
    no = options_for({"davinci-crd.configuration": {"unsolicited-determ": False}})
    assert no.unsolicited_determ is False
    assert options_for({"davinci-crd.configuration": {"unsolicited-determ": "no"}}).unsolicited_determ is True
