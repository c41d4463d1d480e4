"""The model against the record as a timeline: one row per record event, the record's date as a
marker and the model's days over replications as a strip of dots (the figure for an essay).

Runs in which the model had not shown the event by the last day are drawn as open markers past
the end of the run and counted in the row's label; the bar is the median over all runs (the rule of
sim.report.record), drawn among the open markers when most runs had not shown the event.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.render.style import FONT, FONT_SMALL, FONT_TITLE, OKABE_ITO, new_figure, save_atomic

RECORD = OKABE_ITO["vermillion"]
STRIPS = (OKABE_ITO["blue"], OKABE_ITO["bluish_green"], OKABE_ITO["orange"], OKABE_ITO["reddish_purple"],
          OKABE_ITO["sky_blue"], OKABE_ITO["black"])


def plot_timeline(events: list[dict], days_by_group: dict[str, dict[str, np.ndarray]], *, days: int,
                  start_date: dt.date | str, title: str = "") -> Figure:
    """``events``: ``[{id, label, record_day}]``; ``days_by_group``: group label -> event id -> the
    model's day in each replication (NaN: not by day ``days``)."""
    from sim.report.record import censored_quantile

    start = dt.date.fromisoformat(start_date) if isinstance(start_date, str) else start_date
    fig = new_figure()
    ax = fig.add_axes((0.3, 0.1, 0.66, 0.76 if title else 0.82))
    groups = list(days_by_group)
    n = len(events)
    height = 0.7 / max(len(groups), 1)
    rng = np.random.default_rng(0)  # jitter only: the same picture every time
    past = days + 3
    for i, event in enumerate(events):
        y = n - 1 - i
        ax.axhspan(y - 0.45, y + 0.45, color="#F2F2F2" if i % 2 else "white", zorder=0)
        for g, group in enumerate(groups):
            values = np.asarray(days_by_group[group].get(event["id"], []), dtype=float)
            off = (g - (len(groups) - 1) / 2) * height
            shown = values[~np.isnan(values)]
            jitter = rng.uniform(-height * 0.35, height * 0.35, len(values))
            color = STRIPS[g % len(STRIPS)]
            ax.scatter(shown, y + off + jitter[: len(shown)], s=22, color=color, alpha=0.6, lw=0, zorder=3,
                       label=group if i == 0 else None)
            missing = int(np.isnan(values).sum())
            if missing:
                ax.scatter(np.full(missing, past), y + off + jitter[len(shown):], s=22, facecolor="none",
                           edgecolor=color, lw=1, zorder=3)
            if len(values):  # the median over all runs, as in the tables; censored: among the open circles
                median = censored_quantile(values, 0.5, days)
                ax.plot([past if median > days else median] * 2,
                        [y + off - height * 0.45, y + off + height * 0.45], color=color, lw=2.5, zorder=4)
        ax.scatter([event["record_day"]], [y], marker="D", s=70, color=RECORD, edgecolor="black", zorder=5,
                   label="the record" if i == 0 else None)
    ax.set_yticks(range(n))
    ax.set_yticklabels([_row_label(e, days_by_group) for e in reversed(events)], fontsize=FONT_SMALL)
    ax.set_ylim(-0.6, n - 0.4)
    ax.axvline(days, color="#6B6B6B", lw=1, ls="--", zorder=1)
    ax.annotate(f"day {days}: end of run", (days, n - 0.45), fontsize=FONT_SMALL * 0.8, color="#6B6B6B",
                ha="right", va="top", xytext=(-3, 0), textcoords="offset points")
    ax.set_xlim(-1, past + 3)
    ax.set_xlabel(f"Day of the scenario (day 0 = {start.isoformat()})\nopen circles: not by day {days}; "
                  "bar: median of all runs (at the open circles: most not by then)", fontsize=FONT)
    ax.tick_params(axis="x", labelsize=FONT_SMALL)
    ax.grid(axis="x", color="#BDBDBD", lw=0.6, alpha=0.7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, fontsize=FONT_SMALL, frameon=False)
    if title:
        fig.suptitle(title, fontsize=FONT_TITLE, fontweight="bold", x=0.02, ha="left")
    return fig


def _row_label(event: dict, days_by_group: dict[str, dict[str, np.ndarray]]) -> str:
    runs = [np.asarray(g.get(event["id"], []), dtype=float) for g in days_by_group.values()]
    total = sum(len(r) for r in runs)
    missing = sum(int(np.isnan(r).sum()) for r in runs)
    note = f" ({missing}/{total} not shown)" if missing else ""
    return f"{event['label']}\nrecord: day {event['record_day']}{note}"


def save_timeline(events, days_by_group, path: str | os.PathLike, *, days: int, start_date, title: str = "",
                  dpi: float = 120) -> Path:
    """Draw the timeline and write it as PNG atomically; returns the path."""
    return save_atomic(plot_timeline(events, days_by_group, days=days, start_date=start_date, title=title),
                       path, dpi)


__all__ = ["plot_timeline", "save_timeline"]
