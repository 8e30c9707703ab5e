"""Every list command prints a table, JSON, JSON lines or CSV from the same records.

Records are plain dicts (the JSON shape); a table or CSV picks flat columns
from them. Text from feeds is untrusted: table cells go through
:func:`monitor.textsafe.single_line`, so no escape sequence reaches a terminal.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from monitor.textsafe import single_line

FORMATS = ("table", "json", "jsonl", "csv")

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    value: Callable[[Record], Any]
    max_width: int | None = None  # None: this column takes what the terminal has left


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return single_line(str(value))


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def render_table(
    records: Sequence[Record], columns: Sequence[Column], width: int | None = None
) -> str:
    if not records:
        return ""
    rows = [[_cell(column.value(record)) for column in columns] for record in records]
    widths = [
        min(max(len(column.header), *(len(row[i]) for row in rows)), column.max_width or 10**6)
        for i, column in enumerate(columns)
    ]
    total = width or shutil.get_terminal_size((120, 24)).columns
    flexible = [i for i, column in enumerate(columns) if column.max_width is None]
    if flexible:
        fixed = sum(w for i, w in enumerate(widths) if i not in flexible) + 2 * (len(columns) - 1)
        share = max((total - fixed) // len(flexible), 12)
        for i in flexible:
            widths[i] = min(widths[i], share)
    lines = ["  ".join(c.header.ljust(widths[i]) for i, c in enumerate(columns)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(_clip(v, widths[i]).ljust(widths[i]) for i, v in enumerate(row)).rstrip()
        )
    return "\n".join(lines)


def write_records(
    stream: TextIO,
    records: Sequence[Record],
    fmt: str,
    columns: Sequence[Column],
) -> None:
    """Write ``records`` as ``fmt``; JSON forms carry every key, table and CSV the columns."""
    if fmt == "json":
        json.dump(list(records), stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt == "jsonl":
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow([column.header for column in columns])
        for record in records:
            writer.writerow([_csv_cell(column.value(record)) for column in columns])
    elif fmt == "table":
        table = render_table(records, columns)
        if table:
            stream.write(table + "\n")
    else:  # the CLI restricts choices; this is for library callers
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _csv_cell(value: Any) -> str:
    # Spreadsheets run cells that start with = + - @ as formulas: neutralise them.
    text = _cell(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
