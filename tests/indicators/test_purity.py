"""The engine stays pure: no network, database or scheduler imports, no clock reads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "indicators"
FORBIDDEN_MODULES = ("httpx", "sqlmodel", "sqlalchemy", "apscheduler")


def test_importing_and_running_the_engine_pulls_in_no_io_libraries() -> None:
    # A fresh interpreter, so modules imported by other tests do not count.
    script = f"""
import sys
from datetime import UTC, datetime
from pathlib import Path
import indicators
from indicators.engine import Engine
engine = Engine.from_directory(Path({str(PACKAGE.parent / "tests/indicators/data/rules")!r}))
engine.analyze(indicators.Document(title="T", body="Troops moved to the border.",
                                   published=datetime(2024, 1, 1, tzinfo=UTC)))
loaded = sorted({{name.split(".")[0] for name in sys.modules}})
print(",".join(loaded))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(result.stdout.strip().split(","))
    assert "indicators" in loaded
    assert not loaded & set(FORBIDDEN_MODULES), loaded & set(FORBIDDEN_MODULES)


def test_no_module_reads_the_clock_or_opens_connections() -> None:
    clock_calls = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                owner_name = owner.id if isinstance(owner, ast.Name) else ""
                if node.func.attr in clock_calls and owner_name in {"datetime", "date", "time"}:
                    offenders.append(f"{path.name}:{node.lineno} {owner_name}.{node.func.attr}()")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                names.append(getattr(node, "module", None) or "")
                for name in names:
                    if name.split(".")[0] in {"socket", "urllib", "http", *FORBIDDEN_MODULES}:
                        offenders.append(f"{path.name}:{node.lineno} imports {name}")
    assert not offenders, offenders
