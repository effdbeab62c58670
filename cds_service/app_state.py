"""What one running app holds beyond its routes: settings, the shared HTTP client, the store, the
client-token verifier, the feedback log and readiness. Kept on ``app.state.runtime``; handlers reach it
through ``runtime_of(request)``.
"""

from __future__ import annotations

import asyncio
from dataclasses import InitVar, dataclass, field

import httpx
from starlette.requests import HTTPConnection

from cds_service.assertion_ids import assertion_key
from cds_service.auth.client_token import ClientTokenVerifier
from cds_service.auth.jwks import JwksCache
from cds_service.auth.replay import ReplayGuard
from cds_service.fhir.transport import ServiceTransport
from cds_service.hooks.admission import Admission
from cds_service.hooks.decision import settings_for_processes
from cds_service.hooks.feedback import FeedbackLog
from cds_service.isolation.pool import DecisionPool, PoolConfig
from cds_service.metrics import FEEDBACK_SHED
from cds_service.settings import Settings
from cds_service.store.protocol import Store
from cds_service.store.sql import SqlStore

# What a decision process runs, how it starts, and what its fork server imports and warms first.
DECISION_HANDLER = "cds_service.hooks.decision:handle"
DECISION_PROCESS_START = "cds_service.decision_preload:prepare"
DECISION_PRELOAD = "cds_service.decision_preload"

# Connection pool for FHIR servers and JWKS endpoints; per-request timeouts are set by the callers.
HTTP_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
HTTP_TIMEOUT = httpx.Timeout(10.0)


@dataclass
class Runtime:
    settings: Settings
    http_client: httpx.AsyncClient | None = None
    owns_http_client: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # The store: the one handed in, else from the settings (engines connect lazily).
    given_store: InitVar[Store | None] = None
    store: Store = field(init=False)
    # Set once the schema is migrated (start-up, retried while the database is unreachable).
    store_migrated: asyncio.Event = field(default_factory=asyncio.Event)
    verifier: ClientTokenVerifier = field(init=False)
    feedback_log: FeedbackLog = field(init=False)
    admission: Admission = field(init=False)
    feedback_admission: Admission = field(init=False)
    # Decision processes (CDS_DECISION_PROCESSES > 0), started by the lifespan; None: on the event loop.
    decisions: DecisionPool | None = field(init=False)

    def __post_init__(self, given_store: Store | None) -> None:
        self.store = given_store if given_store is not None else SqlStore.from_settings(self.settings)
        jwks = JwksCache(
            self.settings.trusted_issuers, self.http, ttl_seconds=self.settings.jwks_cache_seconds
        )
        self.verifier = ClientTokenVerifier(
            jwks,
            ReplayGuard(self.store),
            leeway_seconds=self.settings.jwt_leeway_seconds,
            max_lifetime_seconds=self.settings.jwt_max_lifetime_seconds,
        )
        # Feedback is recorded for the cards this service minted, with the key it mints them with.
        self.feedback_log = FeedbackLog(
            self.store, retention_days=self.settings.retention_days, key=assertion_key(self.settings)
        )
        self.admission = Admission(self.settings.max_hooks_in_flight)
        self.feedback_admission = Admission(
            self.settings.max_feedback_in_flight, what="feedback calls", shed=FEEDBACK_SHED
        )
        self.decisions = None
        if self.settings.decision_processes:
            config = PoolConfig(
                size=self.settings.decision_processes,
                handler=DECISION_HANDLER,
                initializer=DECISION_PROCESS_START,
                init_arg=settings_for_processes(self.settings),
                preload=(DECISION_PRELOAD,),
                relay_max_bytes=self.settings.fhir_max_response_bytes,
            )
            self.decisions = DecisionPool(config, self.http)

    def http(self) -> httpx.AsyncClient:
        """The shared client; created on first use when no lifespan ran and none was injected. Its
        transport resolves, checks and pins a fhirServer's address when asked (``fhir.transport``)."""
        if self.http_client is None:
            self.http_client = httpx.AsyncClient(
                transport=ServiceTransport(limits=HTTP_LIMITS), timeout=HTTP_TIMEOUT
            )
            self.owns_http_client = True
        return self.http_client

    async def close(self) -> None:
        if self.decisions is not None:
            await self.decisions.close()
        await self.store.close()
        if self.owns_http_client and self.http_client is not None:
            await self.http_client.aclose()
            self.http_client = None
            self.owns_http_client = False


def runtime_of(connection: HTTPConnection) -> Runtime:
    runtime = connection.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime
