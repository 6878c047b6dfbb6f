"""The README's config reference, written from the key declarations (keys.py).

``python -m topicwire.config`` prints it; the README holds it between two markers and a
test fails when the two differ, so a key cannot be added without its line of help.
"""

from __future__ import annotations

from typing import Any

from topicwire.config.keys import REQUIRED, SECTIONS, Inherit, Key, Section

BEGIN = "<!-- config reference: `python -m topicwire.config` writes it from topicwire/config/keys.py -->"
END = "<!-- end of the config reference -->"
COLUMNS = ("key", "type", "default", "bounds", "meaning")


def reference_table() -> str:
    """The markdown of every section, from the first heading to the last table's end."""
    return "\n".join(line for section in SECTIONS for line in _section(section))


def _section(section: Section) -> list[str]:
    lines = [f"### {section.heading}"]
    if section.text is not None:
        return [*lines, section.text, ""]
    lines += [_row(COLUMNS), _row(("---",) * len(COLUMNS))]
    for name, key in section.keys.items():
        lines.append(_row((f"`{section.name}.{name}`", key.kind, _default(key), key.bounds, key.help)))
    return [*lines, ""]


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _default(key: Key) -> str:
    default: Any = key.default
    if default is REQUIRED:
        return "required"
    if default is None:
        return "none"
    if isinstance(default, Inherit):
        return default.shown
    if isinstance(default, list):
        return "all" if not default else f"`{default!r}`"
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    if isinstance(default, str):
        return f'`"{default}"`'
    return f"`{default}`"
