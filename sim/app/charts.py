"""ECharts options for the demo's live plots: plain dicts, drawn in the browser.

The browser draws the lines: a page gets the whole options once (``chart_options``), then each day
of play appends one point per line (``chart_tail``), a few dozen numbers instead of a redraw.
Side A is a solid line, side B dashed; colours come from sim.render's
colour-blind-safe tables (Okabe-Ito).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sim.render.style import FACTION_COLORS, OKABE_ITO, POCKET_COLORS

#: Lines for the event counts (Okabe-Ito blue and vermillion).
EVENT_COLORS = {"raids": OKABE_ITO["blue"], "incidents": OKABE_ITO["vermillion"]}
DASHES = ("solid", "dashed")
FONT = 16


def _axis(name: str, days: int | None = None) -> dict:
    axis = {
        "type": "value",
        "name": name,
        "nameLocation": "middle",
        "nameGap": 30 if days is not None else 62,
        "nameTextStyle": {"fontSize": FONT},
        "axisLabel": {"fontSize": FONT - 2},
    }
    if days is not None:
        axis.update(min=0, max=days)
    return axis


def _chart(title: str, yname: str, days: int, series: list[dict]) -> dict:
    paired = any(s["lineStyle"]["type"] != DASHES[0] for s in series)
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": FONT + 2},
                  "subtext": "solid A, dashed B" if paired else "", "itemGap": 12,
                  "subtextStyle": {"fontSize": FONT - 2, "color": "#444"}},
        "legend": {"bottom": 0, "textStyle": {"fontSize": FONT - 2}, "itemWidth": 34},
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": FONT}},
        "grid": {"left": 82, "right": 24, "top": 66, "bottom": 92},
        "xAxis": _axis("day", days),
        "yAxis": _axis(yname),
        "series": series,
    }


def _line(name: str, color: str, side: int, data: list[list[float]]) -> dict:
    return {
        "name": name,
        "type": "line",
        "showSymbol": False,
        "data": data,
        "lineStyle": {"width": 3, "type": DASHES[side % len(DASHES)], "color": color},
        "itemStyle": {"color": color},
    }


def _name(label: str, side_key: str, paired: bool) -> str:
    return f"{label} ({side_key})" if paired else label


#: Running totals the events chart plots, kept in each side's rows by ``sim.app.state.Classroom``.
TOTALS = {"raids": "raids_so_far", "incidents": "incidents_so_far"}


class Line(NamedTuple):
    """One line of a chart: its legend name, colour, side (0 = A, solid) and the row key it plots."""

    name: str
    color: str
    side: int
    key: str


def chart_lines(sides: Sequence, pockets: dict[str, str]) -> list[tuple[str, str, list[Line]]]:
    """The three charts as (title, y-axis name, lines); ``pockets`` maps pocket key to its label."""
    paired = len(sides) > 1
    pocket_lines, fighter_lines, event_lines = [], [], []
    for s, side in enumerate(sides):
        for p, (key, label) in enumerate(pockets.items()):
            pocket_lines.append(Line(_name(label, side.key, paired), POCKET_COLORS[p % len(POCKET_COLORS)], s,
                                     f"{key}_km2"))
        fighter_lines.append(Line(_name("ISIS fighters", side.key, paired), FACTION_COLORS["ISIS"], s,
                                  "isis_fighters"))
        for key, color in EVENT_COLORS.items():
            event_lines.append(Line(_name(key, side.key, paired), color, s, TOTALS[key]))
    return [("Area held by ISIS pockets", "km²", pocket_lines), ("ISIS fighters", "fighters", fighter_lines),
            ("Raids and incidents so far", "count", event_lines)]


def points(line: Line, rows: Sequence[dict]) -> list[list[float]]:
    return [[r["day"], round(float(r.get(line.key, 0.0)), 1)] for r in rows]


def chart_options(sides: Sequence, pockets: dict[str, str], days: int) -> list[dict]:
    """The three ECharts options with every row so far (what a freshly opened page gets)."""
    return [_chart(title, yname, days, [_line(ln.name, ln.color, ln.side, points(ln, sides[ln.side].rows))
                                        for ln in lines])
            for title, yname, lines in chart_lines(sides, pockets)]


def chart_tail(sides: Sequence, pockets: dict[str, str], start: int) -> list[list[list]]:
    """Per chart, per line, the points of rows ``start`` onwards (what a day of play appends)."""
    return [[points(ln, sides[ln.side].rows[start:]) for ln in lines]
            for _, _, lines in chart_lines(sides, pockets)]


def add_totals(row: dict, previous: dict | None) -> dict:
    """``row`` with the running totals of raids and incidents up to its day (``previous``: the row before)."""
    out = dict(row)
    for key, total in TOTALS.items():
        out[total] = (previous[total] if previous is not None else 0.0) + float(row.get(key, 0.0))
    return out
