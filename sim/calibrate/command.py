"""The `bordersim calibrate` command: its options and what it prints (kept beside the calibration)."""

from __future__ import annotations

import sys


def add_parser(sub) -> None:
    from sim.cli.args import executor_options

    p = sub.add_parser("calibrate", help="ABC-SMC calibration of the coefficients to the record, resumable")
    p.add_argument("calibration", metavar="CALIBRATION", help="a calibration file, e.g. "
                   "experiments/calibrate_2017.yaml")
    p.add_argument("--out", metavar="DIR", help="calibration folder (default calibrations/NAME, "
                   "calibrations/NAME-quick with --quick)")
    p.add_argument("--quick", action="store_true", help="the file's tiny `quick:` population and "
                   "generations (a test, not a calibration)")
    p.add_argument("--resume", action="store_true", help="continue the calibration in DIR from its last "
                   "complete generation")
    p.add_argument("--force", action="store_true", help="discard what DIR holds and start again")
    executor_options(p)
    p.add_argument("--progress", action="store_true", help="show the progress bar even when not a terminal")
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> int:
    from sim.calibrate.run import run_calibration
    from sim.scenario.catalog import find

    if args.resume and args.force:
        print("bordersim: --resume and --force exclude each other", file=sys.stderr)
        return 2
    stats = run_calibration(find(args.calibration, "experiments"), args.out, quick=args.quick,
                            resume=args.resume, force=args.force, workers=args.workers,
                            scheduler=args.scheduler, dask_local=args.dask_local,
                            progress=True if args.progress else None)
    print(stats.line())
    again = f"bordersim calibrate {args.calibration}{' --quick' if args.quick else ''} --resume" + (
        f" --out {args.out}" if args.out else "")
    if stats.interrupted:
        print(f"bordersim: interrupted; the complete generations are kept in {stats.out}; `{again}` "
              "continues", file=sys.stderr)
        return 130
    if stats.aborted:
        print(f"bordersim: calibration stopped: {stats.aborted}; `{again}` continues", file=sys.stderr)
        return 1
    for name, path in stats.files.items():
        print(f"wrote {path}" if name else path)
    return 0
