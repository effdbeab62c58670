"""Client authentication of one request, when ``CDS_AUTH_REQUIRED`` (the FastAPI dependency that runs it
for discovery, the service and feedback is ``deps.authenticate_client``).

CDS Hooks 2.0: with authentication required, every call carries ``Authorization: Bearer <JWT>`` whose
``aud`` is "the URL of the CDS Service endpoint being invoked". That URL is built from
``CDS_PUBLIC_BASE_URL`` and the path called, never from the request's own URL, which behind a
TLS-terminating proxy reads ``http://`` (CDS Hooks 2.0, "Trusting CDS Clients").
"""

from __future__ import annotations

import structlog
from fastapi import Request

from cds_service.auth.client_token import AuthenticationFailed, ClientTokenVerifier
from cds_service.errors import Unauthorized
from cds_service.settings import Settings

log = structlog.get_logger("cds_service.auth")

# Longest bearer token looked at. A CDS client JWT is well under 2 KiB; parsing a megabyte of base64 and
# JSON costs seconds of CPU before any check could fail, so a longer token is refused unread.
MAX_TOKEN_CHARS = 16 * 1024


def audience_for(base_url: str, request: Request) -> str:
    path: str = request.scope["path"]
    root_path: str = request.scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    return base_url.rstrip("/") + path


async def verify_client(request: Request, *, settings: Settings, verifier: ClientTokenVerifier) -> None:
    """Raises ``Unauthorized`` unless the request carries a valid client JWT (authentication on); notes
    the verified issuer on the request (``client_of``)."""
    if not settings.auth_required:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    try:
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationFailed("bearer")
        if len(token) > MAX_TOKEN_CHARS:
            raise AuthenticationFailed("size")
        claims = await verifier.verify(token, audience=audience_for(settings.public_base_url, request))
    except AuthenticationFailed as failed:
        log.warning("client_token_rejected", check=failed.check, route=request.scope.get("path"))
        raise Unauthorized("Authentication failed") from None
    request.state.client_issuer = str(claims["iss"])


def client_of(request: Request) -> str:
    """The verified issuer of the caller's JWT; "" when authentication is off. What one caller is told
    (a coverage assertion, its pre-filled answers) is bound to it, so another caller cannot reach it."""
    issuer = getattr(request.state, "client_issuer", "")
    return issuer if isinstance(issuer, str) else ""
