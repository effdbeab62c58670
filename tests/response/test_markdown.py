"""Chart text is literal inside card Markdown, whatever it holds: checked with a CommonMark renderer that lets
raw HTML through (markdown-it-py with ``html=True``, GFM tables and strikethrough on), as an EHR that
renders raw HTML in Markdown would."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from cds_service.response.markdown import escape_markdown

RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


class _Rendered(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def rendered(markdown: str) -> _Rendered:
    parsed = _Rendered()
    parsed.feed(RENDERER.render(markdown))
    parsed.close()
    return parsed


def as_shown(text: str) -> str:
    """What a reader should see: the text on one line, its ends stripped."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", text).strip().replace("\x00", "\ufffd")


HOSTILE = [
    '<img src=x onerror="alert(1)">',
    "Echo report <script>fetch('//evil')</script>",
    "**bold** _it_ `code` ~~gone~~ [link](https://evil.example) ![i](https://evil.example/x.png)",
    "# Heading\n- item\n> quote\n1. one\n\n<div>block</div>",
    "a | b\n--- | ---\nc | d",
    "&lt;img src=x onerror=alert(1)&gt; &#60;b&#62; &amp;",
    "<https://evil.example> <mailto:a@b.c>",
    "\\<img src=x onerror=alert(1)>",
    "    indented code",
    "```\nfence\n```",
    "- starts like a list",
    "2026. starts like an ordered list",
    "Centers for Medicare & Medicaid Services <payor>",
]


@given(st.text())
@example("")
def test_any_text_renders_as_itself_and_nothing_else(text: str) -> None:
    for hostile in [text, *HOSTILE]:
        shown = rendered(escape_markdown(hostile))
        assert set(shown.tags) <= {"p"}, (hostile, shown.tags)
        assert shown.text.strip("\n") == as_shown(hostile), hostile


@given(st.text())
def test_inside_a_card_line_the_text_is_one_literal_run(text: str) -> None:
    """Where card_detail puts a reason: after the criterion's bold id, before its bold outcome."""
    for hostile in [text, *HOSTILE]:
        shown = rendered(f"- **I.A.3.a** {escape_markdown(hostile)}: **met**")
        assert shown.tags == ["ul", "li", "strong", "strong"], (hostile, shown.tags)
        assert shown.text.strip("\n") == f"I.A.3.a {as_shown(hostile)}: met", hostile


def test_plain_words_stay_as_they_are() -> None:
    text = "Cumulative doxorubicin 300 mg/m² on 2026-07-30 (I.A.3.a; 6 doses)"
    assert escape_markdown(text) == text


def test_the_html_an_ehr_would_render_is_referenced() -> None:
    assert escape_markdown('<img src=x onerror="alert(1)">') == '&lt;img src=x onerror="alert(1)">'
    assert escape_markdown("> a quote") == "\\> a quote"
    assert escape_markdown("ratio 10.2:1 > 10:1") == "ratio 10.2:1 > 10:1"
