"""The `bordersim` command: a thin layer over the package.

A user's mistake (bad scenario, bad option, existing output folder) is one line on stderr and exit
status 2; only a bug in bordersim itself may show a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sim import __version__
from sim.errors import ScenarioError

EXIT_USER_ERROR = 2


def _seed(text: str) -> int:
    from sim.scenario.limits import seed_problem

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number, got {text!r}") from None
    if problem := seed_problem(value):
        raise argparse.ArgumentTypeError(problem)
    return value


def _days(text: str) -> int:
    from sim.scenario.limits import days_problem

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"days must be a whole number, got {text!r}") from None
    if problem := days_problem(value):
        raise argparse.ArgumentTypeError(problem)
    return value


_SCHEDULER = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/]+:(\d{1,5})$")


def _scheduler(text: str) -> str:
    """A Dask scheduler address, checked for shape at once (connecting to a typo takes a minute)."""
    match = _SCHEDULER.match(text.strip())
    if not match or not 0 < int(match.group(2)) < 65536:
        raise argparse.ArgumentTypeError(f"expected an address like tcp://HOST:8786, got {text!r}")
    return text.strip()


def output_file(path: str, suffixes: tuple[str, ...], option: str) -> Path:
    """``path`` as a file to write: refused at once (before any work) when it is a folder or has the
    wrong extension. An existing file is replaced, atomically: it is one picture or table."""
    out = Path(path)
    example = f"{out.stem or 'out'}{suffixes[0]}"
    if out.is_dir():
        raise ScenarioError(f"{out} is a folder; give a file name, e.g. {out / example}", path=option)
    if out.suffix.lower() not in suffixes:
        raise ScenarioError(f"the file must end in {' or '.join(suffixes)}, not {out.name!r}", path=option,
                            hint=str(out.with_name(example)))
    return out


def _load(name: str, overrides: list[str] | None, days: int | None = None):
    """A scenario by name (``bordersim list``) or path, with ``--set`` and ``--days``."""
    from sim.scenario.catalog import load

    return load(name, overrides or [], days)


def _find(name: str, kind: str = "scenarios") -> Path:
    from sim.scenario.catalog import find

    return find(name, kind)


def project_root() -> Path:
    from sim.scenario.catalog import project_root

    return project_root()


# ---------------------------------------------------------------- commands
def cmd_list(args) -> int:
    from sim.scenario.catalog import list_entries

    for kind, entries in list_entries(project_root()).items():
        print(f"{kind}:")
        if not entries:
            print("  (none)")
        width = max((len(name) for name, _, _ in entries), default=0)
        for name, title, path in entries:
            print(f"  {name:<{width}}  {title}  [{path}]")
    return 0


def cmd_validate(args) -> int:
    from sim.scenario import load_scenario

    failures = []
    for path in args.files:
        try:
            scenario = load_scenario(_find(path), args.set or [])
        except ScenarioError as err:
            failures.append(err)
            print(err, file=sys.stderr)
            continue
        print(f"{path}: ok ({scenario.name}: {scenario.title})")
    return EXIT_USER_ERROR if failures else 0


def cmd_map(args) -> int:
    from sim import BorderModel
    from sim.render import save_map

    output = output_file(args.output, (".png",), "--output")
    scenario = _load(args.scenario, args.set)
    model = BorderModel(scenario=scenario, rng=args.seed)
    out = save_map(model, output)
    print(f"map of {scenario.name} written to {out}")
    return 0


def cmd_run(args) -> int:
    from sim.tuning import pause_collector, run_to_folder

    own = getattr(args, "own_process", False)
    pause_collector(own)  # imports (Mesa, pandas, SciPy) take 10 % less time without the collector
    from sim.outputs import prepare_out_dir
    from sim.run_outputs import print_summary

    scenario = _load(args.scenario, args.set, args.days)
    out = Path(args.out) if args.out else Path("runs") / f"{scenario.name}-seed{args.seed}"
    prepare_out_dir(out, args.force)
    result, files = run_to_folder(scenario, args.seed, out, plots=not args.no_plots,
                                  own_process=own)
    print_summary(result.summary, files)
    return 0


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_sweep(args) -> int:
    from sim.sweep.runner import run_sweep

    stats = run_sweep(_find(args.experiment, "experiments"), args.out, workers=args.workers,
                      scheduler=args.scheduler,
                      dask_local=args.dask_local, force=args.force, retry_failed=args.retry_failed,
                      progress=True if args.progress else None)
    print(stats.line())
    if stats.interrupted:
        print(f"bordersim: interrupted; the finished runs are kept in {stats.out}; "
              "run the same command again to resume", file=sys.stderr)
        return 130
    if stats.aborted:
        print(f"bordersim: sweep stopped: {stats.aborted}; the finished runs are kept in {stats.out}; "
              "run the same command again to resume", file=sys.stderr)
        return 1
    if stats.failed:
        print(f"{stats.failed} runs failed: their errors are in results.csv and {stats.out / 'errors'}")
    print(f"wrote {stats.files['results.csv']} and {stats.files['results.parquet']}")
    print(f"next: bordersim report {stats.out}")
    return 0


def cmd_report(args) -> int:
    from sim.report import build_report

    report = build_report(args.sweep_dir)
    print(report.effects_text())
    if report.record_text:
        print("\n" + report.record_text)
    print(f"\nwrote {len(report.files)} files to {report.folder}; open {report.folder / 'report.html'}")
    return 0


def cmd_discover(args) -> int:
    from sim.report import build_report
    from sim.report.discover import summary

    report = build_report(args.sweep_dir, where=args.where, box=args.box)
    print(summary(report.discovery))
    print(f"\nwrote {len(report.files)} files to {report.folder}; open {report.folder / 'report.html'}")
    return 0


def _box(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def cmd_history(args) -> int:
    from sim.sweep.history import history

    out = output_file(args.out or f"{Path(args.scenario).stem}_history.png", (".png",), "--out")
    result = history(_find(args.scenario), seeds=args.seeds, overrides=args.set or [], days=args.days,
                     seed=args.seed, workers=args.workers)
    print(result.text())
    print(f"wrote {result.save_figure(out)}")
    return 0


def cmd_compare(args) -> int:
    from sim.sweep.compare import compare, format_table

    if args.out:
        output_file(args.out, (".csv",), "--out")
    table = compare(_find(args.a), _find(args.b), reps=args.reps, overrides=args.set or [], days=args.days,
                    seed=args.seed,
                    workers=args.workers)
    print(format_table(table, args.a, args.b))
    if args.out:
        from sim.outputs import atomic_write

        out = Path(args.out)
        atomic_write(out, lambda tmp: table.round(6).to_csv(tmp, index=False, lineterminator="\n"))
        print(f"wrote {out}")
    return 0


def cmd_demo(args) -> int:
    from sim.app.server import is_loopback, listen_problem, serve

    if not 0 < args.port < 65536:
        print(f"bordersim: --port must be between 1 and 65535, got {args.port}", file=sys.stderr)
        return EXIT_USER_ERROR
    problem = listen_problem(args.host, args.port)
    if problem:
        print(f"bordersim: {problem}", file=sys.stderr)
        return EXIT_USER_ERROR
    if not is_loopback(args.host):
        print(f"bordersim: warning: --host {args.host} makes the demo reachable from other machines;"
              " anyone who can reach this port can use it", file=sys.stderr)
    return serve(args.host, args.port, max_sessions=args.max_sessions, idle_minutes=args.idle_minutes,
                 tab_grace=args.tab_grace, class_dir=args.class_dir)


def cmd_animate(args) -> int:
    from sim.render.animate import animate_cli

    scenario = _load(args.scenario, args.set, args.days)
    return animate_cli(scenario, args.seed, Path(args.output), fps=args.fps, dpi=args.dpi)


def cmd_sources(args) -> int:
    from sim.scenario.sources import report, shipped

    root = project_root()
    paths = [_find(f) for f in args.scenarios] or shipped(root)
    return report(paths, root=root, with_defaults=args.defaults)


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bordersim",
        description="Agent-based simulation of the multi-actor fight against ISIS on the Iraq-Syria border.",
    )
    parser.add_argument("--version", action="version", version=f"bordersim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def overrides(p):
        p.add_argument(
            "--set",
            action="append",
            metavar="KEY=VALUE",
            help="override a scenario value, e.g. channels.deconfliction=false (repeatable)",
        )

    p = sub.add_parser("list", help="list the scenarios and experiments with their titles")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("validate", help="check scenario files; one line per problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    overrides(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("sources", help="where each number of a scenario comes from: quote or assumption")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="default: all shipped scenarios")
    p.add_argument("--defaults", action="store_true", help="also list coefficients left at defaults")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("map", help="draw a scenario's theater and forces on day 0")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("-o", "--output", default="map.png", help="PNG file to write (default map.png)")
    p.add_argument("--seed", type=_seed, default=0, help="seed for placing units (default 0)")
    overrides(p)
    p.set_defaults(func=cmd_map)

    p = sub.add_parser("run", help="run one scenario and write its timeseries, summary and plots")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--seed", type=_seed, default=1, help="integer seed (default 1)")
    p.add_argument("--days", type=_days, help="number of days (default: the scenario's)")
    p.add_argument("--out", metavar="DIR", help="output folder (default runs/NAME-seedN)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output folder")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots (faster)")
    overrides(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sweep", help="run an experiment: many runs over a design, resumable")
    p.add_argument("experiment", metavar="EXPERIMENT")
    p.add_argument("--out", metavar="DIR", help="sweep folder (default sweeps/NAME)")
    p.add_argument("--workers", type=_count, help="local worker processes (default: all cores)")
    dask = p.add_mutually_exclusive_group()
    dask.add_argument("--scheduler", type=_scheduler, metavar="tcp://HOST:PORT",
                      help="run on this Dask scheduler")
    dask.add_argument("--dask-local", type=_count, metavar="N",
                      help="run on a local Dask cluster of N workers")
    p.add_argument("--force", action="store_true", help="discard what DIR holds and start again")
    p.add_argument("--retry-failed", action="store_true", help="run again the runs that failed")
    p.add_argument("--progress", action="store_true", help="show the progress bar even when not a terminal")
    p.set_defaults(func=cmd_sweep)

    from sim.calibrate.command import add_parser as add_calibrate

    add_calibrate(sub, _count, _scheduler)

    p = sub.add_parser("report", help="effects, rankings, plots and report.html from a finished sweep")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("discover", help="which factor settings make an outcome happen: PRIM, feature scores, "
                       "dimensional stacking (EMA Workbench) on a finished sweep")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR")
    p.add_argument("--where", required=True, metavar="CONDITION",
                   help='the outcome of interest, e.g. "euphrates_days_to_50pct <= 60"')
    p.add_argument("--box", type=_box, metavar="N",
                   help="the box of PRIM's peeling trajectory to report (default: the densest covering "
                        "half the runs that meet the condition)")
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("history", help="the model against the scenario's record over many seeds (a timeline)")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--seeds", type=_count, default=20, help="runs, one per replication seed (default 20)")
    p.add_argument("--days", type=_days, help="number of days (default: the scenario's)")
    p.add_argument("--seed", type=_seed, default=0, help="seed the run seeds come from (default 0)")
    p.add_argument("--workers", type=_count, help="worker processes (default: all cores)")
    p.add_argument("-o", "--out", metavar="PNG", help="the timeline figure (default: SCENARIO_history.png)")
    overrides(p)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("compare", help="paired difference B - A of two scenarios on each outcome")
    p.add_argument("a", metavar="A.yaml")
    p.add_argument("b", metavar="B.yaml")
    p.add_argument("--reps", type=_count, default=30, help="paired replications (default 30)")
    p.add_argument("--days", type=_days, help="number of days (default: each scenario's)")
    p.add_argument("--seed", type=_seed, default=0, help="experiment seed for the replications (default 0)")
    p.add_argument("--workers", type=_count, help="worker processes (default: all cores)")
    p.add_argument("--out", metavar="CSV", help="also write the table to this CSV file")
    overrides(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("demo", help="start the classroom demo in the browser (offline, this machine only)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--max-sessions", type=_count, default=40, metavar="N",
                   help="pages the server runs at once; page N+1 gets 'the class is full' (default 40)")
    p.add_argument("--idle-minutes", type=_positive, default=20.0, metavar="M",
                   help="free the models of a page untouched for M minutes (default 20)")
    p.add_argument("--tab-grace", type=_positive, default=60.0, metavar="SECONDS",
                   help="seconds a page that lost its connection keeps its models (default 60)")
    p.add_argument("--class-dir", default="classes", metavar="DIR",
                   help="folder for class questions' results, one sweep folder each (default classes)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("animate", help="render a run's map day by day as a GIF (or MP4 with ffmpeg)")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("-o", "--output", default="run.gif", help="file to write, .gif or .mp4 (default run.gif)")
    p.add_argument("--seed", type=_seed, default=1, help="integer seed (default 1)")
    p.add_argument("--days", type=_days, help="number of days (default: the scenario's)")
    p.add_argument("--fps", type=float, default=8.0, help="frames (days) per second (default 8)")
    p.add_argument("--dpi", type=float, default=80.0, help="resolution; 80 gives 960x720 (default 80)")
    overrides(p)
    p.set_defaults(func=cmd_animate)
    return parser


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    """The command line (``argv``, else ``sys.argv``); returns the exit status.

    With ``own_process`` (only the ``bordersim`` script, see ``console``) the process is bordersim's
    alone: ``run`` then draws its plots in a forked process and ends the process itself once its
    files are written and closed, skipping the interpreter's teardown of the libraries (a quarter
    of a second). Otherwise -- tests, notebooks, ``python -m sim.cli`` under a profiler -- it never
    forks nor exits.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.own_process = own_process
    status = _dispatch(args)
    if own_process and args.command == "run":
        from sim.tuning import end_process

        end_process(status)
    return status


def console() -> None:
    """The ``bordersim`` script's entry point."""
    sys.exit(main(own_process=True))


def _dispatch(args) -> int:
    from sim.outputs import PlotsFailed

    try:
        return args.func(args)
    except PlotsFailed as failed:  # the plotting process has printed why
        return failed.status
    except ScenarioError as err:
        print(f"bordersim: {err}" if not err.file else str(err), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("bordersim: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # the system refused a file: the user's to fix, not a bug to trace
        from sim.outputs import os_error_line

        print(f"bordersim: {os_error_line(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
