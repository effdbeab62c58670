"""How a handler reaches the running app: one way, the FastAPI ``Depends`` aliases of this module.

The runtime (``app_state.Runtime``: settings, the shared HTTP client, the store, the client-token verifier,
the feedback log, readiness) lives on ``app.state.runtime``; routes take it, or a part of it, as an
annotated parameter (``runtime: RuntimeDep``), and the client-authentication guard is a dependency here
too, so ``auth/`` itself needs nothing of the runtime (plain values in: the settings and the verifier).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cds_service.app_state import Runtime, runtime_of
from cds_service.auth.dependency import verify_client
from cds_service.settings import Settings
from cds_service.store.protocol import Store


def _runtime(request: Request) -> Runtime:
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]


def _settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def _store(runtime: RuntimeDep) -> Store:
    return runtime.store


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[Store, Depends(_store)]


async def authenticate_client(request: Request, runtime: RuntimeDep) -> None:
    """The guard of discovery, the service, feedback, DTR and the tester (``CDS_AUTH_REQUIRED``)."""
    await verify_client(request, settings=runtime.settings, verifier=runtime.verifier)


AUTHENTICATED = Depends(authenticate_client)
