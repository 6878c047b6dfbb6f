"""Every feedparser internal topicwire uses is still where sources/feedparser_private.py
looks for it (issue 15 point 3): a feedparser upgrade that moves one fails here, naming
the name and the installed version, before a poll does."""

from __future__ import annotations

import ast
import importlib
from importlib import metadata
from pathlib import Path

import pytest

ADAPTER = Path(__file__).resolve().parents[1] / "topicwire" / "sources" / "feedparser_private.py"
TOPICWIRE = ADAPTER.parents[1]


def used_names() -> list[tuple[str, str]]:
    """(module, name) of each ``_private("module", "name")`` in the adapter, read from its
    source so the check runs even when importing the adapter fails."""
    calls = [node for node in ast.walk(ast.parse(ADAPTER.read_text())) if isinstance(node, ast.Call)]
    return [
        (call.args[0].value, call.args[1].value)
        for call in calls
        if isinstance(call.func, ast.Name) and call.func.id == "_private" and len(call.args) == 2
        if isinstance(call.args[0], ast.Constant) and isinstance(call.args[1], ast.Constant)
    ]


def test_the_adapter_names_what_it_uses() -> None:
    names = {name for _, name in used_names()}
    assert {"_parse_date", "_sanitize_html", "_FeedParserMixin", "_cp1252", "_urljoin"} <= names


@pytest.mark.parametrize(("module", "name"), used_names(), ids=lambda v: str(v))
def test_feedparser_still_has(module: str, name: str) -> None:
    version = metadata.version("feedparser")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        pytest.fail(f"feedparser {version} has no {module}.{name}: update sources/feedparser_private.py ({e})")
    assert found is not None


def test_the_mixin_attributes_fastfeed_reads() -> None:
    from topicwire.sources import feedparser_private as fp

    assert fp.NAMESPACES["http://purl.org/dc/elements/1.1/"] == "dc"
    assert fp.looks_like_html("<b>x</b>") and not fp.looks_like_html("x")
    assert fp.has_handler("title") and not fp.has_handler("no-such-element")


def test_a_missing_name_says_which_and_the_version() -> None:
    from topicwire.sources.feedparser_private import _private

    with pytest.raises(ImportError, match=r"feedparser \d[\w.]* has no feedparser\.urls\._gone"):
        _private("feedparser.urls", "_gone")


def test_no_other_module_imports_feedparser_internals() -> None:
    """Only ``import feedparser`` (its public parse()) outside the adapter."""
    offenders = []
    for path in TOPICWIRE.rglob("*.py"):
        if path == ADAPTER:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("feedparser"):
                offenders.append(f"{path.relative_to(TOPICWIRE.parent)}: from {node.module} import ...")
    assert offenders == []
