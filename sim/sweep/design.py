"""Design points: which factor settings a sweep runs.

Full factorial crosses every level; LHS, Sobol (Saltelli's scheme) and Morris sample the unit
cube and map each column onto a factor -- discrete levels (channels on/off, listed values) by
equal-width bins, ranges linearly -- so one mapping serves every sampling design. The raw sample
is kept because SALib's analysers need exactly the matrix they were given.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.sweep.experiment import DesignSpec, Factor


@dataclass(frozen=True)
class Design:
    """``points[i]`` maps factor name -> value; ``raw`` is the SALib/qmc sample (None for factorial)."""

    points: list[dict[str, Any]]
    raw: np.ndarray | None
    problem: dict | None


def problem(factors: tuple[Factor, ...]) -> dict:
    """The SALib problem: ranges keep their bounds, discrete factors live on [0, 1]."""
    return {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [list(f.range) if f.range else [0.0, 1.0] for f in factors],
    }


def value_of(factor: Factor, x: float) -> Any:
    """The factor's setting for sample coordinate ``x`` (in the factor's problem bounds)."""
    if factor.range:
        lo, hi = factor.range
        return float(min(max(x, lo), hi))
    k = len(factor.levels)
    return factor.levels[min(int(x * k), k - 1)]


def full_factorial(factors: tuple[Factor, ...]) -> Design:
    combos = itertools.product(*(f.levels for f in factors))
    points = [dict(zip((f.name for f in factors), combo, strict=True)) for combo in combos]
    return Design(points, None, None)


def _sample(spec: DesignSpec, prob: dict, seed: int) -> np.ndarray:
    if spec.type == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(prob["num_vars"], rng=np.random.default_rng(seed)).random(spec.samples)
    if spec.type == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return sobol.sample(prob, spec.samples, calc_second_order=spec.second_order, seed=seed)
    if spec.type == "morris":
        from SALib.sample import morris

        return morris.sample(prob, spec.trajectories, num_levels=spec.levels, seed=seed)
    raise ValueError(f"unknown design {spec.type!r}")


def build_design(factors: tuple[Factor, ...], spec: DesignSpec, seed: int) -> Design:
    """The design points of an experiment; sampled designs are seeded by the experiment seed."""
    if spec.type == "full_factorial":
        return full_factorial(factors)
    prob = problem(factors)
    raw = _sample(spec, prob, seed)
    if spec.type == "lhs":  # LHS samples the unit cube; put ranges in their units like SALib does
        for j, f in enumerate(factors):
            if f.range:
                raw[:, j] = f.range[0] + raw[:, j] * (f.range[1] - f.range[0])
    points = [{f.name: value_of(f, float(row[j])) for j, f in enumerate(factors)} for row in raw]
    return Design(points, raw, prob)


def design_size(factors: tuple[Factor, ...], spec: DesignSpec) -> int:
    """Number of design points, known before sampling (to refuse absurd sweeps early)."""
    d = len(factors)
    if spec.type == "full_factorial":
        return int(np.prod([len(f.levels) for f in factors]))
    if spec.type == "lhs":
        return spec.samples
    if spec.type == "sobol":
        return spec.samples * (2 * d + 2 if spec.second_order else d + 2)
    return spec.trajectories * (d + 1)
