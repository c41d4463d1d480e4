"""Calibration files (experiments/calibrate_*.yaml): scenarios, coefficients and priors, targets, sizes.

Read with the scenario package's line-tracking YAML reader; every mistake is a ScenarioError at
FILE:LINE, all of them collected in one pass, as for experiment files::

    name: calibrate_2017
    scenarios:                       # alias: a scenario file (relative to this file), days, set
      autumn_2017: {scenario: ../scenarios/deir_ezzor_2017.yaml, days: 100}
    coefficients:                    # name: prior (default: from params.py's bounds, see priors.py)
      strike_kill_fraction: {prior: log_uniform, range: [0.002, 0.3]}
      area_fire: log_uniform
    targets:                         # name: {kind: ..., what it compares, its scale, weight: 1}
      town_events: {kind: record, scenario: autumn_2017, scale_days: 14}
    population: 200
    generations: 8
    runs_per_particle: 2             # seeds per particle; the statistics are their means
    seed: 2017
    quick: {population: 8, generations: 2}
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.calibrate.priors import Prior, declared, make_prior
from sim.calibrate.regime_targets import REGIME_KINDS, regime_fields
from sim.errors import ScenarioError, did_you_mean
from sim.scenario import limits
from sim.scenario.tree import to_plain
from sim.scenario.yamlsrc import Node, decode, parse_text, read_bytes
from sim.sweep.checker import Checker

TOP_KEYS = ("name", "title", "description", "scenarios", "coefficients", "targets", "population",
            "generations", "runs_per_particle", "kernel_scaling", "seed", "quick")
SCENARIO_KEYS = ("scenario", "days", "set")
PRIOR_KINDS = ("uniform", "log_uniform")
#: target kind -> (required keys, optional keys)
TARGET_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "record": (("scenario",), ("scale_days", "source")),
    "pocket_cleared": (("scenario", "pocket", "day"), ("scale_days", "source")),
    "kills_per_strike": (("max",), ("scale", "scenarios", "source")),
    "final": (("scenario", "column", "range"), ("scale", "source")),
    "sum": (("scenario", "column", "days", "value"), ("tolerance", "source")),
    # days until a place is taken (a siege's or a collapse's duration) inside a range
    "taken_within": (("scenario", "place", "by", "range"), ("scale_days", "source")),
    # the mean of a column summed over each week of [first, last] (the insurgency's weekly attacks)
    "weekly_mean": (("scenario", "column", "days", "range"), ("scale", "source")),
    # the mean of a column over the last window over its mean over the first (no decay)
    "ratio": (("scenario", "column", "first", "last", "range"), ("scale", "source")),
}
DEFAULT_SCALE_DAYS = 14.0
DEFAULT_TOLERANCE = 0.3
MAX_POPULATION = 100_000
MAX_RUNS_PER_PARTICLE = 20
MAX_GENERATIONS = 100


@dataclass(frozen=True)
class ScenarioRef:
    alias: str
    file: str
    scenario: Any  # the loaded Scenario with `set` and `days` applied
    ref: str
    days: int | None
    set: dict


@dataclass(frozen=True)
class Target:
    """One observed pattern: ``kind`` says how the runs are read (see sim.calibrate.targets)."""

    name: str
    kind: str
    scenario: str | None = None
    scale: float = 1.0  # the deviation (in the quantity's unit) that counts as 1
    pocket: str | None = None
    day: float | None = None
    column: str | None = None
    days: tuple[int, int] | None = None
    value: float | None = None
    range: tuple[float, float] | None = None
    max: float | None = None
    scenarios: tuple[str, ...] = ()
    source: str = ""
    place: str | None = None  # taken_within: the place and who takes it
    by: str | None = None
    first: tuple[int, int] | None = None  # ratio: the first and last windows [day, day]
    last: tuple[int, int] | None = None
    weight: float = 1.0  # its squared deviation's weight in the distance (sim.calibrate.targets)

    def as_dict(self) -> dict:
        out = {k: v for k, v in vars(self).items() if v not in (None, (), "") and (k, v) != ("weight", 1.0)}
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


@dataclass(frozen=True)
class CalibrationSpec:
    file: str
    name: str
    title: str
    description: str
    scenarios: dict[str, ScenarioRef]
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]
    population: int
    generations: int
    seed: int
    quick_population: int
    quick_generations: int
    runs_per_particle: int = 1
    kernel_scaling: float = 1.0  # the perturbation kernel's covariance, times pyabc's (Silverman's) choice
    lines: dict = field(default_factory=dict, compare=False)

    def sized(self, quick: bool) -> tuple[int, int]:
        """(population, generations) of a full or a ``--quick`` run."""
        return (self.quick_population, self.quick_generations) if quick else (self.population,
                                                                               self.generations)

    def identity(self, quick: bool) -> dict:
        """What a history was made with: resuming with anything else is refused."""
        pop, gens = self.sized(quick)
        return {
            "name": self.name,
            "scenarios": {a: {"scenario": s.ref, "days": s.days, "set": s.set,
                              "config_hash": self._neutral(s.scenario).config_hash()}
                          for a, s in self.scenarios.items()},
            "coefficients": {p.name: p.as_dict() for p in self.priors},
            "targets": [t.as_dict() for t in self.targets],
            "population": pop,
            "runs_per_particle": self.runs_per_particle,
            "kernel_scaling": self.kernel_scaling,
            "seed": self.seed,
        }

    def _neutral(self, scenario):
        """The scenario with every calibrated coefficient at its prior's lower bound: a particle sets
        them all, so their values in the scenario (the calibrated medians, once written) do not matter."""
        return scenario.with_changes({f"params.{p.name}": p.lo for p in self.priors})

    def identity_hash(self, quick: bool) -> str:
        text = json.dumps(self.identity(quick), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def load_calibration(path: str | Path) -> CalibrationSpec:
    """Read and check a calibration file; raises one ScenarioError listing every problem."""
    label = str(path)
    data = read_bytes(Path(path), label, "calibration file")
    root = parse_text(decode(data, label), label)
    if not root.is_map:
        raise ScenarioError("the top level must be a mapping (name:, scenarios:, coefficients:, targets:, "
                            "...)", file=label, line=root.line)
    c = Checker(label)
    top = root.value
    c.keys(root, TOP_KEYS, None)
    for key in ("name", "scenarios", "coefficients", "targets"):
        if key not in top:
            c.err(f"missing required key `{key}`", root, None)
    name = c.text(top.get("name"), "name", Path(path).stem)
    title = c.text(top.get("title"), "title", name)
    description = c.text(top.get("description"), "description", "")
    population = c.integer(top.get("population"), "population", 2, MAX_POPULATION, 200)
    generations = c.integer(top.get("generations"), "generations", 1, MAX_GENERATIONS, 8)
    seed = c.integer(top.get("seed"), "seed", 0, limits.MAX_SEED, 0)
    runs = c.integer(top.get("runs_per_particle"), "runs_per_particle", 1, MAX_RUNS_PER_PARTICLE, 1)
    scaling = _positive(c, top.get("kernel_scaling"), "kernel_scaling", 1.0)
    qpop, qgen = _quick(c, top.get("quick"))
    priors = _coefficients(c, top.get("coefficients"))
    scenarios = _scenarios(c, top.get("scenarios"), label)
    targets = _targets(c, top.get("targets"), scenarios)
    if c.errors:
        raise ScenarioError.collect(c.errors)
    return CalibrationSpec(label, name, title, description, scenarios, priors, targets, population,
                           generations, seed, qpop, qgen, runs, scaling)


def _quick(c: Checker, node: Node | None) -> tuple[int, int]:
    if node is None:
        return 6, 2
    if not node.is_map:
        c.err("quick is a mapping {population: N, generations: G}", node, "quick")
        return 6, 2
    c.keys(node, ("population", "generations"), "quick")
    return (c.integer(node.value.get("population"), "quick.population", 2, MAX_POPULATION, 6),
            c.integer(node.value.get("generations"), "quick.generations", 1, MAX_GENERATIONS, 2))


def _coefficients(c: Checker, node: Node | None) -> tuple[Prior, ...]:
    from sim.scenario.params import Params

    if node is None:
        return ()
    if not node.is_map or not node.value:
        c.err("coefficients is a mapping of coefficient names to priors, e.g. `area_fire: log_uniform`",
              node, "coefficients")
        return ()
    names = tuple(Params.model_fields)
    priors: list[Prior] = []
    for key, item in node.value.items():
        path = f"coefficients.{key}"
        if key not in names:
            c.err("unknown coefficient (params.py declares them)", item, path, did_you_mean(key, names))
            continue
        kind, rng = None, None
        if isinstance(item.value, str) or item.value is None:
            kind = item.value
        elif item.is_map:
            c.keys(item, ("prior", "range"), path)
            kind = item.value["prior"].value if "prior" in item.value else None
            rng = _range(c, item.value.get("range"), f"{path}.range")
            if "range" in item.value and rng is None:
                continue
        else:
            c.err("give a prior (uniform or log_uniform) or {prior: ..., range: [lo, hi]}", item, path)
            continue
        if kind is not None and kind not in PRIOR_KINDS:
            c.err(f"unknown prior {kind!r}; allowed: {', '.join(PRIOR_KINDS)}", item, path,
                  did_you_mean(kind, PRIOR_KINDS))
            continue
        lo, hi, _ = declared(key)
        if rng is not None and not (lo <= rng[0] and rng[1] <= hi):
            c.err(f"range {list(rng)} leaves the declared bounds [{lo:g}, {hi:g}]", item.value["range"],
                  f"{path}.range")
            continue
        prior = make_prior(key, kind, rng)
        if prior.log and prior.lo <= 0:
            c.err("a log_uniform prior needs a range above 0, e.g. range: [0.001, 1]", item, path)
            continue
        priors.append(prior)
    return tuple(priors)


def _range(c: Checker, node: Node | None, path: str) -> tuple[float, float] | None:
    if node is None:
        return None
    nums = [c.number(x, path) for x in node.value] if node.is_list else []
    if len(nums) != 2 or None in nums or nums[0] >= nums[1]:
        c.err("range is [lo, hi] with lo < hi", node, path)
        return None
    return float(nums[0]), float(nums[1])


def _scenarios(c: Checker, node: Node | None, label: str) -> dict[str, ScenarioRef]:
    from sim.scenario import load_scenario

    if node is None:
        return {}
    if not node.is_map or not node.value:
        c.err("scenarios is a mapping of names to scenario files, e.g. `autumn_2017: {scenario: "
              "../scenarios/deir_ezzor_2017.yaml, days: 100}`", node, "scenarios")
        return {}
    out: dict[str, ScenarioRef] = {}
    for alias, item in node.value.items():
        path = f"scenarios.{alias}"
        fields = {"scenario": item} if isinstance(item.value, str) else item.value if item.is_map else None
        if fields is None or "scenario" not in fields:
            c.err("give the scenario file: `scenario: ../scenarios/NAME.yaml`", item, path)
            continue
        if item.is_map:
            c.keys(item, SCENARIO_KEYS, path)
        ref = fields["scenario"]
        if not isinstance(ref.value, str) or not ref.value.strip():
            c.err("must be the path of a scenario file", ref, f"{path}.scenario")
            continue
        file = os.path.normpath(os.path.join(os.path.dirname(label), ref.value))
        if not Path(file).is_file():
            c.err(f"scenario file {file} not found (paths are relative to the calibration file)", ref,
                  f"{path}.scenario")
            continue
        days = c.integer(fields.get("days"), f"{path}.days", 1, limits.MAX_DAYS, None)
        changes = {}
        if "set" in fields:
            s = fields["set"]
            if not s.is_map:
                c.err("set is a mapping of scenario keys to values", s, f"{path}.set")
                continue
            changes = {k: to_plain(v) for k, v in s.value.items()}
        try:
            scenario = load_scenario(file)
            scenario = scenario.with_changes({**changes, **({"days": days} if days else {})})
        except ScenarioError as err:
            c.err(f"{err.one_line()}", fields.get("set", ref), path)
            continue
        out[alias] = ScenarioRef(alias, file, scenario, ref.value, days, changes)
    return out


def _targets(c: Checker, node: Node | None, scenarios: dict[str, ScenarioRef]) -> tuple[Target, ...]:
    if node is None:
        return ()
    if not node.is_map or not node.value:
        c.err("targets is a mapping of names to targets, e.g. `town_events: {kind: record, scenario: "
              "autumn_2017}`", node, "targets")
        return ()
    out: list[Target] = []
    for name, item in node.value.items():
        path = f"targets.{name}"
        if not item.is_map or "kind" not in item.value:
            c.err(f"a target is a mapping with `kind:` ({', '.join(TARGET_KEYS)})", item, path)
            continue
        kind = item.value["kind"].value
        if kind not in TARGET_KEYS:
            c.err(f"unknown target kind {kind!r}; allowed: {', '.join(TARGET_KEYS)}", item.value["kind"],
                  f"{path}.kind", did_you_mean(kind, TARGET_KEYS))
            continue
        need, optional = TARGET_KEYS[kind]
        c.keys(item, ("kind", *need, *optional, "weight"), path)
        missing = [k for k in need if k not in item.value]
        if missing:
            c.err(f"a {kind} target needs `{missing[0]}:`", item, path)
            continue
        target = _target(c, name, kind, item.value, path, scenarios)
        if target is not None:
            out.append(target)
    return tuple(out)


def _target(c: Checker, name: str, kind: str, f: dict[str, Node], path: str,
            scenarios: dict[str, ScenarioRef]) -> Target | None:
    n_errors = len(c.errors)
    kw: dict[str, Any] = {"source": c.text(f.get("source"), f"{path}.source", "") or "",
                          "weight": _positive(c, f.get("weight"), f"{path}.weight", 1.0)}
    if "scenario" in f:
        alias = f["scenario"].value
        if alias not in scenarios:
            c.err(f"no scenario {alias!r} in `scenarios:`", f["scenario"], f"{path}.scenario",
                  did_you_mean(alias, scenarios))
            return None
        kw["scenario"] = alias
    if kind in ("record", "pocket_cleared", "taken_within"):
        kw["scale"] = _positive(c, f.get("scale_days"), f"{path}.scale_days", DEFAULT_SCALE_DAYS)
    if kind in REGIME_KINDS:  # the regimes' targets (sim/calibrate/regime_targets.py)
        regime_fields(c, kind, f, path, scenarios[kw["scenario"]].scenario, kw)
    if kind == "pocket_cleared":
        pockets = list(scenarios[kw["scenario"]].scenario.pockets)
        if f["pocket"].value not in pockets:
            c.err(f"no pocket {f['pocket'].value!r} in that scenario", f["pocket"], f"{path}.pocket",
                  did_you_mean(f["pocket"].value, pockets))
        kw["pocket"] = f["pocket"].value
        kw["day"] = c.number(f["day"], f"{path}.day")
    if kind == "kills_per_strike":
        kw["max"] = _positive(c, f["max"], f"{path}.max", None)
        kw["scale"] = _positive(c, f.get("scale"), f"{path}.scale", 1.0)
        listed = f.get("scenarios")
        listed_ok = listed is not None and listed.is_list
        aliases = [x.value for x in listed.value] if listed_ok else list(scenarios)
        for a in aliases:
            if a not in scenarios:
                c.err(f"no scenario {a!r} in `scenarios:`", listed, f"{path}.scenarios",
                      did_you_mean(a, scenarios))
        kw["scenarios"] = tuple(aliases)
    if kind in ("final", "sum"):
        kw["column"] = f["column"].value
        _column(c, scenarios[kw["scenario"]].scenario, f["column"], f"{path}.column")
    if kind == "final":
        rng = _range(c, f["range"], f"{path}.range")
        kw["range"] = rng
        width = rng[1] - rng[0] if rng else 1.0
        kw["scale"] = _positive(c, f.get("scale"), f"{path}.scale", width)
    if kind == "sum":
        days = [c.integer(x, f"{path}.days", 0, limits.MAX_DAYS, None) for x in f["days"].value] \
            if f["days"].is_list else []
        if len(days) != 2 or None in days or days[0] > days[1]:
            c.err("days is [first, last] with first <= last", f["days"], f"{path}.days")
        else:
            kw["days"] = (days[0], days[1])
        kw["value"] = _positive(c, f["value"], f"{path}.value", None)
        tol = _positive(c, f.get("tolerance"), f"{path}.tolerance", DEFAULT_TOLERANCE)
        if kw["value"] is not None and tol is not None:
            kw["scale"] = kw["value"] * tol
    if len(c.errors) > n_errors:
        return None
    return Target(name, kind, **kw)


def _positive(c: Checker, node: Node | None, path: str, default: float | None) -> float | None:
    if node is None:
        return default
    v = c.number(node, path)
    if v is not None and v <= 0:
        c.err(f"must be above 0, got {v}", node, path)
        return default
    return v


def _column(c: Checker, scenario, node: Node, path: str) -> None:
    from sim.model.record import DAILY_COUNTERS, regime_counters

    pockets = list(scenario.pockets)
    columns = ("isis_fighters", "isis_cells", "isis_area_km2", "isis_cohesion", "civilian_harm_total",
               *DAILY_COUNTERS, *regime_counters(scenario),
               *(f"{p}_{w}" for p in pockets for w in ("km2", "fighters")))
    if node.value not in columns:
        c.err(f"unknown column {node.value!r} of the daily timeseries", node, path,
              did_you_mean(node.value, columns))
