"""Three stacked panels of a run: pocket areas, ISIS fighters, cumulative events.

The panels share the day axis so students can line up a drop in a pocket's area with the
strikes and raids that came before it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.render.style import FONT, FONT_SMALL, FONT_TITLE, OKABE_ITO, POCKET_COLORS, new_figure, save_atomic

#: Cumulative event lines of panel 3 (left axis): column -> (label, colour, dash).
EVENTS = {
    "strikes": ("Air strikes", OKABE_ITO["blue"], "-"),
    "raids": ("ISIS raids", OKABE_ITO["black"], "--"),
    "incidents": ("Friction incidents", OKABE_ITO["vermillion"], "-."),
}
HARM_COLOR = OKABE_ITO["reddish_purple"]
_thousands = FuncFormatter(lambda v, _: f"{v:,.0f}")


def _style(ax, ylabel: str) -> None:
    ax.set_ylabel(ylabel, fontsize=FONT)
    ax.tick_params(labelsize=FONT_SMALL)
    ax.yaxis.set_major_formatter(_thousands)
    ax.grid(color="#BDBDBD", lw=0.6, alpha=0.7)
    ax.set_ylim(bottom=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _x_label(ts: Mapping[str, np.ndarray]) -> str:
    if "date" in ts and len(ts["date"]):
        return f"Day of the scenario (day {int(ts['day'][0])} = {str(ts['date'][0])[:10]})"
    return "Day of the scenario"


RECORD_COLOR = "#6B6B6B"


def record_marker_days(record) -> dict[int, str]:
    """Day -> label of the record's events (a run's ``summary["record"]``), events of a day joined."""
    days: dict[int, list[str]] = {}
    for entry in record or ():
        days.setdefault(int(entry["record_day"]), []).append(entry.get("label") or entry["what"])
    return {day: " / ".join(labels) for day, labels in sorted(days.items())}


def _mark_record(axes, record, days: np.ndarray) -> None:
    """A dotted vertical line on every panel at each record date in the run, labelled on the top one."""
    if not len(days):
        return
    first, last = int(days.min()), int(days.max())
    for day, label in record_marker_days(record).items():
        if not first <= day <= last:
            continue
        for ax in axes:
            ax.axvline(day, color=RECORD_COLOR, lw=1.2, ls=":", zorder=1)
        axes[0].annotate(label, (day, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -4),
                         textcoords="offset points", rotation=90, va="top", ha="left",
                         fontsize=FONT_SMALL * 0.8, color=RECORD_COLOR, annotation_clip=True,
                         bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})


def plot_timeseries(timeseries, pocket_labels: dict[str, str], *, title: str = "", record=()) -> Figure:
    """Areas of the named pockets, ISIS fighters and cumulative events, against the day.

    ``timeseries`` is a run's table: a DataFrame, or columns by name (what a plotting process gets).
    ``record`` is the run's ``summary["record"]``: its dates are marked on every panel.
    """
    ts = {name: np.asarray(timeseries[name]) for name in timeseries}  # pandas is not needed to plot
    days = ts["day"]
    fig = new_figure()
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw={"hspace": 0.22, "left": 0.09, "right": 0.9,
                                                          "top": 0.91 if title else 0.95, "bottom": 0.08})
    area, fighters, events = axes

    for i, (key, label) in enumerate(pocket_labels.items()):
        color = POCKET_COLORS[i % len(POCKET_COLORS)]
        area.plot(days, ts[f"{key}_km2"], color=color, lw=2.8, label=label)
        if f"{key}_fighters" in ts:
            fighters.plot(days, ts[f"{key}_fighters"], color=color, lw=2.0, ls="--", label=f"in {label}")
    _style(area, "Area held (km²)")
    area.set_title("ISIS pockets", fontsize=FONT, fontweight="bold", loc="left")

    fighters.plot(days, ts["isis_fighters"], color="black", lw=2.8, label="All ISIS fighters", zorder=3)
    _style(fighters, "Fighters")
    fighters.set_title("ISIS fighters", fontsize=FONT, fontweight="bold", loc="left")

    for column, (label, color, dash) in EVENTS.items():
        if column in ts:
            events.plot(days, ts[column].cumsum(), color=color, lw=2.4, ls=dash, label=label)
    _style(events, "Events (cumulative)")
    events.set_title("Events so far", fontsize=FONT, fontweight="bold", loc="left")
    handles, labels = events.get_legend_handles_labels()
    top = events  # the legend goes on the axes drawn last, above every line
    if "civilian_harm_total" in ts:
        harm = top = events.twinx()
        harm.plot(days, ts["civilian_harm_total"], color=HARM_COLOR, lw=2.6, ls=":",
                  label="Civilian-harm index (right axis)")
        harm.set_ylabel("Civilian-harm index", fontsize=FONT, color=HARM_COLOR)
        harm.tick_params(labelsize=FONT_SMALL, colors=HARM_COLOR)
        harm.yaxis.set_major_formatter(_thousands)
        harm.set_ylim(bottom=0)
        harm.spines["top"].set_visible(False)
        more_h, more_l = harm.get_legend_handles_labels()
        handles, labels = handles + more_h, labels + more_l

    # Inside the panels so the plots keep the full width; cumulative lines leave the upper left empty.
    legend = {"fontsize": FONT_SMALL, "framealpha": 0.9, "edgecolor": "#BDBDBD"}
    for ax in (area, fighters):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", **legend)
    if handles:
        top.legend(handles, labels, loc="upper left", **legend)
    events.set_xlabel(_x_label(ts), fontsize=FONT)
    if len(days):
        events.set_xlim(days.min(), max(days.max(), days.min() + 1))
    _mark_record(axes, record, days)
    if title:
        fig.suptitle(title, fontsize=FONT_TITLE, fontweight="bold", x=0.09, ha="left")
    return fig


def save_timeseries(timeseries, pocket_labels: dict[str, str], path: str | os.PathLike, *,
                    title: str = "", dpi: float = 150, record=()) -> Path:
    """Plot the run and write it as PNG atomically; returns the path."""
    return save_atomic(plot_timeseries(timeseries, pocket_labels, title=title, record=record), path, dpi)
