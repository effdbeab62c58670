"""A fhirServer's host name resolved, checked like a literal address and pinned (fhir/transport.py), against
a real HTTP server on loopback: the resolver is the only thing replaced (a name that resolves to 127.0.0.1,
as an attacker's DNS would answer)."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cds_service.fhir.client import FhirClient
from cds_service.fhir.transport import PinnedBackend, ServiceTransport
from cds_service.settings import Settings
from tests.conftest import REPO_ROOT, ServeApp

NAME = "fhir.attacker.example"
TOKEN = "bearer-token-for-the-ehr"
EMPTY = orjson.dumps({"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []})


@dataclass
class LoopbackServer:
    port: int = 0
    connections: int = 0
    requests: list[dict[str, str]] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)


async def _handle(server: LoopbackServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    server.connections += 1
    ssl_object = writer.get_extra_info("ssl_object")
    if ssl_object is not None:
        server.sni.append(ssl_object.server_hostname if hasattr(ssl_object, "server_hostname") else None)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    server.requests.append({"target": lines[0], **headers})
    writer.write(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: "
        + str(len(EMPTY)).encode()
        + b"\r\nconnection: close\r\n\r\n"
        + EMPTY
    )
    await writer.drain()
    writer.close()


async def _serve(ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[LoopbackServer]:
    server = LoopbackServer()
    listening = await asyncio.start_server(
        lambda r, w: _handle(server, r, w), "127.0.0.1", 0, ssl=ssl_context
    )
    server.port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield server


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackServer]:
    async for server in _serve():
        yield server


def resolving_to(*addresses: str) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        assert host == NAME
        return list(addresses)

    return resolve


def fhir_client(http: httpx.AsyncClient, base: str, *, refuse_internal: bool) -> FhirClient:
    return FhirClient(
        http,
        base,
        access_token=TOKEN,
        query_timeout_seconds=5,
        page_cap=1,
        refuse_internal_addresses=refuse_internal,
    )


async def test_a_name_resolving_to_loopback_gets_no_connection_and_no_token(loopback: LoopbackServer) -> None:
    """With an empty allowlist (the client asks for the check), the name is refused where it resolves."""
    transport = ServiceTransport(resolve=resolving_to("127.0.0.1"))
    async with httpx.AsyncClient(transport=transport) as http:
        client = fhir_client(http, f"http://{NAME}:{loopback.port}/fhir", refuse_internal=True)
        fetched = await client.search("conditions", "Condition?patient=p1")
    assert fetched.problems == ["conditions: fhirServer unreachable (ConnectError)"]
    assert loopback.connections == 0 and loopback.requests == []


@pytest.mark.parametrize(
    "addresses",
    [
        ("93.184.215.14", "127.0.0.1"),
        ("10.0.0.7",),
        ("169.254.169.254",),
        ("::ffff:127.0.0.1",),
        ("::1",),
        (),
    ],
)
async def test_any_internal_address_among_the_answers_refuses_the_name(addresses: tuple[str, ...]) -> None:
    backend = PinnedBackend(resolving_to(*addresses))
    with pytest.raises(Exception) as refused:
        await backend.connect_tcp(NAME, 443, timeout=5)
    assert type(refused.value).__name__ == "ConnectError"


async def test_the_connection_goes_to_the_address_checked_with_the_name_as_host(
    loopback: LoopbackServer,
) -> None:
    """The pin itself (the refusal turned off to reach loopback): one resolution, the connection to the
    address it gave, the Host header still the name."""
    resolved: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        resolved.append(host)
        return ["127.0.0.1"]

    transport = ServiceTransport(resolve=resolve, refuse=lambda address: False)
    async with httpx.AsyncClient(transport=transport) as http:
        client = fhir_client(http, f"http://{NAME}:{loopback.port}/fhir", refuse_internal=True)
        fetched = await client.search("conditions", "Condition?patient=p1")
    assert fetched.complete, fetched.problems
    assert resolved == [NAME]
    assert loopback.requests[0]["host"] == f"{NAME}:{loopback.port}"
    assert loopback.requests[0]["authorization"] == f"Bearer {TOKEN}"


async def test_requests_not_asking_for_the_check_use_the_ordinary_pool(loopback: LoopbackServer) -> None:
    """A JWKS endpoint or an allowlisted server: no resolution through the pinned backend."""

    async def resolve(host: str, port: int) -> list[str]:
        raise AssertionError("not resolved by the pinned backend")

    async with httpx.AsyncClient(transport=ServiceTransport(resolve=resolve)) as http:
        client = fhir_client(http, f"http://127.0.0.1:{loopback.port}/fhir", refuse_internal=False)
        assert (await client.search("conditions", "Condition")).complete
    assert len(loopback.requests) == 1


def _certificate_for(name: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


async def test_tls_to_the_pinned_address_still_names_and_verifies_the_host(tmp_path: Any) -> None:
    """A certificate valid for the name only: the handshake with 127.0.0.1 succeeds because SNI and the
    certificate check use the name, not the address connected to."""
    certificate, key = _certificate_for(NAME)
    (tmp_path / "cert.pem").write_bytes(certificate)
    (tmp_path / "key.pem").write_bytes(key)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    trusting = ssl.create_default_context(cadata=certificate.decode())
    async for server in _serve(server_context):
        transport = ServiceTransport(
            resolve=resolving_to("127.0.0.1"), refuse=lambda a: False, verify=trusting
        )
        async with httpx.AsyncClient(transport=transport) as http:
            client = fhir_client(http, f"https://{NAME}:{server.port}/fhir", refuse_internal=True)
            fetched = await client.search("conditions", "Condition?patient=p1")
        assert fetched.complete, fetched.problems
        assert server.requests[0]["host"] == f"{NAME}:{server.port}"


@pytest.mark.parametrize("checked", [True, False], ids=["checked", "control-without-the-check"])
async def test_a_hook_naming_such_a_server_sends_it_nothing(
    serve_app: ServeApp, make_settings: Any, loopback: LoopbackServer, checked: bool
) -> None:
    """DNS rebinding end to end: an empty allowlist, a fhirServer whose name resolves to 127.0.0.1,
    the caller's bearer token, a dexrazoxane order whose conditions are not prefetched: the server is never
    contacted and the hook answers 412 for what it could not read. The control turns the check off and
    sees the token arrive, so the test does reach the network."""
    body = orjson.loads(
        (REPO_ROOT / "fhir_fixtures/policy/I.A.3.a-approve-adult-cumulative-300.json").read_bytes()
    )
    del body["prefetch"]["conditions"]
    body["fhirServer"] = f"http://{NAME}:{loopback.port}/fhir"
    body["fhirAuthorization"] = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "x",
        "subject": "s",
    }
    settings: Settings = make_settings(allow_unauthenticated_fhir=True)
    refuse = None if checked else (lambda address: False)
    transport = ServiceTransport(resolve=resolving_to("127.0.0.1"), **({"refuse": refuse} if refuse else {}))
    async with (
        httpx.AsyncClient(transport=transport) as http,
        serve_app(settings, http_client=http) as client,
    ):
        response = await client.post("/cds-services/dexrazoxane-order-sign", json=body)
    if checked:
        assert response.status_code == 412, response.text
        assert "conditions" in response.json()["issue"][0]["details"]["text"]
        assert loopback.connections == 0 and loopback.requests == []
    else:
        assert any(r.get("authorization") == f"Bearer {TOKEN}" for r in loopback.requests)


@dataclass
class ClosingServer(LoopbackServer):
    close_after_next_answer: bool = False


async def _keep_alive_then_close(
    server: ClosingServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answers requests on one connection kept alive until told to close it after its next answer (a
    server's keep-alive timeout: the connection is then idle on the client's side)."""
    server.connections += 1
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            break
        server.requests.append({"target": head.split(b"\r\n")[0].decode()})
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: "
            + str(len(EMPTY)).encode()
            + b"\r\n\r\n"
            + EMPTY
        )
        await writer.drain()
        if server.close_after_next_answer:
            break
    writer.close()


@pytest.mark.parametrize("pinned", [False, True])
async def test_an_idle_connection_the_server_closed_is_not_reused(pinned: bool) -> None:
    """The pools read a kept-alive connection's socket to tell whether the server has closed it
    (``QuickStream``): reused while it is open, replaced once the server closes it, never written to
    after its close (that request would fail)."""
    server = ClosingServer()
    listening = await asyncio.start_server(lambda r, w: _keep_alive_then_close(server, r, w), "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    host = NAME if pinned else "127.0.0.1"
    transport = ServiceTransport(resolve=resolving_to("127.0.0.1"), refuse=lambda address: False)
    async with listening, httpx.AsyncClient(transport=transport) as http:
        client = fhir_client(http, f"http://{host}:{port}/fhir", refuse_internal=pinned)
        assert (await client.search("conditions", "Condition")).complete
        assert (await client.search("conditions", "Condition")).complete
        assert server.connections == 1  # kept alive and reused
        server.close_after_next_answer = True
        assert (await client.search("conditions", "Condition")).complete
        await asyncio.sleep(0.05)  # the server's close reaches the client's socket
        fetched = await client.search("conditions", "Condition")
    assert fetched.complete, fetched.problems
    assert server.connections == 2 and len(server.requests) == 4
