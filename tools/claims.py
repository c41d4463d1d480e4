"""What the articles claim about the channels, checked in the calibrated model, for docs/validation.md.

    .venv/bin/python -m tools.claims           # 20 paired seeds per claim, about 200 runs
    .venv/bin/python -m tools.claims --quick   # 2 paired seeds, 20 days (a test of the command)
    .venv/bin/python -m tools.claims --claim sting_fighters --set params.reinforce_rate=0
                                               # a what-if: the claims named, with a rule changed in
                                               # both arms; prints the table, writes nothing

Each claim is a direction: with the channel (or scenario variant) B instead of A, a measured
quantity should move one way. Both run with the same seeds (common random numbers); the table gives
the mean paired difference B - A with its 95% interval (sim.report.intervals: the paired t-interval,
widened for skewness) and whether the model agrees
(the interval on the claimed side of zero), disagrees (on the other side) or cannot tell.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "validation.md"
CSV = ROOT / "docs" / "validation" / "claims.csv"
SEED, REPS = 2018, 20


@dataclass(frozen=True)
class Claim:
    key: str
    article: str
    quote: str
    a: tuple[str, tuple[str, ...]]  # scenario, overrides
    b: tuple[str, tuple[str, ...]]
    quantity: str  # a summary key: pockets.NAME.FIELD, totals.FIELD or a top-level field
    meaning: str
    sign: int  # the claimed direction of B - A


CLAIMS = (
    Claim("isf_sdf_jazira", "000", "suggests that pressure is building on the Jazira Pocket",
          ("pockets_2018", ("channels.isf_sdf_coordination=false",)), ("pockets_2018", ()),
          "pockets.jazira.mean_km2", "Jazira pocket's mean area (km2), ISF-SDF coordination on - off", -1),
    Claim("sting_raids", "000", "a sting operation coordinated with the Turkish Government was instrumental "
          "in facilitating the arrests of five high-ranking ISIS militants",
          ("pockets_2018", ("channels.turkish_sting=false",)), ("pockets_2018", ()),
          "raids", "ISIS raids, sting on - off (a weaker ISIS raids less)", -1),
    Claim("sting_fighters", "000", "a sting operation coordinated with the Turkish Government was "
          "instrumental in facilitating the arrests of five high-ranking ISIS militants",
          ("pockets_2018", ("channels.turkish_sting=false",)), ("pockets_2018", ()),
          "isis_fighters_final", "ISIS fighters left on day 180, sting on - off", -1),
    Claim("line_incidents", "003", "a direct line of communication between the two parties, to avoid "
          "potential conflict", ("deir_ezzor_2017_no_line", ()), ("deir_ezzor_2017", ()),
          "incidents", "incidents between the rival camps, line open - closed", -1),
    Claim("alone_iraqi_strikes", "004", "while the Coalition technicians have left the Balad Air Base, the "
          "operations have not been suspended", ("resurgence_2020", ()), ("resurgence_2020_alone", ()),
          "totals.strikes_iraqi", "Iraqi Air Force strikes, without the coalition - with it", -1),
    Claim("alone_raids", "004", "ISIS-linked attacks have picked up in recent weeks",
          ("resurgence_2020", ()), ("resurgence_2020_alone", ()),
          "raids", "ISIS raids, without the coalition - with it", +1),
)


def _value(summary: dict, key: str) -> float:
    parts = key.split(".")
    v = summary
    for p in parts:
        v = v[p]
    return float("nan") if v is None else float(v)


def _run(job):
    from sim.model.runner import run_model
    from sim.scenario import load_scenario

    key, side, seed, scenario, overrides, days, quantity, changes = job
    extra = [*overrides, *changes, *([f"days={days}"] if days else [])]
    _, _, summary = run_model(load_scenario(ROOT / "scenarios" / f"{scenario}.yaml", extra), seed)
    return key, side, seed, _value(summary, quantity)


def measure(reps: int, days: int | None, workers: int | None, claims: tuple[Claim, ...] = CLAIMS,
            changes: tuple[str, ...] = ()) -> pd.DataFrame:
    """Each claim's paired runs; ``changes`` (``KEY=VALUE``, as ``--set``) apply to both arms."""
    from sim.report.intervals import interval
    from sim.sweep.executors import local_pool
    from sim.sweep.seeds import replication_seeds

    seeds = replication_seeds(SEED, reps)
    jobs = [(c.key, side, s, *spec, days, c.quantity, changes) for c in claims
            for side, spec in (("a", c.a), ("b", c.b)) for s in seeds]
    values = {(k, side, s): v for k, side, s, v in local_pool(jobs, _run, workers or 2)}
    rows = []
    for c in claims:
        d = np.array([[values[(c.key, "b", s)] - values[(c.key, "a", s)] for s in seeds]]).T
        mean, lo, hi = (float(x[0]) for x in interval(d))
        a = float(np.mean([values[(c.key, "a", s)] for s in seeds]))
        b = float(np.mean([values[(c.key, "b", s)] for s in seeds]))
        verdict = "holds" if (hi < 0 if c.sign < 0 else lo > 0) else \
            "reversed" if (lo > 0 if c.sign < 0 else hi < 0) else "cannot tell"
        rows.append({"claim": c.key, "article": c.article, "mean_a": a, "mean_b": b, "diff": mean,
                     "ci_low": lo, "ci_high": hi, "verdict": verdict, "reps": reps})
    return pd.DataFrame(rows)


def _f(v: float) -> str:
    return f"{float(f'{v:.3g}'):g}"


def block(frame: pd.DataFrame, how: str = "Regenerated by `.venv/bin/python -m tools.claims`.") -> str:
    by = {c.key: c for c in CLAIMS}
    reps = int(frame["reps"].iloc[0])
    rows = [f"Paired runs of the calibrated model, {reps} seeds per claim (common random numbers); "
            f"B - A with its 95% interval (paired t, widened for skewness). {how}", "",
            "| article claim | quote | measured as | A | B | B - A [95% interval] | in the model |",
            "|---|---|---|---|---|---|---|"]
    for _, r in frame.iterrows():
        c = by[r["claim"]]
        sign = "lower" if c.sign < 0 else "higher"
        rows.append(f"| {c.article}: {sign} with B | “{c.quote}” | {c.meaning} | {_f(r['mean_a'])} | "
                    f"{_f(r['mean_b'])} | {_f(r['diff'])} [{_f(r['ci_low'])}, {_f(r['ci_high'])}] | "
                    f"**{r['verdict']}** |")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    from tools.validation_block import parse_args, write_outputs

    by = {c.key: c for c in CLAIMS}
    args = parse_args("python -m tools.claims", argv, what_if=tuple(by))
    claims = tuple(by[k] for k in args.claim) if args.claim else CLAIMS
    frame = measure(2 if args.quick else REPS, 20 if args.quick else None, args.workers, claims,
                    tuple(args.set))
    if args.claim or args.set:  # a what-if: the page keeps the claims as the scenarios are
        sys.stdout.write(block(frame, "What-if: " + (", ".join(args.set) or "as written") + " in both arms."))
        return 0
    write_outputs(frame, CSV, DOC, "claims", lambda: block(frame))
    return 0


if __name__ == "__main__":
    sys.exit(main())
