"""The `cds-service` command line: `serve`, `evaluate`, `migrate` and `dev-token`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cds_service.settings import Settings
    from cds_service.store.protocol import SchemaMigration


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cds-service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the CDS Hooks endpoints")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="worker processes (uvicorn workers); /metrics on any of them reports the sum of all",
    )
    commands.add_parser("migrate", help="bring the store's schema to the latest migration, then exit")
    evaluate = commands.add_parser(
        "evaluate",
        help="evaluate one hook request file (no service needed) and print the determination",
        description="Evaluates one order-sign request file as the service would and prints the "
        "determination. By default what the file's prefetch lacks is read from its fhirServer, as the "
        "service reads it; with --offline nothing is read from any network.",
    )
    evaluate.add_argument("request", type=Path, help="a CDS Hooks order-sign request (JSON)")
    evaluate.add_argument(
        "--offline",
        action="store_true",
        help="make no network connection: the file's fhirServer is not queried, and what its prefetch lacks "
        "is not read (not shown, named in the output); a key the decision cannot do without exits 1 "
        "(default: read it from fhirServer)",
    )
    evaluate.add_argument(
        "--json", action="store_true", help="print the determination as JSON (docs/determination.md)"
    )
    evaluate.add_argument(
        "--today", type=date.fromisoformat, default=None, help="evaluate as of this date (YYYY-MM-DD)"
    )
    dev_token = commands.add_parser(
        "dev-token",
        help="for local testing: print a signed CDS client JWT (makes the test client's key pair and JWK Set "
        "on first use); refuses to run against a production configuration",
        description="Prints on stdout a client JWT signed as CDS Hooks 2.0 asks (iss, sub, aud, exp, iat, "
        "jti; ES384 or RS384), for one call to --audience. The test client's private key and public JWK Set "
        "are files in --dir, made on first use and reused; start the service trusting the set (stderr says "
        "how). Refused when CDS_AUTH_REQUIRED is true and CDS_TRUSTED_ISSUERS trusts any other client: "
        "that is a production configuration.",
    )
    dev_token.add_argument(
        "--audience",
        default=None,
        help="the URL the token is for, exactly as called (default: the order-sign service under "
        "CDS_PUBLIC_BASE_URL); a token is good for one call",
    )
    dev_token.add_argument(
        "--dir", type=Path, default=None, help="folder of the test client's keys (default: var/dev-client)"
    )
    dev_token.add_argument(
        "--alg", choices=("ES384", "RS384"), default="ES384", help="algorithm of a new key (default: ES384)"
    )
    dev_token.add_argument(
        "--lifetime", type=_positive_int, default=None, help="seconds the token is valid (default: 300)"
    )
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args.host, args.port, args.workers)
    if args.command == "migrate":
        return _migrate()
    if args.command == "dev-token":
        return _dev_token(args.audience, args.dir, args.alg, args.lifetime)
    return _evaluate(args.request, as_json=args.json, today=args.today, offline=args.offline)


def _settings_or_exit() -> Settings:
    """The settings, or one line naming the CDS_* variable that is wrong (not a traceback)."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from cds_service.clinical.coverage import line_of_business_map_problem
    from cds_service.settings import get_settings

    try:
        settings = get_settings()
    except ValidationError as error:
        wrong = "; ".join(
            f"CDS_{'_'.join(str(part) for part in e['loc'][:1]).upper()}: {e['msg']}" for e in error.errors()
        )
        raise SystemExit(f"cds-service: invalid configuration: {wrong}") from None
    except SettingsError as error:
        # pydantic-settings names the field, not the variable: say which variable and what it expects
        raise SystemExit(
            f"cds-service: invalid configuration: {error} (lists and maps are JSON, e.g. "
            "CDS_CORS_ORIGINS='[\"https://sandbox.cds-hooks.org\"]')"
        ) from None
    # The domain reads the line-of-business map's values (settings keep them as written).
    problem = line_of_business_map_problem(settings.line_of_business_map)
    if problem is not None:
        raise SystemExit(f"cds-service: invalid configuration: CDS_LINE_OF_BUSINESS_MAP: {problem}")
    return settings


