"""Charts as inline SVG, drawn on the server: no script, no network (the HTML report and the
web dashboard both embed them)."""

from __future__ import annotations

import html
from typing import Any

COLORS = {"verified": "#2da44e", "needs_review": "#8250df", "rejected": "#cf222e",
          "findings": "#bf8700", "rate": "#0969da"}


def _e(value: Any) -> str:
    return html.escape(str(value if value is not None else ""), quote=True)


def svg_bars(daily: list[dict[str, Any]], width: int = 940, height: int = 200,
             labels: list[str] | None = None) -> str:
    """Stacked bars per day (or per slice of time, each with its label under it): verified,
    needs review, rejected."""
    if not daily:
        return '<p class="muted">No fixes in this period.</p>'
    keys = ("verified", "needs_review", "rejected")
    top = max(1, max(sum(d[k] for k in keys) for d in daily))
    left, bottom, plot_h = 40, 30, height - 50
    slot = (width - left - 10) / len(daily)
    bar = max(4.0, min(48.0, slot * 0.7))
    parts = [f'<svg role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="heals per day">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
             'stroke="#8c959f"/>',
             f'<text x="{left - 6}" y="{height - bottom - plot_h + 4}" font-size="11" '
             f'text-anchor="end">{top}</text>',
             f'<text x="{left - 6}" y="{height - bottom + 4}" font-size="11" '
             'text-anchor="end">0</text>']
    for index, day in enumerate(daily):
        x = left + index * slot + (slot - bar) / 2
        y = float(height - bottom)
        for key in keys:
            h = day[key] / top * plot_h
            if h:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                             f'fill="{COLORS[key]}"><title>{_e(day["day"])}: {day[key]} '
                             f'{key.replace("_", " ")}</title></rect>')
        if len(daily) <= 14 or index % max(1, len(daily) // 10) == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" font-size="11" '
                         f'text-anchor="middle">'
                         f'{_e(labels[index] if labels else day["day"][5:])}</text>')
    legend_x = left
    for key in keys:
        parts.append(f'<rect x="{legend_x}" y="4" width="10" height="10" fill="{COLORS[key]}"/>'
                     f'<text x="{legend_x + 14}" y="13" font-size="11">{key.replace("_", " ")}'
                     '</text>')
        legend_x += 110
    parts.append("</svg>")
    return "".join(parts)


def svg_line(values: list[float | None], label: str, color: str, *, percent: bool = False,
             width: int = 940, height: int = 140, names: list[str] | None = None) -> str:
    """A line over the runs, or over `names` (what each point is; None values are gaps)."""
    known = [v for v in values if v is not None]
    if not known:
        return f'<p class="muted">No data for {_e(label)}.</p>'
    low, high = (0.0, 1.0) if percent else (0.0, max(1.0, max(known)))
    left, bottom, plot_h = 40, 20, height - 40
    step = (width - left - 10) / max(1, len(values) - 1)

    def point(i: int, v: float) -> str:
        y = height - bottom - (v - low) / (high - low) * plot_h
        return f"{left + i * step:.1f},{y:.1f}"

    top_label = "100%" if percent else f"{high:g}"
    parts = [f'<svg role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{_e(label)}">',
             f'<text x="{left}" y="12" font-size="11">{_e(label)}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
             'stroke="#8c959f"/>',
             f'<text x="{left - 6}" y="{height - bottom - plot_h + 4}" font-size="11" '
             f'text-anchor="end">{top_label}</text>',
             f'<text x="{left - 6}" y="{height - bottom + 4}" font-size="11" '
             'text-anchor="end">0</text>']
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(point(i, v))
        shown = f"{100 * v:.0f}%" if percent else f"{v:g}"
        x, y = point(i, v).split(",")
        name = names[i] if names is not None and i < len(names) else f"run {i + 1}"
        parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{color}"><title>{_e(name)}: '
                     f'{shown}</title></circle>')
    if segment:
        segments.append(segment)
    parts += [f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(s)}"/>'
              for s in segments if len(s) > 1]
    parts.append("</svg>")
    return "".join(parts)
