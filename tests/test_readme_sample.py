"""The samples in the documentation are what the service prints and answers, so a change of wording or of
a decision cannot leave a stale sample behind:

- every block marked ``<!-- evaluate-output: ARGS -->`` in README.md and docs/*.md is compared with
  ``cds-service evaluate ARGS``;
- every block marked ``<!-- hook-response: SCENARIO -->`` is an abridged order-sign answer: the tester's
  scenario (moved to today) is posted to the running app as the README's commands do, and every key the
  block shows must be in the answer with the value shown (lists: the items shown, in order), dates and
  the deployment's ids aside."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from cds_service.cli import main
from cds_service.settings import Settings
from tests.conftest import REPO_ROOT, ServeApp

MARKED = re.compile(r"<!-- evaluate-output: (?P<args>[^>]*?) -->\n```text\n(?P<output>.*?)```", re.DOTALL)
PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def samples() -> list[tuple[str, str, str]]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in MARKED.finditer(text):
            found.append((str(page.relative_to(REPO_ROOT)), match["args"], match["output"]))
    return found


def test_each_evaluate_sample_shows_its_command() -> None:
    assert samples(), "the docs lost their marked samples of cds-service evaluate"
    for page, args, _ in samples():
        assert (
            f".venv/bin/cds-service evaluate {args}\n" in (REPO_ROOT / page).read_text()
        )  # what a reader copies


@pytest.mark.parametrize(("page", "args", "output"), samples(), ids=[f"{p}: {a}" for p, a, _ in samples()])
def test_each_sample_is_exactly_what_the_command_prints(
    page: str, args: str, output: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)  # the sample's paths are relative to the repository
    assert Path(shlex.split(args)[0]).is_file()
    assert main(["evaluate", *shlex.split(args)]) == 0
    assert capsys.readouterr().out == output


RESPONSE = re.compile(r"<!-- hook-response: (?P<scenario>[^ ]+) -->\n```json\n(?P<shown>.*?)```", re.DOTALL)
# What differs from one day or one deployment to the next: dates, and the ids derived from the deployment's
# secret (coverage-assertion-id, satisfied-pa-id).
VARIES = [
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "DATE"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "UUID"),
    (re.compile(r"CP418-[0-9A-F]+"), "PA-ID"),
]


def same_text(shown: str, answered: str) -> bool:
    for pattern, placeholder in VARIES:
        shown, answered = pattern.sub(placeholder, shown), pattern.sub(placeholder, answered)
    return shown == answered


def shown_in(shown: object, answered: object) -> bool:
    """Whether ``shown`` is an abridgement of ``answered``: each key with a value shown in it, each list's
    items shown in it in the same order (others may come between)."""
    if isinstance(shown, dict):
        return isinstance(answered, dict) and all(
            k in answered and shown_in(v, answered[k]) for k, v in shown.items()
        )
    if isinstance(shown, list):
        if not isinstance(answered, list):
            return False
        rest = iter(answered)
        return all(any(shown_in(item, candidate) for candidate in rest) for item in shown)
    if isinstance(shown, str):
        return isinstance(answered, str) and same_text(shown, answered)
    return shown == answered


def test_the_readme_shows_an_answer_of_the_service() -> None:
    assert [m["scenario"] for m in RESPONSE.finditer((REPO_ROOT / "README.md").read_text())]


@pytest.mark.parametrize(
    ("page", "scenario", "shown"),
    [
        (str(page.relative_to(REPO_ROOT)), m["scenario"], m["shown"])
        for page in PAGES
        for m in RESPONSE.finditer(page.read_text())
    ],
)
async def test_each_answer_sample_is_an_abridgement_of_what_the_service_answers(
    page: str, scenario: str, shown: str, serve_app: ServeApp, make_settings: Callable[..., Settings]
) -> None:
    text = (REPO_ROOT / page).read_text()
    assert f"/tester/scenarios/{scenario} > request.json" in text  # the commands a reader copies
    async with serve_app(make_settings()) as client:
        request = (await client.get(f"/tester/scenarios/{scenario}")).json()
        answered = await client.post("/cds-services/dexrazoxane-order-sign", json=request)
    assert answered.status_code == 200
    assert shown_in(json.loads(shown), answered.json()), json.dumps(answered.json(), indent=1)[:4000]


def test_an_abridgement_is_checked_key_by_key() -> None:
    answered = {"cards": [{"summary": "approved through 2027-02-07", "indicator": "info"}, {"summary": "b"}]}
    assert shown_in({"cards": [{"summary": "approved through 2030-01-01"}]}, answered)
    assert not shown_in({"cards": [{"summary": "denied"}]}, answered)
    assert not shown_in({"cards": [{"summary": "b"}, {"indicator": "info"}]}, answered)  # order kept
    assert not shown_in({"systemActions": []}, answered)
