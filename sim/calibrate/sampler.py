"""A pyabc sampler on the sweep's executors (local process pool or Dask), reproducible by seed.

pyabc hands the sampler ``simulate_one``: draw a parameter from the generation's proposal, run the
model, decide acceptance. This sampler runs it as tasks on ``sim.sweep.executors.execute``; task
``i`` of generation ``t`` seeds numpy's (and ``random``'s) global state with
``SeedSequence([seed, t + 1, i])`` before calling it, so each particle -- its proposal draw, its model
seed, its outcome -- depends only on (seed, t, i), not on the worker or the order tasks finish in.
Results are taken in task order: the generation is the first ``n`` accepted particles by index (and
the rejected ones before them), so the population is the same on 1 worker, 2 workers or Dask.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from sim.sweep.executors import default_workers, open_pool

_CACHE: dict[str, Callable] = {}  # in each worker: the generation's simulate_one, unpickled once


@dataclass(frozen=True)
class ParticleTask:
    key: str  # unique per task (Dask names futures by it)
    payload: bytes  # cloudpickled simulate_one of the generation
    digest: str
    seed: int
    t: int
    index: int


def particle_seed(seed: int, t: int, index: int) -> int:
    """The 32-bit seed of task ``index`` of generation ``t`` (t = -1 is pyabc's calibration sample)."""
    return int(np.random.SeedSequence([seed, t + 1, index]).generate_state(1)[0])


def evaluate(task: ParticleTask):
    """Run one particle (in a worker): seeded global state, then pyabc's simulate_one."""
    simulate_one = _CACHE.get(task.digest)
    if simulate_one is None:
        _CACHE.clear()
        simulate_one = _CACHE[task.digest] = cloudpickle.loads(task.payload)
    s = particle_seed(task.seed, task.t, task.index)
    np.random.seed(s)
    random.seed(s)
    return task.index, simulate_one()


class ExecutorSampler(Sampler):
    """Sample on a local process pool (``workers``) or Dask (``scheduler`` / ``dask_local``)."""

    def __init__(self, seed: int, *, workers: int | None = None, scheduler: str | None = None,
                 dask_local: int | None = None, on_particle: Callable | None = None):
        super().__init__()
        self.seed = seed
        self.workers = workers or default_workers()
        self.scheduler = scheduler
        self.dask_local = dask_local
        self.on_particle = on_particle  # called (t, accepted, evaluated, n) after each particle in order
        self.pool = None  # opened at the first generation, kept for the others (workers stay warm)

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def _tasks(self, payload: bytes, t: int):
        digest = hashlib.sha256(payload).hexdigest()
        for i in itertools.count():
            yield ParticleTask(f"abc-{digest[:12]}-{t}-{i}", payload, digest, self.seed, t, i)

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        payload = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        waiting: dict[int, object] = {}
        next_index = accepted = evaluated = 0
        if self.pool is None:
            self.pool = open_pool(workers=self.workers, scheduler=self.scheduler, dask_local=self.dask_local)
        results = self.pool.run(self._tasks(payload, t), evaluate)
        with contextlib.closing(results):
            for index, particle in results:
                waiting[index] = particle
                while next_index in waiting and accepted < n:  # in task order, whatever finished first
                    particle = waiting.pop(next_index)
                    next_index += 1
                    sample.append(particle)
                    evaluated += 1
                    accepted += bool(particle.accepted)
                    if self.on_particle is not None:
                        self.on_particle(t, accepted, evaluated, n)
                if accepted >= n:
                    break
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample
