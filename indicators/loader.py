"""Rule files to an :class:`~indicators.model.IndicatorSet`, with every error at once.

Loading has three steps, each of which records issues instead of stopping:

1. YAML is read with the line of every key and list item
   (:mod:`indicators.yamlfile`); duplicate keys are issues.
2. Each indicator is checked against the file schema below (pydantic, no
   unknown keys, strict types); pydantic's error locations are mapped back to
   YAML lines.
3. The checked data becomes frozen :mod:`indicators.model` objects; term
   syntax, ``none`` placement, duplicate pattern ids and duplicate indicator
   ids across files are checked on the way.

If anything was wrong, one :class:`~indicators.errors.RuleSetError` lists
every issue of every file as ``path:line: [indicator] message``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)

from indicators.errors import RuleIssue, RuleSetError
from indicators.model import (
    AllOf,
    AnyOf,
    ContextChecks,
    Example,
    Examples,
    Indicator,
    IndicatorSet,
    Near,
    Node,
    NoneOf,
    Pattern,
    Term,
)
from indicators.terms import TermSyntaxError, parse_term
from indicators.yamlfile import (
    LangCode,
    NonEmpty,
    StrictSpec,
    YamlFile,
    YamlPath,
    check,
    read_yaml,
)

__all__ = ["load_indicators", "rule_files", "rule_version"]


# --- the rule-file schema ----------------------------------------------------


Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
TermList = Annotated[list[str], Field(min_length=1)]
_NODE_KEYS = ("any", "all", "near", "none")
_NODE_NAMES = "any, all, near, none"


def _node_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "term"
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _NODE_KEYS:
        return str(next(iter(value)))
    if isinstance(value, BaseModel):  # already validated
        return next(k for k in _NODE_KEYS if k in type(value).model_fields)
    return None


def _terms_kind(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "langs"
    return None


class AnySpec(StrictSpec):
    any: Annotated[
        Annotated[list[NodeSpec], Tag("list"), Field(min_length=1)]
        | Annotated[dict[LangCode, TermList], Tag("langs"), Field(min_length=1)],
        Discriminator(
            _terms_kind,
            custom_error_type="terms_shape",
            custom_error_message="'any' takes a list of nodes or a mapping of language to terms",
        ),
    ]


class AllSpec(StrictSpec):
    all: Annotated[list[NodeSpec], Field(min_length=1)]


class NearBody(StrictSpec):
    within: Annotated[int, Field(ge=1, le=50)]
    ordered: bool = False
    of: Annotated[list[NodeSpec], Field(min_length=2)]


class NearSpec(StrictSpec):
    near: NearBody


class NoneSpec(StrictSpec):
    none: Annotated[list[NodeSpec], Field(min_length=1)]


NodeSpec = Annotated[
    Annotated[str, Tag("term")]
    | Annotated[AnySpec, Tag("any")]
    | Annotated[AllSpec, Tag("all")]
    | Annotated[NearSpec, Tag("near")]
    | Annotated[NoneSpec, Tag("none")],
    Discriminator(
        _node_kind,
        custom_error_type="node_shape",
        custom_error_message=f"expected a term or a mapping with one key of {_NODE_NAMES}",
    ),
]


class PatternSpec(StrictSpec):
    id: Identifier
    strength: Annotated[float, Field(ge=0, le=1)] = 1.0
    match: NodeSpec
    unless: NodeSpec | None = None


class ContextSpec(StrictSpec):
    negation: bool = True
    hedging: bool = True
    history: bool = True


class ExamplesSpec(StrictSpec):
    match: list[str] = Field(default_factory=list)
    background: list[str] = Field(default_factory=list)
    no_match: list[str] = Field(default_factory=list)


class IndicatorSpec(StrictSpec):
    id: Identifier
    title: NonEmpty
    description: str = ""
    severity: Annotated[float, Field(ge=0, le=10)]
    cameo: list[str] = Field(default_factory=list)
    plover: str | None = None
    context: ContextSpec = ContextSpec()
    # Checked one by one (PatternSpec), so a bad pattern never hides another problem.
    patterns: Annotated[list[Any], Field(min_length=1)]
    false_positives: list[str] = Field(default_factory=list)
    examples: ExamplesSpec = ExamplesSpec()


for _spec in (AnySpec, AllSpec, NearBody, NearSpec, NoneSpec, PatternSpec, IndicatorSpec):
    _spec.model_rebuild()


# --- building the model ------------------------------------------------------


def rule_files(paths: Path | Iterable[Path], issues: list[RuleIssue]) -> list[Path]:
    """The YAML files named by ``paths`` (directories are expanded, sorted by name)."""
    found: list[Path] = []
    for path in [paths] if isinstance(paths, Path) else paths:
        if path.is_dir():
            files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not files:
                issues.append(RuleIssue(path, 1, "no .yaml files in this directory"))
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            issues.append(RuleIssue(path, 1, "no such file or directory"))
    return found


def load_indicators(paths: Path | Iterable[Path]) -> IndicatorSet:
    """Load rule files (or directories of them); raise :class:`RuleSetError` listing every issue."""
    issues: list[RuleIssue] = []
    indicators: list[Indicator] = []
    seen: dict[str, Indicator] = {}
    for path in rule_files(paths, issues):
        for indicator in _load_file(path, issues):
            first = seen.get(indicator.id)
            if first is not None:
                issues.append(
                    RuleIssue(
                        path,
                        indicator.line,
                        f"duplicate id (first defined at {first.location})",
                        indicator.id,
                    )
                )
                continue
            seen[indicator.id] = indicator
            indicators.append(indicator)
    if issues:
        raise RuleSetError(issues)
    return IndicatorSet(indicators)


def _load_file(path: Path, issues: list[RuleIssue]) -> list[Indicator]:
    source = read_yaml(path, issues)
    if source is None:
        return []
    data = source.data
    if not isinstance(data, dict) or "indicators" not in data:
        issues.append(RuleIssue(path, 1, "a rule file is a mapping with the key 'indicators'"))
        return []
    for key in data:
        if key != "indicators":
            issues.append(RuleIssue(path, source.line((key,)), f"unknown key {key!r}"))
    items = data["indicators"]
    if not isinstance(items, list) or not items:
        issues.append(
            RuleIssue(path, source.line(("indicators",)), "'indicators' must be a non-empty list")
        )
        return []
    built = []
    for position, item in enumerate(items):
        indicator = _load_indicator(source, ("indicators", position), item, issues)
        if indicator is not None:
            built.append(indicator)
    return built


def _load_indicator(
    source: YamlFile, at: YamlPath, item: Any, issues: list[RuleIssue]
) -> Indicator | None:
    """Check one indicator and each of its patterns separately, reporting everything."""
    count = len(issues)
    indicator_id = item.get("id") if isinstance(item, dict) else None
    indicator_id = indicator_id if isinstance(indicator_id, str) else None
    spec = check(IndicatorSpec, source, at, issues, indicator_id)
    raw_patterns = item.get("patterns") if isinstance(item, dict) else None
    pattern_specs = [
        check(PatternSpec, source, (*at, "patterns", i), issues, indicator_id)
        for i in range(len(raw_patterns) if isinstance(raw_patterns, list) else 0)
    ]
    _check_pattern_ids(raw_patterns, source, at, issues, indicator_id)
    patterns = _build_patterns(pattern_specs, source, at, issues, indicator_id)
    if spec is None or len(issues) > count:
        return None
    checked = [p for p in pattern_specs if p is not None]
    return _build(spec, checked, patterns, source, at)


def rule_version(spec: IndicatorSpec, patterns: list[PatternSpec]) -> str:
    """12 hex of the SHA-256 of the canonical definition (id, severity, context, patterns)."""
    canonical = {
        "id": spec.id,
        "severity": spec.severity,
        "context": spec.context.model_dump(mode="json"),
        "patterns": [p.model_dump(mode="json", exclude_none=True) for p in patterns],
    }
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:12]


def _check_pattern_ids(
    raw_patterns: Any,
    source: YamlFile,
    at: YamlPath,
    issues: list[RuleIssue],
    indicator_id: str | None,
) -> None:
    """Pattern ids are unique within an indicator (checked on the raw data, so always)."""
    first_line: dict[str, int] = {}
    for i, raw in enumerate(raw_patterns if isinstance(raw_patterns, list) else []):
        pattern_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(pattern_id, str):
            continue
        line = source.line((*at, "patterns", i))
        if pattern_id in first_line:
            message = (
                f"duplicate pattern id {pattern_id!r} (first on line {first_line[pattern_id]})"
            )
            issues.append(RuleIssue(source.path, line, message, indicator_id))
        first_line.setdefault(pattern_id, line)


def _build_patterns(
    specs: list[PatternSpec | None],
    source: YamlFile,
    at: YamlPath,
    issues: list[RuleIssue],
    indicator_id: str | None,
) -> list[Pattern]:
    builder = _NodeBuilder(source, issues, indicator_id)
    patterns = []
    for i, pattern in enumerate(specs):
        if pattern is None:
            continue
        here = (*at, "patterns", i)
        line = source.line(here)
        match = builder.node(pattern.match, (*here, "match"), root=True)
        unless = (
            builder.node(pattern.unless, (*here, "unless"), root=True)
            if pattern.unless is not None
            else None
        )
        if match is not None:
            patterns.append(
                Pattern(
                    id=pattern.id, strength=pattern.strength, match=match, unless=unless, line=line
                )
            )
    return patterns


def _build(
    spec: IndicatorSpec,
    pattern_specs: list[PatternSpec],
    patterns: list[Pattern],
    source: YamlFile,
    at: YamlPath,
) -> Indicator:
    def examples(texts: list[str], key: YamlPath) -> tuple[Example, ...]:
        return tuple(
            Example(text=text, line=source.line((*at, *key, i))) for i, text in enumerate(texts)
        )

    return Indicator(
        id=spec.id,
        title=spec.title,
        description=" ".join(spec.description.split()),
        severity=spec.severity,
        cameo=tuple(spec.cameo),
        plover=spec.plover,
        context=ContextChecks(**spec.context.model_dump()),
        patterns=tuple(patterns),
        false_positives=examples(spec.false_positives, ("false_positives",)),
        examples=Examples(
            match=examples(spec.examples.match, ("examples", "match")),
            background=examples(spec.examples.background, ("examples", "background")),
            no_match=examples(spec.examples.no_match, ("examples", "no_match")),
        ),
        version=rule_version(spec, pattern_specs),
        path=source.path,
        line=source.line(at),
    )


class _NodeBuilder:
    """Checked node data to model nodes, reporting term syntax and misplaced ``none``."""

    def __init__(self, source: YamlFile, issues: list[RuleIssue], indicator_id: str | None) -> None:
        self.source = source
        self.issues = issues
        self.indicator_id = indicator_id

    def issue(self, at: YamlPath, message: str) -> None:
        self.issues.append(
            RuleIssue(self.source.path, self.source.line(at), message, self.indicator_id)
        )

    def term(self, text: str, at: YamlPath, lang: str | None) -> Term | None:
        try:
            parse_term(text)
        except TermSyntaxError as exc:
            self.issue(at, str(exc))
            return None
        return Term(text=text, lang=lang, line=self.source.line(at))

    def node(
        self, spec: Any, at: YamlPath, *, root: bool = False, in_all: bool = False
    ) -> Node | None:
        line = self.source.line(at)
        if isinstance(spec, str):
            return self.term(spec, at, None)
        if isinstance(spec, AnySpec):
            if isinstance(spec.any, dict):
                parts: list[Node | None] = [
                    self.term(text, (*at, "any", lang, i), lang)
                    for lang, texts in spec.any.items()
                    for i, text in enumerate(texts)
                ]
            else:
                parts = [self.node(p, (*at, "any", i)) for i, p in enumerate(spec.any)]
            return _complete(parts, lambda ps: AnyOf(parts=ps, line=line))
        if isinstance(spec, AllSpec):
            parts = [self.node(p, (*at, "all", i), in_all=True) for i, p in enumerate(spec.all)]
            if all(isinstance(p, NoneOf) for p in parts if p is not None) and all(parts):
                self.issue((*at, "all"), "'all' needs at least one part that is not 'none'")
                return None
            return _complete(parts, lambda ps: AllOf(parts=ps, line=line))
        if isinstance(spec, NearSpec):
            body = spec.near
            parts = [self.node(p, (*at, "near", "of", i)) for i, p in enumerate(body.of)]
            return _complete(
                parts,
                lambda ps: Near(within=body.within, ordered=body.ordered, parts=ps, line=line),
            )
        assert isinstance(spec, NoneSpec)
        if not in_all:
            where = "at the top of a pattern" if root else "here"
            self.issue(
                (*at, "none"), f"'none' cannot stand {where}; use it inside 'all' to exclude"
            )
            return None
        parts = [self.node(p, (*at, "none", i)) for i, p in enumerate(spec.none)]
        return _complete(parts, lambda ps: NoneOf(parts=ps, line=line))


def _complete(parts: list[Node | None], make: Any) -> Node | None:
    if any(p is None for p in parts):
        return None
    return make(tuple(parts))
