"""Experiment files: a base scenario, the factors to vary, a design, replications, outcomes.

Students write these by hand, so they are read with the scenario package's line-tracking YAML
reader and every mistake is a ScenarioError at FILE:LINE, like a scenario file's.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, did_you_mean
from sim.scenario import limits
from sim.scenario.tree import to_plain
from sim.scenario.yamlsrc import Node, decode, parse_text, read_bytes
from sim.sweep import outcomes as oc
from sim.sweep.checker import Checker
from sim.sweep.precision import Precision
from sim.sweep.precision import parse as parse_precision

TOP_KEYS = ("name", "title", "description", "scenario", "set", "factors", "design", "replications", "seed",
            "days", "outcomes", "params", "precision")
PARAMS_MODES = ("median", "posterior")  # the calibrated medians, or a posterior draw per replication
DESIGN_KEYS = {
    "full_factorial": ("type",),
    "lhs": ("type", "samples"),
    "sobol": ("type", "samples", "second_order"),
    "morris": ("type", "trajectories", "levels"),
}
MAX_RUNS = 200_000


@dataclass(frozen=True)
class Factor:
    """One varied setting: a channel or a model coefficient, with levels or a [lo, hi] range."""

    kind: str
    name: str
    levels: tuple = ()
    range: tuple[float, float] | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def path(self) -> str:
        return f"{'channels' if self.kind == 'channel' else 'params'}.{self.name}"

    def as_dict(self) -> dict:
        spec = {"range": list(self.range)} if self.range else {"levels": list(self.levels)}
        return {self.kind: self.name, **spec}


@dataclass(frozen=True)
class DesignSpec:
    type: str
    samples: int | None = None
    trajectories: int | None = None
    levels: int | None = None
    second_order: bool | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Experiment:
    """A validated experiment; ``scenario`` is the base with ``set`` and ``days`` applied."""

    file: str
    name: str
    title: str
    description: str
    scenario_file: str
    scenario: Any
    set: dict
    factors: tuple[Factor, ...]
    design: DesignSpec
    replications: int
    seed: int
    outcomes: tuple[str, ...]
    days: int | None = None
    scenario_ref: str = ""
    params: str = "median"
    precision: Precision | None = None  # `bordersim sweep --precision`: how many runs are enough

    def identity(self) -> dict:
        """What the experiment file asks for: a different one must not reuse this one's folder.

        Not the title or description, and not the scenario's contents: when a scenario or the model
        is updated, the same experiment re-runs into its folder (run keys follow the configuration).
        Nor ``precision``: it only decides how many replications to run, each the same run as a plain
        sweep's.
        """
        return {
            "name": self.name,
            "scenario": self.scenario_ref,
            "set": dict(self.set),
            "days": self.days,
            "factors": [f.as_dict() for f in self.factors],
            "design": self.design.as_dict(),
            "replications": self.replications,
            "seed": self.seed,
            "outcomes": list(self.outcomes),
            **({"params": self.params} if self.params != "median" else {}),
        }

    def manifest_hash(self) -> str:
        text = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def resolved_dict(self) -> dict:
        """The experiment with defaults filled in, plus the resolved base scenario: a sweep's record."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            **self.identity(),
            "scenario": self.scenario_file,
            "days": self.scenario.days,
            "scenario_config_hash": self.scenario.config_hash(),
            "pockets": {k: p.label for k, p in self.scenario.pockets.items()},
            "manifest_hash": self.manifest_hash(),
            "base_scenario": self.scenario.resolved_dict(),
            **({"precision": self.precision.as_dict()} if self.precision else {}),
        }


def _read(path: Path, label: str) -> Node:
    data = read_bytes(path, label, "experiment file")  # bounded: a huge file is refused unread
    root = parse_text(decode(data, label), label)
    if not root.is_map:
        raise ScenarioError("the top level must be a mapping (name:, scenario:, factors:, design:, ...)",
                            file=label, line=root.line)
    return root


