"""Calibrate to the record and regenerate docs/calibration.md: the one command.

    .venv/bin/python -m tools.calibration          # the full calibration (resumed if interrupted),
                                                   # then the posterior files, tables and figures
    .venv/bin/python -m tools.calibration --quick  # the quick calibration, written under
                                                   # calibrations/calibrate_joint-quick/ (a test)
    .venv/bin/python -m tools.calibration --predictive-only   # only the calibrated model against the
                                                   # record, 20 seeds (the params file as it is)
    .venv/bin/python -m tools.calibration --first-stage   # the first stage (calibrate_2017) into
                                                   # docs/calibration/stage_2017 and the params file

Steps: `bordersim calibrate experiments/calibrate_joint.yaml` into calibrations/calibrate_joint (resumed
when the folder holds part of it); its params.yaml and posterior.csv copied to scenarios/calibrated/
(every scenario extends the params file); docs/calibration/generations.csv from the history; the
pair plot; posterior-predictive runs (the calibrated model, 20 seeds, on the 2017 campaign and every
shipped scenario) into docs/calibration/predictive.csv and their figure; then the page's blocks
(tools.calibration_doc). The screening is its own command (python -m tools.screening).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
#: The calibration the params file comes from: the joint one (the 2017 campaign, a last stand, a
#: collapse and the insurgency); its regime targets are also the checks of regime_checks.
CALIBRATION = JOINT = ROOT / "experiments" / "calibrate_joint.yaml"
RECORD_SCENARIO = "deir_ezzor_2017"
SEEDS = 20
QUICK_SEEDS = 2
FIGHTERS_RANGE = (1000, 3000)  # record.yaml fighters_left_dec_2017: fewer than 3,000 / fewer than 1,000


def pair_plot(post: pd.DataFrame, priors, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.outputs import atomic_write

    names = [p.name for p in priors]
    n = len(names)
    fig, axes = plt.subplots(n, n, figsize=(1.6 * n + 1, 1.6 * n + 1), dpi=90, squeeze=False)
    w = post["weight"].to_numpy()
    for i, yi in enumerate(priors):
        for j, xj in enumerate(priors):
            ax = axes[i, j]
            x = post[xj.name].to_numpy()
            if i == j:
                bins = (np.logspace(np.log10(xj.lo), np.log10(xj.hi), 16) if xj.log
                        else np.linspace(xj.lo, xj.hi, 16))
                ax.hist(x, bins=bins, weights=w, color="tab:blue")
            else:
                ax.scatter(x, post[yi.name], s=4, alpha=0.5, c="tab:blue")
                ax.set_ylim(yi.lo, yi.hi)
                if yi.log:
                    ax.set_yscale("log")
            ax.set_xlim(xj.lo, xj.hi)
            if xj.log:
                ax.set_xscale("log")
            ax.tick_params(labelsize=5)
            if i == n - 1:
                ax.set_xlabel(xj.name, fontsize=6)
            if j == 0:
                ax.set_ylabel(yi.name, fontsize=6)
    fig.suptitle("Posterior of the calibrated coefficients (axes span the priors)", fontsize=9)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)


def _run(args) -> tuple[str, int, dict]:
    name, seed = args
    from sim.model.runner import run_model
    from sim.scenario.catalog import load

    scenario = load(name)
    _, table, summary = run_model(scenario, seed)
    totals = summary["totals"]
    return name, seed, {"record": summary.get("record", []), "days": summary["days"],
                        "killed_by_air": totals["isis_killed_by_air"], "strikes": totals["strikes"],
                        "fighters_final": summary["isis_fighters_final"]}


def predictive(seeds: int, workers: int | None) -> pd.DataFrame:
    """The calibrated model on the 2017 campaign and every shipped scenario, ``seeds`` seeds each."""
    from sim.scenario.sources import shipped
    from sim.sweep.executors import local_pool

    names = [p.stem for p in shipped(ROOT)]
    jobs = [(n, s) for n in names for s in range(seeds)]
    out = {(n, s): r for n, s, r in local_pool(jobs, _run, workers or 2)}
    rows = []
    for s in range(seeds):
        run = out[(RECORD_SCENARIO, s)]
        for e in run["record"]:
            if e.get("kind") == "isis_fighters":
                continue  # the fighters left are checked against the bracket below
            rows.append({"kind": "event", "id": e["id"], "seed": s, "record_day": e["record_day"],
                         "model_day": e["model_day"], "days": run["days"]})
    ev = pd.DataFrame(rows)
    err = (ev["model_day"].fillna(ev["days"] + 1) - ev["record_day"]).abs()
    kps = {n: sum(out[(n, s)]["killed_by_air"] for s in range(seeds)) /
           max(sum(out[(n, s)]["strikes"] for s in range(seeds)), 1) for n in names}
    left = np.array([out[(RECORD_SCENARIO, s)]["fighters_final"] for s in range(seeds)])
    med = ev.assign(day=ev["model_day"].fillna(ev["days"] + 1)).groupby("id", sort=False).agg(
        day=("day", "median"), record=("record_day", "first"))
    checks = [
        ("median over the events of the absolute error of the model's median day",
         float((med["day"] - med["record"]).abs().median()),
         f"days, {len(med)} events, each the median of {seeds} seeds (an event not shown counts as the day "
         "after the run); done when <= 14"),
        ("median absolute error over every event and seed", float(err.median()),
         f"days, over {len(err)} event-runs ({seeds} seeds; an event not shown counts as the day after "
         "the run); done when <= 14"),
        ("mean fighters killed per strike over all scenarios", float(np.mean(list(kps.values()))),
         "; ".join(f"{n} {v:.2f}" for n, v in kps.items()) + "; done when <= 4 (record bound about 3)"),
        ("ISIS fighters left at the end of the 2017 campaign (median of seeds)", float(np.median(left)),
         f"range over seeds {left.min():.0f} to {left.max():.0f}; record bracket {FIGHTERS_RANGE[0]:,} "
         f"to {FIGHTERS_RANGE[1]:,}; "
         f"{np.mean((left >= FIGHTERS_RANGE[0]) & (left <= FIGHTERS_RANGE[1])):.0%} of seeds inside it"),
    ]
    checks += regime_checks(seeds, workers)
    checked = pd.DataFrame([{"kind": "check", "id": i, "value": v, "what": w} for i, v, w in checks])
    frame = pd.concat([ev, checked])
    return frame.reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def _joint():
    """The joint calibration file, read once per process (every regime check's job needs it)."""
    from sim.calibrate.spec import load_calibration

    return load_calibration(JOINT)


def _statistic(args) -> tuple[str, int, float]:
    """One seed of a regime target's scenario: the target's statistic (sim.calibrate.targets)."""
    key, seed = args
    from sim.calibrate.targets import target_statistics
    from sim.model.runner import run_model

    spec = _joint()
    target = next(t for t in spec.targets if t.name == key)
    scenario = spec.scenarios[target.scenario].scenario
    _, table, summary = run_model(scenario, seed)
    return key, seed, target_statistics(target, {target.scenario: (table, summary)},
                                        {target.scenario: scenario})[key]


def regime_checks(seeds: int, workers: int | None) -> list[tuple[str, float, str]]:
    """The last stand's, the collapse's and the insurgency's targets over ``seeds`` fresh seeds each."""
    from sim.calibrate.regime_targets import REGIME_KINDS
    from sim.sweep.executors import local_pool

    targets = [t for t in _joint().targets if t.kind in REGIME_KINDS]
    jobs = [(t.name, s) for t in targets for s in range(seeds)]
    values: dict[str, list[float]] = {t.name: [] for t in targets}
    for key, _, value in sorted(local_pool(jobs, _statistic, workers or 2)):
        values[key].append(value)
    out = []
    for t in targets:
        v = np.array(values[t.name])
        lo, hi = t.range
        inside = np.mean((v >= lo) & (v <= hi))
        out.append((t.name, float(np.median(v)),
                    f"median of {seeds} seeds (range {v.min():.3g} to {v.max():.3g}); target {lo:g} to "
                    f"{hi:g}; {inside:.0%} of seeds inside it"))
    return out


def repoint(workers: int | None) -> None:
    """The point rule (sim.calibrate.posterior.point_estimate) applied again to the shipped posterior,
    without the calibration's history: every particle's distance measured afresh over 3 seeds (as
    ``runs_per_particle``) stands for its acceptance distance; the params file is rewritten."""
    import pandas as pd

    from sim.calibrate.posterior import Posterior, _mean_distances, held_entries, params_yaml, point_estimate
    from sim.calibrate.spec import load_calibration
    from sim.calibrate.targets import Simulator
    from sim.outputs import write_text

    spec = load_calibration(CALIBRATION)
    calibrated = ROOT / "scenarios" / "calibrated"
    header = (calibrated / "params.yaml").read_text(encoding="utf-8").splitlines()[:2]
    samples = pd.read_csv(calibrated / "posterior.csv")
    generation = int(header[0].split("generation ")[1].split(",")[0])
    epsilon = float(header[1].split("epsilon ")[1].split(")")[0])
    post = Posterior(samples, spec.priors, generation=generation, epsilon=epsilon)
    simulator = Simulator.of(spec)
    seeds = [int(s % (2**31 - 1)) for s in np.random.SeedSequence(0xD15).generate_state(3)]
    rows = post.samples[post.names].to_dict("records")
    distances = _mean_distances(simulator, rows, seeds, workers)
    point = point_estimate(post, distances, simulator, workers=workers)
    command = "python -m tools.calibration --repoint"
    held = held_entries(spec.file, post.names)
    write_text(calibrated / "params.yaml", params_yaml(post, spec.name, command, point, held))
    print(f"params file: {point[1]}")


def predictive_plot(pr: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.outputs import atomic_write

    ev = pr[pr["kind"] == "event"]
    ids = list(dict.fromkeys(ev["id"]))
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(ids) + 1.5), dpi=110)
    for k, eid in enumerate(ids):
        g = ev[ev["id"] == eid]
        days = g["model_day"].fillna(g["days"] + 1).to_numpy(float)
        jitter = np.linspace(-0.2, 0.2, len(days))
        colour = np.where(g["model_day"].isna(), "tab:grey", "tab:blue")
        ax.scatter(days, k + jitter, s=10, c=colour, alpha=0.7)
        ax.scatter([g["record_day"].iloc[0]], [k], marker="D", s=50, c="tab:red", zorder=3)
    ax.set_yticks(range(len(ids)), ids, fontsize=7)
    ax.set_xlabel("day of the 2017 campaign (red: the record; blue: the calibrated model's seeds; grey: not "
                  "by the last day)", fontsize=7)
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)


