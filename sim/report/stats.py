"""Statistics of a sweep: bootstrap intervals, per-point summaries, channel effects, rankings.

Replication r used the same seed at every design point (common random numbers), so effects are
computed within a replication first -- one paired difference per replication, averaged over the
other factors -- and the bootstrap resamples replications, never runs, to keep that pairing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BOOT_SEED = 20180401
BOOT_RESAMPLES = 2000
LEVEL = 0.95


def bootstrap(samples: np.ndarray, resamples: int = BOOT_RESAMPLES) -> tuple[np.ndarray, ...]:
    """Mean and 95% percentile-bootstrap interval of the mean, per column of ``samples`` (n x k).

    NaN rows (failed runs) are dropped column by column; the generator is re-seeded for every
    call, so an interval does not depend on which other intervals were computed before it.
    """
    samples = np.asarray(samples, dtype=float)
    one = samples.ndim == 1
    if one:
        samples = samples[:, None]
    k = samples.shape[1]
    mean, lo, hi = (np.full(k, np.nan) for _ in range(3))
    for j in range(k):
        x = samples[:, j]
        x = x[~np.isnan(x)]
        if x.size == 0:
            continue
        rng = np.random.default_rng(BOOT_SEED)
        means = x[rng.integers(0, x.size, size=(resamples, x.size))].mean(axis=1)
        mean[j] = x.mean()
        lo[j], hi[j] = np.quantile(means, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return (mean[0], lo[0], hi[0]) if one else (mean, lo, hi)


def bootstrap_bands(curves: np.ndarray, resamples: int = 1000) -> tuple[np.ndarray, ...]:
    """Mean curve and 95% band over rows of ``curves`` (replications x days), resampling rows."""
    rng = np.random.default_rng(BOOT_SEED)
    n = curves.shape[0]
    means = curves[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=0)
    return curves.mean(axis=0), lo, hi


@dataclass(frozen=True)
class Group:
    """Design points sharing one setting of a factor (a channel off, a level, half a range)."""

    label: str
    mask: np.ndarray


def groups(factor: dict, values: pd.Series) -> list[Group]:
    """The settings of ``factor`` to compare; the first is the baseline effects are measured from."""
    v = values.to_numpy()
    if "channel" in factor:
        return [Group(name, v == flag) for name, flag in (("off", False), ("on", True)) if (v == flag).any()]
    if "range" in factor:
        lo, hi = factor["range"]
        mid = (lo + hi) / 2
        return [Group(f"< {mid:g}", v < mid), Group(f">= {mid:g}", v >= mid)]
    return [Group(f"{level:g}", np.isclose(v, level)) for level in factor["levels"]]


def factor_name(factor: dict) -> str:
    return factor.get("channel") or factor["param"]


def outcome_matrix(results: pd.DataFrame, outcome: str, points: int, reps: int) -> np.ndarray:
    """outcome[point, replication], NaN where a run failed."""
    y = np.full((points, reps), np.nan)
    ok = results["status"] == "ok"
    rows = results[ok]
    y[rows["point"].to_numpy(), rows["replication"].to_numpy()] = rows[outcome].to_numpy(dtype=float)
    return y


def per_rep_mean(y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the design points in ``mask``, one value per replication."""
    sub = y[mask]
    with np.errstate(invalid="ignore"):
        counts = (~np.isnan(sub)).sum(axis=0)
        return np.where(counts > 0, np.nansum(sub, axis=0) / np.maximum(counts, 1), np.nan)


class SweepData:
    """A sweep's results reshaped for analysis: design table, outcome matrices, factors."""

    def __init__(self, results: pd.DataFrame, experiment: dict) -> None:
        self.results = results
        self.exp = experiment
        self.factors = experiment["factors"]
        self.outcomes = experiment["outcomes"]
        self.design = results.drop_duplicates("point").sort_values("point").set_index("point")
        self.points = len(self.design)
        self.reps = int(results["replication"].max()) + 1
        self.y = {o: outcome_matrix(results, o, self.points, self.reps) for o in self.outcomes}

    def groups(self, factor: dict) -> list[Group]:
        return groups(factor, self.design[factor_name(factor)])


