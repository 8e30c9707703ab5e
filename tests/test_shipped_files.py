"""The shipped files and the docs, tested like code."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from monitor import paths

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _load_make_feed():
    spec = importlib.util.spec_from_file_location("make_feed", paths.seeds_dir() / "make_feed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_feed_is_built_from_the_seed_articles() -> None:
    make_feed = _load_make_feed()
    assert (paths.seeds_dir() / "feed.xml").read_text(encoding="utf-8") == make_feed.build_feed()


def test_every_labelled_seed_article_is_shipped() -> None:
    labels = json.loads((paths.seeds_dir() / "labels.json").read_text(encoding="utf-8"))
    assert len(labels["articles"]) == 5
    for article in labels["articles"]:
        assert (paths.seeds_dir() / article["file"]).is_file()


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    install_and_run, install_and_test = commands
    assert install_and_run.endswith("monitor run --once")
    assert "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_test in ci.splitlines()


def test_readme_names_only_commands_that_exist() -> None:
    from monitor.cli import cli

    table = README.split("## The command line", 1)[1].split("### Examples", 1)[0]
    for command in re.findall(r"^\| `monitor ([a-z]+)", table, flags=re.M):
        assert command in cli.commands, command


def test_changes_has_an_unreleased_section() -> None:
    changes = (ROOT / "CHANGES.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", changes, flags=re.M)
    assert headings[0] == "Unreleased"
