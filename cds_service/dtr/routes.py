"""DTR documentation template endpoints (docs/api.md "Endpoints", docs/response.md "Documentation template
(DTR)"): read the Questionnaire, and `$questionnaire-package` (type-level on Questionnaire per the DTR
OperationDefinition; also at the FHIR base, as the DTR narrative writes it). Errors are `cds_service.errors`
classes: the app answers them with an OperationOutcome.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cds_service.auth.dependency import client_of
from cds_service.deps import AUTHENTICATED, SettingsDep, StoreDep
from cds_service.dtr.package import parse_package_request, questionnaire_package
from cds_service.dtr.questionnaire import QUESTIONNAIRE_ID, questionnaire
from cds_service.errors import InvalidRequest, NotFound, clip
from cds_service.settings import Settings
from cds_service.store.protocol import Store, StoreUnavailable
from cds_service.store.records import DeterminationRecord

log = structlog.get_logger("cds_service.dtr")

FHIR_JSON = "application/fhir+json"

# DTR is reached with the same client JWT as the CDS Hooks routes when CDS_AUTH_REQUIRED is true (the
# pre-filled QuestionnaireResponse carries patient data); `aud` is CDS_PUBLIC_BASE_URL + the path called.
PACKAGE_OPERATION = "$questionnaire-package"
OTHER_METHODS = ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]

router = APIRouter(prefix="/fhir", tags=["DTR"], dependencies=[AUTHENTICATED])


async def stored_determination(store: Store, context: str | None) -> DeterminationRecord | None:
    """What the store holds under the package's `context`; with the store down, nothing (the package is
    still answered, unfilled: the clinician can type the answers) and the failure is logged."""
    if context is None:
        return None
    try:
        return await store.determination(context, now=datetime.now(UTC))
    except StoreUnavailable as error:
        log.error("prefill_not_read", error=str(error))
        return None


def _fhir(resource: dict[str, Any]) -> Response:
    return Response(content=orjson.dumps(resource), media_type=FHIR_JSON)


def _questionnaire(settings: Settings) -> dict[str, Any]:
    return questionnaire(public_base_url=settings.public_base_url, publisher=settings.health_plan_name)


@router.post("/Questionnaire/$questionnaire-package")
@router.post("/$questionnaire-package")
async def package(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as error:
        raise InvalidRequest("the body is not JSON") from error
    package_request = parse_package_request(body)
    parameters = questionnaire_package(
        package_request,
        questionnaire=_questionnaire(settings),
        stored=await stored_determination(store, package_request.context),
        now=datetime.now(UTC),
        client=client_of(request),
    )
    return _fhir(parameters)


# Any other method on the operation's URLs: 405 naming the one it has. Routes are matched in order: the
# operation's POST first (so a method listed nowhere gets `Allow: POST`), then these, then the read route
# (which would otherwise take GET and OPTIONS on /Questionnaire/$questionnaire-package and say `Allow: GET`).
@router.api_route(
    f"/Questionnaire/{PACKAGE_OPERATION}",
    methods=OTHER_METHODS,
    include_in_schema=False,
)
@router.api_route(f"/{PACKAGE_OPERATION}", methods=OTHER_METHODS, include_in_schema=False)
async def package_other_method() -> Response:
    raise StarletteHTTPException(405, headers={"Allow": "POST"})


@router.get("/Questionnaire/{questionnaire_id}")
async def read_questionnaire(questionnaire_id: str, settings: SettingsDep) -> Response:
    if questionnaire_id != QUESTIONNAIRE_ID:
        raise NotFound(
            f"Questionnaire/{clip(questionnaire_id)} is not known here", expression=("Questionnaire.id",)
        )
    return _fhir(_questionnaire(settings))
