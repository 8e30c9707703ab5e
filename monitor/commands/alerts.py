"""``monitor alerts`` (the history, filtered) and ``monitor alert ID`` (one alert's provenance)."""

from __future__ import annotations

import sys
from collections.abc import Mapping

import click

from monitor.app import App
from monitor.commands.common import (
    check_known_ids,
    echo_json,
    handles_errors,
    parse_cli_when,
    pass_app,
)
from monitor.models import Alert, AlertQuery
from monitor.output import FORMATS, Column, Record, write_records
from monitor.provenance import render_alert_text

LEVELS = ("info", "watch", "warning", "critical")


def levels_highest_first(counts: Mapping[str, int]) -> str:
    """``"1 critical, 3 warning"``: how many alerts each level has, from the highest."""
    return ", ".join(f"{counts[level]} {level}" for level in reversed(LEVELS) if counts.get(level))


def _events(record: Record) -> str:
    return ", ".join(i["id"] for i in record["indicators"] if i["status"] == "event")


def _background(record: Record) -> str:
    return ", ".join(i["id"] for i in record["indicators"] if i["status"] == "background")


def _deadlines(record: Record) -> str:
    return "; ".join(f"{d['phrase']} -> {d['due'] or '?'}" for d in record["deadlines"])


TABLE_COLUMNS = (
    Column("ID", lambda r: r["id"], 7),
    Column("SCORE", lambda r: r["score"], 5),
    Column("LEVEL", lambda r: r["level"], 8),
    Column("CREATED UTC", lambda r: (r["created_at"] or "")[:16].replace("T", " "), 16),
    Column("EVENTS", _events, 40),
    Column("TITLE", lambda r: r["item"]["title"]),
    Column("FEED", lambda r: r["item"]["feed_name"] or r["item"]["feed_url"], 24),
)

CSV_COLUMNS = (
    Column("id", lambda r: r["id"]),
    Column("score", lambda r: r["score"]),
    Column("level", lambda r: r["level"]),
    Column("created_at", lambda r: r["created_at"]),
    Column("topics", lambda r: ";".join(r["topics"])),
    Column("events", _events),
    Column("background", _background),
    Column("title", lambda r: r["item"]["title"]),
    Column("link", lambda r: r["item"]["link"]),
    Column("published", lambda r: r["item"]["published"]),
    Column("feed_url", lambda r: r["item"]["feed_url"]),
    Column("deadlines", _deadlines),
    Column("explanation", lambda r: r.get("explanation")),
)


@click.command()
@click.option("--since", metavar="WHEN", help="Created at or after: 24h, 7d, 2022-11-22, ISO time.")
@click.option("--until", metavar="WHEN", help="Created before: same forms as --since.")
@click.option("--indicator", metavar="ID", help="Only alerts with evidence for this indicator.")
@click.option(
    "--status",
    type=click.Choice(["event", "background"]),
    help="With --indicator: that indicator's status; alone: any indicator with this status.",
)
@click.option("--topic", metavar="ID", help="Only alerts tagged with this topic (kosovo-serbia).")
@click.option("--min-score", type=click.IntRange(0, 100), help="Only alerts scoring at least N.")
@click.option("--level", type=click.Choice(LEVELS), help="Only alerts of this level.")
@click.option("--feed", metavar="URL", help="Only alerts from items of this feed.")
@click.option(
    "--search",
    metavar="TEXT",
    help="Words that must all occur in the title or the evidence (whole words; case, "
    "diacritics and script do not matter: Vucic finds Vučić and Вучић).",
)
@click.option(
    "--has-deadline/--no-deadline",
    default=None,
    help="Only alerts that found (or did not find) a deadline.",
)
@click.option("--limit", type=click.IntRange(0), default=50, show_default=True, help="0: all.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@handles_errors
@pass_app
def alerts(
    app: App,
    since: str | None,
    until: str | None,
    indicator: str | None,
    status: str | None,
    topic: str | None,
    min_score: int | None,
    level: str | None,
    feed: str | None,
    search: str | None,
    has_deadline: bool | None,
    limit: int,
    fmt: str,
) -> None:
    """List stored alerts, newest first.

    \b
    Examples:
      monitor alerts --since 24h
      monitor alerts --indicator barricade --status event
      monitor alerts --min-score 70 --since 7d --format json
      monitor alerts --search Mitrovica --topic kosovo-serbia --format csv > alerts.csv
    """
    query = AlertQuery(
        since=parse_cli_when(since, "--since"),
        until=parse_cli_when(until, "--until"),
        indicator=indicator,
        status=status,
        topic=topic,
        min_score=min_score,
        level=level,
        feed=feed,
        search=search,
        has_deadline=has_deadline,
        limit=limit,
    )
    found = app.existing_storage.query_alerts(query)
    if not found:
        check_known_ids(app, indicator=indicator, topic=topic)
    records = [alert.to_dict() for alert in found]
    stream = sys.stdout
    write_records(stream, records, fmt, CSV_COLUMNS if fmt == "csv" else TABLE_COLUMNS)
    if fmt == "table" and not records:
        click.echo("No alerts match.", err=True)
    elif fmt == "table" and limit and len(records) == limit:
        total = app.existing_storage.count_alerts(query)
        if total > limit:
            click.echo(f"Showing {limit} of {total:,}; --limit 0 shows all.", err=True)


@click.command()
@click.argument("alert_id", type=int)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@handles_errors
@pass_app
def alert(app: App, alert_id: int, fmt: str) -> None:
    """Show one alert with its whole provenance.

    Feed URL, item GUID and link, fetch time, HTTP validators, the stored text
    with the evidence spans marked, rule versions and the score explanation.

    \b
    Example:
      monitor alert 42
    """
    found: Alert | None = app.existing_storage.get_alert(alert_id)
    if found is None:
        raise click.ClickException(f"alert {alert_id}: no such alert")
    if fmt == "json":
        data = found.to_dict()
        data["item"]["text"] = found.item.text
        data["item"]["etag"] = found.item.etag
        data["item"]["last_modified"] = found.item.last_modified
        data["contributions"] = list(found.contributions)
        echo_json(data)
        return
    click.echo(render_alert_text(found, color=sys.stdout.isatty()))


def register(group: click.Group) -> None:
    group.add_command(alerts)
    group.add_command(alert)
