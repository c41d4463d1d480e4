"""The sweep folder: one file per finished run, written atomically, then the assembled tables.

Layout of DIR::

    manifest.json        which experiment the folder belongs to (refuse another without --force)
    experiment.yaml      the resolved experiment, with the base scenario it ran on
    design.parquet       design points (and the raw sample SALib needs for Sobol/Morris)
    runs/KEY.parquet     one row per finished run: outcomes, design values, seed, status, error
    trajectories/KEY.parquet   that run's daily pocket areas
    errors/KEY.txt       traceback of a run that raised
    results.parquet / results.csv / trajectories.parquet   every run, sorted, at the end
    precision.json       with a precision (sim.sweep.precision): its rule, rounds and why it stopped

A run exists once ``runs/KEY.parquet`` does: it is written last, by rename, so a killed sweep
leaves either a whole run or none, and resuming is "skip the keys already there".
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim import __version__
from sim.errors import ScenarioError
from sim.outputs import atomic_write, write_json, write_text
from sim.sweep.experiment import Experiment
from sim.sweep.plan import Plan, Task, trajectory_columns

OWNED = ("manifest.json", "experiment.yaml", "design.parquet", "runs", "trajectories", "errors",
         "results.parquet", "results.csv", "trajectories.parquet", "precision.json", "report")


def _write_parquet(path: Path, table: pa.Table) -> None:
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def row_schema(exp: Experiment) -> pa.Schema:
    """Column types of a run row, fixed by the experiment so every file and table agrees."""
    fields = [("point", pa.int64()), ("replication", pa.int64()), ("seed", pa.int64()),
              ("key", pa.string()), ("config_hash", pa.string())]
    if getattr(exp, "params", "median") == "posterior":  # the posterior particle each run drew
        fields.append(("posterior_draw", pa.int64()))
    fields += [(f.name, pa.bool_() if f.kind == "channel" else pa.float64()) for f in exp.factors]
    fields += [(name, pa.float64()) for name in exp.outcomes]
    fields += [("status", pa.string()), ("error", pa.string())]
    return pa.schema(fields)


def lock_exclusive(handle) -> bool:
    """Lock an open file for this process alone, without waiting; False when another process holds it.

    ``fcntl.flock`` on Linux and macOS, ``msvcrt.locking`` on Windows (neither exists on the other)."""
    try:
        import fcntl
    except ImportError:
        fcntl = None
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    try:
        import msvcrt
    except ImportError:  # neither: nothing to lock with
        return True
    try:
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


class SweepStore:
    """One sweep folder; ``open`` checks it belongs to ``exp`` and locks it against a second sweep."""

    def __init__(self, root: Path, exp: Experiment) -> None:
        self.root = root
        self.exp = exp
        self.schema = row_schema(exp)
        cols = trajectory_columns(exp.scenario.pockets)
        self.trajectory_schema = pa.schema([("day", pa.int32()), *((c, pa.float64()) for c in cols)])
        self.runs = root / "runs"
        self.trajectories = root / "trajectories"
        self.errors = root / "errors"
        self._lock = None

    def open(self, force: bool) -> None:
        try:
            self._open(force)
        except BaseException:
            self.close()
            raise

    def _open(self, force: bool) -> None:
        root = self.root
        if root.exists() and not root.is_dir():
            raise ScenarioError(f"{root} exists and is not a folder", path="--out")
        root.mkdir(parents=True, exist_ok=True)
        self._lock = open(root / ".lock", "w")  # noqa: SIM115 -- held until close()
        if not lock_exclusive(self._lock):
            raise ScenarioError(f"another sweep is writing to {root}", path="--out")
        manifest = root / "manifest.json"
        entries = [p for p in root.iterdir() if p.name != ".lock"]
        if manifest.exists():
            theirs = json.loads(manifest.read_text(encoding="utf-8"))
            same = theirs.get("manifest_hash") == self.exp.manifest_hash()
            if not same and not force:
                raise ScenarioError(
                    f"{root} holds a sweep of a different experiment ({theirs.get('experiment')})",
                    path="--out", hint="--force to discard it, or another --out")
        elif entries and not force:
            raise ScenarioError(f"output folder {root} is not empty and is not a sweep folder",
                                path="--out", hint="--force to use it anyway, or another --out")
        if force:
            self.clear()
        for folder in (self.runs, self.trajectories, self.errors):
            folder.mkdir(exist_ok=True)
            for stale in folder.glob(".*.tmp"):  # left by a sweep killed mid-write
                stale.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove what a sweep writes (and nothing else) from the folder."""
        for name in OWNED:
            path = self.root / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def write_header(self, plan: Plan) -> None:
        """manifest.json, experiment.yaml and design.parquet (rewritten identically on resume)."""
        exp = self.exp
        write_json(self.root / "manifest.json", {"experiment": exp.name, "manifest_hash": exp.manifest_hash(),
                                                 "runs": len(plan.tasks), "bordersim": __version__})
        text = yaml.safe_dump(exp.resolved_dict(), sort_keys=False, allow_unicode=True, width=100)
        write_text(self.root / "experiment.yaml", text)
        cols: dict = {"point": list(range(len(plan.design.points)))}
        for f in exp.factors:
            cols[f.name] = [p[f.name] for p in plan.design.points]
        if plan.design.raw is not None:
            for j, f in enumerate(exp.factors):
                cols[f"raw_{f.name}"] = plan.design.raw[:, j].tolist()
        _write_parquet(self.root / "design.parquet", pa.table(cols))

    def done_keys(self, retry_failed: bool = False) -> set[str]:
        """Keys of runs already stored (failed ones left out when ``retry_failed``)."""
        keys = {p.stem for p in self.runs.glob("*.parquet") if not p.name.startswith(".")}
        if retry_failed:
            keys -= {k for k in keys if self.read_run(k)["status"][0].as_py() != "ok"}
        return keys

    def read_run(self, key: str) -> pa.Table:
        return pq.read_table(self.runs / f"{key}.parquet", schema=self.schema)

    def write_run(self, result: dict) -> None:
        """Store one finished run; the row file goes last so it marks the run as complete."""
        row = result["row"]
        key = row["key"]
        if result["trajectory"] is not None:
            table = pa.table(result["trajectory"], schema=self.trajectory_schema)
            _write_parquet(self.trajectories / f"{key}.parquet", table)
        if result["traceback"]:
            write_text(self.errors / f"{key}.txt", result["traceback"])
        table = pa.Table.from_pylist([row], schema=self.schema)
        _write_parquet(self.runs / f"{key}.parquet", table)

    def _results(self, plan: Plan) -> tuple[list[Task], dict, pa.Table]:
        tasks = sorted(plan.tasks, key=lambda t: (t.point, t.replication))
        stored = {k: self.read_run(k).to_pylist()[0] for k in {t.key for t in tasks}}
        rows = [self._row(t, stored[t.key]) for t in tasks]
        return tasks, stored, pa.Table.from_pylist(rows, schema=self.schema)

    def results(self, plan: Plan):
        """Every (stored) run of the plan as the results table would hold it, as a DataFrame."""
        return self._results(plan)[2].to_pandas()

    def write_precision(self, record: dict | None) -> None:
        """precision.json for a sweep run to a precision; removed after a plain sweep (it would be stale)."""
        if record is None:
            (self.root / "precision.json").unlink(missing_ok=True)
        else:
            write_json(self.root / "precision.json", record)

    def assemble(self, plan: Plan) -> dict[str, Path]:
        """results.parquet/.csv and trajectories.parquet over every task, sorted by point and replication."""
        tasks, stored, results = self._results(plan)
        files = {"results.parquet": self.root / "results.parquet", "results.csv": self.root / "results.csv"}
        _write_parquet(files["results.parquet"], results)
        frame = results.to_pandas()
        atomic_write(files["results.csv"], lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))
        files["trajectories.parquet"] = self.root / "trajectories.parquet"
        _write_parquet(files["trajectories.parquet"], self._trajectories(tasks, stored))
        return files

    def prune(self, plan: Plan) -> int:
        """Remove stored runs the plan no longer has (the scenario or model changed); returns how many."""
        keep = {t.key for t in plan.tasks}
        stale = [p for p in self.runs.glob("*.parquet") if p.stem not in keep]
        for run in stale:
            run.unlink()
            (self.trajectories / run.name).unlink(missing_ok=True)
            (self.errors / f"{run.stem}.txt").unlink(missing_ok=True)
        return len(stale)

    def failed_count(self) -> int:
        """Runs in results.parquet that did not finish with status ok."""
        status = pq.read_table(self.root / "results.parquet", columns=["status"])["status"].to_pylist()
        return sum(1 for s in status if s != "ok")

    def _row(self, task: Task, stored: dict) -> dict:
        row = {"point": task.point, "replication": task.replication, "seed": task.seed, **task.values}
        return {**stored, **row}

    def _trajectories(self, tasks: list[Task], stored: dict) -> pa.Table:
        cols = ["day", *trajectory_columns(self.exp.scenario.pockets)]
        parts = []
        cache: dict[str, pa.Table] = {}
        for t in tasks:
            if stored[t.key]["status"] != "ok":
                continue
            if t.key not in cache:
                cache[t.key] = pq.read_table(self.trajectories / f"{t.key}.parquet", columns=cols)
            part = cache[t.key]
            n = part.num_rows
            parts.append(part.add_column(0, "point", pa.array([t.point] * n, pa.int64()))
                         .add_column(1, "replication", pa.array([t.replication] * n, pa.int64())))
        if not parts:
            return pa.table({"point": pa.array([], pa.int64()), "replication": pa.array([], pa.int64())})
        return pa.concat_tables(parts)
