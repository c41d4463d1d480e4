"""The Python API for notebooks and scripts: ``sim.load``, ``sim.run`` and the result of a run.

::

    import sim
    s = sim.load("pockets_2018", set={"channels.deconfliction": False})
    r = sim.run("pockets_2018", seed=1, days=120)
    r.timeseries          # one row a day (pandas DataFrame)
    r.summary             # the run's summary (the dict written to summary.json)
    r.plot()              # the timeseries figure; r.map(day=30) the theater on day 30

Figures are matplotlib ``Figure`` objects: Jupyter shows them inline, ``fig.savefig`` writes them.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.model.runner import RunResult, run_model
from sim.scenario.catalog import load
from sim.scenario.limits import days_problem

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.scenario import Scenario


def _inline(fig: Figure) -> Figure:
    """``fig``, displayable inline when running in a Jupyter kernel (bordersim never imports pyplot,
    so IPython's PNG formatter for matplotlib figures is registered here)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"})
    return fig


@dataclass
class Result(RunResult):
    """A finished run: ``model`` (at its last day), ``timeseries``, ``summary``, and figures of it."""

    def plot(self, title: str | None = None) -> Figure:
        """Pocket areas, ISIS strength and the day's events over time (as ``timeseries.png``)."""
        from sim.render import plot_timeseries
        from sim.render.animate import run_title

        labels = {name: p.label for name, p in self.model.scenario.pockets.items()}
        return _inline(plot_timeseries(self.timeseries, labels,
                                       title=run_title(self.model.scenario) if title is None else title,
                                       record=self.summary.get("record", ())))

    def map(self, day: int | None = None) -> Figure:
        """The theater on ``day`` (default: the last day), as ``map_final.png`` draws it.

        An earlier day is replayed from the same scenario and seed, which gives the same day exactly.
        """
        from sim.model import BorderModel
        from sim.render import draw_map

        last = self.model.steps
        if day is None or day == last:
            return _inline(draw_map(self.model))
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= last:
            raise ValueError(f"day must be a whole number between 0 and {last}, got {day!r}")
        return _inline(draw_map(BorderModel(scenario=self.model.scenario, rng=self.model.seed).run(day)))


def run(scenario: Scenario | str | Path, seed: int = 1, days: int | None = None,
        set: Mapping[str, Any] | Sequence[str] | None = None) -> Result:
    """Run a scenario (a :class:`Scenario`, or a name or path for :func:`load`) for its days or ``days``."""
    if days is not None and (problem := days_problem(days)):
        raise ValueError(problem)
    if not hasattr(scenario, "params"):
        scenario = load(scenario, set)
    elif set:
        raise ValueError("set= needs a scenario name or path; a loaded Scenario is already resolved")
    model, timeseries, summary = run_model(scenario, seed, days)
    return Result(model, timeseries, summary)


__all__ = ["Result", "load", "run"]
