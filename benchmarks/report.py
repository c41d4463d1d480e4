"""The targets of issues 8 and 23, checked against a results dict, and the table in docs/performance.md."""

from __future__ import annotations

import json
import operator
from pathlib import Path

BEGIN, END = "<!-- benchmarks:table -->", "<!-- /benchmarks:table -->"

#: name, what, how to read the value off the results, comparison, limit, unit.
TARGETS = (
    ("run_180d", "180-day pockets_2018 run at 0.05 deg (median wall, in process)",
     lambda r: r["run"]["median_s"], "<=", 0.5, "s"),
    ("whole_process", "whole `bordersim run` process with plots (median wall)",
     lambda r: r["process"]["median_s"], "<=", 1.5, "s"),
    ("run_180d_fast", "the same 180-day run, issue 23's target (median wall, in process)",
     lambda r: r["run"]["median_s"], "<=", 0.15, "s"),
    ("whole_process_no_plots", "whole `bordersim run --no-plots` process, issue 23's target (median wall)",
     lambda r: r["process_no_plots"]["median_s"], "<=", 1.0, "s"),
    ("agent_steps_vs_epstein", "agent-steps/s, bordersim / Mesa Epstein example at equal agents",
     lambda r: r["agent_steps"]["ratio"], ">=", 3.0, "x"),
    ("scaling_4x_cells", "run time at 0.025 deg / at 0.05 deg, 4x the cells (CPU time; wall in the JSON)",
     lambda r: list(r["scaling"]["ratios"].values())[-1]["time"], "<=", 2.0, "x"),
    ("sweep_2_workers", "sweep throughput, 2 workers / 1 worker",
     lambda r: r["sweep"]["speedup"], ">=", 1.8, "x"),
    ("peak_rss_per_worker", "peak RSS of a sweep worker process",
     lambda r: r["memory"]["sweep_worker_peak_mb"], "<=", 300.0, "MB"),
)
_OPS = {"<=": operator.le, ">=": operator.ge}
#: For the time targets, the CPU seconds beside the wall seconds: what other work on the machine does
#: to a single process shows as wall time well above its CPU time.
CPU = {"run_180d": lambda r: r["run"]["cpu_median_s"],
       "whole_process": lambda r: r["process"]["cpu_median_s"],
       "whole_process_no_plots": lambda r: r["process_no_plots"]["cpu_median_s"]}
CPU["run_180d_fast"] = CPU["run_180d"]  # issue 23's limit on the same measurement


def check_targets(results: dict) -> list[dict]:
    rows = []
    for name, what, read, op, limit, unit in TARGETS:
        value = read(results)
        rows.append({"name": name, "what": what, "value": value, "op": op, "limit": limit, "unit": unit,
                     "met": value is not None and _OPS[op](value, limit)})
        if name in CPU:
            rows[-1]["cpu_value"] = CPU[name](results)
    return rows


def write_json(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.2f}x"


