"""The coverage of the one interval (sim.report.intervals.interval), measured: for each kind of values
and replications n, the share of 10,000 samples of known mean whose 95 % interval contains the mean.

Fixed seeds, a few seconds. tests/test_intervals.py asserts the figures; docs/intervals.md shows
them in a generated block (``python -m tools.docs_gen``).
"""

from __future__ import annotations

import numpy as np

from sim.report.intervals import interval

TRIALS = 10_000
SIZES = (3, 5, 10, 20)


def _normal(rng, shape):
    return rng.normal(10.0, 3.0, shape)


def _skewed(rng, shape):  # gamma with shape 2: skewness 1.4, like an area or a harm index
    return rng.gamma(2.0, 1.0, shape)


def _counts_near_zero(rng, shape):  # a count of rare events per run: 22 % of runs see none
    return rng.poisson(1.5, shape).astype(float)


def _rare_counts(rng, shape):  # 74 % of runs see none
    return rng.poisson(0.3, shape).astype(float)


def _overdispersed_counts(rng, shape):  # negative binomial, variance 2.5 x the mean
    return rng.negative_binomial(2, 0.4, shape).astype(float)


def _paired_count_differences(rng, shape):  # B - A of two counts: what a channel's effect on raids is
    return (rng.poisson(3.0, shape) - rng.poisson(2.0, shape)).astype(float)


#: name -> (draw, true mean, counts?)
CASES = {
    "normal": (_normal, 10.0, False),
    "skewed (gamma 2)": (_skewed, 2.0, False),
    "counts near zero (Poisson 1.5)": (_counts_near_zero, 1.5, True),
    "rare counts (Poisson 0.3)": (_rare_counts, 0.3, True),
    "overdispersed counts (neg. binomial)": (_overdispersed_counts, 3.0, True),
    "paired count differences": (_paired_count_differences, 1.0, False),
}
#: Beyond the asserted cases, the stated limit: strongly skewed values at very few replications.
LIMITS = {
    "exponential (skewness 2)": (lambda rng, shape: rng.exponential(1.0, shape), 1.0, False),
}


def coverage(draw, mean: float, n: int, counts: bool, seed: int = 2018) -> float:
    x = draw(np.random.default_rng([seed, n]), (n, TRIALS))
    _, lo, hi = interval(x, counts=counts)
    return float(np.mean((lo <= mean) & (mean <= hi)))


def coverage_table(cases: dict = CASES | LIMITS) -> str:
    """Markdown: coverage of the nominal 95 % interval by distribution and replications."""
    rows = ["| values | " + " | ".join(f"n = {n}" for n in SIZES) + " |", "|---" * (len(SIZES) + 1) + "|"]
    for name, (draw, mean, counts) in cases.items():
        cells = " | ".join(f"{coverage(draw, mean, n, counts):.1%}" for n in SIZES)
        rows.append(f"| {name} | {cells} |")
    return "\n".join(rows)
