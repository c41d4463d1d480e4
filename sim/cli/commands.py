"""The commands: each reads its arguments and calls one function of the package (nothing else)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sim.cli.args import _find, _load, output_file, project_root
from sim.errors import ScenarioError

EXIT_USER_ERROR = 2


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
    pause_collector(own)  # imports (Mesa, pandas, SciPy) take less time without the collector
    from sim.outputs import prepare_out_dir
    from sim.run_outputs import print_summary

    scenario = _load(args.scenario, args.set, args.days)
    out = Path(args.out) if args.out else Path("runs") / f"{scenario.name}-seed{args.seed}"
    prepare_out_dir(out, args.force)
    result, files = run_to_folder(scenario, args.seed, out, plots=not args.no_plots,
                                  own_process=own)
    print_summary(result.summary, files)
    return 0


def cmd_sweep(args) -> int:
    from sim.sweep.runner import run_sweep

    stats = run_sweep(_find(args.experiment, "experiments"), args.out, workers=args.workers,
                      scheduler=args.scheduler,
                      dask_local=args.dask_local, force=args.force, retry_failed=args.retry_failed,
                      progress=True if args.progress else None, precision=args.precision,
                      max_replications=args.max_replications)
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
    from sim.app.front import MAX_WORKERS, default_workers, serve_workers
    from sim.app.server import is_loopback, listen_problem, serve

    workers = default_workers() if args.workers is None else args.workers
    if workers > MAX_WORKERS:
        print(f"bordersim: --workers must be at most {MAX_WORKERS}, got {workers}", file=sys.stderr)
        return EXIT_USER_ERROR
    if not 0 < args.port < 65536:
        print(f"bordersim: --port must be between 1 and 65535, got {args.port}", file=sys.stderr)
        return EXIT_USER_ERROR
    problem = listen_problem(args.host, args.port)
    if problem:
        print(f"bordersim: {problem}", file=sys.stderr)
        return EXIT_USER_ERROR
    if not is_loopback(args.host):
        print(f"bordersim: warning: --host {args.host} makes the demo reachable from other machines;"
              " anyone who can reach this port can open the students' page (only the instructor's address,"
              " with its token, can start a class question)", file=sys.stderr)
    from sim.app.auth import TOKEN_ENV, expected_token, new_token

    token = args.token or expected_token() or new_token()
    if any(c.isspace() or c in "&#?%" for c in token):
        print("bordersim: --token must not contain spaces or any of & # ? %", file=sys.stderr)
        return EXIT_USER_ERROR
    os.environ[TOKEN_ENV] = token  # the server's processes read it from their environment
    limits = {"max_sessions": args.max_sessions, "idle_minutes": args.idle_minutes,
              "tab_grace": args.tab_grace, "class_dir": args.class_dir}
    if workers > 1:
        return serve_workers(args.host, args.port, workers, **limits)
    return serve(args.host, args.port, **limits)


def cmd_animate(args) -> int:
    from sim.render.animate import animate_cli

    scenario = _load(args.scenario, args.set, args.days)
    return animate_cli(scenario, args.seed, Path(args.output), fps=args.fps, dpi=args.dpi)


def cmd_sources(args) -> int:
    from sim.scenario.sources import report, shipped

    root = project_root()
    paths = [_find(f) for f in args.scenarios] or shipped(root)
    return report(paths, root=root, with_defaults=args.defaults)
