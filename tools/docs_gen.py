"""Tables in docs/ that are generated from the code, so they cannot drift from it.

`python -m tools.docs_gen` rewrites every generated block in docs/*.md (between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` markers); a test fails when a
committed block differs from what the code generates now.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sim.scenario.params import Params


def params_table() -> str:
    """Every model coefficient: name, default, unit, allowed range and meaning."""
    rows = ["| parameter | default | unit | range | meaning |", "|---|---|---|---|---|"]
    for name, field in Params.model_fields.items():
        lo = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
        hi = next((m.le for m in field.metadata if hasattr(m, "le")), None)
        unit = (field.json_schema_extra or {}).get("unit", "")
        rows.append(f"| `{name}` | {field.default:g} | {unit} | {lo:g} – {hi:g} | {field.description} |")
    return "\n".join(rows)


def channels_table() -> str:
    """Every coordination channel: scenario name, module, source article, what it does."""
    from sim.channels import REGISTRY

    rows = ["| channel | module | article | mechanism |", "|---|---|---|---|"]
    for name, cls in REGISTRY.items():
        rows.append(f"| `{name}` | `sim/channels/{name}.py` | {cls.article} | {cls.summary} |")
    return "\n".join(rows)


def interval_coverage() -> str:
    """The coverage of the report's 95 % interval, measured (tools.interval_coverage)."""
    from tools.interval_coverage import coverage_table

    return coverage_table()


GENERATORS = {"params": params_table, "channels": channels_table, "interval_coverage": interval_coverage}
_BLOCK = re.compile(r"(<!-- generated:(\w+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.DOTALL)


def refresh_text(text: str) -> str:
    """Replace the body of every generated block with what the code generates now."""
    return _BLOCK.sub(lambda m: f"{m.group(1)}{GENERATORS[m.group(2)]()}\n{m.group(4)}", text)


def main(argv: list[str] | None = None) -> int:
    docs = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "docs"
    for path in sorted(docs.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        new = refresh_text(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
