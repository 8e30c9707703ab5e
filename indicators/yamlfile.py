"""YAML files read with the line of every value, and checked with pydantic at those lines.

Rule and topic files share this: the YAML is composed into nodes and turned
into plain data while remembering the line of every mapping key and list
item (duplicate keys are issues, not silently overwritten); :func:`check`
validates a part of the data against a pydantic model and turns each
validation error into a :class:`~indicators.errors.RuleIssue` at the line
the error is about. Nothing stops at the first problem.

Custom pydantic errors whose type ends in ``_shape`` (from discriminated
unions) are reported with a short description of the value found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from indicators.errors import RuleIssue

__all__ = ["LangCode", "NonEmpty", "StrictSpec", "YamlFile", "YamlPath", "check", "read_yaml"]

YamlPath = tuple[str | int, ...]
_MAX_NODES = 100_000  # aliases can make a small file expand enormously
_MAX_DEPTH = 100  # ... or refer to themselves


# --- YAML with lines ---------------------------------------------------------


# libyaml's parser when PyYAML was built with it (its wheels are): the pure-Python one
# takes most of the time it takes to load the rules.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """Safe YAML; the composed node tree keeps each key's and item's line."""


@dataclass(frozen=True, slots=True)
class YamlFile:
    """Plain data read from a YAML file, with the line of every key and list item."""

    path: Path
    data: Any
    lines: dict[YamlPath, int]

    def line(self, path: YamlPath) -> int:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


def read_yaml(path: Path, issues: list[RuleIssue]) -> YamlFile | None:
    """Read one YAML file; problems go to ``issues`` and the result is None if unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(RuleIssue(path, 1, f"cannot read file: {exc}"))
        return None
    lines: dict[YamlPath, int] = {(): 1}
    try:
        too_deep = _too_deep(text)
        if too_deep is not None:
            message = f"nested more than {_MAX_DEPTH} levels deep"
            issues.append(RuleIssue(path, too_deep, message))
            return None
        loader = _LineLoader(text)
        try:
            root = loader.get_single_node()
            data = None if root is None else _to_data(root, (), lines, issues, path, loader, [0])
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        issues.append(_syntax_issue(path, _explained(text, exc)))
        return None
    except yaml.YAMLError as exc:
        issues.append(RuleIssue(path, 1, f"invalid YAML: {exc}"))
        return None
    return YamlFile(path, data, lines)


def _too_deep(text: str) -> int | None:
    """The line where ``text`` nests collections more than ``_MAX_DEPTH`` deep, if it does.

    The parser builds nested collections by recursion (libyaml's in C, where too deep
    a file crashes the process): its events, which come flat, are counted first.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_DEPTH:
                return int(event.start_mark.line) + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _explained(text: str, error: yaml.MarkedYAMLError) -> yaml.MarkedYAMLError:
    """The error PyYAML's own parser finds in ``text``, else ``error``.

    libyaml's messages leave out what they are about ("found undefined alias"
    without its name); a file that fails is read again, slowly, to say more.
    """
    if _SafeLoader is yaml.SafeLoader:
        return error
    loader = yaml.SafeLoader(text)
    try:
        loader.get_single_node()
    except yaml.MarkedYAMLError as detailed:
        return detailed
    except (yaml.YAMLError, RecursionError):
        pass
    finally:
        loader.dispose()
    return error


def _syntax_issue(path: Path, exc: yaml.MarkedYAMLError) -> RuleIssue:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = exc.problem or str(exc)
    if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
        problem += f" ({exc.context} started on line {exc.context_mark.line + 1})"
    return RuleIssue(path, line, f"invalid YAML: {problem}")


def _to_data(
    node: yaml.Node,
    at: YamlPath,
    lines: dict[YamlPath, int],
    issues: list[RuleIssue],
    path: Path,
    loader: _LineLoader,
    counter: list[int],
) -> Any:
    counter[0] += 1
    if counter[0] > _MAX_NODES:
        raise yaml.YAMLError(f"more than {_MAX_NODES} values (aliases expanding?)")
    if len(at) > _MAX_DEPTH:
        raise yaml.YAMLError(f"nested more than {_MAX_DEPTH} levels deep (a recursive alias?)")
    lines.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(RuleIssue(path, line, "a key must be a plain value"))
                continue
            key = loader.construct_object(key_node)
            if key in result:
                first = lines[(*at, key)]
                issues.append(
                    RuleIssue(path, line, f"duplicate key {key!r} (first on line {first})")
                )
                continue
            lines[(*at, key)] = line
            result[key] = _to_data(value_node, (*at, key), lines, issues, path, loader, counter)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_data(item, (*at, i), lines, issues, path, loader, counter)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node)


# --- pydantic errors to lines ------------------------------------------------

_M = TypeVar("_M", bound=BaseModel)


def check(
    model: type[_M],
    source: YamlFile,
    at: YamlPath,
    issues: list[RuleIssue],
    indicator_id: str | None = None,
) -> _M | None:
    """Validate the data at ``at`` against ``model``; each error becomes an issue with its line."""
    data = source.data
    for step in at:
        data = data[step]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where, line = _locate(source, at, data, error["loc"])
            issues.append(RuleIssue(source.path, line, _message(error, where), indicator_id))
        return None


def _locate(source: YamlFile, at: YamlPath, data: Any, loc: tuple[Any, ...]) -> tuple[str, int]:
    """Follow a pydantic location through the data (skipping union tags) to a YAML line."""
    path = at
    readable = ""
    for step in loc:
        if isinstance(data, dict) and step in data:
            data = data[step]
            readable += f".{step}" if readable else str(step)
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
            readable += f"[{step}]"
        else:
            continue
        path = (*path, step)
    return readable, source.line(path)


def _message(error: Any, where: str) -> str:
    kind = error["type"]
    last = error["loc"][-1] if error["loc"] else ""
    parent = where.rsplit(".", 1)[0] if "." in where else ""
    if kind == "extra_forbidden":
        return f"unknown key {last!r}" + (f" in {parent}" if parent else "")
    if kind == "missing":
        return f"missing key {last!r}" + (f" in {where}" if where else "")
    if kind.endswith("_shape"):  # our own discriminators: say what was found instead
        return f"{where}: {error['msg']}; got {_short(error['input'])}"
    prefix = f"{where}: " if where else ""
    return f"{prefix}{error['msg']}"


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping with keys " + ", ".join(repr(k) for k in value) if value else "{}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- shared schema pieces ----------------------------------------------------


class StrictSpec(BaseModel):
    """A YAML mapping checked strictly: no unknown keys, no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


LangCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]  # ISO 639-1
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
