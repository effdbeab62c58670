"""The sample `cds-service evaluate` output in the documentation is what the command prints: every block
marked ``<!-- evaluate-output: ARGS -->`` in README.md and docs/*.md is compared with the command's output
for those arguments, so a change of wording or of a decision cannot leave a stale sample behind."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from cds_service.cli import main
from tests.conftest import REPO_ROOT

MARKED = re.compile(r"<!-- evaluate-output: (?P<args>[^>]*?) -->\n```text\n(?P<output>.*?)```", re.DOTALL)
PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


def samples() -> list[tuple[str, str, str]]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in MARKED.finditer(text):
            found.append((str(page.relative_to(REPO_ROOT)), match["args"], match["output"]))
    return found


def test_the_readme_holds_a_sample_and_shows_its_command() -> None:
    readme = [(args, output) for page, args, output in samples() if page == "README.md"]
    assert readme, "README.md lost its marked sample of cds-service evaluate"
    text = (REPO_ROOT / "README.md").read_text()
    for args, _ in readme:
        assert f".venv/bin/cds-service evaluate {args}\n" in text  # the command a reader copies


@pytest.mark.parametrize(("page", "args", "output"), samples(), ids=[f"{p}: {a}" for p, a, _ in samples()])
def test_each_sample_is_exactly_what_the_command_prints(
    page: str, args: str, output: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)  # the sample's paths are relative to the repository
    assert Path(shlex.split(args)[0]).is_file()
    assert main(["evaluate", *shlex.split(args)]) == 0
    assert capsys.readouterr().out == output
