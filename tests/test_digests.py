"""Outputs pinned by digest: a change of layout or refactor must not change a single byte.

``tests/data/output_digests.json`` holds the sha256 (first 16 hex digits) of ``summary.json`` and
``timeseries.csv`` for every shipped scenario and seeds 1 and 2. A change that is meant to change
results (a new mechanism, a calibration) regenerates the file on purpose::

    .venv/bin/python tests/test_digests.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PINNED = ROOT / "tests" / "data" / "output_digests.json"
SEEDS = (1, 2)


def digests(scenario: Path, seed: int, out: Path) -> dict[str, str]:
    import sim
    from sim.run_outputs import write_run_outputs

    result = sim.run(str(scenario), seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    write_run_outputs(result, out, plots=False)
    return {f: hashlib.sha256((out / f).read_bytes()).hexdigest()[:16]
            for f in ("summary.json", "timeseries.csv")}


CASES = [(p, s) for p in sorted((ROOT / "scenarios").glob("*.yaml")) for s in SEEDS]


@pytest.mark.parametrize(("scenario", "seed"), CASES, ids=[f"{p.stem}-{s}" for p, s in CASES])
def test_outputs_match_their_pinned_digests(scenario, seed, tmp_path):
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert digests(scenario, seed, tmp_path) == pinned[f"{scenario.stem}/{seed}"], (
        f"{scenario.name} seed {seed} changed its outputs; if that is intended, regenerate with "
        "`.venv/bin/python tests/test_digests.py --write` and say why in the commit"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        table = {f"{p.stem}/{s}": digests(p, s, Path(tmp) / f"{p.stem}-{s}") for p, s in CASES}
    PINNED.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {PINNED}")
