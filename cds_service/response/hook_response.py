"""The order-sign response. (First cut: no cards; the cards/CRD work fills it in.)"""

from __future__ import annotations

from datetime import date
from typing import Any

from cds_service.evaluation import Evaluation
from cds_service.hooks.request import HookRequest
from cds_service.settings import Settings


def build_response(
    evaluation: Evaluation, request: HookRequest, *, settings: Settings, today: date
) -> dict[str, Any]:
    return {"cards": []}
