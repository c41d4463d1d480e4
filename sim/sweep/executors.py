"""Where runs execute: a local process pool, or a Dask cluster (local or remote).

Both yield results in completion order; the store sorts them afterwards, so the tables do not
depend on which executor ran them or in what order. Results come back to this process, which
alone writes files -- Dask workers on other machines need no shared disk.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import signal
from collections.abc import Callable, Iterable, Iterator

WINDOW_PER_WORKER = 4  # tasks in flight per worker: keeps workers busy without pickling a whole sweep


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which keeps what finished and stops cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def local_pool(tasks: Iterable, fn: Callable, workers: int) -> Iterator:
    """Run ``fn`` over ``tasks`` in ``workers`` processes; yields results as they finish."""
    pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    pending: set[cf.Future] = set()
    todo = iter(tasks)
    try:
        while True:
            for task in todo:
                pending.add(pool.submit(fn, task))
                if len(pending) >= workers * WINDOW_PER_WORKER:
                    break
            if not pending:
                return
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    finally:
        pool.shutdown(wait=not pending, cancel_futures=True)


def dask_cluster(tasks: Iterable, fn: Callable, *, scheduler: str | None = None,
                 local_workers: int | None = None) -> Iterator:
    """Run ``fn`` over ``tasks`` on the Dask scheduler at ``scheduler``, or on a LocalCluster."""
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=local_workers or default_workers(), threads_per_worker=1,
                               processes=True, dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster if cluster is not None else scheduler, set_as_default=False)
    try:
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        todo = iter(tasks)
        first = [client.submit(fn, t, pure=False, key=f"run-{t.key}")
                 for _, t in zip(range(workers * WINDOW_PER_WORKER), todo, strict=False)]
        queue = as_completed(first, loop=client.loop)
        for fut in queue:
            result = fut.result()
            fut.release()
            task = next(todo, None)
            if task is not None:
                queue.add(client.submit(fn, task, pure=False, key=f"run-{task.key}"))
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def execute(tasks: list, fn: Callable, *, workers: int | None = None, scheduler: str | None = None,
            dask_local: int | None = None) -> Iterator:
    """Pick the executor the command line asked for."""
    if scheduler is not None or dask_local is not None:
        return dask_cluster(tasks, fn, scheduler=scheduler, local_workers=dask_local)
    return local_pool(tasks, fn, workers or default_workers())
