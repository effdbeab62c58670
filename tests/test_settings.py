from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from cds_service.app import create_app
from cds_service.clinical.coverage import line_of_business_map_problem
from cds_service.settings import Settings


def test_line_of_business_map_values_are_kept_as_written_for_the_domain_to_read() -> None:
    mapping = {"PLAN-1": "HIM/ICHRA", "PLAN-2": " Medicaid "}
    assert Settings(line_of_business_map=mapping).line_of_business_map == mapping
    assert line_of_business_map_problem(mapping) is None


def test_an_unknown_line_of_business_is_refused_at_start_up(make_settings: Callable[..., Settings]) -> None:
    assert line_of_business_map_problem({"PLAN-3": "gold", "PLAN-1": "ichra"}) == (
        "PLAN-3 must map to commercial, marketplace (HIM, ICHRA), medicaid or medicare"
    )
    with pytest.raises(ValueError, match="CDS_LINE_OF_BUSINESS_MAP: PLAN-3 must map"):
        create_app(make_settings(line_of_business_map={"PLAN-3": "gold"}))


def test_the_map_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDS_LINE_OF_BUSINESS_MAP", '{"PAYER-42": "ichra"}')
    assert Settings().line_of_business_map == {"PAYER-42": "ichra"}


def test_a_jwks_url_must_be_https_or_a_file() -> None:
    with pytest.raises(ValidationError, match="must be https"):
        Settings(trusted_issuers={"https://ehr.example": "http://ehr.example/jwks.json"})
    assert Settings(trusted_issuers={"https://ehr.example": "keys/jwks.json"}).trusted_issuers
