"""The ``reader`` library polling the same feeds, as one process, for bench.poll.

Run with an interpreter that has ``reader`` installed (it is no dependency of
this project; keep it in its own virtualenv)::

    python -m venv /tmp/reader-venv
    /tmp/reader-venv/bin/pip install reader sgmllib3k
    /tmp/reader-venv/bin/python bench/reader_poll.py --db r.sqlite --urls urls.txt
    /tmp/reader-venv/bin/python bench/reader_poll.py --db r.sqlite --urls urls.txt --warm

Cold (the default) adds every URL of ``--urls`` (one a line) to the database
and updates them all; ``--warm`` updates every feed of an existing database
whether it is due or not (the feed server answers 304). The script imports
nothing from this project, so it runs in reader's virtualenv. It prints one
JSON object: feeds updated, not modified and failed, new entries, and seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="reader's SQLite database")
    parser.add_argument("--urls", type=Path, help="feed URLs, one a line (cold run)")
    parser.add_argument("--warm", action="store_true", help="re-poll the feeds already added")
    parser.add_argument("--workers", type=int, default=1, help="retrieval threads (default 1)")
    args = parser.parse_args(argv)
    if not args.warm and args.urls is None:
        parser.error("a cold run needs --urls")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        from reader import make_reader
    except ImportError:
        print("reader is not installed for this interpreter: pip install reader", file=sys.stderr)
        return 2

    reader = make_reader(str(args.db))
    if not args.warm:
        for url in args.urls.read_text(encoding="utf-8").split():
            reader.add_feed(url, exist_ok=True)
    counts = {"updated": 0, "not_modified": 0, "failed": 0, "new_entries": 0}
    errors: list[str] = []
    # scheduled=False: every feed, due or not, like `monitor run --once --all`.
    for result in reader.update_feeds_iter(scheduled=False, workers=args.workers):
        value = result.value
        if value is None:
            counts["not_modified"] += 1
        elif isinstance(value, Exception):
            counts["failed"] += 1
            if len(errors) < 5:
                errors.append(f"{result.url}: {value}")
        else:
            counts["updated"] += 1
            counts["new_entries"] += value.new
    reader.close()
    print(
        json.dumps(
            {**counts, "errors": errors, "seconds": round(time.perf_counter() - started, 3)}
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
