"""`cds-service evaluate`: evaluate one hook request file, print its determinations (docs/determination.md).

By default what the prefetch lacks is fetched from the request's ``fhirServer`` by the orchestrator, as in
the service. ``offline``: no HTTP client exists at all, so nothing is read from anywhere but the file; what
the request's ``fhirServer`` would have answered is *not read* (unknown, named in the output), a required
key a 412 (``fhir.gather``).

The file is read with the service's own request parser (``hooks.parse``), so the command refuses exactly the
requests the endpoint answers 400, in the same words; a file that cannot be read or is refused raises
``RequestFileError`` with one line saying why, for the command line to print without a traceback. The
endpoint's body-size limit (413) is not applied: it guards a server against remote callers, and a file on
the user's own disk is no such threat.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import orjson

from cds_service.errors import InvalidRequest, clip
from cds_service.evaluation import evaluate_hook
from cds_service.fhir.transport import ServiceTransport
from cds_service.hooks.errors import MAX_TEXT_CHARS
from cds_service.hooks.parse import parse_hook_request
from cds_service.hooks.request import HookCall
from cds_service.log_context import hook_log_context
from cds_service.policy.determination import Determination
from cds_service.policy.render import determination_to_json, determination_to_text
from cds_service.settings import Settings


class RequestFileError(Exception):
    """The file cannot be read, or the service would refuse it as a request (400)."""


@dataclass(frozen=True)
class FileEvaluation:
    determinations: list[Determination]
    draft_orders: int  # how many draft orders the request carried (dexrazoxane or not)
    # Offline with a fhirServer named: said above the determinations (what it would have answered is
    # listed under each one's "Not read").
    offline_note: str = ""


OFFLINE_NOTE = (
    "Offline: the request's fhirServer was not queried; what its prefetch lacks is not read (not shown, "
    "listed under 'Not read')."
)


def load_request(path: Path) -> HookCall:
    """The request in the file, of whichever hook it names (order-select, order-sign, order-dispatch)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise RequestFileError(f"{path}: cannot read the file ({error.strerror or error})") from None
    try:
        return parse_hook_request(raw, None)
    except InvalidRequest as error:
        # The endpoint's OperationOutcome details.text, word for word (one line, bounded alike).
        raise RequestFileError(f"{path}: {clip(error.message, MAX_TEXT_CHARS)}") from None


def evaluate_path(path: Path, *, settings: Settings, today: date, offline: bool = False) -> FileEvaluation:
    request = load_request(path)
    source = request.source()

    async def run() -> FileEvaluation:
        # The lines logged meanwhile (a FHIR server's faults, on stderr) carry the request's hookInstance.
        with hook_log_context(request.hookInstance):
            if offline:
                evaluation = await evaluate_hook(source, settings=settings, http=None, today=today)
            else:
                # The service's own transport: a fhirServer's name is checked where it resolves
                # (fhir.transport).
                async with httpx.AsyncClient(transport=ServiceTransport()) as http:
                    evaluation = await evaluate_hook(source, settings=settings, http=http, today=today)
        note = OFFLINE_NOTE if offline and (source.server or "").strip() else ""
        return FileEvaluation(evaluation.determinations, len(evaluation.pool.draft_orders), note)

    return asyncio.run(run())


def no_dexrazoxane_message(result: FileEvaluation) -> str:
    return (
        f"No dexrazoxane order among the {result.draft_orders} draft order(s): nothing for CP.PHAR.418 "
        "to decide."
    )


def render(result: FileEvaluation, *, as_json: bool) -> str:
    """Text trees one after another, or JSON: one object for one order, a list for several (or none)."""
    if as_json:
        documents = [determination_to_json(d) for d in result.determinations]
        payload = documents[0] if len(documents) == 1 else documents
        return orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode()
    if not result.determinations:
        return "\n".join(filter(None, [result.offline_note, no_dexrazoxane_message(result)]))
    texts = [determination_to_text(d) for d in result.determinations]
    return "\n\n".join([result.offline_note, *texts] if result.offline_note else texts)


def evaluate_file(path: Path, *, as_json: bool, settings: Settings, today: date | None = None) -> str:
    return render(evaluate_path(path, settings=settings, today=today or date.today()), as_json=as_json)
