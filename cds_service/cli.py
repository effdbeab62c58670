"""The `cds-service` command line (CONTRACT §1): `serve` and `evaluate`."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import date
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cds-service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the CDS Hooks endpoints")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    evaluate = commands.add_parser("evaluate", help="evaluate one hook request file offline")
    evaluate.add_argument("request", type=Path, help="a CDS Hooks order-sign request (JSON)")
    evaluate.add_argument("--json", action="store_true", help="print the determination as JSON (CONTRACT §4)")
    evaluate.add_argument(
        "--today", type=date.fromisoformat, default=None, help="evaluate as of this date (YYYY-MM-DD)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        import uvicorn

        uvicorn.run("cds_service.app:create_app", factory=True, host=args.host, port=args.port)
        return 0
    return _evaluate(args.request, as_json=args.json, today=args.today)


def _evaluate(path: Path, *, as_json: bool, today: date | None) -> int:
    """Exit 0 with the determinations on stdout; 2 with one line on stderr for a file that is not a
    readable hook request; 1 for a request whose data could not be gathered."""
    from cds_service.errors import ServiceError
    from cds_service.report import RequestFileError, evaluate_path, no_dexrazoxane_message, render
    from cds_service.settings import get_settings

    try:
        result = evaluate_path(path, settings=get_settings(), today=today or date.today())
    except RequestFileError as error:
        print(f"cds-service evaluate: {error}", file=sys.stderr)
        return 2
    except ServiceError as error:
        print(f"cds-service evaluate: {path}: {error.message}", file=sys.stderr)
        return 1
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
