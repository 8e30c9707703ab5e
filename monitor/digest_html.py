"""The digest as one HTML page that common mail clients and phones display well.

Layout is tables with inline styles, at most 640 px wide; no external
resources, no scripts, no forms. Every piece of feed content goes through
:func:`html.escape`; only absolute http(s) links become ``href`` values. The
trend chart is a PNG: ``chart_src`` is ``cid:...`` in an email and a ``data:``
URI in a file.
"""

from __future__ import annotations

import base64
from html import escape

from monitor.charts import chart_scale, hex_color, render_chart_png, topic_color
from monitor.digest import (
    DigestData,
    due_label,
    group_alerts,
    highlight_segments,
    local_time,
    published_label,
    safe_link,
    source_name,
    subject,
)
from monitor.models import Alert, DeadlineView, EvidenceView
from monitor.textsafe import clean_text

LEVEL_COLORS = {
    "critical": ("#ffffff", "#b00020"),
    "warning": ("#1f1f1f", "#f5a623"),
    "watch": ("#1f1f1f", "#ffe28a"),
    "info": ("#1f1f1f", "#dfe6ee"),
}
FONT = "font-family:Arial,Helvetica,sans-serif;"
MUTED = "color:#5f6368;"
CELL = "padding:4px 8px;border-bottom:1px solid #e3e5e8;vertical-align:top;font-size:13px;"


def _e(text: object) -> str:
    # Control characters are invalid in HTML and only ever garble the text.
    return escape(clean_text(str(text)), quote=True)


def chart_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _badge(level: str, score: int) -> str:
    fg, bg = LEVEL_COLORS.get(level, ("#1f1f1f", "#dfe6ee"))
    return (
        f'<span style="display:inline-block;padding:1px 6px;border-radius:3px;'
        f'background-color:{bg};color:{fg};font-size:12px;font-weight:bold;">'
        f"{_e(level)} {int(score)}</span>"
    )


def _link(url: str | None, label: str) -> str:
    href = safe_link(url)
    if href is None:
        return _e(label)
    return f'<a href="{_e(href)}" style="color:#0b57d0;">{_e(label)}</a>'


def _evidence(evidence: EvidenceView, status: str) -> str:
    body = "".join(
        f'<mark style="background-color:#fff1a8;color:#1f1f1f;">{_e(text)}</mark>'
        if matched
        else _e(text)
        for text, matched in highlight_segments(evidence)
    )
    reasons = ""
    if evidence.reasons:
        reasons = (
            f' <span style="{MUTED}font-size:12px;">({_e("; ".join(evidence.reasons))})</span>'
        )
    color = "#9aa0a6" if status == "background" else "#0b57d0"
    return (
        f'<div style="margin:4px 0;padding-left:8px;border-left:3px solid {color};font-size:14px;">'
        f"{body}{reasons}</div>"
    )


def _alert(alert: Alert, data: DigestData) -> str:
    item = alert.item
    title = _link(item.link, item.title or "(untitled)")
    meta = f"{_e(source_name(alert))} &middot; {_e(published_label(alert, data.tz))}" + (
        f" &middot; topics: {_e(', '.join(alert.topics))}" if alert.topics else ""
    )
    parts = [
        f'<tr><td style="{CELL}padding-top:10px;">',
        '<div style="font-size:15px;font-weight:bold;">',
        f"{_badge(alert.level, alert.score)} {title}</div>",
        f'<div style="{MUTED}font-size:12px;margin:2px 0 4px 0;">{meta}</div>',
    ]
    for indicator in alert.indicators:
        parts.append(
            '<div style="font-size:13px;margin-top:4px;">'
            f"<b>{_e(data.indicator_title(indicator.id))}</b>"
            f' <span style="{MUTED}">{_e(indicator.status)}, {indicator.score:.1f}</span></div>'
        )
        parts += [
            _evidence(evidence, evidence.status or indicator.status)
            for evidence in indicator.evidence[: data.evidence_per_indicator]
        ]
    if alert.explanation:
        parts.append(
            f'<div style="{MUTED}font-size:12px;margin-top:4px;">'
            f"score: {_e(alert.explanation)}</div>"
        )
    parts.append("</td></tr>")
    return "".join(parts)


def _section(title: str, body: str) -> str:
    return (
        f'<tr><td style="padding:18px 8px 4px 8px;"><h2 style="margin:0;font-size:17px;'
        f'border-bottom:2px solid #1f1f1f;">{_e(title)}</h2></td></tr>{body}'
    )


def _rows(cells: list[list[str]]) -> str:
    """Rows of pre-escaped cells in a nested full-width table."""
    rows = "".join(
        "<tr>" + "".join(f'<td style="{CELL}">{cell}</td>' for cell in row) + "</tr>"
        for row in cells
    )
    return (
        '<tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        f'style="border-collapse:collapse;font-size:13px;">{rows}</table></td></tr>'
    )


def _note(text: str) -> str:
    return f'<tr><td style="{CELL}{MUTED}">{_e(text)}</td></tr>'


def _deadlines(deadlines: tuple[DeadlineView, ...], data: DigestData) -> str:
    if not deadlines:
        return _note("none")
    return _rows(
        [
            [
                _e(due_label(d, data.day, data.tz)),
                f"&ldquo;{_e(d.phrase)}&rdquo;"
                + (f'<br><span style="{MUTED}">{_e(d.item_title)}</span>' if d.item_title else ""),
            ]
            for d in deadlines
        ]
    )


