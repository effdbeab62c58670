"""The repository stands alone: no code, test, benchmark or document reads or names a folder
beside the repository or a path of one machine. CI proves the reading side (.ci/run tests a lone copy);
this test keeps the naming side, which a lone copy would not notice in a docstring."""

from __future__ import annotations

from tests.conftest import REPO_ROOT

# Spelled in pieces so that this file does not name them itself.
FORBIDDEN = ("shared" + "/", "/" + "work/", "/" + "home/", "/" + "root/", "/" + "tmp/")
CHECKED = [
    *sorted((REPO_ROOT / "cds_service").rglob("*.py")),
    *sorted((REPO_ROOT / "tests").rglob("*.py")),
    *sorted((REPO_ROOT / "bench").rglob("*.py")),
    *sorted((REPO_ROOT / "docs").rglob("*.md")),
    REPO_ROOT / "README.md",
    REPO_ROOT / "fhir_fixtures" / "SOURCES.md",
    REPO_ROOT / "fhir_fixtures" / "requests" / "README.md",
]


def test_no_path_outside_the_repository_is_named() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in CHECKED
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if any(needle in line for needle in FORBIDDEN)
    ]
    assert not found, "\n".join(found)
    assert len(CHECKED) > 100  # the globs found the tree


def test_the_docs_the_readme_links_exist() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    for name in ("decisions", "facts", "prefetch", "determination"):
        assert f"(docs/{name}.md)" in readme
        assert (REPO_ROOT / "docs" / f"{name}.md").is_file()
