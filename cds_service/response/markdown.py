"""Text that is not Markdown, made literal inside a card's Markdown ``detail`` (CDS Hooks 2.0 Card.detail is
GitHub Flavored Markdown).

Chart and request text reaches the cards: an attachment title or a payor's name quoted in a criterion's
reason, a dose note, the order's id. An EHR that renders Markdown with raw HTML allowed would render
``<img src=x onerror=...>`` from the record, and ``**``, ``[..](..)`` or a leading ``#`` would restyle the
card. ``escape_markdown`` is the one function every such text goes through, wherever a card's ``detail``
is built (``card_detail``, ``cards``, ``hook_response``). It makes any string literal text on one line:

- line breaks (CR, LF, VT, FF, NEL, U+2028, U+2029) and other control characters become spaces, and the
  ends are stripped: the text cannot open a block of its own (a heading, a list, an HTML block, a fence);
- ``&`` and ``<`` become character references: no HTML tag, autolink or entity of the record's choosing
  (CommonMark 0.31 §6.6 raw HTML, §6.5 autolinks, §2.5 entity references); a ``>`` without a ``<`` is
  text (``299 < 300`` and ``ratio > 10:1`` in the service's own reasons stay readable unrendered);
- the inline markers ``\\ ` * _ ~ [ ] |`` are backslash-escaped (§2.4: any ASCII punctuation may be):
  no emphasis, code span, link, image, strikethrough or table cell;
- a block marker at its start (``#``, ``>``, ``-``, ``+``, ``=``, or digits then ``.`` / ``)``) is
  escaped too, for text that lands at the start of a line.

Everything else is left as it is, so the text stays readable where an EHR shows Markdown unrendered.
Not neutralised: GFM's extended autolinks (a bare ``https://...`` or ``www.`` in the text becomes a link
to what the text shows). ``summary`` is plain text by the spec and is not escaped; no chart text enters it.
"""

from __future__ import annotations

import re

# Line breaks CommonMark or Unicode know, and the other C0/C1 control characters (tab included: a leading
# tab is an indented code block).
_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_REFERENCES = {"&": "&amp;", "<": "&lt;"}
_REFERENCED = re.compile("[&<]")
_INLINE_MARKERS = re.compile(r"([\\`*_~\[\]|])")
# At the start of a line: an ATX heading, a bullet, a setext underline, an ordered list item.
_LEADING_MARKER = re.compile(r"^(?:([#>+=-])|(\d{1,9})([.)]))")


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown text on one line (see the module docstring)."""
    one_line = _BREAKS_AND_CONTROLS.sub(" ", text).strip()
    referenced = _REFERENCED.sub(lambda match: _REFERENCES[match.group()], one_line)
    escaped = _INLINE_MARKERS.sub(r"\\\1", referenced)
    return _LEADING_MARKER.sub(_escape_leading, escaped, count=1)


def _escape_leading(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"
