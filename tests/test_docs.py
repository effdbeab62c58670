"""The documentation holds together and the repository stands alone.

- Every relative link and image in the tracked Markdown files (README.md, docs/, the READMEs of bench/ and
  fhir_fixtures/) points at a tracked file or folder, and every ``#anchor`` at a heading of its page, by
  GitHub's rules for heading anchors (lower case; punctuation other than ``-`` and ``_`` dropped; spaces
  become ``-``; a repeated heading gets ``-1``, ``-2``...).
- No tracked file cites a document that is not in the repository (the product contract, a developers'
  guide, the project's reference digests) or an issue number: comments cite the policy by its section ids
  and the docs by page and heading. The few words that merely look alike are allowed below, each with its
  reason.
- A comment that cites a docs page and heading (``docs/facts.md "Record integrity"``) names a heading that
  page has (its first words suffice).
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.conftest import REPO_ROOT

# What a checkout holds that is never tracked: the virtualenv, caches and build records the commands make.
_NEVER_TRACKED = {
    ".git",
    ".venv",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
}


@cache
def tracked() -> tuple[str, ...]:
    """The repository's files: git's list in a checkout; in a copy of the tracked files without git (as
    .ci/run tests), every file but what the commands make."""
    listed = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if listed.returncode == 0:
        return tuple(path for path in listed.stdout.splitlines() if (REPO_ROOT / path).is_file())
    return tuple(
        sorted(
            path.relative_to(REPO_ROOT).as_posix()
            for path in REPO_ROOT.rglob("*")
            if path.is_file()
            and not any(
                part in _NEVER_TRACKED or part.endswith(".egg-info")
                for part in path.relative_to(REPO_ROOT).parts
            )
        )
    )


MARKDOWN = [path for path in tracked() if path.endswith(".md")]
PARSER = MarkdownIt("commonmark").enable("table")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text (github-slugger): lower case, every character that is not a
    letter, a digit, a mark, ``_``, ``-`` or a space dropped, spaces turned into ``-``."""
    kept = "".join(
        char for char in heading.lower() if char in " -_" or unicodedata.category(char)[0] in "LNM"
    )
    return kept.replace(" ", "-")


def heading_text(inline: object) -> str:
    """A heading as GitHub renders it to text: code spans keep their content, markup is dropped."""
    parts = []
    for child in getattr(inline, "children", None) or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
    return "".join(parts)


@cache
def anchors(path: str) -> frozenset[str]:
    tokens = PARSER.parse((REPO_ROOT / path).read_text())
    seen: dict[str, int] = {}
    found = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = slug(heading_text(tokens[index + 1]))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


@cache
def headings(path: str) -> tuple[str, ...]:
    tokens = PARSER.parse((REPO_ROOT / path).read_text())
    return tuple(
        heading_text(tokens[index + 1]) for index, token in enumerate(tokens) if token.type == "heading_open"
    )


def links(path: str) -> list[str]:
    found = []
    stack = list(PARSER.parse((REPO_ROOT / path).read_text()))
    while stack:
        token = stack.pop()
        stack.extend(token.children or [])
        if token.type == "link_open":
            found.append(str(token.attrs["href"]))
        elif token.type == "image":
            found.append(str(token.attrs["src"]))
    return found


def test_slugs_follow_githubs_rules() -> None:
    assert slug("The store's migrations: cds-service migrate") == "the-stores-migrations-cds-service-migrate"
    assert (
        slug("Record integrity: the rules for messy records")
        == "record-integrity-the-rules-for-messy-records"
    )
    assert slug("Trying the service: the tester page, the CDS Hooks sandbox") == (
        "trying-the-service-the-tester-page-the-cds-hooks-sandbox"
    )
    assert slug("A criterion's outcome — met") == "a-criterions-outcome--met"


