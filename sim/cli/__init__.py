"""The `bordersim` command: a thin layer over the package.

``args`` (argument types, names to files), ``commands`` (one function a command), ``parser`` (the
argparse tree). A user's mistake (bad scenario, bad option, existing output folder) is one line on
stderr and exit status 2; only a bug in bordersim itself may show a traceback.
"""

from __future__ import annotations

import sys

from sim.cli.commands import EXIT_USER_ERROR
from sim.errors import ScenarioError


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    """The command line (``argv``, else ``sys.argv``); returns the exit status.

    With ``own_process`` (only the ``bordersim`` script, see ``console``) the process is bordersim's
    alone: ``run`` then draws its plots in a forked process and ends the process itself once its
    files are written and closed, skipping the interpreter's teardown of the libraries (a quarter
    of a second). Otherwise -- tests, notebooks, ``python -m sim.cli`` under a profiler -- it never
    forks nor exits.
    """
    from sim.cli.parser import build_parser

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


__all__ = ["EXIT_USER_ERROR", "console", "main"]
