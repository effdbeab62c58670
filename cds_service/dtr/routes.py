"""DTR documentation template endpoints (CONTRACT §6). (First cut: no routes yet.)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
