"""The Morris screening of every coefficient on the distance to the 2017 record, for docs/calibration.md.

    .venv/bin/python -m tools.screening            # 10 trajectories: about 550 runs, ~10 minutes on 2 cores
    .venv/bin/python -m tools.screening --quick    # 2 trajectories (a test of the command)
    .venv/bin/python -m tools.screening --joint    # the joint file's coefficients on the joint distance

Writes docs/calibration/screening.csv (mu* and sigma of every coefficient, for the distance and each
target's deviation), docs/img/calibration_screening.png, and the screening block of docs/calibration.md.
With ``--joint``: the 28 coefficients of docs/calibration/screening_joint.yaml (the 2017 set and the
new rules', over the priors the joint file would give them), the others at the params file's values,
on the joint distance (calibrate_joint's four patterns), into docs/calibration/screening_joint.csv
and the screening_joint block: which of them the joint calibration frees.

The calibration file's scenarios and targets define the distance (sim.calibrate.targets).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "experiments" / "calibrate_2017.yaml"
CSV = ROOT / "docs" / "calibration" / "screening.csv"
JOINT = ROOT / "docs" / "calibration" / "screening_joint.yaml"  # calibrate_joint's targets, 28 coefficients
JOINT_CSV = ROOT / "docs" / "calibration" / "screening_joint.csv"
FIGURE = ROOT / "docs" / "img" / "calibration_screening.png"
SEED = 2017
LEVELS = 4


def figure(table: pd.DataFrame, calibrated: set[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.outputs import atomic_write

    d = table[table["output"] == "distance"].sort_values("mu_star", ascending=False)
    fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
    colours = ["tab:red" if c in calibrated else "tab:grey" for c in d["coefficient"]]
    ax.scatter(d["mu_star"], d["sigma"], c=colours, s=18)
    for _, r in d.head(14).iterrows():
        ax.annotate(r["coefficient"], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(3, 2),
                    textcoords="offset points")
    ax.set_xlabel("mu* (mean absolute elementary effect on the distance to the record)")
    ax.set_ylabel("sigma (interactions and non-linearity)")
    ax.set_title("Morris screening of every coefficient (red: calibrated)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    from sim.calibrate.screening import run_screening
    from sim.calibrate.spec import load_calibration
    from sim.outputs import write_text

    parser = argparse.ArgumentParser(prog="python -m tools.screening")
    parser.add_argument("--trajectories", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="2 trajectories")
    parser.add_argument("--joint", action="store_true",
                        help="the joint file's coefficients over its priors, on the joint distance")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    spec = load_calibration(JOINT if args.joint else CALIBRATION)
    r = 2 if args.quick else args.trajectories

    def progress(done: int, total: int) -> None:
        if done % 25 == 0 or done == total:
            print(f"screening: {done}/{total} runs", file=sys.stderr, flush=True)

    table, points = run_screening(spec, trajectories=r, levels=LEVELS, seed=SEED, workers=args.workers,
                                  progress=progress, calibrated_only=args.joint)
    table.insert(0, "trajectories", r)
    csv = JOINT_CSV if args.joint else CSV
    write_text(csv, table.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    if args.joint:  # the joint screening's table is the block; no figure
        print(f"wrote {csv}")
    else:
        figure(table, {p.name for p in spec.priors}, FIGURE)
        print(f"wrote {csv} and {FIGURE}")
    from tools.calibration_doc import refresh

    refresh()
    return 0


if __name__ == "__main__":
    sys.exit(main())
