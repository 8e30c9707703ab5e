"""The ``monitor`` command line: builds objects, calls one function, prints the result.

Errors of ours become one line on stderr naming what is wrong (exit 1);
``--debug`` shows the traceback instead. The commands live in
:mod:`monitor.commands`, one module per domain.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import click

from monitor import __version__
from monitor.commands import alerts, engine, feeds, history, run, status
from monitor.commands.common import Context


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $MONITOR_CONFIG, ./monitor.toml, then the bundled one).",
)
@click.option("--db", metavar="URL", help="Database URL; overrides $MONITOR_DB_URL and the config.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-v", "--verbose", is_flag=True, help="Log every poll outcome to stderr.")
@click.version_option(__version__, prog_name="escalation-monitor")
@click.pass_context
def cli(
    ctx: click.Context, config: Path | None, db: str | None, debug: bool, verbose: bool
) -> None:
    """Watch news feeds for signs that a conflict is escalating.

    \b
    Examples:
      monitor run --once                 poll every due feed once and print a summary
      monitor alerts --since 24h         what fired in the last day
      monitor explain article.txt        why a text scores what it scores
    """
    configure_logging(debug=debug, verbose=verbose)
    ctx.obj = Context(config, db, debug)
    ctx.call_on_close(ctx.obj.close)


# Libraries whose INFO lines (each job added, each request) are noise beside ours.
CHATTY_LIBRARIES = ("apscheduler", "httpx", "httpcore")


def configure_logging(*, debug: bool, verbose: bool) -> None:
    """Warnings by default; -v adds our INFO lines (one per poll); --debug everything."""
    level = logging.DEBUG if debug else (logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.WARNING)


def main() -> None:
    # What is loaded by now (modules, classes, the schema) lives as long as the process:
    # frozen, the garbage collector stops walking it at every full collection. Frozen
    # again at the end, nothing is left for the collection at exit, which would walk every
    # object once more (a tenth of a second with the database and HTTP libraries loaded)
    # just before the process ends anyway; files and connections are closed by then.
    gc.freeze()
    try:
        cli(prog_name="monitor")
    finally:
        gc.freeze()


for _module in (run, alerts, engine, feeds, history, status):
    _module.register(cli)
