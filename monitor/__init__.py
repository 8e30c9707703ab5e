"""escalation-monitor: watches news feeds for signs that a conflict is escalating."""

__version__ = "0.1.0"