def load_experiment(path: str | Path) -> Experiment:
    """Read and check an experiment file; raises one ScenarioError listing every problem."""
    from sim.scenario import load_scenario

    label = str(path)
    root = _read(Path(path), label)
    c = Checker(label)
    top = root.value
    if "scenario" not in top and {"forces", "channels"} & top.keys():
        raise ScenarioError("this is a scenario file, not an experiment: run it with `bordersim run`, or "
                            "name it in an experiment's `scenario:`", file=label, line=1)
    c.keys(root, TOP_KEYS, None)
    for key in ("name", "scenario", "factors"):
        if key not in top:
            c.err(f"missing required key `{key}`", root, None)
    name = c.text(top.get("name"), "name", Path(path).stem)
    title = c.text(top.get("title"), "title", name)
    description = c.text(top.get("description"), "description", "")
    replications = c.integer(top.get("replications"), "replications", 1, 10_000, 5)
    seed = c.integer(top.get("seed"), "seed", 0, limits.MAX_SEED, 0)
    days = c.integer(top.get("days"), "days", 1, limits.MAX_DAYS, None)
    params_mode = c.text(top.get("params"), "params", "median")
    if params_mode not in PARAMS_MODES:
        c.err("params is `median` (the calibrated coefficients, scenarios/calibrated/params.yaml) or "
              "`posterior` (each replication draws its coefficients from the calibration's posterior)",
              top["params"], "params", did_you_mean(params_mode, PARAMS_MODES))
    factors = _factors(c, top.get("factors"))
    design = _design(c, top.get("design"), factors, top.get("factors"))
    if c.errors:
        raise ScenarioError.collect(c.errors)

    scenario_file = _scenario_path(c, top["scenario"], label)
    scenario = load_scenario(scenario_file)
    changes = _set(c, top.get("set"))
    base = _apply(c, scenario, changes, top.get("set"), "set")
    if days is not None and base is not None:
        base = _apply(c, base, {"days": days}, top["days"], "days")
    if base is not None:
        for f in factors:
            for value in f.range or f.levels:
                _apply(c, base, {f.path: value}, f.line_node, f"factors.{f.name}", f"level {value!r}: ")
    outcome_names = _outcomes(c, top.get("outcomes"), base)
    precision = parse_precision(c, top.get("precision"), outcome_names, replications)
    if c.errors:
        raise ScenarioError.collect(c.errors)
    clean = tuple(Factor(f.kind, f.name, f.levels, f.range, f.line) for f in factors)
    settings = {k: v for k, (v, _) in changes.items()}
    return Experiment(label, name, title, description, scenario_file, base, settings, clean, design,
                      replications, seed, tuple(outcome_names), days, str(top["scenario"].value),
                      params_mode, precision)


@dataclass(frozen=True)
class _RawFactor(Factor):
    line_node: Node | None = field(default=None, compare=False)


def _factors(c: Checker, node: Node | None) -> tuple[_RawFactor, ...]:
    from sim.scenario import CHANNELS
    from sim.scenario.params import Params

    if node is None:
        return ()
    if not node.is_list or not node.value:
        c.err("must be a list of factors, e.g. `- channel: deconfliction`", node, "factors")
        return ()
    params = tuple(Params.model_fields)
    found: list[_RawFactor] = []
    for i, item in enumerate(node.value):
        path = f"factors.{i}"
        if not item.is_map:
            c.err("each factor is `channel: NAME` or `param: NAME` with levels or range", item, path)
            continue
        kind = "channel" if "channel" in item.value else "param" if "param" in item.value else None
        if kind is None or ("channel" in item.value and "param" in item.value):
            c.err("give exactly one of `channel:` or `param:`", item, path)
            continue
        c.keys(item, (kind, "levels") if kind == "channel" else (kind, "levels", "range"), path)
        name_node = item.value[kind]
        names = CHANNELS if kind == "channel" else params
        fname = name_node.value
        if fname not in names:
            c.err(f"unknown {kind} {fname!r}", name_node, f"{path}.{kind}", did_you_mean(fname, names))
            continue
        if any(f.name == fname for f in found):
            c.err(f"{fname} is already a factor", name_node, f"{path}.{kind}")
            continue
        levels, rng = _levels(c, item, kind, f"factors.{fname}")
        if levels is not None or rng is not None:
            found.append(_RawFactor(kind, fname, levels or (), rng, item.line, line_node=item))
    return tuple(found)


def _levels(c: Checker, item: Node, kind: str, path: str) -> tuple[tuple | None, tuple | None]:
    lv, rg = item.value.get("levels"), item.value.get("range")
    if kind == "channel":
        if lv is None:
            return (True, False), None
        ok = lv.is_list and lv.value and all(isinstance(x.value, bool) for x in lv.value)
        if not ok:
            c.err("channel levels are a list of true/false", lv, f"{path}.levels")
            return None, None
        values = tuple(x.value for x in lv.value)
    else:
        if (lv is None) == (rg is None):
            c.err("give either `levels: [a, b, ...]` or `range: [lo, hi]`", item, path)
            return None, None
        if rg is not None:
            nums = [c.number(x, f"{path}.range") for x in rg.value] if rg.is_list else []
            if len(nums) != 2 or None in nums or nums[0] >= nums[1]:
                c.err("range is [lo, hi] with lo < hi", rg, f"{path}.range")
                return None, None
            return None, (float(nums[0]), float(nums[1]))
        if not lv.is_list or not lv.value:
            c.err("levels is a non-empty list of numbers", lv, f"{path}.levels")
            return None, None
        values = tuple(c.number(x, f"{path}.levels") for x in lv.value)
        if None in values:
            return None, None
    if len(set(values)) != len(values):
        c.err("levels repeat a value", lv, f"{path}.levels")
        return None, None
    return values, None


