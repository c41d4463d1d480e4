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

from tools.calibration_doc import CALIBRATED, CALIBRATION, CALIBRATION_2017, ROOT, STAGE_2017

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


def write_first_stage(folder: Path, root: Path, spec) -> list[str]:
    """Write a finished first stage (``spec``) from ``folder`` under ``root``; the coefficients the
    second must free."""
    from sim.calibrate.run import HISTORY
    from sim.outputs import write_text
    from tools.calibration import generations_csv

    stage = root / STAGE_2017.relative_to(ROOT)
    stage.mkdir(parents=True, exist_ok=True)
    text = (folder / "params.yaml").read_text(encoding="utf-8")
    write_text(stage / "params.yaml", calibrated_entries(text, {p.name for p in spec.priors}))
    shutil.copyfile(folder / "posterior.csv", stage / "posterior.csv")
    write_text(stage / "generations.csv", generations_csv(folder / HISTORY, first=0))
    calibrated = root / CALIBRATED.relative_to(ROOT)
    calibrated.mkdir(parents=True, exist_ok=True)
    write_text(calibrated / "params.yaml", text)
    return to_free(folder, spec)


def run(quick: bool, workers: int | None) -> int:
    """Calibrate the first stage (resumed if interrupted), write it, and check the second stage's file."""
    from sim.calibrate.run import run_calibration
    from sim.calibrate.spec import load_calibration

    spec = load_calibration(CALIBRATION_2017)
    folder = ROOT / "calibrations" / (spec.name + ("-quick" if quick else ""))
    stats = run_calibration(CALIBRATION_2017, folder, quick=quick,
                            resume=(folder / "calibration.json").is_file(), workers=workers, progress=True,
                            command=f"python -m tools.calibration --first-stage{' --quick' if quick else ''}")
    print(stats.line())
    if stats.done < stats.generations:
        return 130 if stats.interrupted else 1
    root = folder / "preview" if quick else ROOT  # --quick never touches the shipped files
    free = write_first_stage(folder, root, spec)
    joint = {p.name for p in load_calibration(CALIBRATION).priors}
    frees = sorted(joint & {p.name for p in spec.priors})
    print(f"wrote the first stage under {root}; the second stage must free {free or 'no 2017 coefficient'}"
          f" (experiments/calibrate_joint.yaml frees {frees or 'none'})")
    if sorted(free) != frees:
        print("edit experiments/calibrate_joint.yaml's coefficients to match, then run "
              "python -m tools.calibration")
    return 0
