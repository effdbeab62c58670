"""Shared test fixtures: where the specifications' example files are, settings for a test, and the app
served in-process with its lifespan running."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from cds_service.app import create_app
from cds_service.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
# The CDS Hooks and Da Vinci CRD published examples the tests read, copied into the repository
# (fhir_fixtures/SOURCES.md names where each came from).
SPEC_DIR = REPO_ROOT / "fhir_fixtures" / "spec"
# The Inferno CRD test kit's order-sign request: an R4 MedicationRequest draft (not dexrazoxane).
ORDER_SIGN_EXAMPLE = SPEC_DIR / "inferno-crd-test-kit" / "order_sign_hook_request.json"


def empty_fhir_server(request: httpx.Request) -> httpx.Response:
    """A FHIR server that knows nothing: empty searchsets, a bare resource for a read (respx side effect)."""
    segments = [s for s in request.url.path.split("/") if s]
    if request.url.query or len(segments) < 2 or not re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", segments[-1]):
        return httpx.Response(
            200, json={"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
        )
    return httpx.Response(200, json={"resourceType": segments[-2], "id": segments[-1]})


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for one test: embedded defaults, the SQLite store under tmp_path, overrides as given."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": str(tmp_path / "var")}
        values.update(overrides)
        return Settings(**values)

    return build


ServeApp = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def serve_app() -> ServeApp:
    """``async with serve_app(settings) as client``: the app with its lifespan run and warm-up done,
    reached in-process through an httpx client (base URL http://testserver)."""

    @asynccontextmanager
    async def serve(
        settings: Settings, *, http_client: httpx.AsyncClient | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings, http_client=http_client)
        async with app.router.lifespan_context(app):
            await app.state.runtime.ready.wait()
            await app.state.runtime.store_migrated.wait()
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield client

    return serve
