"""Rule files to an indicator set: schema, lines, every error at once, versions."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from indicators.errors import RuleIssue, RuleSetError
from indicators.loader import load_indicators
from indicators.model import AllOf, AnyOf, Near, NoneOf, Term

DATA = Path(__file__).parent / "data"
TEST_RULES = DATA / "rules"
SHIPPED_RULES = Path(__file__).parents[2] / "config" / "indicators"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, marker: str) -> int:
    """The line number of the (only) line containing ``marker``."""
    (number,) = [
        i for i, line in enumerate(path.read_text().splitlines(), start=1) if marker in line
    ]
    return number


def issues_of(paths: Path | list[Path]) -> tuple[RuleIssue, ...]:
    with pytest.raises(RuleSetError) as caught:
        load_indicators(paths)
    return caught.value.issues


def has_issue(
    issues: tuple[RuleIssue, ...], path: Path, line: int, text: str, indicator: str | None
) -> bool:
    return any(
        i.path == path and i.line == line and text in i.message and i.indicator_id == indicator
        for i in issues
    )


GOOD = """
indicators:
  - id: good
    title: Good
    severity: 3
    patterns:
      - id: p
        match: troops
"""


def test_the_test_rule_set_loads_in_file_order_with_lookup_by_id() -> None:
    rules = load_indicators(TEST_RULES)
    assert rules.ids == ("troop_alert", "barricade", "talks_breakdown")
    assert rules["barricade"].severity == 5
    assert rules.get("missing") is None
    assert "troop_alert" in rules and len(rules) == 3
    troop = rules["troop_alert"]
    assert troop.path == TEST_RULES / "engine_test.yaml"
    assert troop.line == line_of(troop.path, "- id: troop_alert")
    assert troop.patterns[1].line == line_of(troop.path, "- id: troops_to_border")
    assert troop.examples.match[0].line == line_of(troop.path, "full combat alert on Tuesday")
    assert rules["barricade"].context.enabled == frozenset({"negation", "hedging"})


def test_nodes_are_built_with_languages_and_lines() -> None:
    troop = load_indicators(TEST_RULES)["troop_alert"]
    match = troop.patterns[0].match
    assert isinstance(match, AnyOf)
    assert {(t.lang, t.text) for t in match.parts if isinstance(t, Term)} >= {
        ("en", "full combat alert"),
        ("sr", "pripravnost*"),
    }
    near = troop.patterns[1].match
    assert isinstance(near, Near) and near.within == 8 and not near.ordered
    barricade = load_indicators(TEST_RULES)["barricade"]
    blocked = barricade.patterns[1].match
    assert isinstance(blocked, AllOf) and isinstance(blocked.parts[2], NoneOf)


def test_models_are_frozen() -> None:
    troop = load_indicators(TEST_RULES)["troop_alert"]
    with pytest.raises(ValueError, match="frozen"):
        troop.severity = 1  # type: ignore[misc]


def test_a_single_file_and_a_list_of_paths_load(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", GOOD)
    two = write(tmp_path, "two.yaml", GOOD.replace("id: good", "id: other"))
    assert load_indicators(one).ids == ("good",)
    assert load_indicators([two, one]).ids == ("other", "good")


def test_every_problem_of_every_file_is_reported_with_file_and_line(tmp_path: Path) -> None:
    broken = write(
        tmp_path,
        "a_broken.yaml",
        """
        indicators:
          - id: alpha
            title: Alpha
            severity: 11                      # out of range
            colour: red                       # unknown key
            patterns:
              - id: p1
                match: {any: [troops, "troop**"]}   # bad term
              - id: p1                        # duplicate pattern id
                match: {any: {english: [x]}}  # bad language code
          - id: beta
            title: Beta
            title: Beta again                 # duplicate key
            severity: "high"                  # wrong type
            patterns:
              - id: q
                match: ""                     # empty term
          - id: gamma
            title: Gamma
            severity: 3
            patterns:
              - id: r
                match: {none: [x]}            # none at the top
              - id: s
                match: {near: {within: 0, of: [a, b]}}   # within too small
              - id: t
                match: {anything: [a]}        # not a node
              - id: u
                match:
                  all:                        # all with only none
                    - none: [x]
          - id: Delta Force                   # bad id
            severity: 2                       # missing title
            patterns:
              - id: v
                match: troops
        """,
    )
    syntax = write(tmp_path, "b_syntax.yaml", "indicators:\n  - id: x\n    title: [unclosed\n")
    first = write(tmp_path, "c_first.yaml", GOOD)
    again = write(tmp_path, "d_again.yaml", "# the same id again\n" + dedent(GOOD).lstrip())

    issues = issues_of(tmp_path)

    def at(marker: str) -> int:
        return line_of(broken, marker)

    expected = [
        (broken, at("out of range"), "severity: Input should be less than or equal to 10", "alpha"),
        (broken, at("unknown key"), "unknown key 'colour'", "alpha"),
        (broken, at("bad term"), "'**'", "alpha"),
        (broken, at("duplicate pattern id"), "duplicate pattern id 'p1'", "alpha"),
        (broken, at("bad language code"), "should match pattern", "alpha"),
        (broken, at("duplicate key"), "duplicate key 'title'", None),
        (broken, at("wrong type"), "severity: Input should be a valid number", "beta"),
        (broken, at("empty term"), "empty term", "beta"),
        (broken, at("none at the top"), "'none' cannot stand at the top", "gamma"),
        (broken, at("within too small"), "within: Input should be greater than or equal", "gamma"),
        (broken, at("not a node"), "expected a term or a mapping", "gamma"),
        (broken, at("all with only none"), "'all' needs at least one part", "gamma"),
        (broken, at("bad id"), "id: String should match pattern", "Delta Force"),
        (broken, at("bad id"), "missing key 'title'", "Delta Force"),
        # (libyaml says "did not find expected ...", PyYAML's own parser "expected ...")
        (syntax, 4, "expected ',' or ']'", None),
        (again, line_of(again, "- id: good"), f"duplicate id (first defined at {first}:2)", "good"),
    ]
    missing = [e for e in expected if not has_issue(issues, *e)]
    assert not missing, "\n".join(map(str, issues))
    assert len(issues) == len(expected), "\n".join(map(str, issues))
    assert has_issue(issues, syntax, 4, "invalid YAML: ", None)


def test_the_error_message_lists_every_issue_as_path_line_indicator_message(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "rules.yaml",
        """
        indicators:
          - id: alpha
            title: Alpha
            severity: 3
            extra: 1
            patterns:
              - id: p
                match: "**"
        """,
    )
    with pytest.raises(RuleSetError) as caught:
        load_indicators(path)
    message = str(caught.value)
    assert message.splitlines()[0] == "2 problems in rule files"
    assert f"{path}:5: [alpha] unknown key 'extra'" in message
    assert f"{path}:8: [alpha] " in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "a rule file is a mapping with the key 'indicators'"),
        ("- a\n- b\n", "a rule file is a mapping with the key 'indicators'"),
        ("indicators: []\n", "'indicators' must be a non-empty list"),
        ("indicators: []\nversion: 2\n", "unknown key 'version'"),
        ("indicators:\n  - 3\n", "Input should be a valid dictionary"),
        ("a: &x [*x]\n", "invalid YAML"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    issues = issues_of(path)
    assert any(problem in i.message for i in issues), issues


def test_a_file_nested_too_deep_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    # Deep enough to overflow the C stack of a recursive parser (80 KB of brackets).
    deep = "indicators:\n  - id: x\n    title: " + "[" * 40_000 + "]" * 40_000 + "\n"
    path = write(tmp_path, "deep.yaml", deep)
    assert [(i.line, i.message) for i in issues_of(path)] == [
        (3, "nested more than 100 levels deep")
    ]


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("a: *missing\n", "found undefined alias 'missing'"),
        ("a: &x 1\nb: &x 2\n", "found duplicate anchor 'x'"),
        ("a:\n\tb: 1\n", "found character '\\t' that cannot start any token"),
    ],
)
def test_syntax_errors_say_what_they_are_about(tmp_path: Path, text: str, detail: str) -> None:
    issues = issues_of(write(tmp_path, "rules.yaml", text))
    assert len(issues) == 1 and issues[0].message.startswith("invalid YAML: "), issues
    assert detail in issues[0].message, issues


def test_missing_paths_and_empty_directories_are_issues(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    issues = issues_of([tmp_path / "nowhere.yaml", tmp_path / "empty"])
    assert [i.message for i in issues] == [
        "no .yaml files in this directory",
        "no such file or directory",
    ]


def version_of(directory: Path, text: str) -> str:
    path = write(directory, "rules.yaml", text)
    return load_indicators(path)["good"].version


def test_version_is_a_digest_of_id_severity_context_and_patterns(tmp_path: Path) -> None:
    base = version_of(tmp_path, GOOD)
    assert len(base) == 12 and int(base, 16) >= 0
    assert version_of(tmp_path, GOOD) == base
    # Wording, examples and comments do not change what fires.
    reworded = GOOD.replace("title: Good", "title: Better\n    description: Now described")
    assert version_of(tmp_path, reworded) == base
    assert version_of(tmp_path, GOOD + "    examples: {match: [troops]}\n") == base
    # Spelling a default out does not change the definition.
    assert version_of(tmp_path, GOOD.replace("- id: p", "- id: p\n        strength: 1.0")) == base
    # Anything that changes what fires or how it scores does.
    assert version_of(tmp_path, GOOD.replace("match: troops", "match: soldiers")) != base
    assert version_of(tmp_path, GOOD.replace("severity: 3", "severity: 4")) != base
    assert version_of(tmp_path, GOOD + "    context: {history: false}\n") != base
    assert version_of(tmp_path, GOOD.replace("- id: p", "- id: p\n        strength: 0.5")) != base


def test_shipped_rule_files_load() -> None:
    files = sorted(SHIPPED_RULES.glob("*.yaml"))
    assert files, f"no rule files in {SHIPPED_RULES}"
    rules = load_indicators(SHIPPED_RULES)
    assert len(rules) >= len(files)
    assert all(indicator.patterns for indicator in rules)


def test_summary_and_languages() -> None:
    troop = load_indicators(TEST_RULES)["troop_alert"]
    assert troop.languages == ("en", "sr")
    summary = troop.summary()
    assert summary["id"] == "troop_alert" and summary["version"] == troop.version
    assert summary["patterns"] == 2 and summary["languages"] == ["en", "sr"]
    assert summary["examples"] == 5
    assert summary["source"] == f"{troop.path}:{troop.line}"
