"""Benchmark: one poll cycle over many feeds, as whole processes, next to ``reader``.

A feed server (:mod:`bench.feedfarm`, its own process on 127.0.0.1) serves
``--feeds`` feeds of ``--items`` news items each, with ETag and Last-Modified.
Then, each run a fresh process with a fresh SQLite database:

- **monitor cold**: ``monitor --config <bench config> run --once``: every
  item is new, so every item is parsed, matched, scored and stored;
- **monitor warm**: ``monitor ... run --once --all``: every feed answers 304;
- **reader cold / warm**: the ``reader`` library on the same feeds
  (:mod:`bench.reader_poll`, run by an interpreter that has reader installed).

It prints a markdown table (wall and CPU seconds, items/s and feeds/s, peak
memory of the whole process tree) and checks the targets: monitor at least
1.5x reader's items/s cold and 2x its feeds/s warm, and the process tree under
200 MB. The exit status is 1 when a target is missed or a run went wrong.

    .venv/bin/python -m bench.poll                       # 1,000 feeds x 20 items
    .venv/bin/python -m bench.poll --feeds 200 --repeat 3
    .venv/bin/python -m bench.poll --reader-python /tmp/reader-venv/bin/python

reader is no dependency of this project; install it in its own virtualenv::

    python -m venv /tmp/reader-venv && /tmp/reader-venv/bin/pip install reader sgmllib3k
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.feedfarm import BODIES, build_feeds
from bench.proctree import Measured, run_measured

ROOT = Path(__file__).resolve().parents[1]
READER_SCRIPT = Path(__file__).with_name("reader_poll.py")
INSTALL_READER = (
    "python -m venv /tmp/reader-venv && /tmp/reader-venv/bin/pip install reader sgmllib3k, "
    "then pass --reader-python /tmp/reader-venv/bin/python (or set READER_PYTHON)"
)
COLD_ITEMS_RATIO = 1.5
WARM_FEEDS_RATIO = 2.0
MAX_TREE_MB = 200.0
_STORED = re.compile(r"Stored (\d+) new")
_POLLED = re.compile(r"Polled (\d+) feeds?\b.*?(\d+) ok, (\d+) not modified, (\d+) failed")


class BenchError(Exception):
    """A run did not do what it was meant to; the figures would be meaningless."""


@dataclass(frozen=True, slots=True)
class Result:
    """One measured poll: who, cold or warm, what the process did, and its figures."""

    client: str  # "monitor" or "reader"
    phase: str  # "cold" or "warm"
    feeds: int
    items: int  # items in the feeds' bodies (0 when every feed answered 304)
    stored: int  # items stored as new (monitor stores an article carried by two feeds once)
    measured: Measured

    @property
    def items_per_second(self) -> float:
        return self.items / self.measured.wall

    @property
    def feeds_per_second(self) -> float:
        return self.feeds / self.measured.wall

    @property
    def peak_mb(self) -> float:
        peak = self.measured.tree_rss or self.measured.max_rss
        return max(peak, self.measured.max_rss) / 1e6


# -- the feed server ---------------------------------------------------------------------------


class Farm:
    """The feed server process; its URL and counters."""

    def __init__(self, feeds: int, items: int, seed: int, body: str) -> None:
        options = ["--feeds", str(feeds), "--items", str(items), "--seed", str(seed)]
        options += ["--body", body]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.feedfarm", *options],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("READY "):
            self.close()
            raise BenchError(f"the feed server did not start (said {line!r})")
        self.url = line.removeprefix("READY ")
        self.feeds = feeds

    def feed_urls(self) -> list[str]:
        return [f"{self.url}/feeds/{index}.xml" for index in range(self.feeds)]

    def reset(self) -> dict[str, int]:
        """The answers given since the last reset, by status; the counters start again."""
        with urllib.request.urlopen(f"{self.url}/reset", timeout=10) as response:
            return json.loads(response.read())

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Farm:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def check_answers(farm: Farm, phase: str, client: str) -> None:
    answers = farm.reset()
    wanted = "200" if phase == "cold" else "304"
    if answers.get(wanted, 0) != farm.feeds or len(set(answers) - {"gzip"}) != 1:
        raise BenchError(
            f"{client} {phase}: the server answered {answers}, not {farm.feeds}x{wanted}"
        )


# -- monitor -----------------------------------------------------------------------------------


def monitor_config(workdir: Path, urls: Sequence[str], *, workers: int, concurrency: int) -> Path:
    """A config listing every feed; digest off, and no unconditional re-fetch (all 304 warm)."""
    lines = [
        f'database_url = "sqlite:///{workdir / "monitor.db"}"',
        "[fetch]",
        f"concurrency = {concurrency}",
        # The feeds share one server here; on the web they sit on many hosts.
        f"per_host = {concurrency}",
        "[schedule]",
        f"workers = {workers}",
        "unconditional_every = 0",
        "[digest]",
        "enabled = false",
        *(f'[[feeds]]\nurl = "{url}"' for url in urls),
    ]
    path = workdir / "monitor.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def compile_bytecode() -> None:
    """Compile the project's modules, as installing a package does.

    reader's modules were compiled when pip installed it; the project's run from
    the working tree, where an interpreter started with PYTHONDONTWRITEBYTECODE
    would compile them again in every run. (In a checkout that cannot be
    written, they are: the start-up figures then include it.)
    """
    for package in ("monitor", "indicators"):
        if not compileall.compile_dir(ROOT / package, quiet=1):
            print(
                f"bench.poll: could not compile {package}/ to bytecode; its modules are "
                "compiled again by every run",
                file=sys.stderr,
            )


def run_monitor(farm: Farm, workdir: Path, args: argparse.Namespace) -> list[Result]:
    compile_bytecode()
    config = monitor_config(
        workdir, farm.feed_urls(), workers=args.workers, concurrency=args.concurrency
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "monitor", "--config", str(config), "run", "--once"]
    results = []
    for phase, extra in (("cold", []), ("warm", ["--all"])):
        measured = run_measured(base + extra, cwd=workdir, env=env, timeout=args.timeout)
        results.append(_monitor_result(phase, measured, farm.feeds, args.items))
        check_answers(farm, phase, "monitor")
    return results


def _monitor_result(phase: str, measured: Measured, feeds: int, items: int) -> Result:
    polled, stored = _POLLED.search(measured.stdout), _STORED.search(measured.stdout)
    if measured.returncode != 0 or polled is None or stored is None:
        raise BenchError(
            f"monitor {phase} exited {measured.returncode}:\n{measured.stdout}\n"
            f"{measured.stderr[-3000:]}"
        )
    total, _ok, not_modified, failed = map(int, polled.groups())
    stored_items = int(stored.group(1))
    if (
        total != feeds
        or failed
        or (phase == "warm" and not_modified != feeds)
        or (phase == "cold" and not stored_items)
    ):
        raise BenchError(f"monitor {phase}: {polled.group(0)} {stored.group(0)}")
    served = feeds * items if phase == "cold" else 0
    return Result("monitor", phase, feeds, served, stored_items, measured)


# -- reader ------------------------------------------------------------------------------------


def reader_version(python: str) -> str | None:
    """reader's version for ``python``, or None when it cannot import reader."""
    try:
        done = subprocess.run(
            [python, "-c", "import reader; print(reader.__version__)"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def run_reader(farm: Farm, workdir: Path, python: str, args: argparse.Namespace) -> list[Result]:
    urls = workdir / "urls.txt"
    urls.write_text("\n".join(farm.feed_urls()) + "\n", encoding="utf-8")
    base = [python, str(READER_SCRIPT), "--db", str(workdir / "reader.sqlite")]
    base += ["--workers", str(args.reader_workers)]
    results = []
    for phase, extra in (("cold", ["--urls", str(urls)]), ("warm", ["--warm"])):
        measured = run_measured(base + extra, cwd=workdir, timeout=args.timeout)
        try:
            report = json.loads(measured.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            report = None
        if measured.returncode != 0 or report is None or report["failed"]:
            raise BenchError(
                f"reader {phase} failed:\n{measured.stdout}\n{measured.stderr[-3000:]}"
            )
        served = farm.feeds * args.items if phase == "cold" else 0
        if report["new_entries"] != served:
            raise BenchError(f"reader {phase}: {report['new_entries']} new entries, not {served}")
        results.append(Result("reader", phase, farm.feeds, served, report["new_entries"], measured))
        check_answers(farm, phase, "reader")
    return results


# -- report ------------------------------------------------------------------------------------


def best(results: Sequence[Result], client: str, phase: str) -> Result | None:
    """The fastest of the repeated runs (the least disturbed by other work on the machine)."""
    runs = [r for r in results if r.client == client and r.phase == phase]
    return min(runs, key=lambda r: r.measured.wall) if runs else None


def render_table(results: Sequence[Result]) -> str:
    rows = [
        "| client | poll | wall s | CPU s | items | stored | items/s | feeds/s "
        "| peak tree MB | largest process MB | processes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for client in ("monitor", "reader"):
        for phase in ("cold", "warm"):
            r = best(results, client, phase)
            if r is None:
                continue
            m = r.measured
            tree = f"{m.tree_rss / 1e6:.0f}" if m.tree_rss is not None else "n/a"
            rows.append(
                f"| {client} | {phase} | {m.wall:.2f} | {m.cpu:.2f} | {r.items:,} | {r.stored:,} "
                f"| {r.items_per_second:,.0f} | {r.feeds_per_second:,.0f} | {tree} "
                f"| {m.max_rss / 1e6:.0f} | {m.processes} |"
            )
    return "\n".join(rows)


def check_targets(results: Sequence[Result]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target that the results allow to check."""
    checks = []
    for phase in ("cold", "warm"):
        ours = best(results, "monitor", phase)
        if ours is not None:
            checks.append(
                (
                    f"monitor {phase} peak memory < {MAX_TREE_MB:.0f} MB",
                    f"{ours.peak_mb:.0f} MB",
                    ours.peak_mb < MAX_TREE_MB,
                )
            )
    for phase, rate, unit, target in (
        ("cold", "items_per_second", "items/s", COLD_ITEMS_RATIO),
        ("warm", "feeds_per_second", "feeds/s", WARM_FEEDS_RATIO),
    ):
        ours, theirs = best(results, "monitor", phase), best(results, "reader", phase)
        if ours and theirs:
            ratio = getattr(ours, rate) / getattr(theirs, rate)
            checks.append((f"{phase} {unit} >= {target}x reader", f"{ratio:.2f}x", ratio >= target))
    return checks


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.poll", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--feeds", type=int, default=1000, help="feeds served (default 1000)")
    parser.add_argument("--items", type=int, default=20, help="items per feed (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument(
        "--body",
        choices=BODIES,
        default="summary",
        help="summary: items carry a summary, as most news feeds do and as the reference "
        "figures assume (feedparser about 3.7 s, reader about 9 s cold); full: the whole "
        "article too, three times the bytes (default summary)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each client; best kept")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="monitor workers")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="feeds monitor fetches at once (default 8)"
    )
    parser.add_argument(
        "--reader-workers",
        type=int,
        default=1,
        help="reader's retrieval threads (default 1, reader's default; more is slower here)",
    )
    parser.add_argument(
        "--reader-python",
        default=os.environ.get("READER_PYTHON", sys.executable),
        help="interpreter with reader installed (default: $READER_PYTHON, else this one)",
    )
    parser.add_argument("--no-reader", action="store_true", help="measure monitor only")
    parser.add_argument(
        "--no-feedparser", action="store_true", help="skip timing feedparser alone on the bodies"
    )
    parser.add_argument("--no-monitor", action="store_true", help="measure reader only")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run")
    parser.add_argument("--keep", action="store_true", help="keep the databases and configs")
    args = parser.parse_args(argv)
    if min(args.feeds, args.items, args.repeat, args.workers, args.concurrency) < 1:
        parser.error("--feeds, --items, --repeat, --workers and --concurrency must be >= 1")
    if args.reader_workers < 1:
        parser.error("--reader-workers must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load_at_start = _load()
    version = None if args.no_reader else reader_version(args.reader_python)
    if not args.no_reader and version is None:
        print(
            f"reader column skipped: {args.reader_python} cannot import reader. {INSTALL_READER}."
        )
    workdir = Path(tempfile.mkdtemp(prefix="bench-poll-"))
    results: list[Result] = []
    try:
        with Farm(args.feeds, args.items, args.seed, args.body) as farm:
            for run in range(args.repeat):
                if not args.no_monitor:
                    results += run_monitor(farm, _fresh(workdir / f"monitor-{run}"), args)
                if version is not None:
                    results += run_reader(
                        farm, _fresh(workdir / f"reader-{run}"), args.reader_python, args
                    )
    except BenchError as exc:
        print(f"bench.poll: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    parse_seconds = None if args.no_feedparser else feedparser_seconds(args)
    print(_header(args, version, workdir if args.keep else None, load_at_start, parse_seconds))
    print(render_table(results))
    checks = check_targets(results)
    if checks:
        print("\n| target | measured | |\n|---|---:|---|")
        for target, measured, met in checks:
            print(f"| {target} | {measured} | {'met' if met else 'MISSED'} |")
    return 0 if all(met for _, _, met in checks) else 1


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def feedparser_seconds(args: argparse.Namespace) -> float:
    """CPU seconds ``feedparser.parse`` takes for the bodies served (one core, default
    options): the size of the benchmark's work, beside the reference figures."""
    import feedparser

    bodies = [
        feed.body for feed in build_feeds(args.feeds, args.items, seed=args.seed, body=args.body)
    ]
    started = time.process_time()
    for body in bodies:
        feedparser.parse(body)
    return time.process_time() - started


def _header(
    args: argparse.Namespace,
    version: str | None,
    kept: Path | None,
    load_at_start: float,
    parse_seconds: float | None,
) -> str:
    load = _load()
    lines = [
        "# Poll benchmark",
        "",
        f"{args.feeds:,} feeds x {args.items} items ({args.body}) on 127.0.0.1 "
        f"(seed {args.seed}); "
        f"monitor with {args.workers} workers, {args.concurrency} fetches at once; "
        f"reader {version or 'not measured'} with {args.reader_workers} workers; "
        f"best of {args.repeat}; "
        f"{os.cpu_count()} CPUs; load average {load_at_start:.2f} at the start, "
        f"{load:.2f} at the end.",
    ]
    if parse_seconds is not None:
        lines.append(f"feedparser alone parses these bodies in {parse_seconds:.1f} s of one core.")
    if load_at_start > 0.5:
        lines.append(
            "The machine was busy when the benchmark started: other work slows the wall-clock "
            "figures (CPU seconds are steadier)."
        )
    if kept is not None:
        lines.append(f"Databases kept in {kept}.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