def _trend(data: DigestData, chart_src: str) -> str:
    if not data.trend:
        return _note("No topics in this period.")
    topics = ", ".join(data.trend)
    image = (
        f'<tr><td style="padding:6px 8px;"><img src="{_e(chart_src)}" width="600" height="180" '
        f'alt="{_e("Daily escalation index per topic: " + topics)}" '
        'style="display:block;width:100%;max-width:600px;height:auto;border:0;"></td></tr>'
    )
    legend = []
    for number, (topic, series) in enumerate(data.trend.items()):
        values = [value for _, value in series]
        swatch = (
            f'<span style="display:inline-block;width:12px;height:12px;'
            f'background-color:{hex_color(topic_color(number))};"></span>'
        )
        legend.append(
            [
                f"{swatch} {_e(topic)}",
                f"max {max(values, default=0):.1f}",
                f"last {values[-1] if values else 0:.1f}",
            ]
        )
    first = min((day for series in data.trend.values() for day, _ in series), default=data.day)
    caption = _note(
        f"{first.isoformat()} to {data.day.isoformat()}; "
        f"top of chart = {chart_scale(data.trend):.1f}"
    )
    return image + _rows(legend) + caption


def _feed_health(data: DigestData) -> str:
    counts = data.counts
    summary = _note(f"{counts.feeds} feeds, {counts.feeds_unhealthy} need attention")
    if not data.feed_health:
        return summary
    return summary + _rows(
        [
            [
                f"<b>{_e(h.problem)}</b>",
                _link(h.feed.url, h.feed.name or h.feed.url),
                _e(h.detail),
            ]
            for h in data.feed_health
        ]
    )


def _counts(data: DigestData) -> str:
    counts = data.counts
    rows = [
        [
            "alerts",
            _e(
                f"{counts.alerts}"
                + (f" (top {counts.shown} shown)" if counts.shown < counts.alerts else "")
            ),
        ],
        ["by level", _e(", ".join(f"{k} {v}" for k, v in counts.by_level.items()) or "none")],
        ["by topic", _e(", ".join(f"{k} {v}" for k, v in counts.by_topic.items()) or "none")],
        [
            "by indicator",
            _e(", ".join(f"{k} {v}" for k, v in counts.by_indicator.items()) or "none"),
        ],
        [
            "deadlines",
            _e(f"{counts.deadlines_announced} announced, {counts.deadlines_upcoming} upcoming"),
        ],
    ]
    return _rows(rows)


def render_html(data: DigestData, *, chart_src: str | None = None) -> str:
    """The digest as a complete HTML document.

    ``chart_src`` is where the trend image is found (``cid:trend@...`` in an
    email); by default the PNG is embedded as a ``data:`` URI.
    """
    if chart_src is None:
        chart_src = chart_data_uri(render_chart_png(data.trend))
    tz = data.tz
    title = subject(data)
    alerts = []
    current_topic = None
    for group in group_alerts(data.alerts):
        if group.topic != current_topic:
            current_topic = group.topic
            alerts.append(
                f'<tr><td style="padding:12px 8px 0 8px;font-size:16px;font-weight:bold;">'
                f"{_e(group.topic)}</td></tr>"
            )
        alerts.append(
            f'<tr><td style="padding:6px 8px 0 8px;font-size:14px;{MUTED}">'
            f"{_e(data.indicator_title(group.indicator))}</td></tr>"
        )
        alerts += [_alert(alert, data) for alert in group.alerts]
    if not alerts:
        alerts.append(_note("No alerts in this period."))

    levels = ", ".join(f"{level} {n}" for level, n in data.counts.by_level.items())
    header = (
        f'<tr><td style="padding:12px 8px;background-color:#1f1f1f;color:#ffffff;">'
        '<div style="font-size:19px;font-weight:bold;">'
        f"Escalation digest {_e(data.day.isoformat())}</div>"
        f'<div style="font-size:12px;">{_e(local_time(data.period_start, tz))} to '
        f"{_e(local_time(data.period_end, tz))} &middot; {data.counts.alerts} alerts"
        + (f" ({_e(levels)})" if levels else "")
        + "</div></td></tr>"
    )
    body = "".join(
        [
            header,
            _section("Alerts", "".join(alerts)),
            _section("Deadlines announced", _deadlines(data.deadlines_announced, data)),
            _section("Upcoming deadlines", _deadlines(data.deadlines_upcoming, data)),
            _section("Escalation trend", _trend(data, chart_src)),
            _section("Feed health", _feed_health(data)),
            _section("Counts", _counts(data)),
            f'<tr><td style="padding:16px 8px;{MUTED}font-size:11px;">Generated '
            f"{_e(local_time(data.generated_at, tz))} by escalation-monitor.</td></tr>",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title></head>"
        f'<body style="margin:0;padding:0;background-color:#f4f5f7;{FONT}color:#1f1f1f;">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="border-collapse:collapse;background-color:#f4f5f7;"><tr><td align="center">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
        'style="border-collapse:collapse;max-width:640px;background-color:#ffffff;'
        "overflow-wrap:anywhere;word-break:break-word;"
        f'text-align:left;">{body}</table>'
        "</td></tr></table></body></html>\n"
    )
