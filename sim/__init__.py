"""bordersim: an agent-based model of the multi-actor fight against ISIS on the Iraq-Syria border.

Every front end (CLI, sweep worker, browser app, tests, benchmarks) builds and runs the model the
same way, through :func:`build_model` and :func:`run_scenario`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.runner import RunResult
    from sim.scenario import Scenario


def build_model(scenario: Scenario, seed: int) -> BorderModel:
    """A fresh model for (scenario, seed); imports Mesa lazily so the CLI starts fast."""
    from sim.model import BorderModel

    return BorderModel(scenario, seed)


def run_scenario(scenario: Scenario, seed: int, days: int | None = None) -> RunResult:
    """Run ``scenario`` with ``seed`` for its days (or ``days``) and return the recorded result."""
    from sim.runner import run

    return run(scenario, seed, days)


def model_fingerprint() -> str:
    """A hash of the code that computes a run (not the front ends), so stored sweep runs made by
    another version of the model are recomputed instead of reused."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).resolve().parent
    front_ends = {"cli.py", "catalog.py", "docs_gen.py", "sources.py", "validation.py", "animate.py"}
    digest = hashlib.sha256()
    files = [p for p in sorted(root.rglob("*.py")) if p.name not in front_ends
             and not p.name.startswith("app") and p.parent.name not in {"sweep", "report", "render"}]
    for path in files + sorted(root.glob("data/*.yaml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
