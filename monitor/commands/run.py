"""``monitor run``: the daemon, or one poll of every due feed with ``--once``."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

import click

from monitor.app import App
from monitor.commands.alerts import levels_highest_first
from monitor.commands.common import feed_error, handles_errors, pass_app, stderr_is_terminal
from monitor.textsafe import single_line

if TYPE_CHECKING:
    from monitor.pipeline import FeedOutcome, PollReport

SHOWN_ALERTS = 20  # the summary lists this many new alerts, highest score first


@click.command()
@click.option("--once", is_flag=True, help="Poll every due feed once, print a summary and exit.")
@click.option(
    "--all",
    "all_feeds",
    is_flag=True,
    help="With --once: poll every feed, due or not (backoff and Retry-After still apply).",
)
@handles_errors
@pass_app
def run(app: App, once: bool, all_feeds: bool) -> None:
    """Poll the feeds and store scored alerts.

    Without --once this is the daemon: it polls due feeds at start and then at
    each feed's interval, writes the daily digest, and stops cleanly on
    SIGTERM or Ctrl-C. With --once it exits 0 even when some feeds failed;
    the summary says which and why.

    \b
    Examples:
      monitor run --once
      monitor run --once --all
      monitor --config monitor.toml run
    """
    if all_feeds and not once:
        raise click.UsageError("--all goes with --once")
    app.sync_feeds(polling=True)
    if not once:
        from monitor.daemon import run_daemon

        run_daemon(app)
        return
    pipeline = app.pipeline()
    due = app.storage.count_due_feeds(pipeline.clock(), ignore_interval=all_feeds)
    if not due:
        click.echo(_nothing_due(app, all_feeds))
        return
    if stderr_is_terminal() and due > 1:
        with click.progressbar(length=due, label="Polling feeds", file=sys.stderr) as bar:
            report = pipeline.poll_due(
                ignore_interval=all_feeds, on_outcome=lambda _outcome: bar.update(1)
            )
    else:
        report = pipeline.poll_due(ignore_interval=all_feeds)
    _print_summary(app, report)


def _print_summary(app: App, report: PollReport) -> None:
    outcomes = report.outcomes
    failed = report.failed
    not_modified = sum(1 for o in outcomes if o.ok and o.not_modified)
    elapsed = ((report.finished_at or report.started_at) - report.started_at).total_seconds()
    click.echo(
        f"Polled {len(outcomes)} feed{'s' if len(outcomes) != 1 else ''} in {elapsed:.1f} s: "
        f"{len(outcomes) - len(failed) - not_modified} ok, {not_modified} not modified, "
        f"{len(failed)} failed."
    )
    click.echo(
        f"Stored {report.total('new_items')} new and {report.total('updated_items')} updated "
        f"items; {report.total('new_alerts')} new and {report.total('updated_alerts')} "
        "updated alerts."
    )
    if failed:
        click.echo("Failed feeds (retried later, with backoff):")
        for outcome in sorted(failed, key=lambda o: o.url):
            error = feed_error(outcome.error or "", outcome.url)
            click.echo(f"  {_feed_label(outcome)}: {single_line(error, max_length=160)}")
    _print_new_alerts(app, report.started_at)


def _feed_label(outcome: FeedOutcome) -> str:
    return single_line(outcome.name or outcome.url, max_length=60)


def _print_new_alerts(app: App, since: datetime) -> None:
    # Counted and ranked by the database: a first poll stores thousands of alerts,
    # and loading them all to show twenty costs seconds and tens of MB.
    levels = Counter(app.storage.alert_levels_since(since))
    if not levels:
        return
    total = levels.total()
    top = app.storage.top_alerts_since(since, SHOWN_ALERTS)
    click.echo(f"\nNew alerts ({levels_highest_first(levels)}), highest first:")
    for alert in top:
        events = ", ".join(i.id for i in alert.indicators if i.status == "event") or "background"
        click.echo(
            f"  #{alert.id:<5} {alert.score:>3} {alert.level:<8} "
            f"{single_line(alert.item.title, max_length=70)}\n"
            f"         {events}"
        )
    if total > SHOWN_ALERTS:
        click.echo(f"  ... and {total - SHOWN_ALERTS} more: monitor alerts --since 1h")


def register(group: click.Group) -> None:
    group.add_command(run)


def _nothing_due(app: App, all_feeds: bool) -> str:
    """Why a poll has nothing to do, and what would give it something."""
    if not all_feeds:
        return "No feed is due. Use --all to poll them anyway."
    enabled = [feed for feed in app.storage.list_feeds() if feed.enabled]
    if not enabled:
        return "No feed to poll: none is configured. Add one with `monitor feeds add URL`."
    which = (
        "the one enabled feed is" if len(enabled) == 1 else f"all {len(enabled)} enabled feeds are"
    )
    return (
        f"No feed to poll: {which} backing off after errors or a Retry-After. "
        "See `monitor feeds list`."
    )
