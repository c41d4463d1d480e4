"""The package's shape, checked: the model core imports no front end, modules stay small, the
top of the package stays short (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"
#: The model side: what computes a run (sim.MODEL_FOLDERS and MODEL_FILES, plus the helpers they use).
CORE = ("model", "channels", "scenario", "geography", "factions", "errors", "lazy")
FRONT_ENDS = ("cli", "api", "app", "render", "report", "sweep", "calibrate", "ema", "tuning", "run_outputs")
MAX_LINES = 400


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every sim.* module ``path`` imports, at the top or inside functions (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
            and ast.unparse(node.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"} for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("sim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _core_files() -> list[Path]:
    files = []
    for name in CORE:
        folder = SIM / name
        files += sorted(folder.rglob("*.py")) if folder.is_dir() else [SIM / f"{name}.py"]
    return files


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(SIM)))
def test_the_model_side_imports_no_front_end(path):
    bad = sorted(m for m in imports_of(path) if m.split(".")[1:2] and m.split(".")[1] in FRONT_ENDS)
    assert not bad, f"{path.relative_to(ROOT)} imports front ends: {bad}"


def test_the_model_core_does_not_import_the_scenario_loader_back_through_the_model():
    """sim.model may use the scenario (limits, catalog); the scenario package never imports sim.model."""
    for path in sorted((SIM / "scenario").rglob("*.py")):
        assert not [m for m in imports_of(path) if m.startswith("sim.model")], path


def test_no_module_is_over_the_size_limit():
    big = {str(p.relative_to(ROOT)): n for p in sorted([*SIM.rglob("*.py"), *(ROOT / "tools").rglob("*.py")])
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def test_the_top_of_the_package_stays_short():
    top = sorted(p.name for p in SIM.glob("*.py"))
    assert len(top) <= 12, top


def _graph() -> dict[str, set[str]]:
    mods = {_module(p): p for p in SIM.rglob("*.py")}

    def owner(name: str) -> str:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    return {m: {owner(i) for i in imports_of(p)} - {m, ""} for m, p in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_runs_through_the_model_or_the_channels():
    through = [c for c in _cycles(_graph()) if any(m.startswith(("sim.model", "sim.channels")) for m in c)]
    assert not through, through


def test_agents_and_the_days_pictures_import_no_phase_even_for_type_checking():
    """The phases import the agents and the day's pictures (sim.model.day); the agents and the
    pictures never import a phase back, not even under TYPE_CHECKING, so the core has no circle."""
    for name in ("agents.py", "day.py"):
        tree = ast.parse((SIM / "model" / name).read_text(encoding="utf-8"))
        found = {node.module for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim")}
        assert not [m for m in found if m.startswith("sim.model.phases")], (name, sorted(found))
