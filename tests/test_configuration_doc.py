"""docs/configuration.md lists every setting the service reads, in the order of ``Settings``, with its
environment variable and default: a setting added, removed, renamed or given another default without the
table following fails here. The third column (what the setting is for) is prose, checked only for being
there."""

from __future__ import annotations

import json
import re

from cds_service.settings import Settings
from tests.conftest import REPO_ROOT

PAGE = REPO_ROOT / "docs" / "configuration.md"
TABLE = re.compile(
    r"<!-- settings-table: cds_service\.settings\.Settings -->\n(?P<table>.*?)<!-- /settings-table -->", re.S
)


def shown(value: object) -> str:
    """A default as the table writes it: JSON for lists and maps, lower-case booleans, unset for None."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list | dict):
        return f"`{json.dumps(value, separators=(',', ':')).replace(',', ', ')}`"
    return f"`{value}`"


def expected_rows() -> list[tuple[str, str]]:
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
        rows.append((f"`CDS_{name.upper()}`", shown(default)))
    return rows


def documented_rows() -> list[tuple[str, str, str]]:
    found = TABLE.search(PAGE.read_text())
    assert found, "docs/configuration.md lost its marked settings table"
    lines = found["table"].strip().splitlines()
    assert lines[0] == "| variable | default | what it is for |"
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        assert len(cells) == 3, line
        rows.append((cells[0], cells[1], cells[2]))
    return rows


def test_every_setting_is_documented_with_its_variable_and_default() -> None:
    assert [(variable, default) for variable, default, _ in documented_rows()] == expected_rows()


def test_every_setting_says_what_it_is_for() -> None:
    assert all(len(purpose) > 20 for _, _, purpose in documented_rows())
