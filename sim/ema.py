"""bordersim as an EMA Workbench model (exploratory modelling and analysis, TU Delft).

    import ema_workbench as ema
    import sim.ema

    model = sim.ema.model("pockets_2018", days=120, replications=10,
                          params=["advance_km_per_day", "raid_rate"])
    experiments, outcomes = ema.perform_experiments(model, scenarios=50, policies=4)
    runs = sim.ema.runs_frame(model, experiments, outcomes)   # one row per run, like a sweep's results

The model is a ``ReplicatorModel`` (the simulation is stochastic):

- **uncertainties** are model coefficients, each over the bounds declared once in
  ``sim/scenario/params.py`` (or over a narrower range the caller gives, checked against them);
- **levers** are the coordination channels (``sim.scenario.CHANNELS``), each defaulting to the
  scenario's own setting, so experiments without policies run the scenario as written;
- **outcomes** are the sweep's outcome names (``sim.sweep.outcomes``), each an array
  experiments x replications;
- **replication r** runs with the seed ``bordersim sweep`` gives replication r of an experiment with
  the same ``seed`` (``sim.sweep.seeds``, common random numbers): the same design point and seed give
  the same outcome values in EMA and in a sweep.

``from_experiment("experiments/x.yaml")`` builds the model of an experiment file instead (its
factors, replications, seed and outcomes), and ``design_samples`` gives its design points as EMA
samples, so a sweep's design can be re-run, or extended, from the Workbench. The model function is
a picklable object, so EMA's ``SequentialEvaluator`` and ``MultiprocessingEvaluator`` both work.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError, did_you_mean
from sim.scenario import CHANNELS, Scenario, load_scenario
from sim.scenario.params import Params, declared_bounds
from sim.sweep import outcomes as oc
from sim.sweep.seeds import replication_seeds

SEED_KEY = "seed"  # the replication's keyword argument to the model function


def _workbench():
    """ema_workbench, imported quietly (it warns about optional cluster back ends it does not need)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import ema_workbench

    return ema_workbench


def _path(name: str) -> str:
    return f"channels.{name}" if name in CHANNELS else f"params.{name}"


def _plain(value: Any) -> Any:
    """EMA hands numpy scalars; the scenario (and its config hash) gets plain Python values."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return value


@dataclass(frozen=True)
class Runner:
    """The model function: one run of ``scenario`` with the sampled values and the replication's seed.

    A plain object (not a closure), so EMA's multiprocessing evaluator can send it to its workers.
    """

    scenario: Scenario
    outcomes: tuple[str, ...]

    def __call__(self, seed: int, **values: Any) -> dict[str, float]:
        from sim.sweep.plan import Task, run_task  # the sweep's own run: the same values by construction

        changes = {_path(name): _plain(v) for name, v in values.items()}
        scenario = self.scenario.with_changes(changes)
        row = run_task(Task(0, 0, int(seed), "", scenario, {}, self.outcomes))["row"]
        return {name: row[name] for name in self.outcomes}  # NaN for a run that failed, as in a sweep


def scenario_file(name_or_path: str | Path) -> Path:
    """A scenario file: ``name_or_path`` itself, or ``scenarios/NAME.yaml`` of the project."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    roots = [Path.cwd(), Path(__file__).resolve().parent.parent]
    for root in roots:
        candidate = root / "scenarios" / f"{name_or_path}.yaml"
        if candidate.is_file():
            return candidate
    known = sorted({p.stem for r in roots for p in (r / "scenarios").glob("*.yaml")})
    raise ScenarioError(f"no scenario {str(name_or_path)!r} (a file, or a name in scenarios/)",
                        path="scenario", hint=did_you_mean(str(name_or_path), known))


def _ranges(params: Iterable[str] | Mapping[str, Iterable[float]] | None) -> dict[str, tuple[float, float]]:
    """Coefficient -> (lo, hi): declared bounds, or the caller's narrower range checked against them."""
    declared = tuple(Params.model_fields)
    if params is None:
        return {name: declared_bounds(name) for name in declared}
    given = dict(params) if isinstance(params, Mapping) else dict.fromkeys(params)
    ranges: dict[str, tuple[float, float]] = {}
    for name, rng in given.items():
        if name not in declared:
            raise ScenarioError(f"unknown coefficient {name!r}", path=f"params.{name}",
                                hint=did_you_mean(name, declared))
        lo, hi = declared_bounds(name)
        if rng is None:
            ranges[name] = (lo, hi)
            continue
        a, b = (float(x) for x in rng)
        if not lo <= a < b <= hi:
            raise ScenarioError(f"range [{a:g}, {b:g}] must be increasing and within the declared "
                                f"bounds [{lo:g}, {hi:g}]", path=f"params.{name}")
        ranges[name] = (a, b)
    return ranges