def _design(c: Checker, node: Node | None, factors: tuple[Factor, ...],
            factors_node: Node | None = None) -> DesignSpec:
    if node is None:
        kind, fields = "full_factorial", {}
    elif isinstance(node.value, str):
        kind, fields = node.value, {}
    elif node.is_map and isinstance(node.value.get("type", Node(None, None, None)).value, str):
        kind, fields = node.value["type"].value, node.value
    else:
        c.err("design is full_factorial, lhs, sobol or morris, or a mapping with `type:`", node, "design")
        return DesignSpec("full_factorial")
    if kind not in DESIGN_KEYS:
        c.err(f"unknown design {kind!r}", node, "design", did_you_mean(kind, DESIGN_KEYS))
        return DesignSpec("full_factorial")
    if node is not None and node.is_map:
        c.keys(node, DESIGN_KEYS[kind], "design")
    need = {"lhs": "samples", "sobol": "samples", "morris": "trajectories"}.get(kind)
    if need and need not in fields:
        c.err(f"a {kind} design needs `{need}:`, e.g. design: {{type: {kind}, {need}: 16}}", node, "design")
        return DesignSpec(kind)
    samples = c.integer(fields.get("samples"), "design.samples", 1, MAX_RUNS, None)
    if kind == "sobol" and samples is not None and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        c.err(f"Sobol samples must be a power of two, got {samples}", fields["samples"], "design.samples",
              f"{lower} or {lower * 2}")
    trajectories = c.integer(fields.get("trajectories"), "design.trajectories", 2, MAX_RUNS, None)
    levels = c.integer(fields.get("levels"), "design.levels", 2, 100, 4 if kind == "morris" else None)
    if levels is not None and levels % 2:
        c.err("Morris levels must be even", fields.get("levels"), "design.levels")
    second = fields.get("second_order")
    if second is not None and not isinstance(second.value, bool):
        c.err("must be true or false", second, "design.second_order")
    spec = DesignSpec(kind, samples, trajectories, levels,
                      (bool(second.value) if second is not None else False) if kind == "sobol" else None)
    if kind == "full_factorial":
        for f in factors:
            if f.range:
                c.err("a full factorial needs `levels:`, not `range:`", f.line_node, f"factors.{f.name}",
                      "levels: [...], or design lhs / sobol / morris")
    if kind in ("sobol", "morris") and len(factors) < 2:
        c.err(f"a {kind} design needs at least two factors", node, "design")
    if not c.errors:
        from sim.sweep.design import design_size

        runs = design_size(factors, spec)
        if runs > MAX_RUNS:  # no `design:` (full factorial by default): the factors make it so big
            where = (node, "design") if node is not None else (factors_node, "factors")
            c.err(f"{runs} design points is more than {MAX_RUNS}", *where)
    return spec


def _scenario_path(c: Checker, node: Node, label: str) -> str:
    value = node.value
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError("must be the path of a scenario file", file=label, line=node.line,
                            path="scenario")
    path = os.path.normpath(os.path.join(os.path.dirname(label), value))
    if not Path(path).is_file():
        raise ScenarioError(f"scenario file {path} not found (paths are relative to the experiment file)",
                            file=label, line=node.line, path="scenario")
    return path


def _set(c: Checker, node: Node | None) -> dict[str, tuple[Any, Node]]:
    if node is None:
        return {}
    if not node.is_map:
        c.err("set is a mapping of scenario keys to values, e.g. `grid.cell_deg: 0.1`", node, "set")
        return {}
    return {key: (to_plain(child), child) for key, child in node.value.items()}


def _apply(c: Checker, scenario, changes: dict, node: Node | None, path: str, prefix: str = ""):
    """``scenario.with_changes(changes)``; its complaints are re-pointed at the experiment file.

    ``changes`` from `set:` map a key to (value, node), so each complaint lands on its own line.
    """
    plain = {k: (v[0] if isinstance(v, tuple) else v) for k, v in changes.items()}
    if not plain:
        return scenario
    try:
        return scenario.with_changes(plain)
    except ScenarioError as err:
        for e in err.errors:
            own = changes.get(e.path or "")
            if isinstance(own, tuple):  # a `set:` key: report it at its line under its own name
                c.err(e.message, own[1], e.path, e.hint)
            else:
                c.err(prefix + e.message, node, path, e.hint)
        return None


def _outcomes(c: Checker, node: Node | None, scenario) -> list[str]:
    if scenario is None:
        return []
    pockets, record = list(scenario.pockets), [e.id for e in scenario.record]
    if node is None:
        return oc.default_outcomes(pockets, record)
    names = oc.available(pockets, record)
    if not node.is_list or not node.value:
        c.err("outcomes is a list of names, e.g. [euphrates_final_km2, raids]", node, "outcomes")
        return []
    chosen: list[str] = []
    for i, item in enumerate(node.value):
        v = item.value
        if not isinstance(v, str):
            c.err(f"must be the name of an outcome, got {v!r:.40}", item, f"outcomes.{i}")
        elif v not in names:
            c.err(f"unknown outcome {v!r}", item, f"outcomes.{i}", did_you_mean(v, names))
        elif v in chosen:
            c.err(f"{v} is listed twice", item, f"outcomes.{i}")
        else:
            chosen.append(v)
    # the model's day for every record entry, always: `bordersim report` holds the sweep against the record
    return chosen + [o for o in map(oc.record_outcome, record) if o not in chosen]
