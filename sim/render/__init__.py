"""Maps and plots of a run (matplotlib, Agg, no pyplot), sized for a classroom projector.

The colour tables are shared with the browser app so that every view uses the same
colour-blind-safe colour for each actor. Names are imported on first use, so that
``sim.render.process`` and ``sim.render.snapshot`` load without matplotlib.
"""

from sim.lazy import lazy_getattr

_LAZY = {
    "CONTROL_COLORS": "style",
    "FACTION_COLORS": "style",
    "FACTION_MARKERS": "style",
    "draw_map": "map",
    "save_map": "map",
    "plot_timeseries": "timeseries",
    "save_timeseries": "timeseries",
}


__getattr__ = lazy_getattr(__name__, _LAZY)

__all__ = [
    "CONTROL_COLORS",
    "FACTION_COLORS",
    "FACTION_MARKERS",
    "draw_map",
    "plot_timeseries",
    "save_map",
    "save_timeseries",
]
