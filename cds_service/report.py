"""`cds-service evaluate`: evaluate one hook request file offline and print the determination (CONTRACT §4).
(First cut: prints the decisions only; the criteria-tree work renders the tree and the JSON.)"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import httpx
import orjson

from cds_service.evaluation import evaluate_hook
from cds_service.hooks.request import HookRequest
from cds_service.settings import Settings


def evaluate_file(path: Path, *, as_json: bool, settings: Settings, today: date | None = None) -> str:
    request = HookRequest.model_validate(orjson.loads(path.read_bytes()))

    async def run() -> list[str]:
        async with httpx.AsyncClient() as http:
            evaluation = await evaluate_hook(
                request, settings=settings, http=http, today=today or date.today()
            )
        return [f"{d.order}: {d.decision}" for d in evaluation.determinations]

    return "\n".join(asyncio.run(run()))
