"""From runs to observed patterns, and the distance between a particle's patterns and the record.

A particle (one draw of the calibrated coefficients) runs every scenario of the calibration once, with
one seed; ``Simulator`` returns its statistics, a flat dict of floats:

- ``record``: for each record event of the scenario (``summary["record"]``) within the run, the
  model's day minus the record's day (``NAME:ID``). An event the run never shows counts as
  happening the day after the run ends (``NAME:ID:censored`` is then 1): a lower bound on how late it is.
- ``pocket_cleared``: the day the pocket is cleared minus the target day, censored the same way.
- ``kills_per_strike``: fighters killed by air divided by strikes, averaged over the listed scenarios
  (those with at least one strike).
- ``final``: the column on the run's last day; ``sum``: the column summed over days [first, last].
- ``taken_within``: the day ``by`` first takes ``place`` (a siege's or a collapse's duration), an
  untaken place counted as the day after the run (``NAME:censored`` is then 1).
- ``weekly_mean``: the column summed over days [first, last] (whole weeks) per week (the
  insurgency's attacks a week); ``ratio``: the column's daily mean over the ``last`` window over its
  mean over the ``first`` (no decay: about 1).

Each target's *deviation* is a pure number: days late or early over ``scale_days`` (14: a fortnight
counts as 1); for ``final``, ``taken_within``, ``weekly_mean`` and ``ratio`` the distance outside
the range over ``scale`` (zero inside it); for ``sum`` the difference
from the figure over figure x tolerance; for ``kills_per_strike`` the excess over ``max`` (none
below it) over ``scale``. A record target's deviation is the root mean square over its events (a
town never taken, counted as the day after the run, weighs heavily: a mean absolute deviation
instead let the calibration settle on campaigns in which hardly a town fell).
The distance is the weighted root mean square of the targets' deviations: sqrt(sum w d^2 / sum w),
each target's ``weight`` 1 unless its file says otherwise, whatever its unit; one that is within its
scale contributes less than 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.calibrate.spec import CalibrationSpec, Target


def record_events(scenario, days: int) -> list[tuple[str, int]]:
    """(id, record day) of the scenario's record events that fall within the run."""
    return [(e.id, int(e.day)) for e in getattr(scenario, "record", ()) or () if 0 <= e.day <= days]


@dataclass(frozen=True)
class Simulator:
    """pyabc's model: sampling-space parameters -> the particle's statistics (picklable)."""

    scenarios: dict  # alias -> Scenario (days and set applied)
    priors: tuple
    targets: tuple
    runs: int = 1  # seeds per particle: the statistics are their means

    @classmethod
    def of(cls, spec: CalibrationSpec) -> Simulator:
        return cls({a: s.scenario for a, s in spec.scenarios.items()}, spec.priors, spec.targets,
                   spec.runs_per_particle)

    def coefficients(self, pars) -> dict[str, float]:
        """The coefficients' values for a particle given in sampling space (log10 where log-uniform)."""
        return {p.name: p.value(float(pars[p.name])) for p in self.priors}

    def __call__(self, pars) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**31 - 1))  # the sampler seeds each particle's numpy state
        return self.statistics(self.coefficients(pars), seed)

    def statistics(self, values: dict[str, float], seed: int) -> dict[str, float]:
        """The targets' statistics with coefficients ``values``: with one run per particle, every
        scenario once with ``seed``; with ``runs`` > 1, over that many seeds spawned from ``seed``
        (less seed-to-seed noise in the distance, ``runs`` times the cost): an event's days late are
        the root mean square over the runs, with the sign of their mean (an event early in one run
        and late in another does not cancel out), every other statistic the mean."""
        changes = {f"params.{k}": v for k, v in values.items()}
        scenarios = {a: s.with_changes(changes) if changes else s for a, s in self.scenarios.items()}
        if self.runs == 1:
            return self._one_run(scenarios, seed)
        seeds = np.random.SeedSequence(seed).generate_state(self.runs)
        each = [self._one_run(scenarios, int(s % (2**31 - 1))) for s in seeds]
        events = tuple(f"{t.name}:" for t in self.targets if t.kind == "record")
        out = {}
        for k in each[0]:
            values_k = np.array([stats[k] for stats in each])
            if k.startswith(events) and not k.endswith(":censored"):
                out[k] = float(np.copysign(np.sqrt(np.mean(values_k**2)), np.mean(values_k)))
            else:
                out[k] = float(np.mean(values_k))
        return out

    def _one_run(self, scenarios: dict, seed: int) -> dict[str, float]:
        from sim.model.runner import run_model

        runs = {}
        for alias, scenario in scenarios.items():
            _, table, summary = run_model(scenario, seed)
            runs[alias] = (table, summary)
        stats: dict[str, float] = {}
        for t in self.targets:
            stats.update(target_statistics(t, runs, self.scenarios))
        return stats


