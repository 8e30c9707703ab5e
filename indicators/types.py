"""The engine's input and output.

A :class:`Document` (an item's title, body and metadata) goes in; an
:class:`Analysis` comes out: the indicators that matched, each with its
:class:`Evidence` (sentence, character spans, rule version, status and the
reasons for that status), the deadlines found and resolved, the topics, and
the score with its explanation.

All offsets are character offsets into :attr:`Document.text`, the exact
string the engine matched (title, blank line, body). The application stores
that string, so offsets stay valid after the fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

TITLE_SEPARATOR = "\n\n"


# Years a publication date can anchor: "999 years ago" or "within 999 years" (counts
# have at most three digits) still land in the calendar.
_DATABLE_YEARS = (1000, 8999)


class Status(StrEnum):
    """Whether a match reports something happening now or only mentions it."""

    EVENT = "event"
    BACKGROUND = "background"


class Level(StrEnum):
    """Alert levels, from least to most urgent."""

    INFO = "info"
    WATCH = "watch"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


def compose_text(title: str, body: str) -> str:
    """The exact text the engine matches: the title is the first paragraph."""
    title = title.strip()
    body = body.strip()
    if title and body:
        return f"{title}{TITLE_SEPARATOR}{body}"
    return title or body


@dataclass(frozen=True, slots=True)
class Document:
    """One news item as the engine sees it.

    ``published`` anchors deadline resolution and the history check; it is
    timezone-aware (UTC) when known. ``source_weight`` is the feed's
    reliability (0-1) and scales the score.
    """

    title: str
    body: str
    published: datetime | None = None
    lang: str | None = None
    source_weight: float = 1.0

    @property
    def text(self) -> str:
        return compose_text(self.title, self.body)

    @property
    def published_date(self) -> date | None:
        """The date history and deadlines are judged against; None when unknown, or so
        far from now that counting from it leaves the calendar (a feed's "0001-01-01")."""
        if (
            self.published is None
            or not _DATABLE_YEARS[0] <= self.published.year <= _DATABLE_YEARS[1]
        ):
            return None
        return self.published.date()


class Sentence(NamedTuple):
    """A sentence of :attr:`Document.text`; index 0 is the title when there is one.

    A named tuple rather than a dataclass: every item is cut into sentences,
    and a tuple is built several times faster.
    """

    index: int
    start: int
    end: int
    text: str
    is_title: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """One sentence that fired one indicator.

    ``start``/``end`` delimit the sentence in the document text, so
    ``text[start:end] == sentence``; ``match_spans`` delimit the matched
    words, and ``match`` is those words as written, joined by `` … ``.
    """

    indicator_id: str
    rule_version: str
    status: Status
    sentence: str
    start: int
    end: int
    match: str
    match_spans: tuple[tuple[int, int], ...]
    sentence_index: int
    reasons: tuple[str, ...] = ()
    strength: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "match": self.match,
            "match_spans": [list(span) for span in self.match_spans],
            "rule_version": self.rule_version,
            "status": self.status.value,
            "reasons": list(self.reasons),
            "sentence_index": self.sentence_index,
            "strength": self.strength,
        }


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """An indicator on one document: ``event`` if any evidence is an event."""

    id: str
    title: str
    status: Status
    score: float
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "score": round(self.score, 2),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline phrase and the date it resolves to (``None``: the text does not say)."""

    phrase: str
    start: int
    end: int
    due: date | datetime | None
    reason: str = ""

    @property
    def resolved(self) -> bool:
        return self.due is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "due": self.due.isoformat() if self.due else None,
            "resolved": self.resolved,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Contribution:
    """One term of the score: what it is, how many points, and why."""

    label: str
    points: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ScoreCard:
    score: int
    level: Level
    contributions: tuple[Contribution, ...] = ()

    @property
    def explanation(self) -> str:
        """The score in one line, largest contribution first."""
        parts = sorted(self.contributions, key=lambda c: -abs(c.points))
        terms = ", ".join(f"{c.label} {c.points:+.1f}" for c in parts)
        return f"{self.score} ({self.level.value}): {terms}" if terms else f"{self.score}"


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str
    indicators: tuple[IndicatorResult, ...]
    deadlines: tuple[Deadline, ...]
    topics: tuple[str, ...]
    score: ScoreCard
    sentences: tuple[Sentence, ...] = field(default=(), repr=False)

    @property
    def matched(self) -> bool:
        """True when at least one indicator fired: the item deserves an alert."""
        return bool(self.indicators)

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.indicators if r.status is Status.EVENT)

    @property
    def background(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.indicators if r.status is Status.BACKGROUND)

    def to_dict(self) -> dict[str, Any]:
        """The same ``indicators``, ``deadlines``, ``score``, ``level`` keys as an alert."""
        return {
            "score": self.score.score,
            "level": self.score.level.value,
            "explanation": self.score.explanation,
            "contributions": [
                {"label": c.label, "points": round(c.points, 2), "detail": c.detail}
                for c in self.score.contributions
            ],
            "topics": list(self.topics),
            "indicators": [r.to_dict() for r in self.indicators],
            "deadlines": [d.to_dict() for d in self.deadlines],
        }
