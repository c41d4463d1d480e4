"""The files of one run and the summary table printed at its end."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sim.outputs import atomic_write, write_json

if TYPE_CHECKING:
    from sim.model.runner import RunResult
    from sim.render.process import PlotProcess


def write_run_outputs(result: RunResult, out: Path, *, plots: bool = True,
                      plotter: PlotProcess | None = None) -> list[Path]:
    """timeseries.csv and summary.json always; timeseries.png and map_final.png with ``plots``,
    drawn by ``plotter`` (a forked process, drawing while the tables are written) when given."""
    if plots and plotter is not None:
        plotter.send(result)
    files = [out / "timeseries.csv", out / "summary.json"]
    atomic_write(
        files[0], lambda tmp: result.timeseries.to_csv(tmp, index=False, lineterminator="\n")
    )
    write_json(files[1], result.summary)
    if plots:
        from sim.render.process import draw_plots

        files += plotter.wait() if plotter is not None else draw_plots(result, out)
    return files


def _day(value) -> str:
    return "-" if value is None else str(value)


def print_summary(summary: dict, files: list[Path]) -> None:
    s = summary
    print(
        f"{s['title']}  [{s['scenario']}, seed {s['seed']}, {s['days']} days, "
        f"{s['start_date']} to {s['end_date']}]"
    )
    print("channels: " + ", ".join(f"{k}={'on' if v else 'off'}" for k, v in s["channels"].items()))
    print()
    head = f"{'pocket':<20}{'start km2':>11}{'end km2':>10}{'reduced':>9}"
    head += f"{'50% day':>9}{'90% day':>9}{'cleared':>9}"
    print(head)
    print("-" * len(head))
    for p in s["pockets"].values():
        reduced = "-" if p["reduction_pct"] is None else f"{p['reduction_pct']:.0f}%"
        print(
            f"{p['label']:<20}{p['initial_km2']:>11.0f}{p['final_km2']:>10.0f}{reduced:>9}"
            f"{_day(p['days_to_50pct']):>9}{_day(p['days_to_90pct']):>9}{_day(p['days_to_clear']):>9}"
        )
    print()
    print(f"ISIS fighters   {s['isis_fighters_initial']:.0f} -> {s['isis_fighters_final']:.0f}")
    print(
        f"strikes {s['strikes']:.0f}   raids {s['raids']:.0f} (into Iraq {s['raids_into_iraq']:.0f})"
        f"   incidents {s['incidents']:.0f}   civilian-harm index {s['civilian_harm']:.1f}"
    )
    print("anti-ISIS losses: " + ", ".join(f"{k} {v:.0f}" for k, v in s["losses"].items()))
    print()
    if s.get("record"):
        print(record_table(s["record"], s["days"]))
        print()
    for f in files:
        print(f"wrote {f}")


def record_table(record: list[dict], days: int) -> str:
    """The model against the record: one line per record entry (summary.json's ``record``), in date
    order (the file's order where two share a date)."""
    width = max(len("what the record says"), *(len(e["observable"]) for e in record)) + 2
    head = (f"{'what the record says':<{width}}{'record date':>12}{'day':>6}  "
            f"{'model day':<15}{'difference':>11}")
    lines = ["the model against the record (positive difference: the model is late)", head, "-" * len(head)]
    for e in sorted(record, key=lambda e: e["record_day"]):
        model = f"not by day {days}" if e["model_day"] is None else str(e["model_day"])
        diff = "-" if e["error_days"] is None else f"{e['error_days']:+d} days"
        lines.append(f"{e['observable']:<{width}}{e['date']:>12}{e['record_day']:>6}  {model:<15}{diff:>11}")
    return "\n".join(lines)