def _outcome_names(scenario: Scenario, outcomes: Iterable[str] | None) -> tuple[str, ...]:
    pockets = list(scenario.pockets)
    if outcomes is None:
        return tuple(oc.default_outcomes(pockets))
    known = oc.available(pockets)
    names = tuple(outcomes)
    for name in names:
        if name not in known:
            raise ScenarioError(f"unknown outcome {name!r}", path="outcomes", hint=did_you_mean(name, known))
    return names


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    return name if name.isidentifier() else f"m_{name}"


def _replicator(name: str, scenario: Scenario, outcomes: tuple[str, ...], replications: int, seed: int):
    ema = _workbench()
    model = ema.ReplicatorModel(_identifier(name), function=Runner(scenario, outcomes))
    model.replications = [{SEED_KEY: s} for s in replication_seeds(seed, replications)]
    model.outcomes = [ema.ArrayOutcome(o) for o in outcomes]
    return model


def model(scenario: str | Path | Scenario = "pockets_2018", *, days: int | None = None,
          replications: int = 10, seed: int = 0,
          params: Iterable[str] | Mapping[str, Iterable[float]] | None = None,
          outcomes: Iterable[str] | None = None, set: Mapping[str, Any] | None = None,  # noqa: A002
          name: str | None = None):
    """An EMA ``ReplicatorModel`` of ``scenario`` (a name in scenarios/, a file, or a Scenario).

    ``params``: the coefficients to treat as uncertain -- None for all of them over their declared
    bounds, a list of names (declared bounds), or a mapping name -> (lo, hi) within those bounds.
    ``set`` and ``days`` change the base scenario like an experiment's ``set:`` and ``days:``.
    """
    if replications < 1:
        raise ScenarioError(f"replications must be at least 1, got {replications}", path="replications")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario_file(scenario))
    changes = dict(set or {})
    if days is not None:
        changes["days"] = days
    base = base.with_changes(changes) if changes else base
    ranges = _ranges(params)
    for coefficient, bounds in ranges.items():  # a bound the scenario's own checks refuse fails now
        for value in bounds:
            base.with_changes({_path(coefficient): value})
    ema = _workbench()
    names = _outcome_names(base, outcomes)
    result = _replicator(name or f"bordersim_{base.name}", base, names, replications, seed)
    result.uncertainties = [ema.RealParameter(n, lo, hi) for n, (lo, hi) in ranges.items()]
    result.levers = [ema.BooleanParameter(c, default=bool(getattr(base.channels, c))) for c in CHANNELS]
    return result


def from_experiment(path: str | Path):
    """The model of an experiment file: its coefficient factors are the uncertainties (over their
    ``range`` or ``levels``), its channel factors the levers, and its replications, seed and
    outcomes those of ``bordersim sweep`` on the same file."""
    from sim.sweep.experiment import load_experiment

    exp = load_experiment(path)
    ema = _workbench()
    result = _replicator(f"bordersim_{exp.name}", exp.scenario, exp.outcomes, exp.replications, exp.seed)

    def parameter(f):
        if f.range:
            return ema.RealParameter(f.name, *f.range)
        if f.kind == "channel" and sorted(f.levels) == [False, True]:
            return ema.BooleanParameter(f.name)
        return ema.CategoricalParameter(f.name, list(f.levels))

    result.uncertainties = [parameter(f) for f in exp.factors if f.kind == "param"]
    result.levers = [parameter(f) for f in exp.factors if f.kind == "channel"]
    return result


def design_samples(path: str | Path) -> tuple[list, list]:
    """The design points of experiment ``path`` as EMA (scenarios, policies), one pair per point:
    ``perform_experiments(from_experiment(path), scenarios, policies, combine="cycle")`` runs the
    sweep's design (values exactly as ``bordersim sweep`` draws them)."""
    from sim.sweep.design import build_design
    from sim.sweep.experiment import load_experiment

    exp = load_experiment(path)
    ema = _workbench()
    design = build_design(exp.factors, exp.design, exp.seed)
    kinds = {f.name: f.kind for f in exp.factors}
    scenarios, policies = [], []
    for i, point in enumerate(design.points):
        scenarios.append(ema.Sample(f"point{i}", **{k: v for k, v in point.items() if kinds[k] == "param"}))
        policies.append(ema.Sample(f"point{i}", **{k: v for k, v in point.items() if kinds[k] == "channel"}))
    return scenarios, policies


def runs_frame(model, experiments, outcomes: Mapping[str, np.ndarray]):
    """EMA's results as one row per run (experiment x replication), like a sweep's results table:
    the experiment's uncertainty and lever values, ``experiment``, ``replication``, ``seed`` and
    one column per outcome."""
    import pandas as pd

    seeds = [rep[SEED_KEY] for rep in model.replications]
    inputs = [p.name for p in (*model.uncertainties, *model.levers) if p.name in experiments]
    rows = []
    for i in range(len(experiments)):
        point = {k: _plain(experiments[k].iloc[i]) for k in inputs}
        for r, seed in enumerate(seeds):
            row = {"experiment": i, "replication": r, "seed": seed, **point}
            for name, values in outcomes.items():
                value = np.asarray(values)[i, r]
                row[name] = math.nan if value is None else float(value)
            rows.append(row)
    return pd.DataFrame(rows)
