"""Reading a calibration's pyabc history back: the posterior, its median, and the params file.

The posterior is the last generation's particles with their importance weights. Coefficients are
reported in their own units (log-uniform ones are stored as log10 in the history). The params file
holds the point estimate (the weighted posterior median or the particle that fits the record best on
fresh seeds: ``point_estimate``), as a scenario ``params:`` block with its provenance, for every
scenario to ``extends``; the samples file holds every particle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outputs import write_text

PROVENANCE = "calibrated ({name}) to the record before May 2018, docs/calibration.md"
HELD = "held in {name}, which does not calibrate it (docs/calibration.md): "


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


FINALISTS = 10  # particles with the smallest distance in the last generation that go on to the final round
FINAL_SEEDS = 16  # fresh seeds each finalist (and the weighted median) is run with
QUICK_FINAL_SEEDS = 2  # a --quick calibration's: the same rule, a test's size


@dataclass(frozen=True)
class _PointTask:
    key: str
    simulator: object
    index: int
    seed: int
    values: dict


def _point_run(task: _PointTask) -> tuple[int, float]:
    from sim.calibrate.targets import Distance

    stats = task.simulator.statistics(task.values, task.seed)
    return task.index, Distance(task.simulator.targets)(stats)


def effective_sample_size(post: Posterior) -> float:
    w = post.samples["weight"].to_numpy(dtype=float)
    return 1.0 / float(np.sum((w / w.sum()) ** 2))


EDGE = 0.01  # how far inside an interval a point must lie, as a share of the prior's width


def off_edges(prior, x, lo: float, hi: float, edge: float = EDGE):
    """Does ``x`` (a value or an array) lie inside [lo, hi] by at least ``edge`` of ``prior``'s width,
    on the prior's scale (log10 for a log-uniform prior)? The one definition of "on the edge" that
    the point rule and the rule freeing 2017 coefficients share (docs/calibration.md)."""
    f = np.log10 if prior.log else (lambda v: np.asarray(v, dtype=float))
    a, b = prior.space()
    margin = edge * (b - a)
    y = f(np.asarray(x, dtype=float))
    return (y >= f(lo) + margin) & (y <= f(hi) - margin)


def inside_every_interval(post: Posterior, mass: float = 0.9, edge: float = EDGE) -> np.ndarray:
    """For each particle: is every coefficient inside its weighted posterior ``mass`` interval, off
    its edges (``off_edges``)? A point on the edge of an interval does not stand for the posterior
    either (docs/calibration.md)."""
    inside = np.ones(len(post.samples), dtype=bool)
    for prior in post.priors:
        lo, hi = post.interval(prior.name, mass)
        inside &= off_edges(prior, post.samples[prior.name].to_numpy(dtype=float), lo, hi, edge)
    return inside


def accepted_distances(db: Path, post: Posterior) -> np.ndarray:
    """Each particle's distance when the last generation accepted it, in ``post``'s order (checked:
    pyabc returns the weights with the distances, and they must be the posterior's)."""
    import pyabc

    history = pyabc.History(f"sqlite:///{db}", _id=1)
    frame = history.get_weighted_distances(t=post.generation)
    w = frame["w"].to_numpy(float)
    if len(w) != len(post.samples) or not np.allclose(w / w.sum(), post.samples["weight"].to_numpy(float)):
        raise RuntimeError(f"{db}: the distances of generation {post.generation} are not in the order of "
                           "its particles")
    return frame["distance"].to_numpy(float)


def _mean_distances(simulator, candidates: list[dict], seeds: list[int], workers: int | None) -> np.ndarray:
    """Each candidate's mean distance to the record over ``seeds`` (the same seeds for every one:
    common random numbers)."""
    from sim.sweep.executors import execute

    tasks = [_PointTask(f"point-{i}-{s}", simulator, i, s, c)
             for i, c in enumerate(candidates) for s in seeds]
    sums = np.zeros(len(candidates))
    for i, d in execute(tasks, _point_run, workers=workers):
        sums[i] += d
    return sums / len(seeds)


def point_estimate(post: Posterior, distances: np.ndarray, simulator, workers: int | None = None,
                   final_seeds: int = FINAL_SEEDS) -> tuple[dict, str]:
    """(coefficients, how they were chosen) for the params file: the candidate that fits the record
    best on seeds no choice was made on.

    The weighted posterior median of each coefficient, taken one by one, is a set of coefficients no
    particle had: near a ridge of the posterior (coefficients that trade off) it can fit worse than
    any particle. So it is one candidate among the last generation's particles. The FINALISTS
    particles with the smallest ``distances`` (their distance when the calibration accepted them,
    over its runs per particle: no new run) and the median run ``final_seeds`` fresh seeds, and the
    smallest mean distance over those wins. The fresh seeds keep the acceptance's luck (the
    smallest of 400 noisy distances is low partly by chance) out of the choice.

    The point scenarios run must stand for the posterior, so a particle is a finalist only if every
    coefficient lies inside its posterior 90 % interval, off its edges (``inside_every_interval``);
    the weighted median lies inside them by construction.
    """
    ess = effective_sample_size(post)
    rows = post.samples[post.names].to_dict("records")
    seeds = [int(s % (2**31 - 1)) for s in np.random.SeedSequence(0xCA1).generate_state(final_seeds)]
    inside = inside_every_interval(post)
    finalists = [int(i) for i in np.argsort(distances, kind="stable") if inside[i]][:FINALISTS]  # ties: first
    n = len(finalists) + 1
    median = {name: float(v) for name, v in post.median().items()}
    final = _mean_distances(simulator, [rows[i] for i in finalists] + [median], seeds, workers)
    best = int(np.argmin(final))
    if best == len(finalists):
        return median, (f"posterior median, the best of {n} candidates over {final_seeds} fresh "
                        f"seeds (mean distance {final[best]:.2f}; effective sample size {ess:.0f})")
    how = (f"the last generation's particle {finalists[best]}, the best of {n} candidates over "
           f"{final_seeds} fresh seeds (mean distance {final[best]:.2f}, the weighted median's "
           f"{final[-1]:.2f}; effective sample size {ess:.0f})")
    return {name: float(rows[finalists[best]][name]) for name in post.names}, how


def held_entries(near: str | Path, calibrated) -> list[tuple[str, float, str]]:
    """(name, value, assumption) of every coefficient the shipped params file (the one the calibration's
    scenarios extend, found from ``near``) sets and that is not among ``calibrated``: the calibration
    ran with those values, so its params file keeps them, with their provenance."""
    import yaml

    from sim.errors import ScenarioError

    try:
        path = shipped_posterior(near).with_name("params.yaml")
    except ScenarioError:
        return []
    if not path.is_file():
        return []
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("params") or {}
    out, calibrated = [], set(calibrated)
    for name, entry in entries.items():
        if name not in calibrated:
            entry = entry if isinstance(entry, dict) else {"value": entry}
            out.append((name, float(entry["value"]), str(entry.get("assumption", ""))))
    return out


def params_yaml(post: Posterior, spec_name: str, command: str, point: tuple[dict, str] | None = None,
                held: list[tuple[str, float, str]] = ()) -> str:
    """The params file: the point estimate of each coefficient, with its provenance, then the ``held``
    coefficients (``held_entries``) with theirs."""
    values, how = point if point is not None else (post.median(), "posterior median")
    lines = [
        f"# The calibrated coefficients of `{spec_name}` (ABC-SMC, generation {post.generation},",
        f"# {len(post.samples)} particles, epsilon {post.epsilon:.3g}): {how}.",
        f"# Written by `{command}`; do not edit by hand. Every shipped scenario `extends` this file.",
        "params:",
    ]
    short = how.split(";")[0].split(",")[0]
    for p in post.priors:
        lo, hi = post.interval(p.name)
        lines += [
            f"  {p.name}:",
            f"    value: {_fmt(values[p.name])}",
            f"    assumption: \"{PROVENANCE.format(name=spec_name)} ({short}; posterior 90% interval "
            f"{_fmt(lo)} to {_fmt(hi)}; prior {p.kind} on [{_fmt(p.lo)}, {_fmt(p.hi)}])\"",
        ]
    prefix = HELD.format(name=spec_name)
    for name, value, why in held:
        why = why if why.startswith(prefix) else prefix + why
        lines += [f"  {name}:", f"    value: {_fmt(value)}", "    assumption: " + json.dumps(why)]
    return "\n".join(lines) + "\n"


def write_posterior(post: Posterior, folder: Path, spec_name: str, command: str,
                    point: tuple[dict, str] | None = None,
                    held: list[tuple[str, float, str]] = ()) -> dict[str, Path]:
    """posterior.csv (every particle, weight first) and params.yaml in ``folder``."""
    files = {"posterior.csv": folder / "posterior.csv", "params.yaml": folder / "params.yaml"}
    write_text(files["posterior.csv"], post.samples.to_csv(index=False, float_format="%.6g",
                                                          lineterminator="\n"))
    write_text(files["params.yaml"], params_yaml(post, spec_name, command, point, held))
    return files


POSTERIOR_FILE = ("scenarios", "calibrated", "posterior.csv")


def shipped_posterior(near: str | Path | None = None) -> Path:
    """scenarios/calibrated/posterior.csv of the project holding ``near`` (an experiment file), else of
    the working directory's project or the checkout."""
    from sim.errors import ScenarioError
    from sim.scenario.catalog import project_root

    starts = [Path(near).resolve().parent] if near else []
    for start in (*starts, project_root()):
        for folder in (start, *start.parents):
            path = folder.joinpath(*POSTERIOR_FILE)
            if path.is_file():
                return path
    raise ScenarioError("no calibration posterior (scenarios/calibrated/posterior.csv) to draw from",
                        file=str(near) if near else None, path="params",
                        hint="params: median, or run python -m tools.calibration")


def draw_particles(path: Path, n: int, seed: int) -> list[tuple[int, dict[str, float]]]:
    """``n`` particles of the posterior at ``path`` drawn by weight (with replacement), seeded."""
    samples = pd.read_csv(path)
    w = samples["weight"].to_numpy(dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x9057]))
    picks = rng.choice(len(samples), size=n, p=w / w.sum())
    names = [c for c in samples.columns if c != "weight"]
    return [(int(k), {c: float(samples.at[int(k), c]) for c in names}) for k in picks]


def read_params_file(path: Path) -> dict[str, float]:
    """The coefficients a params file sets (its values, without their provenance)."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {k: float(v["value"] if isinstance(v, dict) else v) for k, v in (data.get("params") or {}).items()}
