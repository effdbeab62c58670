"""Da Vinci CRD configuration options (CRD §dev-4..17). (First cut: none offered yet.)"""

from __future__ import annotations

from typing import Any

CONFIGURATION_OPTIONS: list[dict[str, Any]] = []
