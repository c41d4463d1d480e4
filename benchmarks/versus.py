"""Before and after in the same run: this tree's model against another commit's, scenario by scenario.

``python -m benchmarks.versus --against REV [--reps N] [--days-scale F]`` checks REV out into a
temporary git worktree (or takes ``--against-tree PATH``), then times every shipped scenario in child
processes that import ``sim`` from one tree or the other, taking turns (old, new, old, new, ...), so
that other work on a shared machine lands on both alike. Each child builds the model and runs it for
the scenario's days (``sim.run``: set-up, the days, the recorded table and summary) after one
untimed warm-up run; the figure is the child's CPU time for the timed run. The table gives the
medians and the ratio old / new per day.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What a child runs: import sim from the tree given, warm up, time one run per scenario.
CHILD = r"""
import json, sys, time, tracemalloc
sys.path.insert(0, sys.argv[1])
import sim
specs = {name: sim.load(name) if days is None else sim.load(name, set=[f"days={days}"])
         for name, days in json.loads(sys.argv[2])}
out = {}
for name, spec in specs.items():
    sim.run(spec, seed=int(sys.argv[3]))
    c0, w0 = time.process_time(), time.perf_counter()
    sim.run(spec, seed=int(sys.argv[3]))
    out[name] = {"cpu": time.process_time() - c0, "wall": time.perf_counter() - w0, "days": spec.days}
for name, spec in specs.items():  # memory per model: what one run allocates at its peak (after the
    tracemalloc.start()  # timing, which tracemalloc would slow)
    sim.run(spec, seed=int(sys.argv[3]))
    out[name]["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
print(json.dumps(out))
"""

#: What a child runs to check outputs: a digest of every run's summary and daily table per scenario and seed.
DIGESTS = r"""
import hashlib, json, sys
sys.path.insert(0, sys.argv[1])
import sim
out = {}
for name in json.loads(sys.argv[2]):
    for seed in range(1, int(sys.argv[3]) + 1):
        result = sim.run(name, seed=seed)
        summary = dict(result.summary)
        summary.pop("config_hash", None)  # names the coefficient declarations, not the run
        text = json.dumps(summary, sort_keys=True) + result.timeseries.to_csv(index=False)
        out[f"{name}/{seed}"] = hashlib.sha256(text.encode()).hexdigest()
print(json.dumps(out))
"""


def scenarios(tree: Path) -> list[str]:
    return sorted(p.stem for p in (tree / "scenarios").glob("*.yaml"))


def child(tree: Path, plan: list[tuple[str, int | None]], seed: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(tree), json.dumps(plan), str(seed)],
                          cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def compare(old: Path, new: Path, names: list[str], reps: int, days: int | None = None) -> dict:
    """Median CPU seconds per run and per day in each tree, and the speed-up, by scenario."""
    plan = [(n, days) for n in names]
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for rep in range(reps):
        for side, tree in (("old", old), ("new", new)):
            runs[side].append(child(tree, plan, seed=1 + rep))
    table = {}
    for name in names:
        row = {}
        for side in ("old", "new"):
            cpu = statistics.median(r[name]["cpu"] for r in runs[side])
            wall = statistics.median(r[name]["wall"] for r in runs[side])
            days = runs[side][0][name]["days"]
            peak = statistics.median(r[name]["peak_mb"] for r in runs[side])
            row[side] = {"cpu_s": round(cpu, 4), "wall_s": round(wall, 4), "days": days,
                         "ms_per_day": round(1000 * cpu / days, 3), "peak_mb": round(peak, 2)}
        row["speedup"] = round(row["old"]["ms_per_day"] / row["new"]["ms_per_day"], 2)
        table[name] = row
    return table


def same_outputs(old: Path, new: Path, names: list[str], seeds: int) -> dict:
    """Runs of every scenario with seeds 1..``seeds`` in both trees: which give the same outputs."""
    digests = []
    for tree in (old, new):
        done = subprocess.run([sys.executable, "-c", DIGESTS, str(tree), json.dumps(names), str(seeds)],
                              cwd=tree, capture_output=True, text=True, check=True)
        digests.append(json.loads(done.stdout))
    differ = sorted(k for k in digests[0] if digests[0][k] != digests[1][k])
    return {"runs": len(digests[0]), "identical": len(digests[0]) - len(differ), "differ": differ}


#: Whole commands a student or the calibration runs, timed in each tree (same files in both).
WORKLOADS = {
    "classroom sweep": ["sweep", "experiments/classroom.yaml", "--workers", "2"],
    "channel sweep (channels_2018)": ["sweep", "experiments/channels_2018.yaml", "--workers", "2"],
    "discovery sweep (discover_2018)": ["sweep", "experiments/discover_2018.yaml", "--workers", "2"],
    "calibration, quick (calibrate_2017)": ["calibrate", "experiments/calibrate_2017.yaml", "--quick",
                                            "--workers", "2"],
    "calibration, one generation (calibrate_joint --quick)": ["calibrate", "experiments/calibrate_joint.yaml",
                                                              "--quick", "--workers", "2"],
}


def workloads(old: Path, new: Path, names: list[str] | None = None) -> dict:
    """Wall time of each workload's whole command in each tree (old first), into a fresh folder."""
    table = {}
    for name, argv in WORKLOADS.items():
        if names and name not in names:
            continue
        row = {}
        for side, tree in (("old", old), ("new", new)):
            with tempfile.TemporaryDirectory(prefix="bench-work-") as out:
                code = ("import sys; sys.path.insert(0, sys.argv[1]); from sim.cli import main; "
                        "sys.exit(main(sys.argv[2:]))")
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", code, str(tree), *argv, "--out", out], cwd=tree,
                               check=True, capture_output=True)
                row[side] = round(time.perf_counter() - start, 2)
        row["speedup"] = round(row["old"] / row["new"], 2)
        table[name] = row
    return table


