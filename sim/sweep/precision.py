"""How many runs are enough: ``bordersim sweep --precision R`` and an experiment's ``precision:`` key.

The sweep runs its ``replications``, then, round by round, adds replications until every chosen
effect's 95 % interval (sim.report.intervals.interval) has a half-width within ``relative`` x |effect|
or within ``absolute`` (either suffices), up to ``max_replications``. The chosen effects are the main
effects of every factor setting on the chosen outcomes (a design point's mean when nothing varies).

Replication r keeps its seed whatever the total (``SeedSequence.spawn`` is prefix-stable), so a
precision sweep that stops at N replications holds exactly the runs of a plain sweep with
``replications: N``; every design point gets the same N, as the effects pair points replication by
replication. The decisions are made from the stored runs alone, so a sweep resumed after Ctrl-C or a
kill replays them and stops where the uninterrupted one would.

Next round: the replications the widest unmet effect asks for at its current spread,
``n x (half-width / target)^2`` (half-width ~ t s / sqrt(n)), at least one more and at most twice as
many as now (a spread measured on few replications is itself rough), and never past the cap.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.errors import ScenarioError, did_you_mean

if TYPE_CHECKING:
    from sim.scenario.yamlsrc import Node
    from sim.sweep.checker import Checker

KEYS = ("relative", "absolute", "outcomes", "max_replications")
DEFAULT_CAP = 50
MAX_CAP = 10_000


@dataclass(frozen=True)
class Precision:
    """What "known well enough" means: a relative and/or an absolute half-width, over some outcomes."""

    relative: float | None = None
    absolute: float | None = None
    outcomes: tuple[str, ...] = ()  # empty: every outcome but the model's days of record events
    max_replications: int = DEFAULT_CAP

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def rule(self) -> str:
        parts = ([f"within {self.relative:g} x |effect|"] if self.relative is not None else []) + \
                ([f"within {self.absolute:g} (the outcome's units)"] if self.absolute is not None else [])
        return "interval half-width " + " or ".join(parts)


def parse(c: Checker, node: Node | None, outcomes: list[str], replications: int | None) -> Precision | None:
    """The ``precision:`` key: a number (relative) or a mapping of ``KEYS``; problems go to ``c``."""
    if node is None:
        return None
    if not node.is_map:
        rel = _positive(c, node, "precision")
        return Precision(relative=rel, max_replications=max(DEFAULT_CAP, replications or 0)) if rel else None
    c.keys(node, KEYS, "precision")
    fields = node.value
    rel = _positive(c, fields["relative"], "precision.relative") if "relative" in fields else None
    absolute = _positive(c, fields["absolute"], "precision.absolute") if "absolute" in fields else None
    if "relative" not in fields and "absolute" not in fields:
        c.err("give `relative:` (a share of the effect, e.g. 0.2) and/or `absolute:` (the outcome's units)",
              node, "precision")
    chosen: list[str] = []
    out = fields.get("outcomes")
    if out is not None and (not out.is_list or not out.value):
        c.err("outcomes is a list of the experiment's outcomes, e.g. [pockets_reduction_pct]", out,
              "precision.outcomes")
    for i, item in enumerate(out.value if out is not None and out.is_list else ()):
        if outcomes and item.value not in outcomes:  # none: the scenario failed, reported already
            c.err(f"{item.value!r} is not one of the experiment's outcomes", item, f"precision.outcomes.{i}",
                  did_you_mean(item.value, outcomes))
        elif item.value not in chosen:
            chosen.append(item.value)
    least = replications or 1
    cap = c.integer(fields.get("max_replications"), "precision.max_replications", least, MAX_CAP,
                    max(DEFAULT_CAP, least))
    return Precision(rel, absolute, tuple(chosen), cap if cap is not None else max(DEFAULT_CAP, least))


def _positive(c: Checker, node: Node, path: str) -> float | None:
    v = c.number(node, path)
    if v is not None and v <= 0:
        c.err(f"must be more than 0, got {v}", node, path)
        return None
    return None if v is None else float(v)


def resolve(exp, relative: float | None, cap: int | None) -> Precision | None:
    """The experiment's ``precision:`` with the command line's ``--precision`` / ``--max-replications``."""
    spec = exp.precision
    if spec is None and relative is None:
        if cap is not None:
            raise ScenarioError("--max-replications needs --precision R (or a `precision:` key in the "
                                "experiment file)", path="--max-replications")
        return None
    spec = spec or Precision(max_replications=max(DEFAULT_CAP, exp.replications))
    if relative is not None:
        spec = Precision(relative, spec.absolute, spec.outcomes, spec.max_replications)
    if cap is not None:
        if cap < exp.replications:
            raise ScenarioError(f"must be at least the experiment's replications ({exp.replications}), "
                                f"got {cap}", path="--max-replications")
        spec = Precision(spec.relative, spec.absolute, spec.outcomes, cap)
    return spec


def chosen_outcomes(spec: Precision, outcomes) -> list[str]:
    return list(spec.outcomes) or [o for o in outcomes if not o.startswith("record_")]


def assess(spec: Precision, results: pd.DataFrame, experiment: dict) -> pd.DataFrame:
    """Each chosen effect with its interval, half-width, target and whether it is met."""
    from sim.report.stats import SweepData, effects_table, summary_table

    data = SweepData(results, experiment)
    wanted = chosen_outcomes(spec, data.outcomes)
    effects = effects_table(data)
    if not effects.empty:
        table = effects[(effects["kind"] == "main") & effects["outcome"].isin(wanted)]
        table = table[["factor", "contrast", "outcome", "effect", "ci_low", "ci_high"]].copy()
    else:  # nothing varied: the design point's mean is what the sweep estimates
        table = summary_table(data)
        table = table[table["outcome"].isin(wanted)].rename(columns={"mean": "effect"})
        table = table.assign(factor="(mean)", contrast=table["point"].map(lambda p: f"point {p}"))
        table = table[["factor", "contrast", "outcome", "effect", "ci_low", "ci_high"]].copy()
    half = (table["ci_high"] - table["ci_low"]) / 2
    targets = [abs(table["effect"]) * spec.relative if spec.relative is not None else None,
               pd.Series(spec.absolute, index=table.index) if spec.absolute is not None else None]
    target = pd.concat([t for t in targets if t is not None], axis=1).max(axis=1)
    table["half_width"], table["target"] = half, target
    table["met"] = (half <= target).fillna(False)
    return table.reset_index(drop=True)


def next_replications(table: pd.DataFrame, reps: int, cap: int) -> int | None:
    """The replications of the next round, or None when every effect is met or the cap is reached."""
    unmet = table[~table["met"]]
    if unmet.empty or reps >= cap:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (unmet["half_width"] / unmet["target"]).to_numpy(dtype=float)
    want = reps * float(np.nanmax(ratio)) ** 2 if np.isfinite(ratio).any() else math.inf
    want = math.ceil(want) if math.isfinite(want) else 2 * reps
    return int(min(cap, max(reps + 1, min(2 * reps, want))))


def record(spec: Precision, rounds: list[dict], table: pd.DataFrame, results: pd.DataFrame) -> dict:
    """What precision.json holds: the rule, each round, why it stopped, each design point's runs."""
    last = rounds[-1]
    ok = results[results["status"] == "ok"].groupby("point")["replication"].count()
    points = sorted(results["point"].unique())
    return {
        "rule": spec.rule(), "precision": spec.as_dict(), "rounds": rounds,
        "replications": last["replications"],
        "stopped": "precision" if last["unmet"] == 0 else "cap",
        "points": [{"point": int(p), "replications": last["replications"], "finished": int(ok.get(p, 0))}
                   for p in points],
        "effects": [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
                    for row in table.round(6).to_dict("records")],
    }


def why(saved: dict) -> str:
    """One sentence: how many replications and why the sweep stopped there."""
    n, spec = saved["replications"], saved["precision"]
    if saved["stopped"] == "precision":
        return (f"{n} replications at every design point: stopped at the precision asked, every chosen "
                f"effect's {saved['rule']}")
    left = saved["rounds"][-1]["unmet"]
    effects = f"{left} chosen effect{'s' if left != 1 else ''}"
    return (f"{n} replications at every design point: hit the cap (max_replications "
            f"{spec['max_replications']}) with {effects} still wider than asked ({saved['rule']})")
