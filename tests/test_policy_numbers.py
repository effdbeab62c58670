"""Every policy number is defined once, in ``cds_service/thresholds.py``.

A second definition is what this finds: a module-level constant outside ``thresholds.py`` whose name says
it is a policy number (an age, a course, a ratio, a cap, a dose, an approval) and whose value is one of the
numbers ``thresholds.py`` defines. Such a copy is how "18" and "3 days" came to live in three places; a
module that needs the number imports it (``ADULT_HEIGHT_AGE = int(ADULT_AGE.value)`` is an import, not a
literal, and passes).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cds_service import thresholds as t

PACKAGE = Path(__file__).resolve().parents[1] / "cds_service"
HOME = PACKAGE / "thresholds.py"
POLICY_NAME = re.compile(r"AGE|COURSE|RATIO|CAP|DOSE|APPROVAL")


def policy_numbers() -> set[float]:
    thresholds = [value for value in vars(t).values() if isinstance(value, t.Threshold)]
    thresholds += list(t.EXTRAVASATION_DAILY_CAP_MG.values())
    return {float(threshold.value) for threshold in thresholds} | {
        float(t.EXTRAVASATION_COURSE_DAYS),
        float(t.CARDIOPROTECTION_APPROVAL_MONTHS),
    }


def second_definitions(source: str, numbers: set[float]) -> list[str]:
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if not isinstance(value, ast.Constant) or isinstance(value.value, bool):
            continue
        if not isinstance(value.value, int | float) or float(value.value) not in numbers:
            continue
        found += [
            f"{target.id} = {value.value}"
            for target in targets
            if isinstance(target, ast.Name) and POLICY_NAME.search(target.id)
        ]
    return found


def test_the_finder_sees_a_copy() -> None:
    numbers = policy_numbers()
    assert second_definitions("COURSE_DAYS = 3\nADULT_HEIGHT_AGE: int = 18\n", numbers) == [
        "COURSE_DAYS = 3",
        "ADULT_HEIGHT_AGE = 18",
    ]
    assert second_definitions("COURSE_DAYS = EXTRAVASATION_COURSE_DAYS\nMAX_ITEMS = 18\n", numbers) == []


def test_no_policy_number_is_defined_twice() -> None:
    numbers = policy_numbers()
    copies = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != HOME and (found := second_definitions(path.read_text(), numbers))
    }
    assert not copies, f"import these from cds_service.thresholds instead: {copies}"
