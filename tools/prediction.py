"""The out-of-sample predictions for docs/validation.md: the 2018 pockets and the 2020 insurgency.

    .venv/bin/python -m tools.prediction           # 3 x 20 runs of pockets_2018 over 300 days and
                                                   # 3 x 20 runs of resurgence_2020 (its 120 days)
    .venv/bin/python -m tools.prediction --quick   # 3 x 2 short runs of each (a test of the command)

A third of the runs use the calibrated coefficients (the params file every scenario extends), a
third draw the second stage's coefficients from its posterior, one particle per run
(sim.calibrate.posterior.draw_particles), and a third also draw the first stage's nineteen from the
first stage's posterior (docs/calibration/stage_2017/posterior.csv), each stage's particle drawn on
its own: the second stage's posterior is conditional on the first stage's point, so pairing them
ignores how the two depend on each other, but it carries the 2017 uncertainty that the second
stage's draws leave out (those act on sieges, collapses and insurgents, not on the 2018
pockets). Seeds are the sweep's replication seeds of seed
2018. Nothing here reads an outcome after 1 May 2018: the prediction is made before it is checked.
Writes docs/validation/prediction.csv, prediction_2020.csv and their blocks of docs/validation.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tools.calibration_doc import STAGE_2017

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "validation.md"
CSV = ROOT / "docs" / "validation" / "prediction.csv"
CSV_2020 = ROOT / "docs" / "validation" / "prediction_2020.csv"
SCENARIO = ROOT / "scenarios" / "pockets_2018.yaml"
SCENARIO_2020 = ROOT / "scenarios" / "resurgence_2020.yaml"
#: Months of resurgence_2020 (its day 0 is 5 January 2020): (label, first day, last day).
MONTHS_2020 = (("January", 1, 26), ("February", 27, 55), ("March", 56, 86), ("April", 87, 116))
#: The share of the media's incident count the model's attacks stand for (docs/calibration.md).
ISIS_SHARE = (0.6, 0.9)
SEED, RUNS, DAYS = 2018, 20, 300
#: The first stage's posterior (its particles vary the nineteen 2017 coefficients).
FIRST_STAGE = STAGE_2017 / "posterior.csv"
#: What each kind of run is called in the tables, in their order.
LABELS = {"median": "calibrated (params file)", "posterior": "posterior draws, second stage",
          "both": "posterior draws, both stages"}


def _run(job) -> dict:
    from sim.model.runner import run_model

    label, seed, draw, scenario = job
    _, _, summary = run_model(scenario, seed)
    row = {"coefficients": label, "seed": seed, "draw": draw, "days": summary["days"]}
    for name, p in summary["pockets"].items():
        for key in ("days_to_50pct", "days_to_90pct", "days_to_clear"):
            row[f"{name}_{key}"] = p[key]
        row[f"{name}_final_km2"] = p["final_km2"]
    row["isis_fighters_final"] = summary["isis_fighters_final"]
    return row


def _run_2020(job) -> dict:
    from sim.model.runner import run_model

    label, seed, draw, scenario = job
    _, table, summary = run_model(scenario, seed)
    row = {"coefficients": label, "seed": seed, "draw": draw, "days": summary["days"],
           "isis_fighters_initial": summary["isis_fighters_initial"],
           "isis_fighters_final": summary["isis_fighters_final"], "strikes": summary["strikes"]}
    for month, first, last in MONTHS_2020:
        days = table[(table["day"] >= first) & (table["day"] <= last)]
        row[f"attacks_week_{month}"] = float(days["raids"].sum()) * 7 / max(len(days), 1)
    return row


def runs(n: int, days: int | None, workers: int | None, scenario_file: Path = SCENARIO,
         one=None) -> pd.DataFrame:
    from sim.calibrate.posterior import draw_particles, shipped_posterior
    from sim.scenario import load_scenario
    from sim.sweep.executors import local_pool
    from sim.sweep.seeds import replication_seeds

    base = load_scenario(scenario_file, {"days": days} if days is not None else {})
    seeds = replication_seeds(SEED, n)
    draws = draw_particles(shipped_posterior(scenario_file), n, SEED)
    first = draw_particles(FIRST_STAGE, n, SEED + 1)
    jobs = [("median", s, None, base) for s in seeds]
    jobs += [("posterior", s, k, base.with_changes({f"params.{c}": v for c, v in values.items()}))
             for s, (k, values) in zip(seeds, draws, strict=True)]
    jobs += [("both", s, f"{k1}/{k}", base.with_changes({f"params.{c}": v for c, v in (v1 | values).items()}))
             for s, (k1, v1), (k, values) in zip(seeds, first, draws, strict=True)]
    rows = list(local_pool(jobs, one or _run, workers or 2))
    frame = pd.DataFrame(rows)
    frame["order"] = frame["coefficients"].map(list(LABELS).index)
    return frame.sort_values(["order", "seed"]).drop(columns="order").reset_index(drop=True)


def _days(x: pd.Series, days: int) -> str:
    cleared = x.dropna()
    if cleared.empty:
        return f"not by day {days}"
    q = np.percentile(x.fillna(days + 1), [5, 50, 95])
    text = [f"{v:.0f}" if v <= days else f">{days}" for v in q]
    return f"{text[1]} ({text[0]}–{text[2]})"


def block(frame: pd.DataFrame, pockets: dict[str, str]) -> str:
    days = int(frame["days"].iloc[0])
    rows = [f"Predicted with the calibrated model, {len(frame)} runs of {days} days from 1 April 2018: "
            "the median and the 5–95% range over runs (a run that does not reach the milestone counts "
            f"as after day {days}).", "",
            "| pocket | coefficients | runs | half taken (day) | 90% taken (day) | cleared (day) | "
            f"cleared by day {days} |", "|---|---|---|---|---|---|---|"]
    for name, label in pockets.items():
        for label_c, g in frame.groupby("coefficients", sort=False):
            what = LABELS[label_c]
            rows.append(f"| {label} | {what} | {len(g)} | {_days(g[f'{name}_days_to_50pct'], days)} | "
                        f"{_days(g[f'{name}_days_to_90pct'], days)} | "
                        f"{_days(g[f'{name}_days_to_clear'], days)} | "
                        f"{g[f'{name}_days_to_clear'].notna().mean():.0%} |")
    first = []
    for _, r in frame.iterrows():
        cleared = {n: r[f"{n}_days_to_clear"] for n in pockets if pd.notna(r[f"{n}_days_to_clear"])}
        if not cleared:
            first.append("neither")
            continue
        day = min(cleared.values())
        winners = [pockets[n] for n, d in cleared.items() if d == day]
        first.append(" and ".join(winners) + (" (same day)" if len(winners) > 1 else ""))
    counts = pd.Series(first).value_counts()
    rows += ["", "Which pocket is cleared first, over all runs: " + "; ".join(
        f"{k}: {v} of {len(frame)}" for k, v in counts.items()) + "."]
    return "\n".join(rows) + "\n"


def block_2020(frame: pd.DataFrame) -> str:
    """Attacks a week by month of 2020, and the media count they map to (the share ISIS_SHARE)."""
    lo_share, hi_share = ISIS_SHARE
    rows = [f"Predicted with the calibrated model, {len(frame)} runs of resurgence_2020 from 5 January 2020 "
            "(seeds named in docs/validation/prediction_2020.csv): the model's attacks a week in Iraq, the "
            "median and the 5–95% range over runs, and the media's count of violent incidents a week that "
            f"they stand for (attacks / {hi_share:g} to attacks / {lo_share:g}, the calibration's mapping).",
            "", "| coefficients | runs | " + " | ".join(m for m, _, _ in MONTHS_2020)
            + " | April / January | fighters left |",
            "|---|---|" + "---|" * (len(MONTHS_2020) + 2)]
    for label, g in frame.groupby("coefficients", sort=False):
        what = LABELS[label]
        cells = []
        for month, _, _ in MONTHS_2020:
            q = np.percentile(g[f"attacks_week_{month}"], [5, 50, 95])
            media = f"media {q[1] / hi_share:.0f}–{q[1] / lo_share:.0f}"
            cells.append(f"{q[1]:.0f} ({q[0]:.0f}–{q[2]:.0f}); {media}")
        first, last = g[f"attacks_week_{MONTHS_2020[0][0]}"], g[f"attacks_week_{MONTHS_2020[-1][0]}"]
        ratio = np.nanpercentile(last / first.where(first > 0), [5, 50, 95])
        left = np.percentile(g["isis_fighters_final"] / g["isis_fighters_initial"], [5, 50, 95])
        rows.append(f"| {what} | {len(g)} | " + " | ".join(cells) + f" | {ratio[1]:.2f} ({ratio[0]:.2f}–"
                    f"{ratio[2]:.2f}) | {left[1]:.0%} ({left[0]:.0%}–{left[2]:.0%}) |")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    from sim.scenario import load_scenario
    from tools.validation_block import parse_args, write_outputs

    args = parse_args("python -m tools.prediction", argv)
    n, days = (2, 30) if args.quick else (RUNS, DAYS)
    frame = runs(n, days, args.workers)
    pockets = {k: p.label for k, p in load_scenario(SCENARIO).pockets.items()}
    write_outputs(frame, CSV, DOC, "prediction", lambda: block(frame, pockets))
    frame_2020 = runs(n, 20 if args.quick else None, args.workers, SCENARIO_2020, _run_2020)
    write_outputs(frame_2020, CSV_2020, DOC, "prediction_2020", lambda: block_2020(frame_2020))
    return 0


if __name__ == "__main__":
    sys.exit(main())
