"""The tester page (`GET /tester`) and its development-only endpoints.

A tester signs a dexrazoxane order in a browser and sees what an EHR would show: the page is
plain HTML, CSS and JavaScript shipped in the package (no build step); it calls the service's own hook,
feedback and DTR endpoints. Two helpers exist only for it:

- ``GET /tester/scenarios`` and ``GET /tester/scenarios/{folder}/{name}``: the fixture requests, with the
  decision expected beside each, moved to today (``scenarios``);
- ``POST /tester/answer``: what the page shows after it fires a hook, from one evaluation: the answer of
  the hook the posted request names (order-select, order-sign or order-dispatch: the same evaluation and
  responder as its service, in a decision process when the service has them, recording as it records) with
  the determinations behind it (docs/determination.md), so the FHIR server is read once per hook fired, not
  once for the cards and again for the criteria;
- ``POST /tester/determination``: the determination JSON (docs/determination.md) of a posted hook
  request (any of the three hooks), through the same parsing and evaluation as the hook (the whole
  criteria tree, every reference).

The app mounts these routes only when authentication is off or ``CDS_TESTER_ENABLED`` is true (``app``).
The page and its files are static and carry no data; the data endpoints need the same client JWT as the
hook when authentication is on.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Final

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from cds_service.auth.dependency import client_of
from cds_service.deps import AUTHENTICATED, RuntimeDep
from cds_service.errors import NotFound
from cds_service.hooks.admission import HookDeadline
from cds_service.hooks.decision import Answer, decide_within, store_records
from cds_service.tester.scenarios import find_scenario, list_scenarios, scenario_request

# The page's files: name -> media type. Nothing else under /tester/static is served.
STATIC_FILES: Final[dict[str, str]] = {
    "tester.css": "text/css; charset=utf-8",
    "tester.js": "text/javascript; charset=utf-8",
    "markdown.js": "text/javascript; charset=utf-8",
}
# The page runs only its own files and talks only to this service: card text rendered from Markdown can
# never load or run anything else, even if the renderer let markup through.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_PAGE_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

page_router = APIRouter(include_in_schema=False)
data_router = APIRouter(prefix="/tester", include_in_schema=False, dependencies=[AUTHENTICATED])


def _static(name: str) -> bytes:
    return resources.files("cds_service.tester").joinpath("static", name).read_bytes()


def _json(content: object) -> Response:
    return _answered(orjson.dumps(content))


def _answered(body: bytes) -> Response:
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@page_router.get("/tester")
async def tester_page() -> Response:
    return Response(_static("index.html"), media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


@page_router.get("/tester/static/{name}")
async def tester_static(name: str) -> Response:
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise NotFound("No such file of the tester page")
    return Response(_static(name), media_type=media_type, headers=_PAGE_HEADERS)


@data_router.get("/scenarios")
async def scenarios() -> Response:
    return _json([{"name": s.name, "expected": s.expected} for s in list_scenarios()])


@data_router.get("/scenarios/{folder}/{name}")
async def scenario(folder: str, name: str) -> Response:
    found = find_scenario(f"{folder}/{name}")
    if found is None:
        raise NotFound("No such scenario; see GET /tester/scenarios")
    # The service decides as of the server's date: the scenario is moved to that date.
    return _json(scenario_request(found, today=date.today()))


@data_router.post("/determination")
async def determination(request: Request, runtime: RuntimeDep) -> Response:
    """The determinations (docs/determination.md) of a posted order-select, order-sign or order-dispatch
    request (the hook its body names): what the hook decides, in full."""
    # Admitted and bounded like the hooks themselves: the page calls this after every hook it fires, and it
    # must not starve the hook services of their slots (hooks/admission.py).
    with runtime.admission.admit():
        deadline = HookDeadline(runtime.settings.hook_deadline_seconds)
        decided = await decide_within(
            deadline,
            request.body,
            settings=runtime.settings,
            http=runtime.http(),
            pool=runtime.decisions,
            store=runtime.store,
            today=date.today(),
            answer=Answer.DETERMINATIONS,
        )
        deadline.check("rendering")
        return _answered(decided.body)


@data_router.post("/answer")
async def answer(request: Request, runtime: RuntimeDep) -> Response:
    """The answer of the hook a posted request names and the determinations it rests on, from one
    evaluation: ``{"response": <the CDS Hooks response>, "determinations": [<determination JSON>, ...]}``,
    recorded as the hook records (its service's decision path, ``hooks.decision.decide_within``)."""
    # Admitted and bounded like the hooks themselves (hooks/admission.py).
    with runtime.admission.admit():
        deadline = HookDeadline(runtime.settings.hook_deadline_seconds)
        decided = await decide_within(
            deadline,
            request.body,
            settings=runtime.settings,
            http=runtime.http(),
            pool=runtime.decisions,
            store=runtime.store,
            today=date.today(),
            client=client_of(request),
            answer=Answer.WITH_DETERMINATIONS,
        )
        deadline.check("storing")
        await store_records(runtime.store, decided)
    return _answered(decided.body)