def generations_csv(db: Path, first: int) -> str:
    """The calibration history's generations from ``first`` on (-1: the sample from the prior, which sets
    the first epsilon), as the page's generations tables read them."""
    import pyabc

    pops = pyabc.History(f"sqlite:///{db}", _id=1).get_all_populations()
    pops = pops[pops["t"] >= first][["t", "epsilon", "samples", "particles", "wall_time"]]
    return pops.to_csv(index=False, float_format="%.6g", lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    from sim.calibrate.posterior import read_posterior
    from sim.calibrate.run import HISTORY, run_calibration
    from sim.calibrate.spec import load_calibration
    from sim.outputs import write_text

    parser = argparse.ArgumentParser(prog="python -m tools.calibration")
    parser.add_argument("--quick", action="store_true",
                        help="the quick calibration, outputs under its folder")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--repoint", action="store_true",
                        help="no calibration: choose the params file's point again from the shipped "
                             "posterior (fresh distances), then --predictive-only")
    parser.add_argument("--predictive-only", action="store_true",
                        help="no calibration: the shipped params file against the record (20 seeds) and the "
                             "page's blocks")
    parser.add_argument("--first-stage", action="store_true",
                        help="the first stage (experiments/calibrate_2017.yaml) into "
                             "docs/calibration/stage_2017 and the params file, which the second stage "
                             "(this command without it) extends")
    args = parser.parse_args(argv)
    if args.first_stage:
        from tools.first_stage import run

        return run(args.quick, args.workers)
    if args.repoint:
        repoint(args.workers)
    if args.predictive_only or args.repoint:
        data, img = ROOT / "docs" / "calibration", ROOT / "docs" / "img"
        pr = predictive(SEEDS, args.workers)
        write_text(data / "predictive.csv", pr.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
        predictive_plot(pr, img / "calibration_predictive.png")
        from tools.calibration_doc import refresh

        refresh()
        return 0
    spec = load_calibration(CALIBRATION)
    folder = ROOT / "calibrations" / (spec.name + ("-quick" if args.quick else ""))
    resume = (folder / "calibration.json").is_file()
    stats = run_calibration(CALIBRATION, folder, quick=args.quick, resume=resume, force=False,
                            workers=args.workers, progress=True,
                            command=f"python -m tools.calibration{' --quick' if args.quick else ''}")
    print(stats.line())
    if stats.done < stats.generations:
        return 130 if stats.interrupted else 1
    root = folder / "preview" if args.quick else ROOT  # --quick never touches the shipped files
    calibrated = root / "scenarios" / "calibrated"
    data, img = root / "docs" / "calibration", root / "docs" / "img"
    calibrated.mkdir(parents=True, exist_ok=True)
    for name in ("params.yaml", "posterior.csv"):
        shutil.copyfile(folder / name, calibrated / name)
    write_text(data / "generations.csv", generations_csv(folder / HISTORY, first=-1))  # -1: prior sample
    post = read_posterior(folder / HISTORY, spec.priors)
    pair_plot(post.samples, spec.priors, img / "calibration_pairs.png")
    pr = predictive(QUICK_SEEDS if args.quick else SEEDS, args.workers)
    write_text(data / "predictive.csv", pr.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    predictive_plot(pr, img / "calibration_predictive.png")
    if args.quick:
        print(f"wrote the quick calibration's preview under {root}")
        return 0
    from tools.calibration_doc import refresh

    refresh()
    return 0


if __name__ == "__main__":
    sys.exit(main())
