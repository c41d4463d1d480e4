"""Maps and plots of a run (matplotlib, Agg, no pyplot), sized for a classroom projector.

The colour tables are shared with the browser app so that every view uses the same
colour-blind-safe colour for each actor.
"""

from sim.render.map import draw_map, save_map
from sim.render.style import CONTROL_COLORS, FACTION_COLORS, FACTION_MARKERS
from sim.render.timeseries import plot_timeseries, save_timeseries

__all__ = [
    "CONTROL_COLORS",
    "FACTION_COLORS",
    "FACTION_MARKERS",
    "draw_map",
    "plot_timeseries",
    "save_map",
    "save_timeseries",
]
