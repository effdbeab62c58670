"""The `cds-service` command line (CONTRACT §1): `serve` and `evaluate`."""

from __future__ import annotations

import argparse
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
    from cds_service.report import evaluate_file
    from cds_service.settings import get_settings

    print(evaluate_file(args.request, as_json=args.json, settings=get_settings(), today=args.today))
    return 0


if __name__ == "__main__":
    sys.exit(main())
