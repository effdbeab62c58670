"""`cds-service dev-token`: a test client's JWT is accepted by a service configured with its JWK Set, its
keys are made once and reused, and the command refuses a production configuration."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import orjson
import pytest

from cds_service.auth.dev_client import DEV_ISSUER, JWKS_FILE, PRIVATE_KEY_FILE
from cds_service.cli import main
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import get_settings
from tests.conftest import ORDER_SIGN_EXAMPLE, ServeApp

BASE = "http://testserver"


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "CDS_AUTH_REQUIRED",
        "CDS_TRUSTED_ISSUERS",
        "CDS_PUBLIC_BASE_URL",
        "CDS_JWT_MAX_LIFETIME_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def dev_token(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    code = main(["dev-token", *args])
    out, err = capsys.readouterr()
    return code, out.strip(), err


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
async def test_its_token_is_accepted_by_a_service_configured_with_its_jwk_set(
    serve_app: ServeApp, make_settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], alg: str
) -> None:
    keys = tmp_path / "keys"
    service = f"{BASE}/cds-services/{SERVICE_ID}"
    code, discovery_token, err = dev_token(
        capsys, "--dir", str(keys), "--alg", alg, "--audience", f"{BASE}/cds-services"
    )
    assert code == 0
    # stderr says how to start the service trusting the key
    assert f'CDS_TRUSTED_ISSUERS=\'{{"{DEV_ISSUER}": "{keys / JWKS_FILE}"}}\'' in err
    _, hook_token, _ = dev_token(capsys, "--dir", str(keys), "--audience", service)
    settings = make_settings(
        auth_required=True, public_base_url=BASE, trusted_issuers={DEV_ISSUER: str(keys / JWKS_FILE)}
    )
    async with serve_app(settings) as client:
        discovery = await client.get("/cds-services", headers={"Authorization": f"Bearer {discovery_token}"})
        hook = await client.post(
            f"/cds-services/{SERVICE_ID}",
            content=ORDER_SIGN_EXAMPLE.read_bytes(),
            headers={"Authorization": f"Bearer {hook_token}"},
        )
        replayed = await client.get("/cds-services", headers={"Authorization": f"Bearer {discovery_token}"})
        unsigned = await client.get("/cds-services")
    assert discovery.status_code == 200 and hook.status_code == 200
    assert replayed.status_code == 401 and unsigned.status_code == 401  # a token is good for one call
    header = jwt.get_unverified_header(hook_token)
    claims = jwt.decode(hook_token, options={"verify_signature": False})
    assert header["alg"] == alg and header["typ"] == "JWT" and header["kid"]
    assert set(claims) == {"iss", "sub", "aud", "exp", "iat", "jti"}
    assert claims["aud"] == service and claims["exp"] - claims["iat"] == 300


def test_the_keys_are_made_once_the_private_key_for_its_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    first = dev_token(capsys, "--dir", str(keys))
    jwks = (keys / JWKS_FILE).read_text()
    second = dev_token(capsys, "--dir", str(keys), "--alg", "RS384")  # an existing key is reused as it is
    assert first[0] == second[0] == 0
    assert "ES384 key made" in first[2] and "ES384 key reused" in second[2]
    assert (keys / JWKS_FILE).read_text() == jwks
    assert first[1] != second[1]  # a fresh jti, a fresh token
    assert stat.S_IMODE((keys / PRIVATE_KEY_FILE).stat().st_mode) == 0o600
    (key,) = json.loads(jwks)["keys"]
    assert "d" not in key and key["kid"] == jwt.get_unverified_header(second[1])["kid"]
    # The default audience: the order-sign service under CDS_PUBLIC_BASE_URL.
    assert orjson.loads(jwt.utils.base64url_decode(first[1].split(".")[1]))["aud"] == (
        f"http://127.0.0.1:8080/cds-services/{SERVICE_ID}"
    )


@pytest.mark.parametrize(
    ("issuers", "why"),
    [
        ({"https://ehr.example.org": "https://ehr.example.org/jwks.json"}, "trusts https://ehr.example.org"),
        ({DEV_ISSUER: "elsewhere/jwks.json"}, "another JWK Set"),
    ],
)
def test_it_refuses_a_production_configuration_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    issuers: dict[str, str],
    why: str,
) -> None:
    monkeypatch.setenv("CDS_AUTH_REQUIRED", "true")
    monkeypatch.setenv("CDS_TRUSTED_ISSUERS", json.dumps(issuers))
    code, out, err = dev_token(capsys, "--dir", str(tmp_path / "keys"))
    assert code == 2 and out == ""
    assert err.startswith("cds-service dev-token: refused, a production configuration:") and why in err
    assert not (tmp_path / "keys").exists()


def test_with_authentication_on_trusting_only_this_client_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys"
    monkeypatch.setenv("CDS_AUTH_REQUIRED", "true")
    monkeypatch.setenv("CDS_TRUSTED_ISSUERS", json.dumps({DEV_ISSUER: str(keys / JWKS_FILE)}))
    assert dev_token(capsys, "--dir", str(keys))[0] == 0


def test_a_lifetime_the_service_would_refuse_is_refused_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = dev_token(capsys, "--dir", str(tmp_path / "keys"), "--lifetime", "7200")
    assert code == 2 and out == "" and "CDS_JWT_MAX_LIFETIME_SECONDS" in err
