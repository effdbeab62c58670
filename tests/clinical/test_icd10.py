"""ICD-10-CM and WHO ICD-10 lookups, and the committed table against the maintained packages it is
written from (scripts/make_icd10_table.py --check, in its own process: importing simple-icd-10-cm
parses its whole tabular)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cds_service.clinical import code_systems as cs
from cds_service.clinical import icd10

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_table_is_what_the_pinned_packages_give() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_icd10_table.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "simple-icd-10-cm" in icd10.source(cs.ICD10CM)
    assert "simple-icd-10" in icd10.source(cs.ICD10)


@pytest.mark.parametrize(
    ("system", "code", "valid", "neoplasm", "histology"),
    [
        (cs.ICD10CM, "C83.30", True, True, True),  # DLBCL: the type is the code
        (cs.ICD10CM, "C85.90", True, True, False),  # non-Hodgkin lymphoma, unspecified
        (cs.ICD10CM, "C96.9", True, True, False),
        (cs.ICD10CM, "C80.1", True, True, False),  # malignant (primary) neoplasm, unspecified
        (cs.ICD10CM, "c50911", True, True, False),  # a site: any case, with or without its dot
        (cs.ICD10CM, "C22.2", True, True, True),  # hepatoblastoma names its histology
        (cs.ICD10CM, "C50.9999", False, False, False),  # not a code of the classification
        (cs.ICD10CM, "I10", True, False, False),  # valid, and not a neoplasm
        (cs.ICD10CM, "XYZ", False, False, False),
        (cs.ICD10, "C91.0", True, True, True),  # WHO: acute lymphoblastic leukaemia
        (cs.ICD10, "C80.9", True, True, False),
    ],
)
def test_lookups(system: str, code: str, valid: bool, neoplasm: bool, histology: bool) -> None:
    found = icd10.lookup(system, code)
    assert (found.valid, found.neoplasm, found.names_histology) == (valid, neoplasm, histology)


def test_a_code_is_said_with_its_title() -> None:
    assert (
        icd10.lookup(cs.ICD10CM, "C801").said()
        == "ICD-10-CM C80.1 (Malignant (primary) neoplasm, unspecified)"
    )
    assert icd10.lookup(cs.ICD10CM, "x" * 40).valid is False  # a caller's long string: read, not cached
