"""Writes the order-select and order-dispatch request fixtures around `dexrazoxane-full-prefetch.json`.

Run from the repository root: `.venv/bin/python fhir_fixtures/requests/make_workflow_requests.py`. The JSON
is committed; tests read the JSON, never this script. Each request is the order-sign fixture's session as an
EHR would send it at the other two moments of the order (tests/hooks/workflow.py builds them), valid or
broken in one way a client can get wrong; README.md beside this file lists them with the answer expected.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository root: tests.hooks.workflow

from tests.hooks.workflow import as_dispatch, as_select  # noqa: E402

BASE = json.loads((HERE / "dexrazoxane-full-prefetch.json").read_text())
ORDER = "MedicationRequest/mr-dxr-1"


def _write(name: str, body: dict[str, Any], instance: str) -> None:
    body["hookInstance"] = instance  # fixed, so the files do not change when written again
    (HERE / name).write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")


def _without_dose(body: dict[str, Any]) -> dict[str, Any]:
    """The dexrazoxane order as first selected: drug and schedule chosen, no dose entered yet."""
    changed = copy.deepcopy(body)
    for entry in changed["context"]["draftOrders"]["entry"]:
        for dosage in entry["resource"].get("dosageInstruction", []):
            dosage.pop("doseAndRate", None)
            dosage.pop("text", None)
    return changed


def main() -> None:
    select = as_select(BASE, selections=[ORDER])
    _write("order-select-dexrazoxane.json", select, "6f0c5a7e-2b1d-4c1e-9a51-000000000001")
    _write("order-select-no-dose-yet.json", as_select(_without_dose(BASE), selections=[ORDER]),
           "6f0c5a7e-2b1d-4c1e-9a51-000000000002")  # fmt: skip
    missing = copy.deepcopy(select)
    del missing["context"]["selections"]
    _write("order-select-missing-selections.json", missing, "6f0c5a7e-2b1d-4c1e-9a51-000000000003")
    _write("order-select-selection-not-in-draft-orders.json",
           as_select(BASE, selections=["MedicationRequest/mr-dxr-2"]), "6f0c5a7e-2b1d-4c1e-9a51-000000000004")  # fmt: skip

    dispatch = as_dispatch(BASE, advertised_only=True)
    _write("order-dispatch-dexrazoxane.json", dispatch, "6f0c5a7e-2b1d-4c1e-9a51-000000000011")
    unreadable = as_dispatch(BASE)
    unreadable["context"]["dispatchedOrders"] = ["MedicationRequest/mr-dxr-9"]
    for key in ("fhirServer", "fhirAuthorization"):
        unreadable.pop(key, None)
    _write("order-dispatch-order-not-readable.json", unreadable, "6f0c5a7e-2b1d-4c1e-9a51-000000000012")
    not_a_reference = as_dispatch(BASE)
    not_a_reference["context"]["dispatchedOrders"] = ["mr-dxr-1"]
    _write("order-dispatch-not-a-reference.json", not_a_reference, "6f0c5a7e-2b1d-4c1e-9a51-000000000013")


if __name__ == "__main__":
    main()
