"""Is it the same model? Every summary outcome of every scenario, this tree against another commit.

``python -m benchmarks.equivalence --against REV [--seeds 40] [--docs]`` runs seeds 1..N of every
scenario shipped in both trees (REV checked out in a temporary git worktree, or ``--against-tree
PATH``), each tree in its own child process, and compares every numeric outcome of the runs'
summaries (``summary.json``: pockets' days and areas, fighters, losses, strikes, incidents..., and
the day of each record event, such as a town taken; a pocket never cleared or an event never seen
counts as the day after the run, as everywhere else).

For a faster computation that changes the random streams the outputs cannot be byte-identical; the
question becomes whether the two samples could come from the same model. For each outcome:

- the two-sample Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``) on the N runs of each tree;
- the difference of the means with its 95% interval (Welch's t, ``scipy.stats.ttest_ind``).

With a few hundred outcomes some p-values fall below 0.05 by chance alone, so the verdict uses
Holm's step-down correction over all of them: an outcome *differs beyond chance* when its
Holm-adjusted p-value is below 0.05 (a family-wise error rate of 5%). Outcomes equal in every run of
both trees are *identical* and are not tested. The table goes into docs/performance.md with
``--docs``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from benchmarks.versus import ROOT, check_other, scenarios, worktree

#: What a child runs: every numeric outcome of each scenario's summary, seed by seed.
OUTCOMES = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import sim

def leaves(d, days, prefix=""):
    for k, v in d.items():
        if k in ("record", "seed", "days", "channels", "config_hash", "version"):
            continue
        if isinstance(v, dict):
            yield from leaves(v, days, f"{prefix}{k}.")
        elif v is None and k.startswith("days_to"):
            yield f"{prefix}{k}", days + 1
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield f"{prefix}{k}", float(v)

plan = json.loads(sys.argv[2])
out = {}
for name in plan["names"]:
    spec = sim.load(name) if plan["days"] is None else sim.load(name, set=[f"days={plan['days']}"])
    rows = {}
    for seed in range(plan["first"], plan["first"] + plan["seeds"]):
        result = sim.run(spec, seed=seed)
        for key, value in leaves(result.summary, spec.days):
            rows.setdefault(key, []).append(value)
        for event in result.summary.get("record") or []:  # the day of each record event in the run
            day = event.get("model_day")
            rows.setdefault(f"record.{event['id']}", []).append(spec.days + 1 if day is None else float(day))
    out[name] = rows
print(json.dumps(out))
"""

ALPHA = 0.05


def outcomes(tree: Path, names: list[str], seeds: int, days: int | None, first: int = 1) -> subprocess.Popen:
    """Start a child that runs ``names`` with ``seeds`` seeds from ``first`` importing sim from ``tree``."""
    plan = json.dumps({"names": names, "seeds": seeds, "days": days, "first": first})
    return subprocess.Popen([sys.executable, "-c", OUTCOMES, str(tree), plan], cwd=tree,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def collect(child: subprocess.Popen) -> dict:
    out, err = child.communicate()
    if child.returncode:
        raise RuntimeError(f"an equivalence child failed:\n{err}")
    return json.loads(out)


def compare_outcome(old: list[float], new: list[float]) -> dict:
    """One outcome's two samples: identical, or the KS p-value and the difference of the means."""
    from scipy import stats

    a, b = np.asarray(old, dtype=float), np.asarray(new, dtype=float)
    row = {"n": [len(a), len(b)], "old_mean": float(a.mean()), "new_mean": float(b.mean())}
    if np.array_equal(np.sort(a), np.sort(b)):
        return row | {"identical": True, "p": 1.0, "diff": 0.0, "diff_ci": [0.0, 0.0]}
    row["identical"] = False
    row["p"] = float(stats.ks_2samp(a, b).pvalue)
    row["diff"] = float(b.mean() - a.mean())
    if a.std() == 0 and b.std() == 0:  # two different constants: no interval, differs for certain
        row["diff_ci"], row["p"] = [row["diff"], row["diff"]], 0.0
    else:
        with warnings.catch_warnings():  # nearly equal samples: scipy warns of precision, the interval stands
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
        row["diff_ci"] = [float(ci.low), float(ci.high)]
    return row


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error rate), in the order given."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted, running = [1.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def compare(old: dict, new: dict) -> dict:
    """Every outcome of every scenario in both trees, with the Holm-adjusted verdict."""
    rows = []
    for name in sorted(set(old) & set(new)):
        for key in sorted(set(old[name]) & set(new[name])):
            rows.append({"scenario": name, "outcome": key, **compare_outcome(old[name][key], new[name][key])})
    tested = [r for r in rows if not r["identical"]]
    for r, p_adj in zip(tested, holm([r["p"] for r in tested]), strict=True):
        r["p_holm"], r["differs"] = p_adj, p_adj < ALPHA
    for r in rows:
        r.setdefault("p_holm", 1.0)
        r.setdefault("differs", False)
    return {"rows": rows, "outcomes": len(rows), "identical": len(rows) - len(tested),
            "differ": [f"{r['scenario']}: {r['outcome']}" for r in rows if r["differs"]]}


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def markdown(result: dict, rev: str, seeds: int) -> str:
    """Per scenario: outcomes, how many identical, the smallest raw and adjusted p, and the verdict;
    then the eight outcomes with the smallest raw p-values, with their means and interval."""
    lines = ["| scenario | outcomes | identical | smallest KS p | smallest Holm p | differ beyond chance |",
             "|---|---|---|---|---|---|"]
    by: dict[str, list[dict]] = {}
    for r in result["rows"]:
        by.setdefault(r["scenario"], []).append(r)
    for name, rows in by.items():
        tested = [r for r in rows if not r["identical"]]
        p = min((r["p"] for r in tested), default=1.0)
        ph = min((r["p_holm"] for r in tested), default=1.0)
        n_diff = sum(r["differs"] for r in rows)
        lines.append(f"| {name} | {len(rows)} | {len(rows) - len(tested)} | {p:.3g} | {ph:.3g} | "
                     f"{n_diff or 'none'} |")
    tested = sorted((r for r in result["rows"] if not r["identical"]), key=lambda r: r["p"])[:8]
    if tested:
        lines += ["", f"The outcomes closest to differing ({seeds} seeds a tree; before = {rev}):", "",
                  "| scenario | outcome | mean before | mean after | after - before, 95% interval "
                  "| KS p | Holm p |",
                  "|---|---|---|---|---|---|---|"]
        for r in tested:
            lo, hi = r["diff_ci"]
            lines.append(f"| {r['scenario']} | `{r['outcome']}` | {_num(r['old_mean'])} | "
                         f"{_num(r['new_mean'])} | {_num(r['diff'])} [{_num(lo)}, {_num(hi)}] | "
                         f"{r['p']:.3g} | {r['p_holm']:.3g} |")
    return "\n".join(lines)


