"""The out-of-sample prediction for docs/validation.md: the 2018 pockets with the calibrated model.

    .venv/bin/python -m tools.prediction           # 2 x 20 runs of pockets_2018 over 300 days
    .venv/bin/python -m tools.prediction --quick   # 2 x 2 runs of 30 days (a test of the command)

Half the runs use the calibrated coefficients (the params file every scenario extends), half
draw them from the posterior, one particle per run (sim.calibrate.posterior.draw_particles), so the
spread covers chance and calibration uncertainty. Seeds are the sweep's replication seeds of seed
2018. Nothing here reads an outcome after 1 May 2018: the prediction is made before it is checked.
Writes docs/validation/prediction.csv and the prediction block of docs/validation.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "validation.md"
CSV = ROOT / "docs" / "validation" / "prediction.csv"
SCENARIO = ROOT / "scenarios" / "pockets_2018.yaml"
SEED, RUNS, DAYS = 2018, 20, 300


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


def runs(n: int, days: int, workers: int | None) -> pd.DataFrame:
    from sim.calibrate.posterior import draw_particles, shipped_posterior
    from sim.scenario import load_scenario
    from sim.sweep.executors import local_pool
    from sim.sweep.seeds import replication_seeds

    base = load_scenario(SCENARIO, {"days": days})
    seeds = replication_seeds(SEED, n)
    draws = draw_particles(shipped_posterior(SCENARIO), n, SEED)
    jobs = [("median", s, None, base) for s in seeds]
    jobs += [("posterior", s, k, base.with_changes({f"params.{c}": v for c, v in values.items()}))
             for s, (k, values) in zip(seeds, draws, strict=True)]
    rows = list(local_pool(jobs, _run, workers or 2))
    return pd.DataFrame(rows).sort_values(["coefficients", "seed"]).reset_index(drop=True)


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
            what = "calibrated (params file)" if label_c == "median" else "posterior draws"
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


def main(argv: list[str] | None = None) -> int:
    from sim.scenario import load_scenario
    from tools.validation_block import parse_args, write_outputs

    args = parse_args("python -m tools.prediction", argv)
    n, days = (2, 30) if args.quick else (RUNS, DAYS)
    frame = runs(n, days, args.workers)
    pockets = {k: p.label for k, p in load_scenario(SCENARIO).pockets.items()}
    write_outputs(frame, CSV, DOC, "prediction", lambda: block(frame, pockets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
