"""Priors of calibrated coefficients, from the bounds declared in ``sim.scenario.params``.

One rule, used by the calibration's default priors and by the Morris screening alike: a coefficient
whose range spans two decades or more is drawn log-uniformly, every other one uniformly. A range from
0 spans decades when its upper bound is at least a hundred times the default; its log scale then
starts at a hundredth of the default (a coefficient of 0 switches a mechanism off; a log scale cannot
reach it, and the screening asks how much it matters, not whether it exists). Log-uniform
coefficients are sampled, perturbed and stored as log10 of their value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.scenario.params import Params

DECADES = 2.0  # a range of at least this many decades is sampled on a log scale
LOG_FLOOR = 0.01  # with a lower bound of 0, the log scale starts at this share of the default


def declared(name: str) -> tuple[float, float, float]:
    """(lower bound, upper bound, default) of coefficient ``name`` as params.py declares it."""
    field = Params.model_fields[name]
    lo = next(m.ge for m in field.metadata if hasattr(m, "ge"))
    hi = next(m.le for m in field.metadata if hasattr(m, "le"))
    return float(lo), float(hi), float(field.default)


@dataclass(frozen=True)
class Prior:
    """Uniform on [lo, hi], or uniform in log10 on [lo, hi] when ``log``."""

    name: str
    lo: float
    hi: float
    log: bool

    @property
    def kind(self) -> str:
        return "log_uniform" if self.log else "uniform"

    def space(self) -> tuple[float, float]:
        """The prior's bounds in sampling space (log10 for a log-uniform prior)."""
        return (math.log10(self.lo), math.log10(self.hi)) if self.log else (self.lo, self.hi)

    def value(self, x: float) -> float:
        """The coefficient's value for sampling-space ``x``, clipped to its bounds (rounding)."""
        v = 10.0 ** x if self.log else x
        return min(max(float(v), self.lo), self.hi)

    def from_unit(self, u: float) -> float:
        """The coefficient's value at quantile ``u`` of the prior (0 <= u <= 1)."""
        a, b = self.space()
        return self.value(a + u * (b - a))

    def as_dict(self) -> dict:
        return {"prior": self.kind, "range": [self.lo, self.hi]}


def default_prior(name: str) -> Prior:
    """The rule above applied to ``name``'s declared bounds."""
    lo, hi, default = declared(name)
    if lo > 0 and hi / lo >= 10.0**DECADES:
        return Prior(name, lo, hi, True)
    floor = LOG_FLOOR * default
    if lo == 0 and floor > 0 and hi / default >= 10.0**DECADES:
        return Prior(name, floor, hi, True)
    return Prior(name, lo, hi, False)


def make_prior(name: str, kind: str | None, rng: tuple[float, float] | None) -> Prior:
    """A prior from a calibration file's entry: ``kind`` and ``rng`` default to the rule above."""
    base = default_prior(name)
    lo, hi = rng if rng is not None else (base.lo, base.hi)
    log = base.log if kind is None else kind == "log_uniform"
    return Prior(name, float(lo), float(hi), log)


def pyabc_distribution(priors: list[Prior]):
    """The pyabc prior over sampling space (uniform in x, or in log10 x)."""
    import pyabc

    return pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.space()[0], p.space()[1] - p.space()[0])
                                 for p in priors})