def check_other(parser, args) -> None:
    """One clear line and exit 2 (argparse's error) for a revision git does not know or a missing
    tree, before any worktree is made."""
    if args.against_tree is not None and not (args.against_tree / "sim").is_dir():
        parser.error(f"--against-tree: {args.against_tree} is not a bordersim checkout (no sim/ folder)")
    if args.against is not None:
        known = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{args.against}^{{commit}}"],
                               cwd=ROOT, capture_output=True)
        if known.returncode:
            parser.error(f"--against: no commit {args.against!r} in this repository")


def worktree(rev: str, where: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(where), rev], cwd=ROOT, check=True,
                   capture_output=True)
    return where


DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- benchmarks:versus -->", "<!-- /benchmarks:versus -->"


def block(saved: dict, machine: str) -> str:
    """What docs/performance.md shows between its versus markers: the tables and how they were made."""
    lines = [f"Measured {machine}; before = commit {saved['against']}, after = this tree "
             f"(`python -m benchmarks.versus --against {saved['against']}`), CPU time of `sim.run` per "
             "day, median of the child processes, taking turns; memory per model is the peak that one "
             "run allocates (tracemalloc: the model, its grid cells, its table and summary; the theater, "
             "shared by every model of a process, is built before).", "", markdown(saved["table"],
                                                                               saved["against"])]
    if saved.get("outputs"):
        o = saved["outputs"]
        lines += ["", f"Outputs: {o['identical']} of {o['runs']} runs (every scenario present in both, "
                  "seeds 1 upwards) gave byte-identical summaries and daily tables in both trees."]
    if saved.get("workloads"):
        lines += ["", "| workload (whole command, wall time) | before s | after s | speed-up |",
                  "|---|---|---|---|"]
        lines += [f"| {n} | {r['old']:.1f} | {r['new']:.1f} | {r['speedup']:.2f}x |"
                  for n, r in saved["workloads"].items()]
    return "\n".join(lines)


def refresh_doc(saved: dict, machine: str, path: Path = DOC) -> bool:
    text = path.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return False
    path.write_text(text[: start + len(BEGIN)] + "\n" + block(saved, machine) + "\n" + text[end:],
                    encoding="utf-8")
    return True


def markdown(table: dict, rev: str) -> str:
    lines = [f"| scenario | days | before ({rev}) ms/day | after ms/day | speed-up | memory per model, "
             "before / after MB |", "|---|---|---|---|---|---|"]
    for name, row in table.items():
        lines.append(f"| {name} | {row['new']['days']} | {row['old']['ms_per_day']:.2f} | "
                     f"{row['new']['ms_per_day']:.2f} | {row['speedup']:.2f}x | "
                     f"{row['old']['peak_mb']:.1f} / {row['new']['peak_mb']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.versus", description=__doc__)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--against", help="the commit to compare with (checked out in a temporary worktree)")
    which.add_argument("--against-tree", type=Path, help="a checkout of the other version")
    parser.add_argument("--reps", type=int, default=5, help="child processes per tree (default 5)")
    parser.add_argument("--days", type=int, default=None, help="days of every run (default: each scenario's)")
    parser.add_argument("--outputs", type=int, default=0, metavar="SEEDS",
                        help="also check that seeds 1..SEEDS of every scenario give identical outputs")
    parser.add_argument("--workloads", action="store_true",
                        help="also time whole sweeps and quick calibrations in both trees (minutes)")
    parser.add_argument("--out", type=Path, default=None, help="write the table as JSON here")
    parser.add_argument("--docs", action="store_true", help=f"refresh the versus block of {DOC.name}")
    args = parser.parse_args(argv)
    check_other(parser, args)
    with tempfile.TemporaryDirectory(prefix="bench-versus-") as tmp:
        if args.against_tree is not None:
            old, label = args.against_tree.resolve(), args.against_tree.name
        else:
            old, label = worktree(args.against, Path(tmp) / "old"), args.against
        try:
            names = [n for n in scenarios(ROOT) if n in scenarios(old)]
            table = compare(old, ROOT, names, args.reps, args.days)
            outputs = same_outputs(old, ROOT, names, args.outputs) if args.outputs else None
            work = workloads(old, ROOT) if args.workloads else None
        finally:
            if args.against_tree is None:
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                               capture_output=True)
    saved = {"against": label, "table": table, "outputs": outputs, "workloads": work}
    if args.out is not None:
        args.out.write_text(json.dumps(saved, indent=1) + "\n", encoding="utf-8")
    if args.docs:
        import datetime as dt

        from benchmarks.machine import load_average, machine_info

        info = machine_info(ROOT)
        machine = (f"{dt.date.today().isoformat()} on {info['cpu_model']} ({info['usable_cores']} cores "
                   f"usable), Python {info['python']}, load average {load_average()} after")
        print(f"refreshed {DOC}" if refresh_doc(saved, machine) else f"{DOC} has no versus markers")
    print(markdown(table, label))
    if work is not None:
        print("\n| workload | before s | after s | speed-up |\n|---|---|---|---|")
        for name, row in work.items():
            print(f"| {name} | {row['old']:.1f} | {row['new']:.1f} | {row['speedup']:.2f}x |")
    if outputs is not None:
        print(f"\noutputs: {outputs['identical']} of {outputs['runs']} runs identical"
              + (f"; differ: {', '.join(outputs['differ'])}" if outputs["differ"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
