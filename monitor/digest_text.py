"""The digest as plain text: the text/plain part of the email and the ``.txt`` file.

Feed content passes through :mod:`monitor.textsafe`, so the text is also safe
to print on a terminal: no escape sequences, no control characters, and every
field that should be one line is one line. Matched words are shown as
``*words*``.
"""

from __future__ import annotations

from monitor.charts import render_trend_text
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
from monitor.textsafe import clean_text, single_line


def _evidence_text(evidence: EvidenceView) -> str:
    marked = "".join(
        f"*{text}*" if matched else text for text, matched in highlight_segments(evidence)
    )
    return single_line(marked)


def _alert_text(alert: Alert, data: DigestData) -> list[str]:
    tz = data.tz
    item = alert.item
    lines = [
        f"[{alert.level} {alert.score}] {single_line(item.title, max_length=300)}",
        f"    source: {single_line(source_name(alert), max_length=200)}",
        f"    published: {published_label(alert, tz)}",
    ]
    link = safe_link(item.link)
    if link:
        lines.append(f"    link: {single_line(link)}")
    if alert.topics:
        lines.append(f"    topics: {single_line(', '.join(alert.topics))}")
    for indicator in alert.indicators:
        title = single_line(data.indicator_title(indicator.id))
        lines.append(f"    {title} ({indicator.status}, {indicator.score:.1f}):")
        for evidence in indicator.evidence[: data.evidence_per_indicator]:
            reasons = f" [{single_line('; '.join(evidence.reasons))}]" if evidence.reasons else ""
            lines.append(f"      > {_evidence_text(evidence)}{reasons}")
    if alert.explanation:
        lines.append(f"    score: {single_line(alert.explanation)}")
    return lines


def _deadline_text(deadline: DeadlineView, data: DigestData) -> str:
    title = single_line(deadline.item_title, max_length=120)
    about = f" - {title}" if title else ""
    return f'  {due_label(deadline, data.day, data.tz)}: "{single_line(deadline.phrase)}"{about}'


def _heading(text: str) -> list[str]:
    return ["", text, "=" * len(text)]


def render_text(data: DigestData) -> str:
    """The digest as plain text (the text/plain part of the email, and the .txt file)."""
    tz = data.tz
    counts = data.counts
    lines = [
        subject(data),
        f"Period: {local_time(data.period_start, tz)} to {local_time(data.period_end, tz)}",
        f"Generated: {local_time(data.generated_at, tz)}",
    ]
    levels = ", ".join(f"{level} {n}" for level, n in counts.by_level.items())
    summary = f"{counts.alerts} alerts" + (f" ({single_line(levels)})" if levels else "")
    if counts.shown < counts.alerts:
        summary += f", the top {counts.shown} shown"
    lines.append(summary)

    lines += _heading("Alerts")
    if not data.alerts:
        lines.append("No alerts in this period.")
    current_topic = None
    for group in group_alerts(data.alerts):
        if group.topic != current_topic:
            current_topic = group.topic
            lines += ["", f"## {single_line(group.topic)}"]
        lines += ["", f"### {single_line(data.indicator_title(group.indicator))}"]
        for alert in group.alerts:
            lines += ["", *_alert_text(alert, data)]

    lines += _heading("Deadlines announced in the period")
    lines += [_deadline_text(d, data) for d in data.deadlines_announced] or ["  none"]
    lines += _heading("Upcoming deadlines")
    lines += [_deadline_text(d, data) for d in data.deadlines_upcoming] or ["  none"]

    lines += _heading(f"Escalation trend (daily index, last {_trend_days(data)} days)")
    if data.trend:
        lines.append(render_trend_text(data.trend).rstrip("\n"))
    else:
        lines.append("no topics in this period")

    lines += _heading("Feed health")
    lines.append(f"{counts.feeds} feeds, {counts.feeds_unhealthy} need attention")
    for health in data.feed_health:
        name = single_line(health.feed.name or health.feed.url, max_length=120)
        lines.append(
            f"  {health.problem}: {name} ({single_line(health.feed.url)}): {health.detail}"
        )

    lines += _heading("Counts")
    for label, table in (("by topic", counts.by_topic), ("by indicator", counts.by_indicator)):
        row = ", ".join(f"{single_line(k)} {v}" for k, v in table.items()) or "none"
        lines.append(f"{label}: {row}")
    lines.append(
        f"deadlines: {counts.deadlines_announced} announced, {counts.deadlines_upcoming} upcoming"
    )
    return clean_text("\n".join(lines)) + "\n"


def _trend_days(data: DigestData) -> int:
    return max((len(series) for series in data.trend.values()), default=0)