# An idle keep-alive connection is closed after this long (uvicorn's default, said here so it is one
# decision): an EHR that calls again within it reuses its connection; an idle one costs a socket no longer.
KEEP_ALIVE_SECONDS = 5


def _serve(host: str, port: int, workers: int = 1) -> int:
    import shutil

    import uvicorn

    from cds_service.metrics_exposition import prepare_multiprocess_dir

    # Without CDS_PUBLIC_BASE_URL the service is reached where it listens: the DTR canonical URLs and the
    # JWT audience follow --host/--port (0.0.0.0 listens everywhere; it is reached as 127.0.0.1 here).
    if "CDS_PUBLIC_BASE_URL" not in os.environ:
        reached_as = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a comparison
        os.environ["CDS_PUBLIC_BASE_URL"] = f"http://{reached_as}:{port}"
    # Decision processes (docs/operations.md "Isolation of decisions"): the cores this process may use, shared
    # by the workers, so N workers of N processes each never oversubscribe the machine; at least one each.
    if "CDS_DECISION_PROCESSES" not in os.environ:
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        os.environ["CDS_DECISION_PROCESSES"] = str(max(1, usable // workers))
    _settings_or_exit()
    # Several workers count into files that /metrics sums: the directory is named in the environment
    # before uvicorn spawns them (each imports prometheus-client afresh and reads it then).
    created = prepare_multiprocess_dir(workers)
    try:
        # uvicorn's own lines go through the service's JSON log handler (configure_logging), and the access
        # log is off: the service writes one hook_call line per call itself, without the client's address.
        # The HTTP protocol bounds what a client sends before its request starts (header deadline and size,
        # connections per worker: cds_service/server_protocol.py); the app bounds the body.
        uvicorn.run(
            "cds_service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
            http="cds_service.server_protocol:BoundedHttpToolsProtocol",
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
    finally:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
    return 0


def _migrate() -> int:
    """Exit 0 once the schema is current, saying what was applied (from which revision to which) or that
    nothing was; 1 with one line on stderr naming the cause when the database cannot be used."""
    import asyncio

    from cds_service.store.protocol import StoreUnavailable
    from cds_service.store.sql import SqlStore

    async def run() -> SchemaMigration:
        store = SqlStore.from_settings(settings)
        try:
            return await store.migrate()
        finally:
            await store.close()

    settings = _settings_or_exit()
    try:
        done = asyncio.run(run())
    except StoreUnavailable as error:
        print(f"cds-service: {error}", file=sys.stderr)
        return 1
    print(f"cds-service: {migration_report(done, _store_named(settings))}")
    return 0


def _store_named(settings: Settings) -> str:
    """Which database, without its user or password: the SQLite file, or PostgreSQL's host and name."""
    from cds_service.store.engine import database_url

    url = database_url(settings)
    if url.get_backend_name() == "sqlite":
        return f"the SQLite store {url.database}"
    where = f"{url.host}:{url.port}" if url.port else f"{url.host}"
    return f"the PostgreSQL database {url.database} on {where}"


def migration_report(done: SchemaMigration, store: str) -> str:
    if not done.applied:
        return f"{store} is already at revision {done.after}, the latest: nothing applied"
    start = f"revision {done.before}" if done.before else "an empty database (no schema)"
    applied = "; ".join(f"{revision} {description}".strip() for revision, description in done.applied)
    return f"{store} migrated from {start} to revision {done.after} (applied: {applied})"


def _dev_token(audience: str | None, directory: Path | None, alg: str, lifetime: int | None) -> int:
    """Exit 0 with the JWT on stdout (how to trust its key on stderr); 2 with one line on stderr when the
    configuration is a production one or the keys cannot be used."""
    from cds_service.auth.dev_client import (
        DEFAULT_DIR,
        DEFAULT_LIFETIME_SECONDS,
        DEV_ISSUER,
        JWKS_FILE,
        DevClientRefused,
        load_or_create,
        mint,
        production_configuration,
    )
    from cds_service.hooks.discovery import SERVICE_ID

    settings = _settings_or_exit()
    folder = directory or DEFAULT_DIR
    refusal = production_configuration(settings, folder / JWKS_FILE)
    if refusal is not None:
        print(f"cds-service dev-token: refused, a production configuration: {refusal}", file=sys.stderr)
        return 2
    seconds = lifetime or DEFAULT_LIFETIME_SECONDS
    if seconds > settings.jwt_max_lifetime_seconds:
        print(
            f"cds-service dev-token: --lifetime {seconds} is above CDS_JWT_MAX_LIFETIME_SECONDS "
            f"({settings.jwt_max_lifetime_seconds}): the service would refuse the token",
            file=sys.stderr,
        )
        return 2
    try:
        client, created = load_or_create(folder, alg=alg)
    except (DevClientRefused, OSError) as error:
        print(f"cds-service dev-token: {error}", file=sys.stderr)
        return 2
    target = audience or f"{settings.public_base_url}/cds-services/{SERVICE_ID}"
    print(mint(client, target, lifetime_seconds=seconds), flush=True)
    made = "made" if created else "reused"
    print(
        f"cds-service dev-token: {client.alg} key {made} in {folder}; a token for one call to {target}, "
        f"valid {seconds} s. Start the service trusting it with:\n"
        f'  CDS_AUTH_REQUIRED=true CDS_TRUSTED_ISSUERS=\'{{"{DEV_ISSUER}": "{client.jwks_path}"}}\'',
        file=sys.stderr,
    )
    return 0


def _evaluate(path: Path, *, as_json: bool, today: date | None, offline: bool = False) -> int:
    """Exit 0 with the determinations on stdout; 2 with one line on stderr for a file that is not a
    readable hook request; 1 for a request whose data could not be gathered."""
    import structlog

    from cds_service.errors import MissingData, ServiceError
    from cds_service.logging_setup import configure_logging
    from cds_service.report import RequestFileError, evaluate_path, no_dexrazoxane_message, render

    settings = _settings_or_exit()
    # stdout carries the determination only: what the service logs (a FHIR server's faults) goes to
    # stderr, warnings and worse, as JSON lines through the same field filter as the server's logs.
    # (The logging set-up is restored afterwards: ``main`` may run inside another program, as in the tests.)
    previous = structlog.get_config()
    configure_logging(logging.WARNING, stderr=True)
    try:
        result = evaluate_path(path, settings=settings, today=today or date.today(), offline=offline)
    except RequestFileError as error:
        print(f"cds-service evaluate: {error}", file=sys.stderr)
        return 2
    except ServiceError as error:
        print(f"cds-service evaluate: {path}: {error.message}", file=sys.stderr)
        if isinstance(error, MissingData) and offline:
            print(
                "cds-service evaluate: offline, so only the file is read: add the missing keys to its "
                "prefetch, or evaluate without --offline to read them from its fhirServer",
                file=sys.stderr,
            )
        elif isinstance(error, MissingData):
            print(
                "cds-service evaluate: add the missing keys to the file's prefetch, or give it a fhirServer "
                "with fhirAuthorization (an open test server: set CDS_ALLOW_UNAUTHENTICATED_FHIR=true)",
                file=sys.stderr,
            )
        return 1
    finally:
        structlog.configure(**previous)
    if as_json and result.offline_note:
        print(f"cds-service evaluate: {result.offline_note}", file=sys.stderr)
    if as_json and not result.determinations:
        print(no_dexrazoxane_message(result), file=sys.stderr)
    try:
        print(render(result, as_json=as_json), flush=True)
    except BrokenPipeError:
        # The reader stopped early (`| head`): not a failure. Point stdout at devnull so the
        # interpreter's own flush at exit does not raise again (Python docs, "Note on SIGPIPE").
        with contextlib.suppress(OSError, ValueError):
            stdout = sys.stdout.fileno()
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
