"""Log lines: one event per line, key=value or JSON, no timestamp under journald."""

from __future__ import annotations

import json
import logging

import pytest

from topicwire import log


def line(capsys: pytest.CaptureFixture[str], fmt: str = "text") -> str:
    log.setup("info", fmt)
    log.event("source.updated", source="tass", new=3, error='HTTP 503 "busy"', not_modified=False)
    log.event("source.debug", logging.DEBUG, source="hidden")
    return capsys.readouterr().err


def test_key_value_with_timestamp_outside_systemd(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    out = line(capsys)
    assert out.count("\n") == 1 and out.startswith("ts=")
    assert 'level=info event=source.updated source=tass new=3 error="HTTP 503 \\"busy\\"" not_modified=false' in out


def test_no_timestamp_under_journald(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    assert line(capsys).startswith("level=info event=source.updated source=tass")


def test_json_lines(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JOURNAL_STREAM", "8:12345")
    record = json.loads(line(capsys, "json"))
    assert record == {
        "level": "info",
        "event": "source.updated",
        "source": "tass",
        "new": 3,
        "error": 'HTTP 503 "busy"',
        "not_modified": False,
    }
