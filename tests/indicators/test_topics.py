"""Topic files and tagging."""

from __future__ import annotations

import shutil
from pathlib import Path
from textwrap import dedent

import pytest

from indicators.errors import RuleSetError
from indicators.topics import Gazetteer

SHIPPED_TOPICS = Path(__file__).parents[2] / "config" / "topics"
SEEDS = Path(__file__).parents[2] / "seeds"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load(SHIPPED_TOPICS)


def test_shipped_topics_load(gazetteer: Gazetteer) -> None:
    ids = [t.id for t in gazetteer.topics]
    assert ids == sorted(ids) and {"kosovo-serbia", "russia-ukraine"} <= set(ids)
    kosovo = next(t for t in gazetteer.topics if t.id == "kosovo-serbia")
    assert kosovo.min_mentions == 2 and kosovo.title
    assert ("sr", "Mitrovic*") in kosovo.terms and ("sq", "Prishtin*") in kosovo.terms


def test_every_seed_article_is_about_kosovo_and_serbia(gazetteer: Gazetteer) -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        assert "kosovo-serbia" in gazetteer.tag(path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("Tensions rose in North Mitrovica as KFOR patrolled.", ("kosovo-serbia",)),
        ("Вучић је рекао да Приштина крши споразум.", ("kosovo-serbia",)),
        ("Kurti tha se Policia e Kosovës mbetet në veri.", ("kosovo-serbia",)),
        # Names in other cases than the nominative, in both scripts and in Albanian.
        ("Policija je uhapsila pet osoba na Kosovu i u Beogradu.", ("kosovo-serbia",)),
        ("Полиција је ухапсила пет особа на Косову и у Београду.", ("kosovo-serbia",)),
        ("Napetost u Mitrovici kod Jarinja i u Zvečanu.", ("kosovo-serbia",)),
        ("Sastanak Vučića i Kurtija u Briselu.", ("kosovo-serbia",)),
        ("Protesta në Mitrovicë dhe në Prishtinë.", ("kosovo-serbia",)),
        ("The pristine lake stayed pristine all summer.", ()),  # not "Prištine"
        ("VUCIC and KURTI met.", ("kosovo-serbia",)),
        ("Zelenskyy visited Kharkiv.", ("russia-ukraine",)),
        ("Kosovo is mentioned once.", ()),  # below min_mentions
        ("The weather in Lisbon was mild.", ()),
        ("KFORCE and EULEXIA are other words.", ()),  # whole words, unless a "*" says so
    ],
)
def test_tagging(gazetteer: Gazetteer, text: str, topics: tuple[str, ...]) -> None:
    assert gazetteer.tag(text) == topics


def test_mentions_count_places_not_terms(gazetteer: Gazetteer) -> None:
    # "Kosovo Police" and "Kosovo" start at the same word: one mention.
    assert gazetteer.mentions("Kosovo Police arrived.") == {"kosovo-serbia": 1}
    assert gazetteer.mentions("Kosovo Police arrived in Zvečan.") == {"kosovo-serbia": 2}


def test_adding_a_topic_is_adding_a_file(tmp_path: Path) -> None:
    for path in SHIPPED_TOPICS.glob("*.yaml"):
        shutil.copy(path, tmp_path)
    (tmp_path / "armenia-azerbaijan.yaml").write_text(
        dedent(
            """
            id: armenia-azerbaijan
            title: Armenia and Azerbaijan
            terms:
              en: [Nagorno-Karabakh, Stepanakert, Lachin corridor]
              hy: [Ստեփանակերտ]
            """
        ),
        encoding="utf-8",
    )
    gazetteer = Gazetteer.load(tmp_path)
    assert gazetteer.tag("Traffic through the Lachin corridor stopped.") == ("armenia-azerbaijan",)


def test_topic_file_errors_are_all_reported_with_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        dedent(
            """
            id: bad
            title: Bad
            title: Twice
            colour: red
            min_mentions: 0
            terms:
              en: ["ok", "**", ""]
              english: [x]
            """
        ).lstrip(),
        encoding="utf-8",
    )
    (tmp_path / "other.yaml").write_text("id: bad\ntitle: Same id\nterms: {en: [x]}\n")
    with pytest.raises(RuleSetError) as caught:
        Gazetteer.load(tmp_path)
    issues = caught.value.issues
    found = {(issue.path.name, issue.line, issue.message.split(":")[0]) for issue in issues}
    assert ("bad.yaml", 3, "duplicate key 'title' (first on line 2)") in found
    assert ("bad.yaml", 4, "unknown key 'colour'") in found
    assert ("bad.yaml", 5, "min_mentions") in found
    assert ("bad.yaml", 8, "terms.english") in found
    assert ("bad.yaml", 7, "term '**'") in found
    assert ("bad.yaml", 7, "empty term") in found
    assert len(issues) == 6, "\n".join(map(str, issues))


def test_term_syntax_errors_in_topics_are_reported(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("id: t\ntitle: T\nterms:\n  en:\n    - ok\n    - '**'\n")
    with pytest.raises(RuleSetError) as caught:
        Gazetteer.load(tmp_path)
    (issue,) = caught.value.issues
    assert issue.line == 6 and "'**'" in issue.message and issue.indicator_id == "t"


def test_duplicate_topic_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: same\ntitle: A\nterms: {en: [x]}\n")
    (tmp_path / "b.yaml").write_text("id: same\ntitle: B\nterms: {en: [y]}\n")
    with pytest.raises(RuleSetError, match=r"b\.yaml:1: duplicate topic id 'same'"):
        Gazetteer.load(tmp_path)
