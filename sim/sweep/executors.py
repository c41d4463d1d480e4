"""Where runs execute: a local process pool, or a Dask cluster (local or remote).

Both yield results in completion order; the store sorts them afterwards, so the tables do not
depend on which executor ran them or in what order. Results come back to this process, which
alone writes files -- Dask workers on other machines need no shared disk.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator

PRELOAD = ["sim.sweep.plan", "sim.model"]
WINDOW_PER_WORKER = 4  # tasks in flight per worker: keeps workers busy without pickling a whole sweep


class ExecutorFailed(RuntimeError):
    """The machinery failed (a worker process died, the cluster went away), not a model run."""


@contextlib.contextmanager
def stops_noted(stats):
    """Run the body; Ctrl-C sets ``stats.interrupted``, a failed executor sets ``stats.aborted`` to why
    (what finished is kept: sweeps and calibrations resume from it)."""
    try:
        yield
    except KeyboardInterrupt:
        stats.interrupted = True
    except ExecutorFailed as exc:
        stats.aborted = str(exc)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which keeps what finished and stops cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context() -> mp.context.BaseContext:
    """A fork server that has imported the model once: workers start fast, and are never forked from
    this process, whose threads (pyarrow, tqdm, Dask) could leave a forked child deadlocked."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore Ctrl-C while starting processes: an ignored signal stays ignored in the child."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class LocalPool:
    """A process pool that runs several task streams in turn (a calibration's generations share it)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                                           initializer=_ignore_sigint)
        self.busy = False

    def run(self, tasks: Iterable, fn: Callable) -> Iterator:
        """Run ``fn`` over ``tasks``; yields results as they finish. Closing it early cancels the rest."""
        pending: set[cf.Future] = set()
        todo = iter(tasks)
        try:
            while True:
                for task in todo:
                    try:  # a worker that died since the last wait breaks the pool for submit too
                        pending.add(self.pool.submit(fn, task))
                    except cf.process.BrokenProcessPool:
                        raise ExecutorFailed("a worker process died (out of memory?)") from None
                    if len(pending) >= self.workers * WINDOW_PER_WORKER:
                        break
                if not pending:
                    return
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    try:
                        result = fut.result()
                    except cf.process.BrokenProcessPool:
                        raise ExecutorFailed("a worker process died (out of memory?)") from None
                    yield result
        finally:
            for fut in pending:
                fut.cancel()
            self.busy = bool(pending)

    def close(self) -> None:
        self.pool.shutdown(wait=not self.busy, cancel_futures=True)


class DaskPool:
    """A Dask client (on ``scheduler``, or on a LocalCluster it starts) that runs task streams in turn."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None):
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler is None:
            with _sigint_ignored():  # worker processes inherit it and leave Ctrl-C to this one
                self.cluster = LocalCluster(n_workers=local_workers or default_workers(),
                                            threads_per_worker=1, processes=True, dashboard_address=None,
                                            silence_logs=logging.ERROR)
        try:
            self.client = Client(self.cluster if self.cluster is not None else scheduler,
                                 set_as_default=False)
        except OSError as exc:  # TimeoutError included: nothing listens there, or a firewall is in the way
            if self.cluster is not None:
                self.cluster.close()
            raise ExecutorFailed(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None

    def run(self, tasks: Iterable, fn: Callable) -> Iterator:
        from dask.distributed import as_completed

        client = self.client
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        todo = iter(tasks)
        first = [client.submit(fn, t, pure=False, key=f"run-{t.key}")
                 for _, t in zip(range(workers * WINDOW_PER_WORKER), todo, strict=False)]
        queue = as_completed(first, loop=client.loop)
        try:
            for fut in queue:
                try:
                    result = fut.result()
                except Exception as exc:  # run_task never raises: this is the cluster failing
                    raise ExecutorFailed(f"Dask: {type(exc).__name__}: {exc}") from None
                fut.release()
                task = next(todo, None)
                if task is not None:
                    queue.add(client.submit(fn, task, pure=False, key=f"run-{task.key}"))
                yield result
        finally:
            left = list(queue.futures) if hasattr(queue, "futures") else []
            if left:
                client.cancel(left)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def open_pool(*, workers: int | None = None, scheduler: str | None = None,
              dask_local: int | None = None) -> LocalPool | DaskPool:
    """The executor the command line asked for, to run several task streams on; close() it after."""
    if scheduler is not None or dask_local is not None:
        return DaskPool(scheduler, dask_local)
    return LocalPool(workers or default_workers())


def local_pool(tasks: Iterable, fn: Callable, workers: int) -> Iterator:
    """Run ``fn`` over ``tasks`` in ``workers`` processes; yields results as they finish."""
    pool = LocalPool(workers)
    try:
        yield from pool.run(tasks, fn)
    finally:
        pool.close()


def dask_cluster(tasks: Iterable, fn: Callable, *, scheduler: str | None = None,
                 local_workers: int | None = None) -> Iterator:
    """Run ``fn`` over ``tasks`` on the Dask scheduler at ``scheduler``, or on a LocalCluster."""
    pool = DaskPool(scheduler, local_workers)
    try:
        yield from pool.run(tasks, fn)
    finally:
        pool.close()


def execute(tasks: list, fn: Callable, *, workers: int | None = None, scheduler: str | None = None,
            dask_local: int | None = None) -> Iterator:
    """Run on the executor the command line asked for (none at all when there is nothing to run)."""
    if not tasks:
        return
    if scheduler is not None or dask_local is not None:
        yield from dask_cluster(tasks, fn, scheduler=scheduler, local_workers=dask_local)
    else:
        yield from local_pool(tasks, fn, workers or default_workers())
