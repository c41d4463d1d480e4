"""The one 95 % interval every front end shows, its paired test, and the false discovery rate.

:func:`interval` is the interval of a mean over replications (a paired difference, a design point's
outcome, a setting's marginal mean, a band of trajectories). Its method, chosen by measured coverage
at 3 to 20 replications (tests/test_intervals.py, docs/validation.md "How the intervals are made"):

1. **Student's t-interval** on the per-replication values, ``mean +- t(n-1) s / sqrt(n)``: exact for
   normal values, and the standard of simulation output analysis for the paired differences that
   common random numbers give.
2. **Widened for skewness**: the hull of (1) and Hall's (1992) skewness-corrected t-interval, which
   removes the skewness of the studentized mean analytically (the correction a studentized bootstrap
   makes, but defined at 3 replications, where resampling has only 10 distinct samples). The result is
   never narrower than the t-interval.
3. **Count outcomes whose replications all agree** (``counts=True``, every value the same
   non-negative whole number) get the exact Poisson (Garwood) interval of the mean: the sample says
   nothing about its spread, so the Poisson spread is assumed. Other samples without spread (a
   paired difference of 0 in every replication, a milestone no run reached) are a point.

One replication gives a mean and no interval (NaN bounds). Deterministic: no resampling at all.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

LEVEL = 0.95
ALPHA = 1 - LEVEL


def _columns(samples) -> tuple[np.ndarray, bool]:
    x = np.asarray(samples, dtype=float)
    if x.ndim not in (1, 2):
        raise ValueError(f"samples must be 1-D or 2-D (replications x columns), got {x.ndim}-D")
    return (x[:, None], True) if x.ndim == 1 else (x, False)


def _moments(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per column, NaNs (failed runs) left out: count, mean, sample sd (ddof 1), skewness m3 / m2^1.5."""
    ok = ~np.isnan(x)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.where(ok, x, 0.0).sum(axis=0) / np.maximum(n, 1), np.nan)
        dev = np.where(ok, x - mean, 0.0)
        sd = np.sqrt((dev ** 2).sum(axis=0) / np.maximum(n - 1, 1))
        m2 = (dev ** 2).sum(axis=0) / np.maximum(n, 1)
        skew = np.where(sd > 0, (dev ** 3).sum(axis=0) / np.maximum(n, 1) / m2 ** 1.5, 0.0)
    return n, mean, sd, skew


def interval(samples, *, counts: bool = False, level: float = LEVEL) -> tuple:
    """Mean and ``level`` interval of the mean, per column of ``samples`` (replications x columns).

    A 1-D array gives three floats, a 2-D one three arrays. NaN rows (failed runs) are left out
    column by column. ``counts``: the values are counts of events (raids, incidents), so a column
    whose replications all agree gets the exact Poisson interval (see the module's method).
    """
    x, one = _columns(samples)
    n, mean, sd, skew = _moments(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf((1 + level) / 2, np.where(n >= 2, n - 1, np.nan))
        se = sd / np.sqrt(n)
        lo, hi = mean - q * se, mean + q * se
        # Hall (1992): g(T) = T + a T^2 + a^2 T^3 / 3 + b removes the skewness of T = (mean - mu) / se
        root_n = np.sqrt(np.maximum(n, 1))
        a, b = skew / (3 * root_n), skew / (6 * root_n)
        small = np.abs(a) < 1e-12
        safe = np.where(small, 1.0, a)

        def inverse(v):
            return np.where(small, v - b, (np.cbrt(1 + 3 * safe * (v - b)) - 1) / safe)

        lo = np.fmin(lo, mean - se * inverse(q))
        hi = np.fmax(hi, mean - se * inverse(-q))
    lo, hi = np.where(n >= 2, lo, np.nan), np.where(n >= 2, hi, np.nan)
    if counts:
        flat = (n >= 2) & (sd == 0) & (mean >= 0) & (mean == np.round(mean))
        if flat.any():
            g_lo, g_hi = garwood(mean[flat] * n[flat], n[flat], level)
            lo[flat], hi[flat] = g_lo, g_hi
    return (float(mean[0]), float(lo[0]), float(hi[0])) if one else (mean, lo, hi)


def garwood(total, n, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The exact (Garwood) Poisson interval of a mean rate from ``total`` events in ``n`` replications."""
    total, n = np.asarray(total, dtype=float), np.asarray(n, dtype=float)
    tail = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        lo = np.where(total > 0, stats.chi2.ppf(tail, 2 * total) / (2 * n), 0.0)
    return lo, stats.chi2.ppf(1 - tail, 2 * total + 2) / (2 * n)


def excludes_zero(lo, hi) -> np.ndarray | bool:
    """True where the interval lies wholly on one side of zero (False where there is none)."""
    with np.errstate(invalid="ignore"):
        out = (np.asarray(lo) > 0) | (np.asarray(hi) < 0)
    return bool(out) if np.ndim(out) == 0 else out


def t_test_p(samples) -> tuple:
    """Two-sided p-value of the one-sample (paired) t-test of mean 0, per column; NaN below 2 values.

    A column without spread has p = 0 if its mean is not 0 and p = 1 if it is.
    """
    x, one = _columns(samples)
    n, mean, sd, _ = _moments(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.abs(mean) / (sd / np.sqrt(n))
        p = 2 * stats.t.sf(t, np.where(n >= 2, n - 1, np.nan))
    p = np.where(sd == 0, np.where(mean == 0, 1.0, 0.0), p)
    p = np.where(n >= 2, p, np.nan)
    return float(p[0]) if one else p


def fdr(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) over the family of tests; NaN stays NaN."""
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(p[ok], method="bh")
    return q


def runs_needed(samples, *, level: float = LEVEL) -> tuple:
    """Replications that would tell the mean from zero at the current spread: n ~ (t s / |mean|)^2.

    The t quantile is taken at the current replications (a slight overestimate when more are added).
    NaN with fewer than 2 values, or a mean of 0.
    """
    x, one = _columns(samples)
    n, mean, sd, _ = _moments(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf((1 + level) / 2, np.where(n >= 2, n - 1, np.nan))
        need = np.ceil((q * sd / np.abs(mean)) ** 2)
    need = np.where((n >= 2) & (mean != 0), np.maximum(need, 2), np.nan)
    return float(need[0]) if one else need
