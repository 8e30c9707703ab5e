"""Where the bundled files live: in a checkout (or editable install) beside the packages,
in a regular install under ``<prefix>/share/escalation-monitor``."""

from __future__ import annotations

import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
_SHARE = Path(sys.prefix) / "share" / "escalation-monitor"


def _bundled(name: str) -> Path:
    for root in (_CHECKOUT, _SHARE):
        candidate = root / name
        if candidate.exists():
            return candidate
    return _CHECKOUT / name


def config_dir() -> Path:
    return _bundled("config")


def seeds_dir() -> Path:
    return _bundled("seeds")


def indicators_dir() -> Path:
    return config_dir() / "indicators"


def topics_dir() -> Path:
    return config_dir() / "topics"
