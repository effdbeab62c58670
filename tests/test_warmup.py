from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
from cds_service import warmup
emitted = ["medicationrequest", "questionnaire", "questionnaireresponse", "bundle", "parameters"]
assert not any(f"fhir.resources.R4B.{m}" in sys.modules for m in emitted), "imported before warm-up"
warmup.warm_up_models()
missing = [m for m in emitted if f"fhir.resources.R4B.{m}" not in sys.modules]
assert not missing, missing
"""


def test_importing_is_cheap_and_warm_up_loads_the_models_the_service_emits() -> None:
    # A fresh interpreter: in this one, other tests have imported the models already.
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