def _late(day, target_day: float, days: int) -> tuple[float, float]:
    """(model day - target day, censored?) with an event not shown counted as the day after the run."""
    if day is None or (isinstance(day, float) and math.isnan(day)):
        return float(days + 1 - target_day), 1.0
    return float(day - target_day), 0.0


def target_statistics(t: Target, runs: dict, scenarios: dict) -> dict[str, float]:
    if t.kind == "record":
        table, summary = runs[t.scenario]
        days = int(summary["days"])
        out = {}
        model_days = {e["id"]: e.get("model_day") for e in summary.get("record", [])}
        for eid, record_day in record_events(scenarios[t.scenario], days):
            err, censored = _late(model_days.get(eid), record_day, days)
            out[f"{t.name}:{eid}"], out[f"{t.name}:{eid}:censored"] = err, censored
        return out
    if t.kind == "pocket_cleared":
        _, summary = runs[t.scenario]
        err, censored = _late(summary["pockets"][t.pocket]["days_to_clear"], t.day, int(summary["days"]))
        return {t.name: err, f"{t.name}:censored": censored}
    if t.kind == "kills_per_strike":
        rates = [s["totals"]["isis_killed_by_air"] / s["totals"]["strikes"]
                 for _, s in (runs[a] for a in t.scenarios) if s["totals"]["strikes"] > 0]
        return {t.name: float(np.mean(rates)) if rates else 0.0}
    if t.kind == "taken_within":
        _, summary = runs[t.scenario]
        days = int(summary["days"])
        who = _holder(t.by)
        changes = summary["places"].get(t.place, {}).get("changes", [])
        day = next((c["day"] for c in changes if c["to"] == who), None)
        return {t.name: float(days + 1 if day is None else day), f"{t.name}:censored": float(day is None)}
    table, _ = runs[t.scenario]
    if t.kind == "weekly_mean":
        first, last = t.days
        window = table[(table["day"] >= first) & (table["day"] <= last)]
        return {t.name: float(window[t.column].sum()) / ((last - first + 1) / 7.0)}
    if t.kind == "ratio":
        def mean(w):
            return float(table[(table["day"] >= w[0]) & (table["day"] <= w[1])][t.column].mean())
        before = mean(t.first)
        return {t.name: mean(t.last) / before if before > 0 else 0.0}
    if t.kind == "final":
        return {t.name: float(table[t.column].iloc[-1])}
    first, last = t.days
    window = table[(table["day"] >= first) & (table["day"] <= last)]
    return {t.name: float(window[t.column].sum())}


def _holder(faction: str) -> str:
    from sim.model.places import HOLDER, control_code

    return HOLDER[control_code(faction)]


def observed(spec: CalibrationSpec) -> dict[str, float]:
    """The record's side of each statistic (pyabc's x_0): what a perfect particle would show."""
    out: dict[str, float] = {}
    for t in spec.targets:
        if t.kind == "record":
            ref = spec.scenarios[t.scenario].scenario
            for eid, _ in record_events(ref, ref.days):
                out[f"{t.name}:{eid}"], out[f"{t.name}:{eid}:censored"] = 0.0, 0.0
        elif t.kind == "pocket_cleared":
            out[t.name], out[f"{t.name}:censored"] = 0.0, 0.0
        elif t.kind == "kills_per_strike":
            out[t.name] = float(t.max)
        elif t.kind in ("final", "weekly_mean", "ratio"):
            out[t.name] = float(sum(t.range) / 2)
        elif t.kind == "taken_within":
            out[t.name], out[f"{t.name}:censored"] = float(sum(t.range) / 2), 0.0
        else:
            out[t.name] = float(t.value)
    return out


def deviation(t: Target, stats: dict[str, float]) -> float:
    """The target's deviation (a pure number; 1 = off by its scale), as the module docstring says."""
    if t.kind == "record":
        errs = [v for k, v in stats.items() if k.startswith(f"{t.name}:") and not k.endswith(":censored")]
        return math.sqrt(sum((e / t.scale) ** 2 for e in errs) / len(errs)) if errs else 0.0
    x = stats[t.name]
    if t.kind == "pocket_cleared":
        return abs(x) / t.scale
    if t.kind == "kills_per_strike":
        return max(0.0, x - t.max) / t.scale
    if t.kind in ("final", "taken_within", "weekly_mean", "ratio"):  # outside the range, over the scale
        lo, hi = t.range
        return max(0.0, lo - x, x - hi) / t.scale
    return abs(x - t.value) / t.scale


def deviations(targets, stats: dict[str, float]) -> dict[str, float]:
    return {t.name: deviation(t, stats) for t in targets}


@dataclass(frozen=True)
class Distance:
    """pyabc's distance: the weighted root mean square of the targets' deviations (x_0 is implied by
    the targets)."""

    targets: tuple

    def __call__(self, x: dict, x_0: dict | None = None) -> float:
        devs = deviations(self.targets, x)
        total = sum(t.weight for t in self.targets)
        return math.sqrt(sum(t.weight * devs[t.name] ** 2 for t in self.targets) / total) if devs else 0.0
