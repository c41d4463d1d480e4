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

ROOT = Path(__file__).resolve().parent.parent


CALIBRATED = ROOT / "scenarios" / "calibrated"


def _g(v: float) -> str:
    return f"{float(f'{v:.3g}'):g}"


def scenario_settings() -> dict[str, list[str]]:
    """Coefficient -> the shipped scenarios that set it in their own ``params:`` (with the article)."""
    import yaml

    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, entry in (data.get("params") or {}).items():
            value = entry.get("value") if isinstance(entry, dict) else entry
            src = (entry.get("source") or {}).get("file", "") if isinstance(entry, dict) else ""
            art = f", article {src[:3]}" if src else ", assumption"
            found.setdefault(name, []).append(f"`{path.stem}`: {_g(float(value))}{art}")
    return found


def params_table() -> str:
    """Every model coefficient: the value every scenario runs with (the calibrated params file, else the
    declared default), unit, declared bounds, the posterior's 90% interval, where the value comes from,
    and its meaning."""
    import pandas as pd

    from sim.calibrate.posterior import read_params_file, weighted_quantile
    from tools.calibration_doc import FIXED, STAGE_2017

    calibrated = read_params_file(CALIBRATED / "params.yaml")
    post = pd.read_csv(CALIBRATED / "posterior.csv")
    first = pd.read_csv(STAGE_2017 / "posterior.csv")  # the first stage's, for the coefficients it fixed

    def q90(frame: pd.DataFrame, name: str) -> str:
        x, w = frame[name].to_numpy(float), frame["weight"].to_numpy()
        return " – ".join(_g(weighted_quantile(x, w, q)) for q in (0.05, 0.95))

    scenarios = scenario_settings()
    rows = ["| parameter | in use | unit | declared bounds | posterior 90% interval "
            "| where the value comes from | meaning |", "|---|---|---|---|---|---|---|"]
    for name, field in Params.model_fields.items():
        lo = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
        hi = next((m.le for m in field.metadata if hasattr(m, "le")), None)
        unit = (field.json_schema_extra or {}).get("unit", "")
        if name in calibrated and name in post.columns:
            used, interval = f"**{_g(calibrated[name])}**", q90(post, name)
            where = (f"calibrated to the record before May 2018 ([calibration](calibration.md)); "
                     f"default {_g(field.default)}")
        elif name in calibrated and name in first.columns:
            used, interval = f"**{_g(calibrated[name])}**", f"{q90(first, name)} (first stage)"
            where = (f"calibrated to the 2017 record, first stage ([calibration](calibration.md)); held "
                     f"in the second; default {_g(field.default)}")
        else:
            used, interval = _g(field.default), ""
            where = "declared default, not calibrated" + (f": {FIXED[name]}" if name in FIXED else "")
        if name in scenarios:
            where += "; set by " + ", ".join(scenarios[name])
        rows.append(f"| `{name}` | {used} | {unit} | {lo:g} – {hi:g} | {interval} | {where} "
                    f"| {field.description} |")
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


def _cited(node, path: str = ""):
    """(key path, address, quote) of every public-record page a scenario file cites."""
    if isinstance(node, dict):
        for key in ("source", "quote_source", "address", "url"):
            value = node.get(key)
            if isinstance(value, str) and value.startswith("http"):
                yield path, value, str(node.get("quote", "")).strip()
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and key not in ("source", "quote_source", "address", "url"):
                for url in re.findall(r"https?://[^\s,;)]+", value):
                    yield where, url.rstrip("."), f"cited in the `{key}` text"
            yield from _cited(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            label = value.get("id") or value.get("name") if isinstance(value, dict) else None
            yield from _cited(value, f"{path}.{label or i}")


def sources_table() -> str:
    """Per shipped scenario: the seed articles it quotes and every public-record page it cites."""
    import yaml

    out = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        articles = sorted(set(re.findall(r"\b(00[0-4])_[0-9a-f]+\.txt", text)))
        pages = list(_cited(data))
        parent = (f" (extends `{data['extends']}`: it also runs on that file's sources)"
                  if data.get("extends") else "")
        out += [f"### `{path.stem}`", "",
                f"Articles quoted: {', '.join(articles) or 'none of its own'}; public-record pages cited: "
                f"{len({u for _, u, _ in pages})}{parent}.", ""]
        if pages:
            out += ["| where in the file | address | quote |", "|---|---|---|"]
            for where, url, quote in pages:
                quote = quote.replace("|", "\\|")
                shown = quote if quote.startswith("cited in") else f"“{quote}”" if quote else ""
                out.append(f"| `{where}` | <{url}> | {shown} |")
            out.append("")
    return "\n".join(out).rstrip("\n")


GENERATORS = {"params": params_table, "channels": channels_table, "sources": sources_table,
              "interval_coverage": interval_coverage}
RESULTS = ROOT / "docs" / "results"
_BLOCK = re.compile(r"(<!-- generated:([\w.]+) -->\n)(.*?)(<!-- /generated:\2 -->)", re.DOTALL)


def block(name: str) -> str:
    """The body of block ``name``: a table from the code, or ``results.NAME``, the results set's
    docs/results/NAME.md (written by ``python -m tools.results``)."""
    if name.startswith("results."):
        path = RESULTS / f"{name.removeprefix('results.')}.md"
        if not path.is_file():
            raise SystemExit(f"no {path}: run python -m tools.results")
        return path.read_text(encoding="utf-8").rstrip("\n")
    return GENERATORS[name]()


def refresh_text(text: str) -> str:
    """Replace the body of every generated block with what the code and the results set give now."""
    return _BLOCK.sub(lambda m: f"{m.group(1)}{block(m.group(2))}\n{m.group(4)}", text)


def pages(root: Path = ROOT) -> list[Path]:
    """Every page that may hold generated blocks: README.md and docs/*.md."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def main(argv: list[str] | None = None) -> int:
    files = sorted(Path(argv[0]).glob("*.md")) if argv else pages()
    for path in files:
        text = path.read_text(encoding="utf-8")
        new = refresh_text(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
