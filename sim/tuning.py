"""How a `bordersim run` process runs when the process is bordersim's alone (the ``bordersim`` script).

All process tuning lives here, so the CLI stays argument handling:

- the garbage collector is paused while Mesa, pandas and SciPy are imported (10 % faster start) and
  what the imports made is then frozen (later collections skip it);
- Mesa is imported from ``run_to_folder``'s shallow frame (after the plotting fork, so that its
  import overlaps the child's): its ``mesa.model`` calls ``inspect.stack()`` when imported (a module
  logger named after its caller), whose cost grows with the stack's depth and the modules already
  loaded; reached through the model's own imports it cost a tenth of a second;
- the plots are drawn in a forked process while the model runs (``sim.render.process``);
- the process ends with ``os._exit`` once its files are written and closed, skipping the
  interpreter's teardown of the libraries (a quarter of a second).

Anywhere else -- tests, notebooks, ``python -m sim.cli`` under a profiler -- ``own_process`` is False
and the run is a plain function call: nothing forks, nothing exits.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.api import Result
    from sim.scenario import Scenario


def pause_collector(own_process: bool) -> None:
    """Pause the garbage collector while the heavy libraries load (``run_to_folder`` resumes it)."""
    if own_process:
        gc.disable()


def _resume_collector(own_process: bool) -> None:
    if own_process:
        gc.enable()
        gc.freeze()  # what the imports made is never garbage: later collections skip it


def run_to_folder(scenario: Scenario, seed: int, out: Path, *, plots: bool,
                  own_process: bool) -> tuple[Result, list[Path]]:
    """Run ``scenario`` and write its files into ``out``; with ``own_process`` the plots are drawn by a
    forked process while the model runs."""
    from sim.run_outputs import write_run_outputs

    plotter = None
    if plots and own_process:
        from sim.render.process import PlotProcess, can_fork

        if can_fork():
            plotter = PlotProcess(scenario, out)  # draws while the model runs
    try:
        import mesa  # noqa: F401  # first and from this shallow frame (see the module's docstring)

        from sim.api import run  # Mesa and pandas, still without the collector

        _resume_collector(own_process)
        result = run(scenario, seed=seed)
        files = write_run_outputs(result, out, plots=plots, plotter=plotter)
    finally:
        if plotter is not None:
            plotter.close()
    return result, files


def end_process(status: int) -> None:
    """End the process now that every file is written and closed (no interpreter teardown)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
