"""Topics: which conflict an item is about, from the places and actors it names.

Each topic is one YAML file in ``config/topics/`` (copy one to add a topic)::

    id: kosovo-serbia             # [a-z][a-z0-9_-]*, stable
    title: Kosovo and Serbia
    description: What the topic covers.
    min_mentions: 2               # mentions needed to tag an item (default 1)
    terms:                        # per ISO 639-1 language; all languages are matched
      en: ["Mitrovica", "Zubin Potok", "KFOR"]
      sr: ["Митровица", "Jarinje"]

Terms use the rule-file term syntax (``*`` wildcards, matched on word
boundaries after folding, so case, diacritics and script do not matter).
Files are read with the same line-aware loader as rule files: unknown or
duplicate keys and bad terms are reported with file and line, all at once.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from indicators.errors import RuleIssue, RuleSetError
from indicators.loader import rule_files
from indicators.terms import TermIndex, TermSyntaxError, TermWords, parse_term
from indicators.text import fold, word_texts
from indicators.yamlfile import LangCode, NonEmpty, StrictSpec, check, read_yaml

__all__ = ["Gazetteer", "Topic"]


class _TopicSpec(StrictSpec):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
    title: NonEmpty
    description: str = ""
    min_mentions: Annotated[int, Field(ge=1)] = 1
    terms: Annotated[dict[LangCode, Annotated[list[str], Field(min_length=1)]], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    description: str
    min_mentions: int
    terms: tuple[tuple[str, str], ...]  # (language, term) as written
    path: Path
    line: int


class Gazetteer:
    """Tags text with the topics whose terms it mentions often enough."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self._topics = tuple(sorted(topics, key=lambda t: t.id))
        parsed: list[TermWords] = []
        owners: list[int] = []
        for number, topic in enumerate(self._topics):
            for _, text in topic.terms:
                parsed.append(parse_term(text))
                owners.append(number)
        self._terms = tuple(parsed)
        self._index = TermIndex(parsed)
        self._owners = owners

    @classmethod
    def load(cls, directory: Path) -> Gazetteer:
        """Load the topic files in ``directory``; raise :class:`RuleSetError` with every issue."""
        issues: list[RuleIssue] = []
        topics: list[Topic] = []
        seen: dict[str, Topic] = {}
        for path in rule_files(directory, issues):
            topic = _load_topic(path, issues)
            if topic is None:
                continue
            if topic.id in seen:
                first = seen[topic.id]
                issues.append(
                    RuleIssue(
                        path,
                        topic.line,
                        f"duplicate topic id {topic.id!r} (first in {first.path}:{first.line})",
                    )
                )
                continue
            seen[topic.id] = topic
            topics.append(topic)
        if issues:
            raise RuleSetError(issues)
        return cls(topics)

    @property
    def topics(self) -> tuple[Topic, ...]:
        return self._topics

    @property
    def terms(self) -> tuple[TermWords, ...]:
        """Every term of every topic; a term's number is its index here."""
        return self._terms

    def mentions(self, text: str) -> dict[str, int]:
        """Topic id -> how many places in ``text`` name it (only topics mentioned at all)."""
        return self._count(self._found(word_texts(fold(text))))

    def tag(self, text: str) -> tuple[str, ...]:
        """The ids of the topics ``text`` mentions at least ``min_mentions`` times, by id."""
        return self.tag_words(word_texts(fold(text)))

    def tag_words(self, words: Sequence[str]) -> tuple[str, ...]:
        """:meth:`tag` for text already folded and cut into words."""
        return self.tag_mentions(self._found(words))

    def tag_mentions(self, mentions: Iterable[tuple[int, Hashable]]) -> tuple[str, ...]:
        """:meth:`tag` from mentions found elsewhere: ``(term number, place)`` pairs.

        The engine finds topic terms together with its patterns' terms and
        passes them here; two terms at the same place count once.
        """
        counts = self._count(mentions)
        return tuple(t.id for t in self._topics if counts.get(t.id, 0) >= t.min_mentions)

    def _found(self, words: Sequence[str]) -> Iterator[tuple[int, int]]:
        for term_id, ranges in self._index.find(words).items():
            for first, _ in ranges:
                yield term_id, first

    def _count(self, mentions: Iterable[tuple[int, Hashable]]) -> dict[str, int]:
        places: dict[int, set[Hashable]] = {}
        for number, place in mentions:
            places.setdefault(self._owners[number], set()).add(place)
        return {self._topics[n].id: len(found) for n, found in sorted(places.items())}


def _load_topic(path: Path, issues: list[RuleIssue]) -> Topic | None:
    source = read_yaml(path, issues)
    if source is None:
        return None
    if not isinstance(source.data, dict):
        issues.append(RuleIssue(path, 1, "a topic file is a mapping with id, title and terms"))
        return None
    topic_id = source.data.get("id")
    topic_id = topic_id if isinstance(topic_id, str) else None
    spec = check(_TopicSpec, source, (), issues, topic_id)
    count = len(issues)
    # Terms are checked on the raw data, so a schema problem never hides a bad term.
    terms = source.data.get("terms")
    for lang, texts in terms.items() if isinstance(terms, dict) else ():
        for i, text in enumerate(texts if isinstance(texts, list) else ()):
            if not isinstance(text, str):
                continue
            try:
                parse_term(text)
            except TermSyntaxError as exc:
                issues.append(RuleIssue(path, source.line(("terms", lang, i)), str(exc), topic_id))
    if spec is None or len(issues) > count:
        return None
    return Topic(
        id=spec.id,
        title=spec.title,
        description=" ".join(spec.description.split()),
        min_mentions=spec.min_mentions,
        terms=tuple((lang, text) for lang, texts in spec.terms.items() for text in texts),
        path=path,
        line=1,
    )
