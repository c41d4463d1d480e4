"""The model core: ``BorderModel`` (one step = one day's phases), its agents and factions.

Layout: ``model.py`` (the day), ``agents.py`` (who decides), ``factions.py`` (who is who),
``record.py`` (the day's row and the run's summary), ``runner.py`` (a run to the end);
``phases/`` (one module per phase of the day), ``laws/`` (pure mathematics), ``space/`` (distances,
zones, placement). Nothing here imports a front end (CLI, page, sweeps, report, render).
"""

from sim.lazy import lazy_getattr

__getattr__ = lazy_getattr("sim.model", {"BorderModel": "model", "RunResult": "runner", "run": "runner"})
__all__ = ["BorderModel", "RunResult", "run"]