def _s(seconds: float) -> str:
    return _fmt(seconds, "s")


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def table(results: dict) -> str:
    """Markdown: the machine, the targets, then every measurement behind them."""
    m, quick = results["machine"], results["config"]["quick"]
    load = results["load"]
    lines = [
        f"Measured {m['date']} on {m['cpu_model']} ({m['usable_cores']} cores usable, {m['memory_gb']} GB), "
        f"Python {m['python']}, numpy {m['numpy']}, Mesa {m['mesa']}, commit {m['bordersim_commit']}; "
        f"load average {load['before'][:1]} before, {load['after'][:1]} after"
        + (f"; {settle['waited_s']:.0f} s spent waiting for idle cores before {settle['waits']} "
           f"measurements ({settle['gave_up']} gave up after {settle['timeout_s']:.0f} s)"
           if (settle := load.get("settle")) and settle["timeout_s"] > 0 else "")
        + (" (**--quick configuration: not comparable with the targets**)" if quick else "") + ".",
        "",
        "| target | measured | limit | met |",
        "|---|---|---|---|",
    ]
    for t in results["targets"]:
        measured = _fmt(t["value"], t["unit"]) + (f" (CPU {_s(t['cpu_value'])})" if "cpu_value" in t else "")
        lines.append(_row(t["what"], measured, f"{t['op']} {_fmt(t['limit'], t['unit'])}",
                          "yes" if t["met"] else "**no**"))
    run, proc, plain = results["run"], results["process"], results["process_no_plots"]
    ag, sw, mem = results["agent_steps"], results["sweep"], results["memory"]
    lines += ["", "| measurement | median wall | CPU | notes |", "|---|---|---|---|",
              _row(f"(a) {run['days']}-day run in process", _s(run["median_s"]), _s(run["cpu_median_s"]),
                   f"{run['reps']} runs after a warm-up, min {_s(run['min_s'])}")]
    for label, p in (("`bordersim run` process, plots", proc), ("`bordersim run --no-plots` process", plain)):
        lines.append(_row(f"(a) {label}", _s(p["median_s"]), _s(p["cpu_median_s"]),
                          f"{p['reps']} processes, peak RSS {p['max_rss_mb']:.0f} MB"))
    for name, label in (("libraries", "the libraries it needs"), ("bordersim", "bordersim's modules")):
        p = results["imports"][name]
        lines.append(_row(f"(a) a process importing only {label}", _s(p["median_s"]), _s(p["cpu_median_s"]),
                          f"{p['reps']} processes: the floor under `bordersim run`"))
    split = results.get("agent_steps_split")
    for pair, note in ((ag, ""), (split, f" (forces split {split['split']}x)" if split else "")):
        if pair is None:
            continue
        for label, r in ((f"bordersim{note}", pair["bordersim"]), ("Mesa Epstein example", pair["epstein"])):
            grid = f", {r['grid'][0]}x{r['grid'][1]} grid" if "grid" in r else ""
            lines.append(_row(
                f"(b) {label}, {r['agents']} agents{grid}, {r['steps']} steps", _s(r["median_s"]),
                _s(r["cpu_median_s"]),
                f"{r['activations']:,} activations: {r['agent_steps_per_s']:,.0f} agent-steps/s, "
                f"{1e6 / r['agent_steps_per_s']:.1f} us each; "
                f"{100 * r['share_in_activations']:.0f}% of a step inside agent methods"))
        lines.append(_row(f"(b) ratio at {pair['agents']} agents", "", "", f"{pair['ratio']:.2f}x"))
    for key, g in results["scaling"]["grids"].items():
        lines.append(_row(f"(d) {key} deg grid ({g['cells']:,} cells), {results['scaling']['days']} days",
                          _s(g["median_s"]), _s(g["cpu_median_s"]),
                          f"theater built cold in {_s(g['theater_build_s'])}"))
    for key in (k for k in sw if k.startswith("workers_")):
        w = sw[key]
        lines.append(_row(f"(e) sweep, {w['workers']} worker(s): {w['runs']} runs of {sw['days']} days",
                          _s(w["seconds"]), "", f"{w['runs_per_s']:.2f} runs/s; its processes got "
                          f"{w['cores_used']:.2f} cores on average"))
    lines.append(_row("(f) peak RSS: sweep worker / run process / run process with plots", "", "",
                      f"{mem['sweep_worker_peak_mb']:.0f} / {mem['run_no_plots_mb']:.0f} / "
                      f"{mem['run_with_plots_mb']:.0f} MB"))
    ph = results["phases"]
    lines += ["", f"Time per phase of the day, {ph['days']}-day run (median of {ph['reps']}, "
              f"whole run {ph['run_ms']:.0f} ms):", "", "| phase | ms per run | share |", "|---|---|---|"]
    for name, p in ph["phases"].items():
        lines.append(_row(f"`{name}`", f"{p['ms']:.1f}", f"{100 * p['share']:.1f}%"))
    lines.append(_row("(outside the phases: Mesa's step wrapper)", f"{ph['outside_phases_ms']:.1f}", ""))
    return "\n".join(lines)


def refresh_docs(path: Path, results: dict) -> bool:
    """Replace the table between the markers of ``path``; False when the markers are missing."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return False
    new = text[: start + len(BEGIN)] + "\n" + table(results) + "\n" + text[end:]
    path.write_text(new, encoding="utf-8")
    return True
