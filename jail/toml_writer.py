"""Write profile data as TOML a person can read, with comments.

Python's standard library reads TOML but cannot write it. Profiles need
only strings, booleans, integers, lists of strings, tables and arrays of
tables, so that is all this writes; the converters use it to put their
notes (what came from where, what could not be mapped) beside the values.
"""

from __future__ import annotations

import re

WIDTH = 88
_PLAIN = re.compile(r'^[^"\\\x00-\x1f\x7f\ud800-\udfff]*$')
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
# TOML's short escapes; every other control character takes \uXXXX.
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
# TOML allows no control character but tab in a comment, and a line
# break would end the comment: the text after it would be read as TOML.
_NOT_IN_COMMENTS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")


def quote(text: str) -> str:
    """A TOML basic string, escaped as the TOML spec asks."""
    if _PLAIN.match(text):
        return f'"{text}"'
    return '"' + "".join(_escaped(char) for char in text) + '"'


def _escaped(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x20 or code == 0x7F:
        return f"\\u{code:04X}"
    if 0xD800 <= code <= 0xDFFF:
        return "\\uFFFD"  # a lone surrogate (undecodable input) is no character TOML can hold
    return char


def key(name: str) -> str:
    """A key as written: bare where TOML allows it, else quoted."""
    return name if _BARE_KEY.match(name) else quote(name)


def safe_comment(line: str) -> str:
    """A comment line with what TOML forbids there shown as \\xNN instead."""
    return _NOT_IN_COMMENTS.sub(_shown, line)


def _shown(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else "\ufffd"


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
    return [safe_comment(f"# {line}".rstrip()) for line in text.splitlines()] or ["#"]


def document(
    data: dict, header: list[str], notes: dict[str, list[str]] | None = None
) -> str:
    """The whole file: header comments, top-level keys, then each table.

    `notes` maps a table name ("" for the top) to comment lines written at
    the start of that table.
    """
    notes = {name: [safe_comment(line) for line in lines] for name, lines in (notes or {}).items()}
    lines = [safe_comment(line) for line in header]
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    if lines:
        lines.append("")
    lines += notes.get("", [])
    lines += [f"{key(name)} = {value(item)}" for name, item in scalars.items()]
    for name, table in data.items():
        if isinstance(table, dict):
            lines += _table(name, table, notes.get(name, []))
    return "\n".join(lines).rstrip() + "\n"


def _table(name: str, table: dict, table_notes: list[str]) -> list[str]:
    lines = ["", f"[{key(name)}]", *table_notes]
    arrays = {}
    for item_key, item in table.items():
        if isinstance(item, list) and item and all(isinstance(i, dict) for i in item):
            arrays[item_key] = item
        elif isinstance(item, dict):
            lines.append(
                f"{key(item_key)} = {{ "
                + ", ".join(f"{quote(k)} = {value(v)}" for k, v in item.items())
                + " }"
            )
        else:
            lines.append(f"{key(item_key)} = {value(item)}")
    for array_key, items in arrays.items():
        for entry in items:
            lines += ["", f"[[{key(name)}.{key(array_key)}]]"]
            for entry_key, item in entry.items():
                if entry_key == "#":
                    lines += comment(item)
                else:
                    lines.append(f"{key(entry_key)} = {value(item)}")
    return lines
