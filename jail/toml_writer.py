"""Write profile data as TOML a person can read, with comments.

Python's standard library reads TOML but cannot write it. Profiles need
only strings, booleans, integers, lists of strings, tables and arrays of
tables, so that is all this writes; the converters use it to put their
notes (what came from where, what could not be mapped) beside the values.
"""

from __future__ import annotations

import json
import re

WIDTH = 88
_PLAIN = re.compile(r'^[^"\\\x00-\x1f\x7f]*$')


def quote(text: str) -> str:
    """A TOML basic string; JSON's escaping is valid TOML here."""
    if _PLAIN.match(text):
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def value(item) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, str):
        return quote(item)
    if isinstance(item, (list, tuple)):
        return _list(item)
    raise TypeError(f"cannot write {type(item).__name__} as a profile value")


def _list(items) -> str:
    parts = [value(i) for i in items]
    one_line = "[" + ", ".join(parts) + "]"
    if len(one_line) <= WIDTH - 24:
        return one_line
    return "[\n" + "".join(f"    {p},\n" for p in parts) + "]"


def comment(text: str) -> list[str]:
    """Comment lines, one per line of text."""
    return [f"# {line}".rstrip() for line in text.splitlines()] or ["#"]


def document(
    data: dict, header: list[str], notes: dict[str, list[str]] | None = None
) -> str:
    """The whole file: header comments, top-level keys, then each table.

    `notes` maps a table name ("" for the top) to comment lines written at
    the start of that table.
    """
    notes = notes or {}
    lines = [*header]
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    if lines:
        lines.append("")
    lines += notes.get("", [])
    lines += [f"{key} = {value(item)}" for key, item in scalars.items()]
    for name, table in data.items():
        if isinstance(table, dict):
            lines += _table(name, table, notes.get(name, []))
    return "\n".join(lines).rstrip() + "\n"


def _table(name: str, table: dict, table_notes: list[str]) -> list[str]:
    lines = ["", f"[{name}]", *table_notes]
    arrays = {}
    for key, item in table.items():
        if isinstance(item, list) and item and all(isinstance(i, dict) for i in item):
            arrays[key] = item
        elif isinstance(item, dict):
            lines.append(
                f"{key} = {{ "
                + ", ".join(f"{quote(k)} = {value(v)}" for k, v in item.items())
                + " }"
            )
        else:
            lines.append(f"{key} = {value(item)}")
    for key, items in arrays.items():
        for entry in items:
            lines += ["", f"[[{name}.{key}]]"]
            for entry_key, item in entry.items():
                if entry_key == "#":
                    lines += comment(item)
                else:
                    lines.append(f"{entry_key} = {value(item)}")
    return lines
