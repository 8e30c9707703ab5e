"""Plain-text views of an analysis (``monitor explain``) and of a stored alert (``monitor alert``).

Matched words are marked ``[[like this]]`` (bold on a colour terminal).
Every string from a feed goes through :mod:`monitor.textsafe` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import click

from indicators.types import Analysis, Deadline
from monitor.models import Alert, DeadlineView
from monitor.textsafe import clean_text, single_line


def _flat(text: str) -> str:
    """Cleaned, on one line, spaces kept (``single_line`` would trim the pieces' edges)."""
    return clean_text(text).replace("\n", " ").replace("\t", " ")


def mark(text: str, spans: Iterable[tuple[int, int]], *, offset: int = 0, color: bool) -> str:
    """``text`` with ``spans`` marked; spans are absolute, ``offset`` is where ``text`` starts."""
    out: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        start, end = max(start - offset, cursor), min(end - offset, len(text))
        if start >= end:
            continue
        out.append(_flat(text[cursor:start]))
        word = _flat(text[start:end])
        out.append(click.style(word, bold=True, underline=True) if color else f"[[{word}]]")
        cursor = end
    out.append(_flat(text[cursor:]))
    return "".join(out).strip()


def _evidence_lines(
    sentence: str,
    start: int,
    spans: Sequence[tuple[int, int]],
    details: str,
    color: bool,
) -> list[str]:
    return [f"    {mark(sentence, spans, offset=start, color=color)}", f"      {details}"]


def _deadline_lines(deadlines: Iterable[Deadline | DeadlineView]) -> list[str]:
    return [
        f"  {single_line(d.phrase)!r} -> {d.due.isoformat() if d.due else 'unresolved'}"
        for d in deadlines
    ]


def _contribution_line(points: float, label: str, detail: str) -> str:
    return f"  {points:+7.1f}  {label}: {single_line(detail)}"


def render_analysis_text(analysis: Analysis, *, color: bool = False) -> str:
    lines = [f"Score: {analysis.score.explanation}"]
    lines.append(f"Topics: {', '.join(analysis.topics) or '(none)'}")
    if not analysis.indicators:
        lines.append("\nNo indicator matched.")
    for result in analysis.indicators:
        lines.append(
            f"\n{result.id} ({result.status.value}, {result.score:.1f} points): "
            f"{single_line(result.title)}"
        )
        for evidence in result.evidence:
            why = "; ".join(evidence.reasons) or "reported as current"
            details = (
                f"{evidence.status.value}: {why} | sentence {evidence.sentence_index}, "
                f"chars {evidence.start}-{evidence.end} | match: {single_line(evidence.match)} | "
                f"rule {evidence.rule_version} | strength {evidence.strength:g}"
            )
            lines += _evidence_lines(
                evidence.sentence, evidence.start, evidence.match_spans, details, color
            )
    lines.append("\nDeadlines:" if analysis.deadlines else "\nDeadlines: (none)")
    lines += _deadline_lines(analysis.deadlines)
    lines.append("\nScore contributions:")
    for c in analysis.score.contributions:
        lines.append(_contribution_line(c.points, c.label, c.detail))
    return "\n".join(lines)


def render_alert_text(alert: Alert, *, color: bool = False) -> str:
    item = alert.item
    lines = [
        f"Alert #{alert.id}: score {alert.score} ({alert.level})",
        f"  explanation:  {single_line(alert.explanation)}",
        f"  topics:       {', '.join(alert.topics) or '(none)'}",
        f"  created:      {alert.created_at.isoformat()}"
        + (f" (updated {alert.updated_at.isoformat()})" if alert.updated_at else ""),
        "Item",
        f"  title:        {single_line(item.title)}",
        f"  link:         {single_line(item.link)}",
        f"  guid:         {single_line(item.guid)}",
        f"  published:    {item.published.isoformat() if item.published else 'unknown'}",
        f"  fetched:      {item.fetched_at.isoformat()}",
        f"  feed:         {single_line(item.feed_name or '')} <{single_line(item.feed_url)}>",
    ]
    if len(item.feeds) > 1:
        lines.append(f"  also in:      {', '.join(single_line(f) for f in item.feeds)}")
    lines += [
        f"  etag:         {single_line(item.etag) or '(none)'}",
        f"  last-modified: {single_line(item.last_modified) or '(none)'}",
        f"  content hash: {item.content_hash or ''}",
        "Indicators",
    ]
    for indicator in alert.indicators:
        lines.append(f"  {indicator.id} ({indicator.status}, {indicator.score:.1f} points)")
        for evidence in indicator.evidence:
            details = (
                f"chars {evidence.start}-{evidence.end} | match: {single_line(evidence.match)} "
                f"| rule {evidence.rule_version}"
                + (f" | {'; '.join(evidence.reasons)}" if evidence.reasons else "")
            )
            lines += _evidence_lines(
                evidence.sentence, evidence.start, evidence.match_spans, details, color
            )
    if alert.deadlines:
        lines.append("Deadlines")
        lines += _deadline_lines(alert.deadlines)
    if alert.contributions:
        lines.append("Score contributions")
        for term in alert.contributions:
            points, label = float(term.get("points", 0)), str(term.get("label"))
            lines.append(_contribution_line(points, label, str(term.get("detail", ""))))
    if item.text:
        lines.append("Stored text (evidence marked)")
        spans = [s for i in alert.indicators for e in i.evidence for s in e.match_spans]
        for paragraph in _marked_paragraphs(item.text, spans, color):
            lines.append(f"  {paragraph}")
    return "\n".join(lines)


def _marked_paragraphs(text: str, spans: list[tuple[int, int]], color: bool) -> list[str]:
    out = []
    position = 0
    for paragraph in text.split("\n"):
        if paragraph.strip():
            out.append(mark(paragraph, spans, offset=position, color=color))
        position += len(paragraph) + 1
    return out
