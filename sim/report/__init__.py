"""`bordersim report SWEEP_DIR`: tables, figures and a self-contained report.html from a sweep.

Everything is computed from the sweep folder alone (results.parquet, trajectories.parquet,
design.parquet, experiment.yaml), so a report can be rebuilt anywhere, long after the runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.errors import ScenarioError
from sim.outputs import atomic_write, write_text
from sim.report import html, plots
from sim.report import record as rec
from sim.report.sensitivity import sensitivity_table
from sim.report.stats import SweepData, chance_sentence, effects_table, ranking, summary_table
from sim.sweep import outcomes as oc


@dataclass
class Report:
    folder: Path
    files: list[Path]
    ranking: pd.DataFrame | None
    primary: str | None
    effects: pd.DataFrame
    outcomes: list[str]
    discovery: Any = None  # sim.report.discover.Discovery, when a condition was asked
    record_text: str = ""  # the model against the scenario's record (sim.report.record), if it has one
    coefficients: str = ""  # which coefficients the runs used: the calibrated medians or posterior draws
    precision: str = ""  # with `bordersim sweep --precision`: how many replications and why

    def effects_text(self, limit: int = 4) -> str:
        """Channel main effects on the pocket outcome and the costs, as a fixed-width table."""
        main = self.effects[(self.effects["kind"] == "main") & (self.effects["contrast"] == "on - off")]
        wanted = [self.primary] if self.primary else []
        costs = ("incidents", "civilian_harm", "losses_total", "raids_into_iraq", *self.outcomes)
        wanted = list(dict.fromkeys(wanted + [o for o in costs if o in self.outcomes]))
        wanted = wanted[:limit]
        order = list(self.ranking["channel"]) if self.ranking is not None else sorted(set(main["factor"]))
        width = max([len(c) for c in order] + [7]) + 2
        lines = ["channel".ljust(width) + "".join(o[:24].rjust(26) for o in wanted)]
        for channel in order:
            cells = []
            for o in wanted:
                r = main[(main["factor"] == channel) & (main["outcome"] == o)].iloc[0]
                mark = ("*†" if r["clear_after_fdr"] else "* ") if r["excludes_zero"] else "  "
                cells.append((html.interval(r["effect"], r["ci_low"], r["ci_high"]) + mark).rjust(26))
            lines.append(channel.ljust(width) + "".join(cells))
        lines.append("effect of switching the channel on (mean [95% interval]); * interval excludes zero; "
                     "† also clear after controlling the false discovery rate")
        lines.append(chance_sentence(self.effects))
        unclear = main[(main["outcome"] == self.primary) & main["runs_to_tell"].notna()]
        if len(unclear):
            told = ", ".join(f"{r.factor} ~{r.runs_to_tell:.0f}" for r in unclear.itertuples())
            lines.append(f"replications that would tell these effects on {self.primary} from zero at the "
                         f"current spread (n ≈ (t·s/|mean|)²): {told}")
        if self.precision:
            lines.append(f"precision: {self.precision}")
        if self.coefficients:
            lines.append(f"coefficients: {self.coefficients}")
        return "\n".join(lines)


def coefficients_note(exp: dict) -> str:
    """What the intervals cover: seeds only (the calibrated medians) or calibration uncertainty too."""
    if exp.get("params") == "posterior":
        return ("drawn from the calibration's posterior (scenarios/calibrated/posterior.csv): each "
                "replication uses one particle, the same at every design point, so the intervals cover "
                "calibration uncertainty as well as chance")
    return ("the calibrated coefficients (scenarios/calibrated/params.yaml): the intervals cover "
            "chance (seeds) only, not calibration uncertainty (params: posterior adds it)")


def _load(folder: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    results = folder / "results.parquet"
    if not (folder / "experiment.yaml").is_file():
        raise ScenarioError(f"{folder} is not a sweep folder (no experiment.yaml)", path="SWEEP_DIR")
    if not results.is_file():
        raise ScenarioError(f"{folder} has no results.parquet: the sweep has not finished",
                            path="SWEEP_DIR", hint="running the same `bordersim sweep` again to finish it")
    import pyarrow as pa

    name = "experiment.yaml"
    try:  # files written whole (atomically) but perhaps damaged since: copied halfway, edited
        exp = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        tables = []
        for name in ("results.parquet", "trajectories.parquet", "design.parquet"):
            tables.append(pd.read_parquet(folder / name))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, pa.ArrowException) as exc:
        raise ScenarioError(f"{folder / name} is damaged or missing ({type(exc).__name__})", path="SWEEP_DIR",
                            hint="running the same `bordersim sweep` again to rebuild it") from None
    return (exp, *tables)


def _write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """CSV rounded to six decimals: stable bytes, and readable in a spreadsheet."""
    frame = frame.round(6)
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))
    return path


def _write_png(path: Path, data: bytes) -> Path:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
    return path


def build_report(folder: str | Path, *, where: str | None = None, box: int | None = None) -> Report:
    """Write SWEEP_DIR/report/: summary.csv, effects.csv, ranking.csv, figures and report.html.

    With ``where`` (`bordersim discover`), or a condition a previous discover kept in the report
    folder, the page gets a scenario-discovery section (sim.report.discover); the condition is
    checked before anything is written.
    """
    from sim.report import discover as disc

    folder = Path(folder)
    exp, results, traj, design = _load(folder)
    out = folder / "report"
    asked = {"where": where, "box": box} if where is not None else disc.saved(out)
    discovery = disc.discover(exp, results, asked["where"], box=asked["box"]) if asked else None
    data = SweepData(results, exp)
    pockets = exp["pockets"]
    record = rec.section(exp, results, design)
    meanings = oc.available(pockets, [e["id"] for e in record["events"]] if record else ())
    files = [_write_csv(out / "summary.csv", summary_table(data))]
    effects = effects_table(data)
    files.append(_write_csv(out / "effects.csv", effects))
    pocket_outcomes = [o for o in exp["outcomes"] if oc.is_pocket_outcome(o, pockets)]
    primary = next((o for o in (*oc.POCKET_PRIORITY, *pocket_outcomes) if o in pocket_outcomes), None)
    has_channels = any("channel" in f for f in exp["factors"])
    rank = None
    if primary and has_channels and not effects.empty:
        rank = ranking(effects, primary, [o for o in pocket_outcomes if o != primary])
        files.append(_write_csv(out / "ranking.csv", rank))
    sens = sensitivity_table(data, design)
    if sens is not None:
        files.append(_write_csv(out / "sensitivity.csv", sens))
    figures = []
    for pocket, label in pockets.items() if len(traj) else ():  # no trajectories if every run failed
        png = plots.pocket_bands(data, traj, pocket, label)
        files.append(_write_png(out / f"trajectories_{pocket}.png", png))
        figures.append((f"{label}: area over time by setting", png))
    for outcome in exp["outcomes"]:
        png = plots.outcome_by_setting(data, outcome, meanings.get(outcome, ""))
        files.append(_write_png(out / f"outcome_{outcome}.png", png))
        figures.append((f"{outcome} by setting", png))
    if record is not None:
        files.append(_write_csv(out / "record.csv", record["table"]))
        files.append(_write_csv(out / "record_skill.csv", record["skill"]))
        files.append(_write_png(out / "record_timeline.png", record["png"]))
        labels = rec.point_labels(design)
        record["labels"] = [labels.get(int(p), f"point {p}") for p in record["skill"]["point"]]
    failed = results[results["status"] != "ok"][["point", "replication", "seed", "error"]]
    meta = {"scenario": exp["scenario"], "days": exp["days"], "design": exp["design"]["type"],
            "factors": ", ".join(f.get("channel") or f["param"] for f in exp["factors"]),
            "design points": data.points, "replications": data.reps, "runs": len(results),
            "failed runs": len(failed), "experiment seed": exp["seed"],
            "coefficients": coefficients_note(exp)}
    if discovery is not None:
        files += disc.write(out, discovery, asked["box"])
    saved = _precision(folder, data.reps)
    if saved is not None:
        meta["replications"] = f"{data.reps} ({saved['stopped']}: {saved['rule']})"
    page = html.page(exp=exp, meta=meta, ranking=rank, primary=primary, effects=effects, sensitivity=sens,
                     failed=failed, figures=figures, meanings=meanings,
                     discovery=disc.section(discovery) if discovery is not None else "", record=record,
                     precision=saved)
    write_text(out / "report.html", page)
    files.append(out / "report.html")
    from sim.sweep.precision import why

    return Report(out, files, rank, primary, effects, list(exp["outcomes"]), discovery,
                  record["text"] if record else "", coefficients_note(exp), why(saved) if saved else "")


def _precision(folder: Path, reps: int) -> dict | None:
    """precision.json of a sweep run to a precision (None if absent, or not about these results)."""
    import json

    path = folder / "precision.json"
    try:
        saved = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError):
        return None
    return saved if saved and saved.get("replications") == reps else None
