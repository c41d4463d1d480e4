"""Reading a calibration's pyabc history back: the posterior, its median, and the params file.

The posterior is the last generation's particles with their importance weights. Coefficients are
reported in their own units (log-uniform ones are stored as log10 in the history). The params file
holds the weighted posterior median of each calibrated coefficient, as a scenario ``params:`` block
with its provenance, for every scenario to ``extends``; the samples file holds every particle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outputs import write_text

PROVENANCE = "calibrated to the 2017 record, docs/calibration.md"


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cum = np.cumsum(w) / w.sum()
    return float(x[min(int(np.searchsorted(cum, q)), len(x) - 1)])


@dataclass(frozen=True)
class Posterior:
    """The final population: one row per particle, coefficients in their units, ``weight`` summing to 1."""

    samples: pd.DataFrame
    priors: tuple
    generation: int
    epsilon: float

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]

    def median(self) -> dict[str, float]:
        w = self.samples["weight"].to_numpy()
        return {n: weighted_quantile(self.samples[n].to_numpy(), w, 0.5) for n in self.names}

    def interval(self, name: str, mass: float = 0.9) -> tuple[float, float]:
        w = self.samples["weight"].to_numpy()
        x = self.samples[name].to_numpy()
        return weighted_quantile(x, w, (1 - mass) / 2), weighted_quantile(x, w, (1 + mass) / 2)


def read_posterior(db: Path, priors, t: int | None = None) -> Posterior:
    """Generation ``t`` (default: the last one stored) of the history in ``db``."""
    import pyabc

    history = pyabc.History(f"sqlite:///{db}", _id=1)
    t = history.max_t if t is None else t
    frame, w = history.get_distribution(m=0, t=t)
    by = {p.name: p for p in priors}
    samples = pd.DataFrame({n: [by[n].value(v) for v in frame[n].to_numpy()] for n in by})
    samples.insert(0, "weight", np.asarray(w, float) / np.sum(w))
    pops = history.get_all_populations()
    eps = float(pops.loc[pops["t"] == t, "epsilon"].iloc[0])
    return Posterior(samples.reset_index(drop=True), tuple(priors), int(t), eps)


def statistics(db: Path, t: int | None = None) -> pd.DataFrame:
    """The accepted particles' statistics (one row each) and weights, from generation ``t``."""
    import pyabc

    history = pyabc.History(f"sqlite:///{db}", _id=1)
    weights, stats = history.get_weighted_sum_stats(t=history.max_t if t is None else t)
    frame = pd.DataFrame([{k: float(np.asarray(v)) for k, v in s.items()} for s in stats])
    frame.insert(0, "weight", np.asarray(weights, float) / np.sum(weights))
    return frame


def _fmt(v: float) -> str:
    return f"{float(f'{v:.3g}'):g}"


def params_yaml(post: Posterior, spec_name: str, command: str) -> str:
    """The params file: the posterior median of each coefficient, with its provenance."""
    med = post.median()
    lines = [
        f"# The calibrated coefficients: posterior medians of `{spec_name}` (ABC-SMC, generation "
        f"{post.generation},",
        f"# {len(post.samples)} particles, epsilon {post.epsilon:.3g}). Written by `{command}`;",
        "# do not edit by hand. Every shipped scenario `extends` this file (directly or through a parent).",
        "params:",
    ]
    for p in post.priors:
        lo, hi = post.interval(p.name)
        lines += [
            f"  {p.name}:",
            f"    value: {_fmt(med[p.name])}",
            f"    assumption: \"{PROVENANCE} (posterior median; 90% interval {_fmt(lo)} to {_fmt(hi)}; "
            f"prior {p.kind} on [{_fmt(p.lo)}, {_fmt(p.hi)}])\"",
        ]
    return "\n".join(lines) + "\n"


def write_posterior(post: Posterior, folder: Path, spec_name: str, command: str) -> dict[str, Path]:
    """posterior.csv (every particle, weight first) and params.yaml in ``folder``."""
    files = {"posterior.csv": folder / "posterior.csv", "params.yaml": folder / "params.yaml"}
    write_text(files["posterior.csv"], post.samples.to_csv(index=False, float_format="%.6g",
                                                          lineterminator="\n"))
    write_text(files["params.yaml"], params_yaml(post, spec_name, command))
    return files
