"""Imports point one way: edge -> evaluation -> domain -> settings/errors/metrics.

Every ``import`` of a ``cds_service`` module inside ``cds_service`` (top level, in functions and under
``TYPE_CHECKING`` alike) is read from the source with ``ast`` and checked against ``LAYERS``: a module may
import its own unit (the package or module it belongs to) and any unit on a lower layer, nothing on its
own layer or above. The finer layers inside the edge and the domain spell out the flow README describes:
the edge parses the wire, evaluation runs gather -> facts -> decide -> record -> respond.

``DEBTS`` lists, edge by edge, the upward imports the code still has: each with its remedy.
The list can only shrink: a new upward import fails ``test_no_import_points_upward``, and an entry that
no longer exists fails ``test_every_listed_debt_still_exists`` (delete it from the list).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = REPO_ROOT / "cds_service"

# Top to bottom. Each entry is a unit: a module or package prefix; the longest prefix names a module's
# unit. Units on one layer may not import each other (they are independent).
LAYERS: tuple[tuple[str, ...], ...] = (
    # edge: entry points
    ("cds_service.__main__",),
    ("cds_service.cli",),
    ("cds_service.app",),
    # what the decision processes' fork server imports and warms (named by app_state, never imported)
    ("cds_service.decision_preload",),
    (
        "cds_service.report",
        "cds_service.warmup",
        "cds_service.logging_setup",
        "cds_service.gc_tuning",
        "cds_service.claims_api",
        "cds_service.openapi",
        "cds_service.server_protocol",
    ),
    # edge: routes, then the FastAPI dependency reaching the runtime, then the runtime object
    ("cds_service.hooks.routes",),
    ("cds_service.dtr.routes", "cds_service.tester"),
    # the one way a handler reaches the runtime: FastAPI Depends aliases, the client-authentication guard
    ("cds_service.deps",),
    ("cds_service.app_state",),
    # edge: the CDS Hooks wire (request, parsing, discovery, feedback, errors) and client authentication
    ("cds_service.hooks", "cds_service.auth"),
    # decisions in processes the hook deadline can stop (generic: the job is named by the caller)
    ("cds_service.isolation",),
    # one hook end to end
    ("cds_service.evaluation", "cds_service.metrics_exposition"),
    # domain: respond, record (DTR), decide, facts, FHIR data
    ("cds_service.response",),
    ("cds_service.dtr",),
    # card and suggestion uuids the service recognises as its own (minted by the response, checked by
    # feedback), keyed like the coverage assertions
    ("cds_service.card_ids",),
    # the coverage assertion of each determination, computed once for the record and the response
    ("cds_service.assertion_ids",),
    ("cds_service.policy",),
    ("cds_service.clinical",),
    ("cds_service.fhir",),
    # storage: the SQL store behind its Protocol (plain records in, plain records out)
    ("cds_service.store",),
    # bottom: plain values and shared vocabulary
    (
        "cds_service.settings",
        "cds_service.errors",
        "cds_service.metrics",
        "cds_service.thresholds",
        "cds_service.log_context",
        "cds_service",
    ),
)

# Upward imports that remain (importer module, imported module), each a named debt.
# None is left: a new one would have to be listed here, with its remedy, to pass.
DEBTS: frozenset[tuple[str, str]] = frozenset()


def _unit_ranks() -> dict[str, tuple[int, str]]:
    return {unit: (rank, unit) for rank, layer in enumerate(LAYERS) for unit in layer}


def unit_of(module: str) -> str:
    units = _unit_ranks()
    candidate = module
    # The package itself (its __init__: the version) is a unit of its own, not a catch-all for new modules.
    while candidate not in units or (candidate == "cds_service" != module):
        if "." not in candidate:
            raise AssertionError(f"{module} is on no layer: add it to LAYERS in tests/test_layers.py")
        candidate = candidate.rsplit(".", 1)[0]
    return candidate


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The module an imported name lives in (``from cds_service.x import y``: ``y`` may be a module)."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names = [f"{source}.{alias.name}" for alias in node.names] or [source]
        else:
            continue
        found |= {_resolve(name, modules) for name in names if name.split(".")[0] == "cds_service"}
    return found - {module}


@functools.cache
def import_graph() -> frozenset[tuple[str, str]]:
    modules = package_modules()
    return frozenset(
        (module, imported)
        for module, path in modules.items()
        for imported in imports_of(module, path, modules)
    )


def upward_imports() -> set[tuple[str, str]]:
    ranks = _unit_ranks()
    upward = set()
    for importer, imported in import_graph():
        source, target = unit_of(importer), unit_of(imported)
        if source != target and ranks[target][0] <= ranks[source][0]:
            upward.add((importer, imported))
    return upward


def test_every_module_is_on_a_layer() -> None:
    for module in package_modules():
        unit_of(module)  # raises naming the module


def test_a_module_on_no_layer_is_named() -> None:
    with pytest.raises(AssertionError, match=r"cds_service\.newcomer is on no layer"):
        unit_of("cds_service.newcomer")


def test_the_graph_is_read() -> None:
    # The reader sees the imports docs/architecture.md's code map names (guards against a reader that finds
    # none).
    graph = import_graph()
    assert ("cds_service.hooks.decision", "cds_service.evaluation") in graph
    assert ("cds_service.policy.decide", "cds_service.clinical.facts") in graph
    assert ("cds_service.cli", "cds_service.report") in graph  # imported inside a function


def test_no_import_points_upward() -> None:
    new = sorted(upward_imports() - DEBTS)
    assert not new, "imports against the layers (importer -> imported), see LAYERS:\n" + "\n".join(
        f"  {importer} -> {imported}" for importer, imported in new
    )


def test_every_listed_debt_still_exists() -> None:
    paid = sorted(DEBTS - upward_imports())
    assert not paid, "no longer imported upward: delete from DEBTS:\n" + "\n".join(
        f"  {importer} -> {imported}" for importer, imported in paid
    )


def test_settings_import_nothing_of_the_domain() -> None:
    assert {imported for importer, imported in import_graph() if importer == "cds_service.settings"} == set()
