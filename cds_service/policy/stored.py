"""A determination as the store keeps it: its JSON (``policy.render``, docs/determination.md) packed small,
and unpacked to the same JSON, key for key, for the claims API and order-dispatch's comparison.

A heavy patient's determination is mostly repetition: every criterion that rests on the doses lists the
same few hundred references (a 500-dose history: 240 KB of JSON, half of it six copies of one list), every
dose line repeats its eight keys, and every criterion repeats the policy's words. Packed:

- each criterion keeps its id, outcome, reason and children; its evidence is an index into a table of the
  distinct evidence lists (each list once, however many criteria rest on it); its text is left out when it
  is the policy's own words for that id (``cp_phar_418.POLICY``), which is always, unless a later version
  of the service words it otherwise;
- the dose lines (``facts.dose_lines``) are kept as columns (one list per key) in their place among the
  facts;
- everything else as rendered; the whole then compressed (zlib, its fastest level: the repetition left is
  what it removes best).

``unpack(pack(document)) == document`` for every determination, with the keys in the same order: what the
store answers is what was decided (tests/policy/test_stored.py; the fixtures' snapshot
scripts/determinations_snapshot.py compares the claims API's answer before and after).
"""

from __future__ import annotations

import zlib
from typing import Any

import orjson

from cds_service.policy.cp_phar_418 import POLICY
from cds_service.store.records import DeterminationRecord

# Bumped when the packed form changes; a blob of a version this code does not know is refused, never
# guessed at (``StoredFormatUnknown``).
FORMAT = 1
# zlib level 1: a 500-dose determination packs to about 8 KB in a fraction of a millisecond; level 6
# saves a fifth more bytes for four times the CPU.
_LEVEL = 1
_DOSE_LINES = "dose_lines"


class StoredFormatUnknown(ValueError):
    """A packed determination of a format this code cannot read (written by a newer version)."""


def _static_text(criterion_id: str) -> str | None:
    node = POLICY.index.get(criterion_id)
    return node.text if node is not None else None


class _Packer:
    def __init__(self) -> None:
        self.evidence: list[list[str]] = []
        self._index: dict[tuple[str, ...], int] = {}

    def evidence_index(self, evidence: list[str]) -> int:
        key = tuple(evidence)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.evidence)
            self.evidence.append(evidence)
        return index

    def node(self, node: dict[str, Any]) -> list[Any]:
        packed = [
            node["id"],
            node["outcome"],
            node["reason"],
            self.evidence_index(node["evidence"]),
            [self.node(child) for child in node["children"]],
        ]
        if node["text"] != _static_text(node["id"]):
            packed.append(node["text"])
        return packed


def _columns(lines: list[dict[str, Any]]) -> dict[str, Any]:
    keys = list(lines[0]) if lines else []
    width = len(keys)
    try:
        columns = [[line[key] for line in lines] for key in keys]
    except KeyError:  # never built so (every line has the same keys): kept whole rather than guessed
        return {"lines": lines}
    if any(len(line) != width for line in lines):
        return {"lines": lines}
    return {"keys": keys, "columns": columns}


def _lines(packed: dict[str, Any]) -> list[dict[str, Any]]:
    if "lines" in packed:
        return list(packed["lines"])
    keys = packed["keys"]
    return [dict(zip(keys, row, strict=True)) for row in zip(*packed["columns"], strict=True)]


def pack(document: dict[str, Any]) -> bytes:
    """The determination's JSON, packed (see the module docstring)."""
    packer = _Packer()
    packed: dict[str, Any] = {}
    for key, value in document.items():
        if key == "criteria" and value is not None:
            packed[key] = packer.node(value)
        elif key == "related":
            packed[key] = [packer.node(node) for node in value]
        elif key == "facts" and isinstance(value, dict) and _DOSE_LINES in value:
            packed[key] = {
                name: _columns(fact) if name == _DOSE_LINES else fact for name, fact in value.items()
            }
        else:
            packed[key] = value
    body = orjson.dumps({"format": FORMAT, "evidence": packer.evidence, "document": packed})
    return zlib.compress(body, _LEVEL)


def _unpack_node(node: list[Any], evidence: list[list[str]]) -> dict[str, Any]:
    criterion_id = node[0]
    text = node[5] if len(node) > 5 else _static_text(criterion_id)
    return {
        "id": criterion_id,
        "text": text,
        "outcome": node[1],
        "reason": node[2],
        "evidence": list(evidence[node[3]]),
        "children": [_unpack_node(child, evidence) for child in node[4]],
    }


def unpack(blob: bytes) -> dict[str, Any]:
    """The determination's JSON, as it was rendered when it was packed."""
    stored = orjson.loads(zlib.decompress(blob))
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise StoredFormatUnknown(f"a stored determination of format {stored.get('format')!r}")
    evidence = stored["evidence"]
    document: dict[str, Any] = {}
    for key, value in stored["document"].items():
        if key == "criteria" and value is not None:
            document[key] = _unpack_node(value, evidence)
        elif key == "related":
            document[key] = [_unpack_node(node, evidence) for node in value]
        elif key == "facts" and isinstance(value, dict) and _DOSE_LINES in value:
            document[key] = {
                name: _lines(fact) if name == _DOSE_LINES else fact for name, fact in value.items()
            }
        else:
            document[key] = value
    return document


def stored_document(record: DeterminationRecord) -> dict[str, Any]:
    """The JSON of a stored determination: unpacked (rows written since migration 0003), or as it was
    stored whole (rows written before)."""
    if record.packed is not None:
        return unpack(record.packed)
    return dict(record.determination or {})