DOC = ROOT / "docs" / "performance.md"


def refresh_doc(text_block: str, name: str, path: Path = DOC) -> bool:
    """Replace what lies between ``<!-- equivalence:NAME -->`` and its closing marker."""
    text = path.read_text(encoding="utf-8")
    begin, end_mark = f"<!-- equivalence:{name} -->", f"<!-- /equivalence:{name} -->"
    start, end = text.find(begin), text.find(end_mark)
    if start < 0 or end < start:
        return False
    path.write_text(text[: start + len(begin)] + "\n" + text_block + "\n" + text[end:], encoding="utf-8")
    return True


def run(old: Path, new: Path, seeds: int, days: int | None = None, names: list[str] | None = None,
        offset: int = 0) -> dict:
    """Both trees' children at once (one core each), then the comparison. ``offset`` shifts the new
    tree's seeds (offset + 1 upwards): a tree against itself with other seeds is the null case."""
    names = names or [n for n in scenarios(new) if n in scenarios(old)]
    children = [outcomes(tree, names, seeds, days, first) for tree, first in ((old, 1), (new, 1 + offset))]
    old_out, new_out = (collect(c) for c in children)
    return compare(old_out, new_out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.equivalence", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--against", help="the commit to compare with (checked out in a temporary worktree)")
    which.add_argument("--against-tree", type=Path, help="a checkout of the other version")
    parser.add_argument("--seeds", type=int, default=40, help="seeds 1..N of every scenario (default 40)")
    parser.add_argument("--days", type=int, default=None, help="days of every run (default: each scenario's)")
    parser.add_argument("--seed-offset", type=int, default=0,
                        help="run this tree with seeds OFFSET+1.. (against itself: the null case)")
    parser.add_argument("--scenario", action="append", default=None, help="only this scenario (repeatable)")
    parser.add_argument("--out", type=Path, default=None, help="write every comparison as JSON here")
    parser.add_argument("--docs", metavar="NAME", default=None,
                        help=f"refresh the block between <!-- equivalence:NAME --> markers of {DOC.name}")
    args = parser.parse_args(argv)
    check_other(parser, args)
    for name in args.scenario or []:
        if name not in scenarios(ROOT):
            from sim.errors import did_you_mean

            hint = did_you_mean(name, scenarios(ROOT))
            parser.error(f"--scenario: no scenario {name!r} in scenarios/"
                         + (f" (did you mean {hint}?)" if hint else ""))
    with tempfile.TemporaryDirectory(prefix="bench-equiv-") as tmp:
        if args.against_tree is not None:
            old = args.against_tree.resolve()
            label = "this tree" if old == ROOT else str(args.against_tree)
        else:
            old, label = worktree(args.against, Path(tmp) / "old"), args.against
        try:
            result = run(old, ROOT, args.seeds, args.days, args.scenario, args.seed_offset)
        finally:
            if args.against_tree is None:
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT,
                               capture_output=True)
    table = markdown(result, label, args.seeds)
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.docs is not None:
        import datetime as dt

        which = f"--against {args.against}" if args.against else f"--against-tree {args.against_tree}"
        how = f"{which} --seeds {args.seeds}" + (f" --seed-offset {args.seed_offset}"
                                                 if args.seed_offset else "")
        seeds = (f"seeds 1-{args.seeds} before, {args.seed_offset + 1}-{args.seed_offset + args.seeds} after"
                 if args.seed_offset else f"seeds 1-{args.seeds} in both")
        head = (f"Measured {dt.date.today().isoformat()}: before = {label}, after = this tree, {seeds} "
                f"(`python -m benchmarks.equivalence {how}`); "
                f"{result['outcomes']} outcomes, {result['identical']} identical in every run.")
        done = refresh_doc(head + "\n\n" + table, args.docs)
        print(f"refreshed {DOC}" if done else f"{DOC} has no equivalence markers")
    print(table)
    verdict = ("no outcome differs beyond chance" if not result["differ"]
               else f"{len(result['differ'])} outcome(s) differ beyond chance: {'; '.join(result['differ'])}")
    print(f"\n{verdict} (Holm-adjusted KS p < {ALPHA}, {result['outcomes']} outcomes)")
    return 0 if not result["differ"] else 1


if __name__ == "__main__":
    sys.exit(main())
