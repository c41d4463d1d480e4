"""The factor ranges of experiments/discover_2018.yaml: x0.5 to x1.5 of the values pockets_2018 runs with.

    .venv/bin/python -m tools.discover_ranges           # rewrite the ranges after a recalibration
    .venv/bin/python -m tools.discover_ranges --check   # exit 1 if a range is stale (tests run this)

Each coefficient factor's range is [0.5 v, 1.5 v] for v the value the scenario resolves to (the
calibrated params file, or the declared default), clipped to the bounds declared in
sim/scenario/params.py and rounded to five significant digits; only the ``range:`` lines change.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT = ROOT / "experiments" / "discover_2018.yaml"
SCENARIO = ROOT / "scenarios" / "pockets_2018.yaml"
_FACTOR = re.compile(r"(  - param: (\w+)\n    range: )\[[^\]]*\]")


def _g(x: float) -> str:
    return f"{float(f'{x:.5g}'):g}"


def ranges() -> dict[str, tuple[str, str]]:
    """Each coefficient factor's range as the file should write it."""
    from sim.scenario import load_scenario
    from sim.scenario.params import declared_bounds

    params = load_scenario(SCENARIO).params
    out = {}
    for match in _FACTOR.finditer(EXPERIMENT.read_text(encoding="utf-8")):
        name = match.group(2)
        value, (lo, hi) = float(getattr(params, name)), declared_bounds(name)
        out[name] = (_g(max(lo, 0.5 * value)), _g(min(hi, 1.5 * value)))
    return out


def rewritten() -> str:
    want = ranges()
    text = EXPERIMENT.read_text(encoding="utf-8")
    return _FACTOR.sub(lambda m: f"{m.group(1)}[{want[m.group(2)][0]}, {want[m.group(2)][1]}]", text)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    new = rewritten()
    if "--check" in argv:
        stale = new != EXPERIMENT.read_text(encoding="utf-8")
        print(f"{EXPERIMENT.name}: {'stale: run python -m tools.discover_ranges' if stale else 'up to date'}")
        return 1 if stale else 0
    EXPERIMENT.write_text(new, encoding="utf-8")
    print(f"wrote the ranges of {EXPERIMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
