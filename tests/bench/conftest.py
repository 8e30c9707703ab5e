"""The benchmarks run from the repository root (``python -m bench.<name>``) and are
not installed: make ``bench`` importable here the same way."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
