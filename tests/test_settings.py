from __future__ import annotations

import pytest
from pydantic import ValidationError

from cds_service.settings import Settings


def test_line_of_business_map_values_are_normalized() -> None:
    settings = Settings(line_of_business_map={"PLAN-1": "HIM/ICHRA", "PLAN-2": " Medicaid "})
    assert settings.line_of_business_map == {"PLAN-1": "marketplace", "PLAN-2": "medicaid"}


def test_an_unknown_line_of_business_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="PLAN-3"):
        Settings(line_of_business_map={"PLAN-3": "gold"})


def test_the_map_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDS_LINE_OF_BUSINESS_MAP", '{"PAYER-42": "ichra"}')
    assert Settings().line_of_business_map == {"PAYER-42": "marketplace"}


def test_a_jwks_url_must_be_https_or_a_file() -> None:
    with pytest.raises(ValidationError, match="must be https"):
        Settings(trusted_issuers={"https://ehr.example": "http://ehr.example/jwks.json"})
    assert Settings(trusted_issuers={"https://ehr.example": "keys/jwks.json"}).trusted_issuers
