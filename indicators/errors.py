"""Errors raised by the engine.

::

    IndicatorsError            anything the engine raises on purpose
     └── RuleSetError          rule or topic files that cannot be used; lists every issue

A :class:`RuleSetError` is raised once per load with *all* the issues found in
*all* the files, so a user fixes a rule set in one pass instead of one error at
a time. Each :class:`RuleIssue` names the file, the line and (when known) the
indicator it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class IndicatorsError(Exception):
    """Base class of the engine's errors."""


@dataclass(frozen=True, slots=True)
class RuleIssue:
    """One problem in a rule or topic file."""

    path: Path
    line: int
    message: str
    indicator_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        if self.indicator_id:
            return f"{where}: [{self.indicator_id}] {self.message}"
        return f"{where}: {self.message}"


class RuleSetError(IndicatorsError):
    """The rule files have problems; :attr:`issues` lists all of them in file and line order."""

    def __init__(self, issues: Iterable[RuleIssue]) -> None:
        self.issues: tuple[RuleIssue, ...] = tuple(
            sorted(issues, key=lambda i: (str(i.path), i.line, i.message))
        )
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.issues)
        head = f"{count} problem{'s' if count != 1 else ''} in rule files"
        return "\n".join([head, *(f"  {issue}" for issue in self.issues)])
