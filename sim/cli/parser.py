"""The ``bordersim`` argument parser: every command, its arguments and their help."""

from __future__ import annotations

import argparse

from sim import __version__
from sim.cli.args import _box, _count, _days, _positive, _seed, executor_options
from sim.cli.commands import (
    cmd_animate,
    cmd_compare,
    cmd_demo,
    cmd_discover,
    cmd_history,
    cmd_list,
    cmd_map,
    cmd_report,
    cmd_run,
    cmd_sources,
    cmd_sweep,
    cmd_validate,
)


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
    executor_options(p)
    p.add_argument("--force", action="store_true", help="discard what DIR holds and start again")
    p.add_argument("--retry-failed", action="store_true", help="run again the runs that failed")
    p.add_argument("--progress", action="store_true", help="show the progress bar even when not a terminal")
    p.add_argument("--precision", type=_positive, metavar="R",
                   help="add replications until every effect's 95%% interval half-width is within "
                        "R x |effect| (e.g. 0.2; an experiment's `precision:` can give an absolute width)")
    p.add_argument("--max-replications", type=_count, metavar="N",
                   help="the most replications --precision may reach (default 50)")
    p.set_defaults(func=cmd_sweep)

    from sim.calibrate.command import add_parser as add_calibrate

    add_calibrate(sub)

    p = sub.add_parser("report", help="effects, rankings, plots and report.html from a finished sweep")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("discover", help="which factor settings make an outcome happen: PRIM, feature scores, "
                       "dimensional stacking (EMA Workbench) on a finished sweep")
    p.add_argument("sweep_dir", metavar="SWEEP_DIR")
    p.add_argument("--where", required=True, metavar="CONDITION",
                   help='the outcome of interest, e.g. "euphrates_days_to_50pct <= 30"')
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
    p.add_argument("--workers", type=_count, default=None, metavar="N",
                   help="server processes: the instructor's (/instructor) and N-1 for the students at a lower"
                        " priority, behind a front server on --port (default 1 on a 1-2 core machine, else"
                        " cores-1)")
    p.add_argument("--token", default=None, metavar="SECRET",
                   help="the instructor's secret (default: $BORDERSIM_INSTRUCTOR_TOKEN, else a new random"
                        " one; printed in the instructor's address)")
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