def summary_table(data: SweepData) -> pd.DataFrame:
    """Per design point and outcome: runs, mean and 95% bootstrap interval over replications."""
    rows = []
    names = [factor_name(f) for f in data.factors]
    for point in range(data.points):
        setting = {n: data.design.loc[point, n] for n in names}
        for outcome in data.outcomes:
            x = data.y[outcome][point]
            mean, lo, hi = bootstrap(x)
            rows.append({"point": point, **setting, "outcome": outcome, "runs": int((~np.isnan(x)).sum()),
                         "mean": mean, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def _row(kind, factor, contrast, outcome, diffs) -> dict:
    mean, lo, hi = bootstrap(diffs)
    return {"kind": kind, "factor": factor, "contrast": contrast, "outcome": outcome,
            "replications": int((~np.isnan(diffs)).sum()), "effect": mean, "ci_low": lo, "ci_high": hi,
            "excludes_zero": bool(lo > 0 or hi < 0) if not np.isnan(lo) else False}


def effects_table(data: SweepData) -> pd.DataFrame:
    """Main effects (each setting minus the baseline) and two-way interactions of two-setting factors.

    A main effect is, per replication, the mean over the points with the setting minus the mean over
    the points with the baseline; in a full factorial that is the paired difference averaged over
    the other factors. An interaction is a difference in differences: how much A's effect changes
    when B is switched from its baseline.
    """
    rows = []
    for f in data.factors:
        gs = data.groups(f)
        for g in gs[1:]:
            for o in data.outcomes:
                d = per_rep_mean(data.y[o], g.mask) - per_rep_mean(data.y[o], gs[0].mask)
                rows.append(_row("main", factor_name(f), f"{g.label} - {gs[0].label}", o, d))
    if data.exp["design"]["type"] == "full_factorial":
        two = [(f, data.groups(f)) for f in data.factors if len(data.groups(f)) == 2]
        for i, (fa, ga) in enumerate(two):
            for fb, gb in two[i + 1:]:
                name = f"{factor_name(fa)} x {factor_name(fb)}"
                for o in data.outcomes:
                    y = data.y[o]
                    cell = {(a, b): per_rep_mean(y, ga[a].mask & gb[b].mask) for a in (0, 1) for b in (0, 1)}
                    d = (cell[1, 1] - cell[0, 1]) - (cell[1, 0] - cell[0, 0])
                    rows.append(_row("interaction", name, "difference in differences", o, d))
    return pd.DataFrame(rows)


def marginal_means(data: SweepData, outcome: str) -> pd.DataFrame:
    """Mean outcome at each setting of each factor (averaged over the others), with intervals."""
    rows = []
    for f in data.factors:
        for g in data.groups(f):
            mean, lo, hi = bootstrap(per_rep_mean(data.y[outcome], g.mask))
            rows.append({"factor": factor_name(f), "setting": g.label, "mean": mean, "ci_low": lo,
                         "ci_high": hi})
    return pd.DataFrame(rows)


def ranking(effects: pd.DataFrame, primary: str, others: list[str]) -> pd.DataFrame:
    """Channels ordered by the size of their main effect on ``primary`` (largest first)."""
    main = effects[(effects["kind"] == "main") & (effects["contrast"] == "on - off")]
    first = main[main["outcome"] == primary].copy()
    first["size"] = first["effect"].abs()
    first = first.sort_values(["size", "factor"], ascending=[False, True], kind="stable")
    table = first[["factor", "effect", "ci_low", "ci_high", "excludes_zero"]]
    table = table.rename(columns={"factor": "channel"})
    shrinks = table["effect"] > 0 if primary.endswith("reduction_pct") else table["effect"] < 0
    table.insert(5, "pockets_shrink", np.where(~table["excludes_zero"], "unclear",
                                               np.where(shrinks, "faster", "slower")))
    for o in others:
        other = main[main["outcome"] == o].set_index("factor")["effect"]
        table[o] = table["channel"].map(other)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)
