"""Fixtures of the FHIR data-layer tests: settings with small timeouts, the dexrazoxane request."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cds_service.settings import Settings
from tests.fhir.request_fixtures import DEXRAZOXANE_REQUEST, load_json


@pytest.fixture
def settings() -> Settings:
    return Settings(
        fhir_query_timeout_seconds=0.5,
        fhir_total_timeout_seconds=1.0,
        fhir_page_cap=5,
        allow_unauthenticated_fhir=False,
    )


@pytest.fixture
def dexrazoxane_body() -> dict[str, Any]:
    return copy.deepcopy(load_json(DEXRAZOXANE_REQUEST))
