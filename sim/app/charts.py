"""ECharts options for the demo's live plots: plain dicts, drawn in the browser.

The browser draws the lines, so a day of play costs the server a few hundred numbers, not a
matplotlib render. Side A is a solid line, side B dashed; colours come from sim.render's
colour-blind-safe tables (Okabe-Ito).
"""

from __future__ import annotations

from collections.abc import Sequence

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


def _line(name: str, color: str, side: int, days: list[int], values: list[float]) -> dict:
    return {
        "name": name,
        "type": "line",
        "showSymbol": False,
        "data": [[d, round(float(v), 1)] for d, v in zip(days, values, strict=True)],
        "lineStyle": {"width": 3, "type": DASHES[side % len(DASHES)], "color": color},
        "itemStyle": {"color": color},
    }


def _name(label: str, side_key: str, paired: bool) -> str:
    return f"{label} ({side_key})" if paired else label


def _cumulative(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    return out


def pocket_chart(sides: Sequence, pockets: dict[str, str], days: int) -> dict:
    """Area of each named pocket (km2); ``pockets`` maps pocket key to its label."""
    paired = len(sides) > 1
    series = []
    for s, side in enumerate(sides):
        x = [r["day"] for r in side.rows]
        for p, (key, label) in enumerate(pockets.items()):
            values = [r.get(f"{key}_km2", 0.0) for r in side.rows]
            color = POCKET_COLORS[p % len(POCKET_COLORS)]
            series.append(_line(_name(label, side.key, paired), color, s, x, values))
    return _chart("Area held by ISIS pockets", "km²", days, series)


def fighters_chart(sides: Sequence, days: int) -> dict:
    """ISIS fighters left, one line per side."""
    paired = len(sides) > 1
    series = [
        _line(
            _name("ISIS fighters", side.key, paired),
            FACTION_COLORS["ISIS"],
            s,
            [r["day"] for r in side.rows],
            [r["isis_fighters"] for r in side.rows],
        )
        for s, side in enumerate(sides)
    ]
    return _chart("ISIS fighters", "fighters", days, series)


def events_chart(sides: Sequence, days: int) -> dict:
    """Cumulative raids by ISIS and incidents between rival forces."""
    paired = len(sides) > 1
    series = []
    for s, side in enumerate(sides):
        x = [r["day"] for r in side.rows]
        for key, color in EVENT_COLORS.items():
            values = _cumulative([r.get(key, 0.0) for r in side.rows])
            series.append(_line(_name(key, side.key, paired), color, s, x, values))
    return _chart("Raids and incidents so far", "count", days, series)
