"""Statistics of a sweep: per-point summaries, channel effects with their tests, rankings.

Replication r used the same seed at every design point (common random numbers), so effects are
computed within a replication first -- one paired difference per replication, averaged over the
other factors -- and the interval (sim.report.intervals.interval, the one every front end shows) is
taken over those per-replication differences, which keeps the pairing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.report.intervals import LEVEL, excludes_zero, fdr, interval, runs_needed, t_test_p
from sim.sweep.outcomes import is_count

__all__ = ["LEVEL", "interval"]


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
    """Per design point and outcome: runs, mean and 95% interval over replications."""
    rows = []
    names = [factor_name(f) for f in data.factors]
    for point in range(data.points):
        setting = {n: data.design.loc[point, n] for n in names}
        for outcome in data.outcomes:
            x = data.y[outcome][point]
            mean, lo, hi = interval(x, counts=is_count(outcome))
            rows.append({"point": point, **setting, "outcome": outcome, "runs": int((~np.isnan(x)).sum()),
                         "mean": mean, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def _row(kind, factor, contrast, outcome, diffs) -> dict:
    mean, lo, hi = interval(diffs)
    return {"kind": kind, "factor": factor, "contrast": contrast, "outcome": outcome,
            "replications": int((~np.isnan(diffs)).sum()), "effect": mean, "ci_low": lo, "ci_high": hi,
            "excludes_zero": excludes_zero(lo, hi), "p_value": t_test_p(diffs),
            "runs_to_tell": runs_needed(diffs)}


EFFECT_COLUMNS = ["kind", "factor", "contrast", "outcome", "replications", "effect", "ci_low", "ci_high",
                  "excludes_zero", "p_value", "q_value", "clear_after_fdr", "runs_to_tell"]


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
    table = pd.DataFrame(rows, columns=[c for c in EFFECT_COLUMNS if c not in ("q_value", "clear_after_fdr")])
    table["excludes_zero"] = table["excludes_zero"].astype(bool)
    # the family: every test this table flags, main effects and interactions
    table.insert(table.columns.get_loc("p_value") + 1, "q_value", fdr(table["p_value"].to_numpy(dtype=float)))
    # a raw finding (its interval excludes zero) that survives Benjamini-Hochberg at 5 %
    table.insert(table.columns.get_loc("q_value") + 1, "clear_after_fdr",
                 table["excludes_zero"] & (table["q_value"] < 1 - LEVEL))
    table.loc[table["excludes_zero"], "runs_to_tell"] = np.nan  # already told
    return table


def marginal_means(data: SweepData, outcome: str) -> pd.DataFrame:
    """Mean outcome at each setting of each factor (averaged over the others), with intervals."""
    rows = []
    for f in data.factors:
        for g in data.groups(f):
            mean, lo, hi = interval(per_rep_mean(data.y[outcome], g.mask))
            rows.append({"factor": factor_name(f), "setting": g.label, "mean": mean, "ci_low": lo,
                         "ci_high": hi})
    return pd.DataFrame(rows)


def ranking(effects: pd.DataFrame, primary: str, others: list[str]) -> pd.DataFrame:
    """Channels ordered by the size of their main effect on ``primary`` (largest first)."""
    main = effects[(effects["kind"] == "main") & (effects["contrast"] == "on - off")]
    first = main[main["outcome"] == primary].copy()
    first["size"] = first["effect"].abs()
    first = first.sort_values(["size", "factor"], ascending=[False, True], kind="stable")
    table = first[["factor", "effect", "ci_low", "ci_high", "excludes_zero", "clear_after_fdr"]]
    table = table.rename(columns={"factor": "channel"})
    shrinks = table["effect"] > 0 if primary.endswith("reduction_pct") else table["effect"] < 0
    table.insert(6, "pockets_shrink", np.where(~table["excludes_zero"], "unclear",
                                               np.where(shrinks, "faster", "slower")))
    for o in others:
        other = main[main["outcome"] == o].set_index("factor")["effect"]
        table[o] = table["channel"].map(other)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)


RUNS_TO_TELL = ("about how many replications would tell an effect whose interval includes zero from zero, "
                "if the spread stayed as it is: n ≈ (t·s/|mean|)², s the standard deviation of the "
                "per-replication differences, t the 97.5 % point of Student's t at the current replications")


def chance_sentence(effects: pd.DataFrame) -> str:
    """How many raw "effects" chance alone would give among the report's tests, and how many survive FDR."""
    tested = effects[effects["p_value"].notna()] if "p_value" in effects else effects.iloc[:0]
    n = len(tested)
    if n == 0:
        return "No effect could be tested (fewer than two replications)."
    alpha = 1 - LEVEL
    raw, kept = int(tested["excludes_zero"].sum()), int(tested["clear_after_fdr"].sum())
    return (f"This report makes {n} tests (every factor's effect on every outcome, main effects and "
            f"interactions). If no setting changed anything, chance alone would still give about "
            f"{alpha * n:.1f} intervals that exclude zero ({alpha:.0%} × {n}); {raw} do. Controlling the "
            f"false discovery rate at {alpha:.0%} (Benjamini–Hochberg on the paired t-tests' p-values), "
            f"{kept} remain clear (clear_after_fdr).")
