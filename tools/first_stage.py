"""The first calibration stage into the docs and the params file: ``-m tools.calibration --first-stage``.

The calibration is two stages (docs/calibration.md, "Why two stages"). The first,
experiments/calibrate_2017.yaml, fits the nineteen 2017 coefficients to the 2017 campaign; the second,
experiments/calibrate_joint.yaml, runs with them at the first stage's point. After the first stage's
calibration (``bordersim calibrate``, resumed when its folder holds part of it) this writes:

- docs/calibration/stage_2017/: its params file (the calibrated coefficients only), posterior and
  generations, which the page's first-stage tables read;
- scenarios/calibrated/params.yaml: the first stage's params file (its point, and every other
  coefficient the shipped file set, held with its provenance), which the second stage then extends;

and checks the rule that decides which 2017 coefficients the second stage frees: those whose point lies
outside the first stage's 90 % interval or within 1 % of the prior's width of its edge.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = ROOT / "experiments" / "calibrate_2017.yaml"
ENTRY = re.compile(r"^  (\w+):\s*$")


def calibrated_entries(text: str, names: set[str]) -> str:
    """A params file's text with only the entries of ``names`` (its header and their lines kept)."""
    out, keep = [], True
    for line in text.splitlines():
        m = ENTRY.match(line)
        if m:
            keep = m.group(1) in names
        elif not line.startswith("    "):
            keep = True  # the header and the `params:` line
        if keep:
            out.append(line)
    return "\n".join(out) + "\n"


def to_free(folder: Path, spec) -> list[str]:
    """The 2017 coefficients whose first-stage point does not stand for the first-stage posterior."""
    from sim.calibrate.posterior import off_edges, read_params_file, read_posterior
    from sim.calibrate.run import HISTORY

    post = read_posterior(folder / HISTORY, spec.priors)
    point = read_params_file(folder / "params.yaml")
    return [p.name for p in spec.priors if not off_edges(p, point[p.name], *post.interval(p.name), edge=0.01)]


def write_first_stage(folder: Path, root: Path) -> list[str]:
    """Write a finished first stage from ``folder`` under ``root``; the coefficients the second must free."""
    import pyabc

    from sim.calibrate.run import HISTORY
    from sim.calibrate.spec import load_calibration
    from sim.outputs import write_text

    spec = load_calibration(FIRST)
    stage = root / "docs" / "calibration" / "stage_2017"
    stage.mkdir(parents=True, exist_ok=True)
    text = (folder / "params.yaml").read_text(encoding="utf-8")
    write_text(stage / "params.yaml", calibrated_entries(text, {p.name for p in spec.priors}))
    shutil.copyfile(folder / "posterior.csv", stage / "posterior.csv")
    pops = pyabc.History(f"sqlite:///{folder / HISTORY}", _id=1).get_all_populations()
    pops = pops[pops["t"] >= 0][["t", "epsilon", "samples", "particles", "wall_time"]]
    write_text(stage / "generations.csv", pops.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    calibrated = root / "scenarios" / "calibrated"
    calibrated.mkdir(parents=True, exist_ok=True)
    write_text(calibrated / "params.yaml", text)
    return to_free(folder, spec)


def run(quick: bool, workers: int | None) -> int:
    """Calibrate the first stage (resumed if interrupted), write it, and check the second stage's file."""
    from sim.calibrate.run import run_calibration
    from sim.calibrate.spec import load_calibration

    spec = load_calibration(FIRST)
    folder = ROOT / "calibrations" / (spec.name + ("-quick" if quick else ""))
    stats = run_calibration(FIRST, folder, quick=quick, resume=(folder / "calibration.json").is_file(),
                            workers=workers, progress=True,
                            command=f"python -m tools.calibration --first-stage{' --quick' if quick else ''}")
    print(stats.line())
    if stats.done < stats.generations:
        return 130 if stats.interrupted else 1
    root = folder / "preview" if quick else ROOT  # --quick never touches the shipped files
    free = write_first_stage(folder, root)
    joint = {p.name for p in load_calibration(ROOT / "experiments" / "calibrate_joint.yaml").priors}
    frees = sorted(joint & {p.name for p in spec.priors})
    print(f"wrote the first stage under {root}; the second stage must free {free or 'no 2017 coefficient'}"
          f" (experiments/calibrate_joint.yaml frees {frees or 'none'})")
    if sorted(free) != frees:
        print("edit experiments/calibrate_joint.yaml's coefficients to match, then run "
              "python -m tools.calibration")
    return 0
