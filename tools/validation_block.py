"""What tools.claims and tools.prediction share: their command line (``--quick``, ``--workers``) and
their output, a CSV of the runs and one generated block of docs/validation.md."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def parse_args(prog: str, argv: list[str] | None, what_if: tuple[str, ...] = ()) -> argparse.Namespace:
    """``--quick`` (a short test of the command) and ``--workers`` (processes; the tools default to 2);
    with ``what_if`` (the names of the tool's rows), ``--claim NAME`` and ``--set KEY=VALUE`` too."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int)
    if what_if:
        parser.add_argument("--claim", action="append", choices=what_if, default=[],
                            help="measure only this claim (repeatable); prints, writes nothing")
        parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                            help="override a scenario value in both arms (repeatable); prints only")
    return parser.parse_args(argv)


def write_outputs(frame: pd.DataFrame, csv: Path, doc: Path, name: str, body: Callable[[], str]) -> None:
    """Write ``frame`` to ``csv``, then ``body()`` between ``<!-- validation:NAME -->`` and
    ``<!-- /validation:NAME -->`` in ``doc`` (a doc without that block is written back unchanged)."""
    from sim.outputs import write_text

    write_text(csv, frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    block = re.compile(rf"(<!-- validation:{name} -->\n)(.*?)(<!-- /validation:{name} -->)", re.DOTALL)
    text = doc.read_text(encoding="utf-8")
    write_text(doc, block.sub(lambda m: m.group(1) + body() + m.group(3), text))
    print(f"wrote {csv} and the {name} block of {doc}")
