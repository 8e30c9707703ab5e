"""Indicators and their patterns, as the loader builds them from rule files.

These objects are frozen and remember the file and line they came from, so
every match, self-test failure or error can point at the rule that caused it.
Only :mod:`indicators.loader` builds them (the YAML shape is checked there);
the engine and the application only read them.

A pattern's ``match`` is a tree of nodes:

- :class:`Term`: words matched on word boundaries after folding (``deploy*``,
  ``put ~ on alert``), optionally tied to one language;
- :class:`AnyOf`: at least one part matches;
- :class:`AllOf`: every positive part matches somewhere in the sentence and no
  :class:`NoneOf` part does;
- :class:`Near`: one match of every part, with at most ``within`` other words
  between any two of them (in the given order when ``ordered``); one word
  cannot serve two parts;
- :class:`NoneOf`: true when none of its parts match (only inside ``all``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Term(_Frozen):
    kind: Literal["term"] = "term"
    text: str
    lang: str | None = None
    line: int


class AnyOf(_Frozen):
    kind: Literal["any"] = "any"
    parts: tuple[Node, ...]
    line: int


class AllOf(_Frozen):
    kind: Literal["all"] = "all"
    parts: tuple[Node, ...]
    line: int


class Near(_Frozen):
    kind: Literal["near"] = "near"
    within: int
    ordered: bool = False
    parts: tuple[Node, ...]
    line: int


class NoneOf(_Frozen):
    kind: Literal["none"] = "none"
    parts: tuple[Node, ...]
    line: int


Node = Annotated[Term | AnyOf | AllOf | Near | NoneOf, Field(discriminator="kind")]


class Pattern(_Frozen):
    """One way an indicator can fire; ``unless`` vetoes the pattern in a sentence."""

    id: str
    strength: float = 1.0
    match: Node
    unless: Node | None = None
    line: int


class ContextChecks(_Frozen):
    """Which context checks decide whether a match is an event or background."""

    negation: bool = True
    hedging: bool = True
    history: bool = True

    @cached_property
    def enabled(self) -> frozenset[str]:
        return frozenset(name for name in ("negation", "hedging", "history") if getattr(self, name))


class Example(_Frozen):
    text: str
    line: int


class Examples(_Frozen):
    match: tuple[Example, ...] = ()
    background: tuple[Example, ...] = ()
    no_match: tuple[Example, ...] = ()


class Indicator(_Frozen):
    """One escalation indicator from a rule file.

    ``version`` is a 12-hex digest of the indicator's id, severity, context
    checks and patterns: changing any of them changes the version, and every
    alert records the version that fired.
    """

    id: str
    title: str
    description: str = ""
    severity: float
    cameo: tuple[str, ...] = ()
    plover: str | None = None
    context: ContextChecks = ContextChecks()
    patterns: tuple[Pattern, ...]
    false_positives: tuple[Example, ...] = ()
    examples: Examples = Examples()
    version: str
    path: Path
    line: int

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages its terms are written for (unlabelled terms count for all)."""
        found = {
            term.lang
            for pattern in self.patterns
            for node in (pattern.match, pattern.unless)
            if node is not None
            for term in iter_terms(node)
            if term.lang is not None
        }
        return tuple(sorted(found))

    def summary(self) -> dict[str, Any]:
        """The indicator in one flat record (for listings and JSON output)."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "version": self.version,
            "cameo": list(self.cameo),
            "plover": self.plover,
            "languages": list(self.languages),
            "patterns": len(self.patterns),
            "examples": len(self.examples.match)
            + len(self.examples.background)
            + len(self.examples.no_match)
            + len(self.false_positives),
            "source": self.location,
        }


class IndicatorSet:
    """Indicators in a stable order (file name, then position in the file), looked up by id."""

    def __init__(self, indicators: tuple[Indicator, ...] | list[Indicator]) -> None:
        self._indicators = tuple(indicators)
        self._by_id = {indicator.id: indicator for indicator in self._indicators}
        if len(self._by_id) != len(self._indicators):
            raise ValueError("indicator ids must be unique")

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self._indicators)

    def __len__(self) -> int:
        return len(self._indicators)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def __getitem__(self, indicator_id: str) -> Indicator:
        return self._by_id[indicator_id]

    def get(self, indicator_id: str) -> Indicator | None:
        return self._by_id.get(indicator_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return self._indicators

    def __repr__(self) -> str:
        return f"IndicatorSet({len(self._indicators)} indicators)"


def iter_terms(node: Node) -> Iterator[Term]:
    """Every term of a node tree, depth first."""
    if isinstance(node, Term):
        yield node
        return
    for part in node.parts:
        yield from iter_terms(part)


for _model in (AnyOf, AllOf, Near, NoneOf, Pattern):
    _model.model_rebuild()
