"""The store names why the database could not be used, from a fixed set of phrases, never the error's text
(which can hold the host, the user or the database name)."""

from __future__ import annotations

import socket
import ssl

import asyncpg
import pytest

from cds_service.store.failure import failure_cause


def raised(error: BaseException, *, within: BaseException) -> BaseException:
    """``within`` raised while handling ``error``, as a driver wraps a socket's error."""
    try:
        try:
            raise error
        except BaseException as inner:
            raise within from inner
    except BaseException as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (
            ConnectionError('PostgreSQL server at "db.internal:5432" rejected SSL upgrade'),
            "does not offer TLS",
        ),
        (ssl.SSLCertVerificationError("certificate verify failed: db.internal"), "certificate could not be"),
        (ssl.SSLError("wrong version number"), "TLS handshake"),
        (FileNotFoundError(2, "No such file", "secret-dir/db/ca.pem"), "TLS file"),
        (ConnectionRefusedError("Connect call failed ('10.0.0.5', 5432)"), "connection refused"),
        (socket.gaierror(-2, "Name or service not known"), "does not resolve"),
        (TimeoutError(), "CDS_STORE_TIMEOUT_SECONDS"),
        (asyncpg.exceptions.InvalidCatalogNameError('database "secret_db" does not exist'), "does not exist"),
        (asyncpg.exceptions.InvalidPasswordError('password failed for user "cds_admin"'), "user or password"),
        (
            asyncpg.exceptions.ClientConfigurationError(
                'root certificate file "secret-dir/ca.crt" does not exist'
            ),
            "sslrootcert",
        ),
    ],
)
def test_each_cause_is_named_through_the_chain_of_errors(error: BaseException, says: str) -> None:
    wrapped = raised(error, within=OSError("wrapper"))
    cause = failure_cause(wrapped)
    assert cause.startswith("OSError (") and says in cause
    for secret in ("db.internal", "10.0.0.5", "secret_db", "cds_admin", "secret-dir"):
        assert secret not in cause


def test_an_error_not_recognised_is_named_by_its_type_only() -> None:
    assert failure_cause(ValueError("postgresql://cds:pw@db/x")) == "ValueError"
