"""`bordersim calibrate`: run (or resume) an ABC-SMC calibration into a folder.

The folder holds ``calibration.json`` (what the calibration file asked for, and its hash) and
``history.db``, pyabc's SQLite history: every generation is committed when it is complete, so
Ctrl-C, a killed process or a crashed machine loses at most the generation in progress, and
``--resume`` continues from the last complete one. When every generation is done, the posterior is
written beside them: ``posterior.csv`` (every particle) and ``params.yaml`` (the calibrated point,
see ``sim.calibrate.posterior.point_estimate``, as a scenario params block).
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.calibrate.spec import CalibrationSpec, load_calibration
from sim.errors import ScenarioError
from sim.outputs import write_json
from sim.sweep.executors import stops_noted

STATE = "calibration.json"
HISTORY = "history.db"


@dataclass
class CalibrationStats:
    name: str
    out: Path
    generations: int
    population: int
    done_before: int = 0  # generations found in the history when the command started
    done: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    aborted: str | None = None
    epsilon: float | None = None
    files: dict = field(default_factory=dict)

    def line(self) -> str:
        state = "interrupted" if self.interrupted else "stopped" if self.aborted else "done"
        eps = f", epsilon {self.epsilon:.3g}" if self.epsilon is not None else ""
        return (f"calibration {self.name} {state}: {self.done}/{self.generations} generations of "
                f"{self.population} particles ({self.done - self.done_before} new, {self.done_before} "
                f"resumed; {self.evaluations} model evaluations{eps}) in {self.seconds:.1f} s -> {self.out}")


def _open_folder(out: Path, spec: CalibrationSpec, quick: bool, resume: bool, force: bool) -> None:
    state = out / STATE
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"{out} exists and is not a folder", path="--out")
    if resume:
        if not state.is_file():
            raise ScenarioError(f"nothing to resume in {out}", path="--resume",
                                hint="the command without --resume")
        saved = json.loads(state.read_text(encoding="utf-8"))
        if saved.get("identity_hash") != spec.identity_hash(quick):
            raise ScenarioError(f"{out} holds a calibration made with other settings (file, scenarios, "
                                f"{'--quick, ' if saved.get('quick') != quick else ''}population or seed)",
                                path="--resume", hint="--force to start again, or another --out")
        return
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ScenarioError(f"calibration folder {out} already exists and is not empty", path="--out",
                                hint="--resume to continue it, --force to start again")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(state, {"file": spec.file, "quick": quick, "identity": spec.identity(quick),
                       "identity_hash": spec.identity_hash(quick)})


class _Progress:
    """generation, epsilon, acceptance rate and time left, on one tqdm bar."""

    def __init__(self, generations: int, population: int, start_generation: int, show: bool | None):
        from tqdm import tqdm

        enabled = sys.stderr.isatty() if show is None else show
        self.bar = tqdm(total=generations * population, initial=start_generation * population,
                        unit="particle", desc="calibrate", disable=not enabled, file=sys.stderr,
                        dynamic_ncols=True, smoothing=0.05)
        self.generations, self.eps, self.accepted = generations, float("nan"), 0

    def particle(self, t: int, accepted: int, evaluated: int, n: int) -> None:
        if t < 0:
            self.bar.set_description_str(f"prior sample {accepted}/{n}", refresh=False)
            self.bar.refresh()
            return
        self.bar.set_description_str(f"generation {t + 1}/{self.generations}", refresh=False)
        self.bar.set_postfix_str(f"epsilon {self.eps:.3g}, acceptance {accepted / evaluated:.0%}",
                                 refresh=False)
        self.bar.update(accepted - self.accepted)
        self.accepted = accepted

    def generation(self, eps: float) -> None:
        self.eps, self.accepted = eps, 0

    def close(self) -> None:
        self.bar.close()


def run_calibration(path: str | Path, out: str | Path | None = None, *, quick: bool = False,
                    resume: bool = False, force: bool = False, workers: int | None = None,
                    scheduler: str | None = None, dask_local: int | None = None,
                    progress: bool | None = None, command: str | None = None) -> CalibrationStats:
    """Run, or with ``resume`` continue, the calibration of file ``path`` into ``out``."""
    import pyabc

    from sim.calibrate.posterior import (
        FINAL_SEEDS,
        QUICK_FINAL_SEEDS,
        accepted_distances,
        held_entries,
        point_estimate,
        read_posterior,
        write_posterior,
    )
    from sim.calibrate.priors import pyabc_distribution
    from sim.calibrate.sampler import ExecutorSampler
    from sim.calibrate.targets import Distance, Simulator, observed

    spec = load_calibration(path)
    root = Path(out) if out is not None else Path("calibrations") / (spec.name + ("-quick" if quick else ""))
    _open_folder(root, spec, quick, resume, force)
    population, generations = spec.sized(quick)
    stats = CalibrationStats(spec.name, root, generations, population)
    for name in ("ABC", "ABC.History", "ABC.Sampler", "ABC.Distance", "ABC.Epsilon", "ABC.Transition",
                 "ABC.Predictor", "ABC.Population"):
        logging.getLogger(name).setLevel(logging.WARNING)
    start = time.perf_counter()
    np.random.seed(spec.seed)  # anything pyabc draws in this process (nothing, with this sampler)
    sampler = ExecutorSampler(spec.seed, workers=workers, scheduler=scheduler, dask_local=dask_local)
    abc = pyabc.ABCSMC(Simulator.of(spec), pyabc_distribution(list(spec.priors)), Distance(spec.targets),
                       population_size=population, sampler=sampler,
                       transitions=pyabc.MultivariateNormalTransition(scaling=spec.kernel_scaling))
    db = f"sqlite:///{(root / HISTORY).resolve()}"
    resuming = resume and (root / HISTORY).is_file()
    history = abc.load(db, 1) if resuming else abc.new(db, observed(spec))
    stats.done_before = stats.done = (history.max_t + 1) if history.max_t is not None else 0
    bar = _Progress(generations, population, stats.done, progress)
    sampler.on_particle = bar.particle
    try:
        with stops_noted(stats):
            if stats.done < generations:
                t0 = abc.initialize_components_before_run(
                    minimum_epsilon=0.0, max_nr_populations=generations - stats.done, min_acceptance_rate=0.0,
                    max_total_nr_simulations=np.inf, max_walltime=None, min_eps_diff=0.0)
                for t in range(t0, generations):
                    bar.generation(float(abc.eps(t)))
                    if not abc.run_generation(t)["successful"]:
                        stats.aborted = f"generation {t + 1} could not be completed"
                        break
                    stats.done = t + 1
    finally:
        sampler.stop()
        bar.close()
        stats.seconds = time.perf_counter() - start
    history = pyabc.History(db, _id=1)
    stats.evaluations = int(history.total_nr_simulations)
    if stats.done:
        pops = history.get_all_populations()
        stats.epsilon = float(pops.loc[pops["t"] == stats.done - 1, "epsilon"].iloc[0])
    if stats.done == generations and not stats.interrupted:
        post = read_posterior(root / HISTORY, spec.priors)
        distances = accepted_distances(root / HISTORY, post)
        point = point_estimate(post, distances, Simulator.of(spec), workers=workers,
                               final_seeds=QUICK_FINAL_SEEDS if quick else FINAL_SEEDS)
        stats.files = write_posterior(post, root, spec.name, command or f"bordersim calibrate {spec.file}",
                                      point, held_entries(spec.file, post.names))
    return stats
