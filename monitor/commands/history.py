"""``monitor deadlines`` and ``monitor trend``: the history an analyst reads."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from monitor.app import App
from monitor.commands.common import handles_errors, parse_cli_date, pass_app, refuse_unknown
from monitor.output import FORMATS, Column, write_records

# The chart and the digest (with e-mail and HTML) are imported by their commands only:
# every other command would pay for them at start-up.

DEADLINE_COLUMNS = (
    Column("DUE", lambda r: r["due"] or "unresolved", 19),
    Column("IN DAYS", lambda r: r.get("days_left"), 7),
    Column("ALERT", lambda r: r.get("alert_id"), 6),
    Column("PHRASE", lambda r: r["phrase"]),
    Column("ITEM", lambda r: r.get("item_title"), 40),
)


@click.command()
@click.option("--upcoming", is_flag=True, help="Only deadlines due today or later.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@handles_errors
@pass_app
def deadlines(app: App, upcoming: bool, fmt: str) -> None:
    """List the deadlines and ultimatums found in alerts: the latest due first (those
    without a date last), or with --upcoming the ones still ahead, soonest first.

    \b
    Examples:
      monitor deadlines --upcoming
      monitor deadlines --format json
    """
    now = datetime.now(UTC)
    records = []
    for deadline in app.existing_storage.list_deadlines(upcoming=upcoming, now=now):
        record = deadline.to_dict()
        record["alert_id"] = deadline.alert_id
        record["item_title"] = deadline.item_title
        due = deadline.due
        due_day = due.date() if isinstance(due, datetime) else due
        record["days_left"] = (due_day - now.date()).days if due_day is not None else None
        records.append(record)
    write_records(sys.stdout, records, fmt, DEADLINE_COLUMNS)
    if fmt == "table" and not records:
        click.echo("No deadlines found.", err=True)


@click.command()
@click.option("--topic", metavar="ID", help="One topic (default: every topic, and all alerts).")
@click.option("--days", type=click.IntRange(1, 3660), default=30, show_default=True)
@click.option("--bars", is_flag=True, help="A bar per day instead of a sparkline per topic.")
@handles_errors
@pass_app
def trend(app: App, topic: str | None, days: int, bars: bool) -> None:
    """Draw the daily escalation index (sum of alert scores per day) in the terminal.

    \b
    Examples:
      monitor trend --topic kosovo-serbia --days 90
      monitor trend --bars --days 14
    """
    from monitor.charts import render_trend_text

    end = datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    gazetteer = app.engine.gazetteer
    known = [t.id for t in gazetteer.topics] if gazetteer is not None else []
    if topic is not None:
        refuse_unknown(topic, known, "--topic", "topic")
    topics = [topic] if topic else [None, *known]
    series = {
        (name or "all alerts"): app.existing_storage.daily_index(topic=name, start=start, end=end)
        for name in topics
    }
    click.echo(render_trend_text(series, bars=bars), nl=False)


@click.command()
@click.option(
    "--date", "day", metavar="DATE", help="The digest's day (YYYY-MM-DD); default: the latest."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write it here: a folder (dated .html and .txt), a .html file (and the .txt of "
    "the same name beside it), or a .txt file.",
)
@click.option("--email", is_flag=True, help="Send it with the [digest.email] settings.")
@handles_errors
@pass_app
def digest(app: App, day: str | None, out: Path | None, email: bool) -> None:
    """Make the daily digest by hand; without --out or --email, print its text.

    Covers the 24 hours before the configured digest time of that day, in the
    configured timezone. Making one by hand never counts as the daemon's delivery.

    \b
    Examples:
      monitor digest
      monitor digest --date 2022-11-22 --out digests/
      monitor digest --email
    """
    from monitor.deliver import send_digest, write_digest_to
    from monitor.digest import DigestSettings, build_digest_data, default_day, subject
    from monitor.digest_text import render_text

    settings = DigestSettings.from_config(app.settings.digest)
    now = datetime.now(UTC)
    chosen = parse_cli_date(day, "--date") or default_day(now, settings)
    data = build_digest_data(
        app.existing_storage,
        day=chosen,
        settings=settings,
        now=now,
        indicator_titles={i.id: i.title for i in app.engine.indicators},
    )
    if out is not None:
        for path in write_digest_to(data, out):
            click.echo(f"Wrote {path}")
    if email:
        if settings.email is None:
            raise click.ClickException(f"{app.settings.source}: digest.email: not configured")
        click.echo(f"Sent {subject(data)!r} to {send_digest(data, settings.email)}")
    if out is None and not email:
        click.echo(render_text(data), nl=False)


def register(group: click.Group) -> None:
    group.add_command(deadlines)
    group.add_command(trend)
    group.add_command(digest)
