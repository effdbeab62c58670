"""One typed settings object, read from the environment (pydantic-settings).

Every field is a ``CDS_*`` environment variable, listed with its default and purpose in
docs/configuration.md (tests/test_configuration_doc.py keeps that table true). Defaults are the embedded
local-run defaults: authentication off, CORS open for the sandbox. Settings carry plain values and import
nothing of the domain (the bottom layer, tests/test_layers.py): the domain interprets them, e.g.
``clinical.coverage`` reads the line-of-business map's spellings.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Settings whose defaults suit only local testing and that a production answer needs: the payer's name on
# every card (CRD §resp-4, the card's source label), the public URL that the DTR questionnaire's canonical
# and the JWT audience are built from, and the key of the coverage-assertion-ids every replica must share.
# A deployment sets each (tests/test_deploy.py holds deploy/kubernetes.yaml to it).
PRODUCTION_SETTINGS: tuple[str, ...] = ("health_plan_name", "public_base_url", "assertion_secret")
DEFAULT_HEALTH_PLAN_NAME = "Health Plan"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CDS_", extra="ignore")

    # The public URL, and whether and whom to authenticate (docs/api.md "Authentication")
    public_base_url: str = "http://127.0.0.1:8080"
    auth_required: bool = False
    # issuer -> JWKS (URL or file path). Empty by default: the sandbox is trusted only when configured.
    trusted_issuers: dict[str, str] = Field(default_factory=dict)
    allow_unauthenticated_fhir: bool = False

    # JWT checks (CDS Hooks 2.0 "Trusting CDS Clients")
    jwt_leeway_seconds: int = 60
    jwt_max_lifetime_seconds: int = 3600  # jti replay memory; best practice: "no more than an hour"
    jwks_cache_seconds: int = 3600

    # Largest request body accepted (bytes); a larger one is answered 413 before it is parsed.
    max_body_bytes: int = 10 * 1024 * 1024

    # Admission control of order-sign hooks (hooks/admission.py, docs/operations.md "Under overload"): hooks
    # in flight per worker before the next is refused with a 503, and the time after which an admitted hook's
    # work is abandoned (503). The bound is the capacity bench/overload_bench.py measures for one worker with
    # a heavy patient (2: the decision is CPU-bound); the deadline stays well under the 5 s
    # CRD expects at p90, since EHRs often give up sooner.
    max_hooks_in_flight: int = Field(default=2, ge=1)
    hook_deadline_seconds: float = Field(default=3.0, gt=0)
    # Decision processes per worker (docs/operations.md "Isolation of decisions"; isolation/pool.py): a hook's
    # decision (parse, gather, decide, respond) runs in one, which is killed at the hook deadline and
    # replaced. 0: decisions run on the event loop (tests, development; the deadline cannot stop them there).
    # `cds-service serve` sets it, when unset, to the cores it may use divided by --workers (at least 1).
    decision_processes: int = Field(default=0, ge=0)
    # Feedback calls in flight per worker before the next is refused with a 503 (each parses up to 1 MiB
    # and writes to the store; a flood must not hold the store or the loop). Feedback is a few ms: 8 is far
    # above what EHRs send, which is one call per card acted on.
    max_feedback_in_flight: int = Field(default=8, ge=1)

    # Slow and idle clients (docs/operations.md "Timeouts and slow clients"): the request
    # line and headers must arrive within header_timeout_seconds of the connection opening (or of the
    # previous response), a request body within body_timeout_seconds of its headers; a worker keeps at most
    # max_connections connections, closing the one that has waited longest for its headers to make room.
    # EHRs send a request at once: 5 s is generous on any network they call from, and an order-sign hook
    # has a 3 s deadline for its body anyway.
    header_timeout_seconds: float = Field(default=5.0, gt=0)
    body_timeout_seconds: float = Field(default=5.0, gt=0)
    max_connections: int = Field(default=1000, ge=1)

    # CORS: the CDS Hooks sandbox runs in a browser
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])

    # FHIR data layer (docs/prefetch.md)
    fhir_query_timeout_seconds: float = 2.0
    # Under the hook deadline (3 s), leaving time to decide and store: a slow fhirServer ends in the answer
    # that names what could not be read (a pend or a 412), not in a 503 that says nothing.
    fhir_total_timeout_seconds: float = 2.5
    fhir_page_cap: int = 10
    # Searches ask for pages this big (_count): a 500-dose history is one round trip, not 100.
    fhir_page_size: int = 1000
    # Most matches read per search (pages together); past it the read is partial (docs/facts.md "Record
    # integrity").
    fhir_max_entries: int = 10_000
    # Freeze start-up's objects and raise the young GC threshold once warmed up (cds_service/gc_tuning.py).
    gc_tuning: bool = True
    # fhirServer base URLs that may be queried (a fhirServer equal to one, or under one followed by "/").
    # Empty: any public http(s) server is (local testing); see fhir/server_url.py.
    fhir_server_allowlist: list[str] = Field(default_factory=list)
    # Most HTTP requests sent to fhirServer in one hook call (pages included); the rest are not sent.
    fhir_max_requests: int = 50
    # Largest FHIR response body read (decoded bytes); a larger one is a failed query.
    fhir_max_response_bytes: int = 20 * 1024 * 1024

    # Payer identity on cards (CRD §resp-4: the insurer's name) and line-of-business mapping:
    # payer/plan identifier value -> "commercial" | "marketplace" | "medicaid" | "medicare", as written
    # (spellings such as "HIM/ICHRA" are the domain's to read; a value it cannot read is refused at
    # start-up by clinical.coverage.line_of_business_map_problem, called from the app and the CLI).
    health_plan_name: str = DEFAULT_HEALTH_PLAN_NAME
    line_of_business_map: dict[str, str] = Field(default_factory=dict)

    @field_validator("trusted_issuers")
    @classmethod
    def _jwks_over_https(cls, issuers: dict[str, str]) -> dict[str, str]:
        """A JWK Set is a trust anchor: fetched over plain http, anyone on the path could swap the keys."""
        plain = sorted(issuer for issuer, location in issuers.items() if location.startswith("http://"))
        if plain:
            raise ValueError(f"CDS_TRUSTED_ISSUERS: the JWKS of {', '.join(plain)} must be https or a file")
        return issuers

    # HMAC key of coverage-assertion-id / satisfied-pa-id (the DTR pre-fill key). Unset: a random key per
    # process, so the ids change when the service restarts.
    assertion_secret: SecretStr | None = None

    # The store (docs/operations.md "The store"): PostgreSQL when CDS_DATABASE_URL names one
    # (postgresql://user:pw@host/db), else an SQLite file under CDS_DATA_DIR (relative to the working
    # directory; created when missing).
    database_url: SecretStr | None = None
    data_dir: str = "var"
    # Bound on one store operation (pool wait, connect, statement): a slow or down database costs a hook at
    # most this, and the hook still answers.
    store_timeout_seconds: float = 2.0
    # How long a determination (and a feedback record) is kept after its approval period ends (or after it
    # was made, without one): claims arrive after the service date, within the payer's timely-filing limit.
    retention_days: int = 365
    # How often expired rows (determinations, feedback, JWT ids) are purged; 0 disables the schedule.
    purge_interval_seconds: float = 3600.0
    # Bearer tokens of the payer's claim system for GET /coverage-assertions/{id}; empty: no such route.
    claims_api_tokens: list[SecretStr] = Field(default_factory=list)

    # The tester page (GET /tester) and its development-only endpoints: always served when authentication
    # is off; with authentication on, only when this is true.
    tester_enabled: bool = False

    def model_post_init(self, __context: Any) -> None:
        self.public_base_url = self.public_base_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