@pytest.mark.parametrize("page", MARKDOWN)
def test_every_relative_link_and_anchor_resolves(page: str) -> None:
    files = set(tracked())
    folders = {str(Path(path).parent) for path in files} | {"."}
    broken = []
    for href in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):  # http:, https:, mailto: ...: not ours to check
            continue
        target, _, anchor = href.partition("#")
        if target:
            resolved = (REPO_ROOT / Path(page).parent / target).resolve()
            try:
                relative = str(resolved.relative_to(REPO_ROOT))
            except ValueError:
                broken.append(f"{href}: outside the repository")
                continue
            if relative not in files and relative.rstrip("/") not in folders:
                broken.append(f"{href}: no such tracked file")
                continue
        else:
            relative = page
        if anchor and (not relative.endswith(".md") or anchor not in anchors(relative)):
            broken.append(f"{href}: no heading with that anchor in {relative}")
    assert not broken, "\n".join(broken)


def test_the_pages_have_links_to_check() -> None:
    # Guards against a parser that finds nothing: the README links every page of docs/.
    readme = links("README.md")
    assert {f"docs/{Path(page).name}" for page in MARKDOWN if page.startswith("docs/")} <= set(readme)


# What no tracked file may cite. Spelled in pieces so that this file does not cite them itself.
FORBIDDEN = {
    "the product contract": re.compile("CONT" + "RACT"),
    "a developers' guide": re.compile(r"DEVELOPERS" + r"\.md"),
    "an issue number": re.compile(r"\b[Ii]ssues?\s+#?[0-9]+|(?<![&\w])#[0-9]+\b"),
    "a reference digest": re.compile("refer" + r"ence/[\w-]+\.md|clinical" + "-codes"),
}
# Words that merely look alike, by file (a prefix of its path) and the text matched, each with its reason.
ALLOWED = {
    # The published CRD examples, copied unchanged: their narrative writes a code right after a link, as a
    # hash sign and the code.
    ("fhir_fixtures/spec/", "#"): "the published examples are kept byte for byte",
    # A binary file: its bytes may spell anything.
    ("docs/tester.png", ""): "an image",
}
NOT_TEXT = (".png", ".jpg", ".ico", ".woff2")


def allowed(path: str, matched: str) -> bool:
    return any(path.startswith(prefix) and matched.startswith(start) for prefix, start in ALLOWED)


def test_no_tracked_file_cites_what_is_not_in_the_repository() -> None:
    found = []
    for path in tracked():
        if path.endswith(NOT_TEXT):
            continue
        for number, line in enumerate((REPO_ROOT / path).read_text(errors="replace").splitlines(), start=1):
            for what, pattern in FORBIDDEN.items():
                for match in pattern.finditer(line):
                    if not allowed(path, match.group()):
                        found.append(f"{path}:{number}: {what}: {line.strip()[:120]}")
    assert not found, "\n".join(found)


# A docs page and heading cited in a comment, as docs/PAGE.md and the heading in double quotes (a quoted
# heading may wrap onto the next comment line).
CITED = re.compile(r'docs/(?P<page>[a-z-]+\.md),? "(?P<heading>[^"]+)"')


def test_every_docs_heading_a_comment_cites_exists() -> None:
    missing = []
    for path in tracked():
        if not path.endswith((".py", ".yaml", ".html", ".js", ".md")) or path.startswith("docs/"):
            continue
        text = (REPO_ROOT / path).read_text()
        # Join a quoted heading that a comment or docstring wraps over two lines.
        text = re.sub(r"\n\s*(?:#\s*)?", " ", text)
        for match in CITED.finditer(text):
            page, cited = f"docs/{match['page']}", match["heading"].strip()
            if (REPO_ROOT / page).is_file() and (
                any(h.startswith(cited) for h in headings(page))
                or f"**{cited}" in (REPO_ROOT / page).read_text()
            ):
                continue  # a heading, or a rule the page names in bold (the rules of "Record integrity")
            missing.append(f'{path}: {page} "{cited}"')
    assert not missing, "\n".join(sorted(set(missing)))


def test_the_readme_stays_short() -> None:
    # It gets a newcomer to a signed order and says where to read on; the rest lives in docs/.
    assert len((REPO_ROOT / "README.md").read_text().splitlines()) <= 250
