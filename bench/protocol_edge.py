"""Time the protocol edge: client JWT verification, request parsing, and whole in-process calls.

Run: .venv/bin/python bench/protocol_edge.py [--runs N] > /dev/null   (figures on stderr)

The calls go through the ASGI app in-process (httpx.ASGITransport, no sockets), so the figures are the
edge's own CPU cost: routing, CORS, the auth dependency, orjson, the evaluation and the response. The
hook request is the Inferno CRD test kit's order_sign_hook_request.json (fhir_fixtures/spec/; not
dexrazoxane: no FHIR data is fetched; its fhirServer is mocked with respx anyway). Prints figures only;
the machine is noisy (2 shared cores), so compare medians from one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import respx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cds_service.app import create_app
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.hooks.parse import parse_hook_request
from cds_service.settings import Settings
from tests.auth.tokens import BASE_URL, ISSUER, JWKS_URL, ec_key, jwks, mint, rsa_key
from tests.conftest import ORDER_SIGN_EXAMPLE, empty_fhir_server

REQUEST = ORDER_SIGN_EXAMPLE.read_bytes()
SERVICE = f"/cds-services/{SERVICE_ID}"


async def timed(runs: int, step: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(min(20, runs)):
        await step()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await step()
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{name:<40} median {statistics.median(ordered):7.0f} µs   p95 {p95:7.0f} µs", file=sys.stderr)


async def main(runs: int) -> None:
    print(
        f"{runs} runs each; Python {sys.version.split()[0]}; logs go to stdout, figures to stderr",
        file=sys.stderr,
    )

    async def parse() -> object:
        return parse_hook_request(REQUEST)

    report(f"parse_hook_request ({len(REQUEST)} B)", await timed(runs, parse))

    for auth in (False, True):
        settings = Settings(
            auth_required=auth,
            public_base_url=BASE_URL,
            trusted_issuers={ISSUER: JWKS_URL},
            data_dir=tempfile.mkdtemp(),
        )
        with respx.mock(using=None, assert_all_called=False) as mock:
            mock.get(JWKS_URL).mock(return_value=httpx.Response(200, json=jwks(ec_key(), rsa_key())))
            mock.route(url__startswith="https://example/r4").mock(side_effect=empty_fhir_server)
            app = create_app(
                settings, http_client=httpx.AsyncClient(transport=httpx.MockTransport(mock.async_handler))
            )
            async with app.router.lifespan_context(app):
                await app.state.runtime.ready.wait()
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                    keys = [("ES384", ec_key()), ("RS384", rsa_key())] if auth else [("no auth", None)]
                    for label, key in keys:
                        discovery_tokens = (
                            [mint(key, BASE_URL + "/cds-services") for _ in range(runs + 20)] if key else []
                        )
                        call_tokens = [mint(key, BASE_URL + SERVICE) for _ in range(runs + 20)] if key else []

                        async def discovery(tokens: list[str] = discovery_tokens) -> object:
                            headers = {"Authorization": f"Bearer {tokens.pop()}"} if tokens else {}
                            return await client.get("/cds-services", headers=headers)

                        async def call(tokens: list[str] = call_tokens) -> object:
                            headers = {"Authorization": f"Bearer {tokens.pop()}"} if tokens else {}
                            response = await client.post(SERVICE, content=REQUEST, headers=headers)
                            assert response.status_code == 200, response.text
                            return response

                        report(f"GET /cds-services ({label})", await timed(runs, discovery))
                        report(f"POST order-sign ({label})", await timed(runs, call))
                    if auth:
                        verifier = app.state.runtime.verifier
                        for label, key in (("ES384", ec_key()), ("RS384", rsa_key())):
                            tokens = [mint(key, BASE_URL + SERVICE) for _ in range(runs + 20)]

                            async def verify(tokens: list[str] = tokens, verifier: Any = verifier) -> object:
                                return await verifier.verify(tokens.pop(), audience=BASE_URL + SERVICE)

                            report(f"ClientTokenVerifier.verify ({label})", await timed(runs, verify))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    asyncio.run(main(parser.parse_args().runs))
