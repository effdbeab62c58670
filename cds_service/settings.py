"""One typed settings object, read from the environment (pydantic-settings).

The ``CDS_*`` names of CONTRACT §1 are part of the contract; the rest are ours and documented in the
README. Defaults are the embedded local-run defaults: authentication off, CORS open for the sandbox.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cds_service.clinical.coverage import normalized_line_of_business


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CDS_", extra="ignore")

    # CONTRACT §1
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

    # Admission control of order-sign hooks (hooks/admission.py, README "Under overload"): hooks in flight
    # per worker before the next is refused with a 503, and the time after which an admitted hook's work is
    # abandoned (503). The bound is the capacity bench/overload_bench.py measures for one worker with a heavy
    # patient (2: the decision is CPU-bound; README "Under overload"); the deadline stays well under the 5 s
    # CRD expects at p90, since EHRs often give up sooner.
    max_hooks_in_flight: int = Field(default=2, ge=1)
    hook_deadline_seconds: float = Field(default=3.0, gt=0)

    # CORS: the CDS Hooks sandbox runs in a browser
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])

    # FHIR data layer (CONTRACT §3, §7)
    fhir_query_timeout_seconds: float = 2.0
    fhir_total_timeout_seconds: float = 4.0
    fhir_page_cap: int = 10
    # fhirServer base URLs that may be queried (a fhirServer equal to one, or under one followed by "/").
    # Empty: any public http(s) server is (local testing); see fhir/server_url.py.
    fhir_server_allowlist: list[str] = Field(default_factory=list)
    # Most HTTP requests sent to fhirServer in one hook call (pages included); the rest are not sent.
    fhir_max_requests: int = 50
    # Largest FHIR response body read (decoded bytes); a larger one is a failed query.
    fhir_max_response_bytes: int = 20 * 1024 * 1024

    # Payer identity on cards (CRD §resp-4: the insurer's name) and line-of-business mapping:
    # payer/plan identifier value -> "commercial" | "marketplace" | "medicaid" | "medicare".
    health_plan_name: str = "Health Plan"
    line_of_business_map: dict[str, str] = Field(default_factory=dict)

    @field_validator("trusted_issuers")
    @classmethod
    def _jwks_over_https(cls, issuers: dict[str, str]) -> dict[str, str]:
        """A JWK Set is a trust anchor: fetched over plain http, anyone on the path could swap the keys."""
        plain = sorted(issuer for issuer, location in issuers.items() if location.startswith("http://"))
        if plain:
            raise ValueError(f"CDS_TRUSTED_ISSUERS: the JWKS of {', '.join(plain)} must be https or a file")
        return issuers

    @field_validator("line_of_business_map")
    @classmethod
    def _known_lines_of_business(cls, mapping: dict[str, str]) -> dict[str, str]:
        """A value the policy does not know would be ignored silently, and the plan judged by its SOPT type
        (a marketplace plan as commercial, naming the wrong off-label policy): refuse it at start-up."""
        normalized = {key: normalized_line_of_business(value) for key, value in mapping.items()}
        unknown = sorted(key for key, value in normalized.items() if value is None)
        if unknown:
            raise ValueError(
                f"CDS_LINE_OF_BUSINESS_MAP: {', '.join(unknown)} must map to commercial, marketplace "
                "(HIM, ICHRA), medicaid or medicare"
            )
        return {key: value for key, value in normalized.items() if value is not None}

    # HMAC key of coverage-assertion-id / satisfied-pa-id (the DTR pre-fill key). Unset: a random key per
    # process, so the ids change when the service restarts.
    assertion_secret: SecretStr | None = None

    # Where the feedback log goes (append-only JSON lines, no PHI); empty disables it.
    feedback_log_path: str = "var/feedback.jsonl"

    def model_post_init(self, __context: Any) -> None:
        self.public_base_url = self.public_base_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
