"""The report's figures, drawn on matplotlib ``Figure`` objects (no pyplot state to leak between
reports or threads) and returned as PNG bytes for both the files and the HTML page.
"""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.stats import SweepData, factor_name, interval, marginal_means

COLORS = ("#7f7f7f", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def outcome_by_setting(data: SweepData, outcome: str, meaning: str) -> bytes:
    """Mean outcome at each setting of each factor, with 95% interval bars."""
    table = marginal_means(data, outcome)
    names = [factor_name(f) for f in data.factors]
    fig = Figure(figsize=(max(6.0, 1.3 * len(names) + 2), 4.2), layout="constrained")
    ax = fig.add_subplot()
    for x, name in enumerate(names):
        rows = table[table["factor"] == name].reset_index(drop=True)
        width = 0.5 / max(len(rows) - 1, 1)
        for i, row in rows.iterrows():
            pos = x - 0.25 + i * width if len(rows) > 1 else x
            err = [[row["mean"] - row["ci_low"]], [row["ci_high"] - row["mean"]]]
            ax.errorbar([pos], [row["mean"]], yerr=err, fmt="o", capsize=4, color=COLORS[i % len(COLORS)])
            ax.annotate(row["setting"], (pos, row["ci_high"]), textcoords="offset points", xytext=(0, 4),
                        ha="center", fontsize=8)
    ax.set_xticks(range(len(names)), [n.replace("_", "\n") for n in names], fontsize=8)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel(outcome)
    ax.set_title(f"{outcome}: mean at each setting over the other factors, 95% interval\n{meaning}",
                 fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    return png(fig)


def trajectory_cube(traj: pd.DataFrame, column: str, points: int, reps: int) -> tuple[np.ndarray, np.ndarray]:
    """column[point, replication, day] (NaN where a run failed) and the days."""
    days = np.sort(traj["day"].unique())
    cube = np.full((points, reps, days.size), np.nan)
    index = np.searchsorted(days, traj["day"].to_numpy())
    cube[traj["point"].to_numpy(), traj["replication"].to_numpy(), index] = traj[column].to_numpy(float)
    return cube, days


def pocket_bands(data: SweepData, traj: pd.DataFrame, pocket: str, label: str) -> bytes:
    """Daily area of one pocket, one panel per factor, a mean line and 95% band per setting."""
    cube, days = trajectory_cube(traj, f"{pocket}_km2", data.points, data.reps)
    n = len(data.factors)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.2 * cols, 3.0 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    for k, f in enumerate(data.factors):
        ax = axes[k // cols][k % cols]
        for i, g in enumerate(data.groups(f)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                curves = np.nanmean(cube[g.mask], axis=0)
            curves = curves[~np.isnan(curves).any(axis=1)]
            if curves.size == 0:
                continue
            mean, lo, hi = interval(curves)  # per day
            color = COLORS[i % len(COLORS)]
            ax.fill_between(days, lo, hi, color=color, alpha=0.25, linewidth=0)
            ax.plot(days, mean, color=color, label=g.label)
        ax.set_title(factor_name(f), fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
        ax.grid(alpha=0.3)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("day")
    for row in axes:
        row[0].set_ylabel("km2 held by ISIS")
    fig.suptitle(f"{label}: area by setting (mean over the other factors, 95% band over replications)",
                 fontsize=10)
    return png(fig)
