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
