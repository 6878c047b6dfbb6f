"""Structured logs: one line per event, ``key=value`` fields, a fixed vocabulary.

Stable keys: ``event``, ``source``, ``article``, ``topic``, ``status``,
``error``, ``url``, ``ms``. Under systemd (``JOURNAL_STREAM`` set) no
timestamp is printed: journald adds its own.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

LOGGER = logging.getLogger("topicwire")


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event: ``event(\"source.updated\", source=\"tass\", new=3)``."""
    if LOGGER.isEnabledFor(level):
        LOGGER.log(level, name, extra={"tw_fields": fields})


class KeyValueFormatter(logging.Formatter):
    def __init__(self, timestamps: bool, as_json: bool = False) -> None:
        super().__init__()
        self.timestamps = timestamps
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {}
        if self.timestamps:
            fields["ts"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields["level"] = record.levelname.lower()
        fields["event"] = record.getMessage()
        fields.update(getattr(record, "tw_fields", {}))
        if record.exc_info:
            fields["traceback"] = self.formatException(record.exc_info)
        if self.as_json:
            return json.dumps(fields, default=str, ensure_ascii=False)
        return " ".join(f"{k}={_value(v)}" for k, v in fields.items() if v is not None)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text and not any(c in text for c in ' "=\n\t'):
        return text
    return json.dumps(text, ensure_ascii=False)


def setup(level: str = "info", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    under_journal = bool(os.environ.get("JOURNAL_STREAM"))
    handler.setFormatter(KeyValueFormatter(timestamps=not under_journal, as_json=fmt == "json"))
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(level.upper())
    LOGGER.propagate = False
