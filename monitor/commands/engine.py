"""``monitor explain`` (the engine on one text) and ``monitor indicators list|test``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time

import click

from indicators.types import Document
from monitor.app import App
from monitor.commands.common import echo_json, handles_errors, parse_cli_date, pass_app
from monitor.output import Column, write_records
from monitor.provenance import render_analysis_text


@click.command()
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"))
@click.option("--published", metavar="DATE", help="Publication date (YYYY-MM-DD); default today.")
@click.option("--title", help="The item's title; default: the text has none.")
@click.option("--lang", metavar="CODE", help="Language of the text (en, sr, sq, ...).")
@click.option(
    "--weight", type=click.FloatRange(0, 1), default=1.0, show_default=True, help="Source weight."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@handles_errors
@pass_app
def explain(
    app: App,
    source: click.utils.LazyFile,
    published: str | None,
    title: str | None,
    lang: str | None,
    weight: float,
    fmt: str,
) -> None:
    """Run the engine on one text and show every match and why.

    SOURCE is a file, or - for standard input. Shows each indicator's evidence
    (sentence, matched words, character offsets, rule version), whether it is an
    event or background and why, the deadlines resolved against --published,
    and the score with each contribution.

    \b
    Examples:
      monitor explain --published 2022-11-22 article.txt
      curl -s https://example.org/story.txt | monitor explain --format json -
    """
    from monitor.htmltext import html_to_text, is_markup

    day = parse_cli_date(published, "--published")
    when = datetime.combine(day, time(12, 0), UTC) if day else datetime.now(UTC)
    body = source.read()
    if is_markup(body):  # a saved web page: its text, as a poll would read it
        body = html_to_text(body)
    if not body.strip() and not (title or "").strip():
        raise click.ClickException(f"{getattr(source, 'name', '-')}: no text to explain")
    engine = app.engine
    languages = {lang for i in engine.indicators for lang in i.summary().get("languages") or ()}
    if lang is not None and lang not in languages:
        click.echo(
            f"Warning: no rule has terms in {lang!r} (they have {', '.join(sorted(languages))}): "
            "only terms without a language can match.",
            err=True,
        )
    document = Document(
        title=title or "", body=body, published=when, lang=lang, source_weight=weight
    )
    analysis = engine.analyze(document)
    if fmt == "json":
        data = analysis.to_dict()
        data["published"] = when.isoformat()
        data["text"] = analysis.text
        echo_json(data)
    else:
        reference = "" if day else " (today: --published not given)"
        click.echo(f"Published: {when.date().isoformat()}{reference}")
        click.echo(render_analysis_text(analysis, color=sys.stdout.isatty()))


@click.group()
def indicators() -> None:
    """The indicator rules: list them, run their examples."""


@indicators.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@handles_errors
@pass_app
def list_indicators(app: App, fmt: str) -> None:
    """Show the loaded indicators with their severity, version and languages.

    \b
    Example:
      monitor indicators list --format json
    """
    records = [indicator.summary() for indicator in app.engine.indicators]
    columns = (
        Column("ID", lambda r: r["id"], 20),
        Column("SEVERITY", lambda r: r["severity"], 8),
        Column("VERSION", lambda r: r["version"], 12),
        Column("CAMEO", lambda r: ",".join(r.get("cameo") or ()), 12),
        Column("LANGS", lambda r: ",".join(r.get("languages") or ()), 10),
        Column("PATTERNS", lambda r: r.get("patterns"), 8),
        Column("TITLE", lambda r: r["title"]),
    )
    write_records(sys.stdout, records, fmt, columns)


@indicators.command("test")
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the total.")
@handles_errors
@pass_app
def test_indicators(app: App, quiet: bool) -> None:
    """Run every rule's own examples; exit 1 if any fails.

    \b
    Example:
      monitor --config my.toml indicators test
    """
    from indicators.selftest import run_examples

    engine = app.engine
    results = run_examples(engine.indicator_set, engine)
    failures = [r for r in results if not r.passed]
    for result in results:
        if not result.passed or not quiet:
            click.echo(str(result))
    click.echo(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    if failures:
        raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(explain)
    group.add_command(indicators)
