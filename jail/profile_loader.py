"""Find, read, merge and validate TOML profiles.

A profile is searched for in: a path given by the user, the user's
~/.config/pyjail/profiles, /etc/pyjail/profiles.d, and the bundled
profiles.d. `include` pulls other profiles in first (the including file wins
key by key, lists are joined), and NAME.local.toml is merged after NAME.
Every mistake raises ProfileError naming the file and the key.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from jail import locations, paths
from jail.errors import ProfileError
from jail.profile import suggest

MAX_INCLUDE_DEPTH = 8

STR, BOOL, INT, NUMBER = "string", "boolean", "integer", "number"
STR_LIST = "list of strings"
STR_TABLE = "table of strings"
SIZE = "size"
DURATION = "duration"
# A schema leaf is one of the type names above; a dict is a sub-table; a
# one-element list holds the schema of each table in an array of tables.
SCHEMA: dict = {
    "description": STR,
    "include": STR_LIST,
    "seccomp": {
        "default_action": STR,
        "deny_action": STR,
        "allow": STR_LIST,
        "deny": STR_LIST,
        "architectures": STR_LIST,
        "rules": [
            {
                "syscalls": STR_LIST,
                "action": STR,
                "when": STR_LIST,
                "unless": STR_LIST,
                "comment": STR,
            }
        ],
    },
    "namespaces": {
        "enabled": BOOL,
        "user": BOOL,
        "mount": BOOL,
        "pid": BOOL,
        "net": BOOL,
        "ipc": BOOL,
        "uts": BOOL,
        "cgroup": BOOL,
        "hostname": STR,
        "root_inside": BOOL,
    },
    "filesystem": {
        "private_tmp": BOOL,
        "private_dev": BOOL,
        "private_home": BOOL,
        "home_keep": STR_LIST,
        "read_only": STR_LIST,
        "read_write": STR_LIST,
        "hide": STR_LIST,
        "reveal": STR_LIST,
        "landlock": STR,
    },
    "network": {"mode": STR},
    "capabilities": {"keep": STR_LIST},
    "limits": {
        "nofile": SIZE,
        "nproc": SIZE,
        "as": SIZE,
        "fsize": SIZE,
        "cpu": SIZE,
        "core": SIZE,
        "stack": SIZE,
        "memlock": SIZE,
        "timeout": DURATION,
    },
    "environment": {
        "clear": BOOL,
        "keep": STR_LIST,
        "unset": STR_LIST,
        "set": STR_TABLE,
    },
}


# A list element that joins an included list moves: the user's first `deny`
# entry may be element 24 of the merged list. `origins` maps that merged key
# to the file, and WRITTEN_AS + merged key to the key as the file wrote it.
# Both live in one dict because the filter cache keeps `origins` and rebuilds
# the profile from it (see launch_setup), and reports need the written key.
WRITTEN_AS = "written as:"


class RawProfile:
    """Merged TOML data of a profile and its includes, with value origins."""

    def __init__(self, name: str, source: str):
        self.name = name
        self.source = source
        self.data: dict = {}
        self.origins: dict[str, str] = {}
        self.files: list[str] = []

    def written(self, key: str) -> tuple[str, str]:
        """The file that wrote a merged value and the key it used there.

        `seccomp.rules[3].action` of the merged data may be
        (`app.toml`, `seccomp.rules[0].action`).
        """
        for end in (i + 1 for i, char in enumerate(key) if char == "]"):
            element = key[:end]
            if element in self.origins:
                shown = self.origins.get(WRITTEN_AS + element, element)
                return self.origins[element], shown + key[end:]
        return self.origins.get(key, self.source), key


def find_profile(name_or_path: str) -> Path:
    """Return the file a profile name or path refers to."""
    if "/" in name_or_path or name_or_path.endswith((".toml", ".json")):
        path = Path(os.path.expanduser(name_or_path))
        if paths.is_dir(path):
            raise ProfileError(name_or_path, "", "is a directory, not a profile file")
        if not paths.is_file(path):
            raise ProfileError(name_or_path, "", "no such profile file")
        return path
    for directory in paths.profile_dirs():
        candidate = directory / f"{name_or_path}.toml"
        if paths.is_file(candidate):
            return candidate
    known = sorted(paths.profile_names())
    hint = suggest(name_or_path, known) or "pyjail profile list shows them"
    raise ProfileError(name_or_path, "", "no profile of that name", hint)


def profile_for_program(program: str) -> Path:
    """The per-application profile for a program's base name, else default."""
    base = os.path.basename(program)
    for directory in paths.profile_dirs():
        candidate = directory / f"{base}.toml"
        if paths.is_file(candidate):
            return candidate
    return find_profile("default")


def load_raw(path: Path) -> RawProfile:
    """Read a profile file with its includes and local overrides merged."""
    raw = RawProfile(path.stem, str(path))
    _merge_file(raw, path, chain=())
    return raw


def _merge_file(raw: RawProfile, path: Path, chain: tuple[str, ...]) -> None:
    resolved = str(path.resolve())
    if resolved in chain:
        cycle = " -> ".join(Path(p).name for p in chain + (resolved,))
        raise ProfileError(str(path), "include", f"include cycle: {cycle}")
    if len(chain) >= MAX_INCLUDE_DEPTH:
        raise ProfileError(str(path), "include", "includes nested too deeply")

    data = read_toml(path)
    check_schema(data, SCHEMA, str(path), "")

    for index, name in enumerate(data.get("include", [])):
        key = f"include[{index}]"
        included = _resolve_include(name, path, key)
        _merge_file(raw, included, chain + (resolved,))

    own = {k: v for k, v in data.items() if k != "include"}
    merge_into(raw.data, own, raw.origins, str(path), "")
    raw.files.append(str(path))

    for local in _local_overrides(path):
        if str(local) not in raw.files:
            local_data = read_toml(local)
            check_schema(local_data, SCHEMA, str(local), "")
            merge_into(raw.data, local_data, raw.origins, str(local), "")
            raw.files.append(str(local))


def _resolve_include(name: str, including: Path, key: str) -> Path:
    if "/" in name:
        # Not resolved: the filter cache must check the path as written, so
        # that a symlink pointed elsewhere later is noticed.
        candidate = including.parent / os.path.expanduser(name)
        if not paths.is_file(candidate):
            raise ProfileError(str(including), key, f"included file {name!r} not found")
        return candidate
    try:
        return find_profile(name)
    except ProfileError as error:
        raise ProfileError(str(including), key, error.problem, error.hint) from None


def _local_overrides(path: Path) -> list[Path]:
    """NAME.local.toml from the profile directories (user, system, bundled).

    Only from there: pyjail keeps those read-only inside every sandbox. A
    .local.toml beside a profile kept anywhere else could have been written
    by a program sandboxed in that directory, so it is refused, not read.
    """
    name = path.stem
    if name.endswith(".local"):
        return []
    directories = paths.profile_dirs()
    beside = path.parent / f"{name}.local.toml"
    if not any(_same_directory(path.parent, d) for d in directories) and paths.is_file(beside):
        raise ProfileError(
            str(beside),
            "",
            "a .local.toml is read only from the profile directories, where a "
            "sandboxed program cannot write it",
            f"move it to {paths.user_profile_dir()}",
        )
    return [d / f"{name}.local.toml" for d in directories if paths.is_file(d / f"{name}.local.toml")]


def _same_directory(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _refuse_untrusted(path: Path) -> None:
    """Read a profile only if its user controls it, as ssh does its config:
    owned by the user running pyjail (or root) and writable by no one else."""
    info = os.stat(path)
    if not locations.trusted_profile_owner(info):
        raise ProfileError(
            str(path), "", f"is owned by uid {info.st_uid}, not by you or root: refusing it",
            "pyjail reads only profiles their user controls",
        )
    if locations.writable_by_others(info):
        raise ProfileError(
            str(path), "", "is writable by group or others: refusing it", f"chmod go-w {path}"
        )


def read_toml(path: Path) -> dict:
    """Parse one TOML file; a syntax error names the file and position."""
    try:
        _refuse_untrusted(path)
    except OSError as error:
        raise ProfileError(str(path), "", f"cannot read: {error.strerror}") from None
    if Path(path).suffix == ".json":  # OCI seccomp JSON, converted in memory
        from jail import convert_oci

        return convert_oci.profile_data(Path(path))
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            content = handle.read()
        paths.note_read(path, content)
        return tomllib.loads(content.decode())
    except UnicodeDecodeError:
        raise ProfileError(str(path), "", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(str(path), "", f"not valid TOML: {error}") from None
    except ValueError:  # Python reads at most 4300 digits of an integer
        raise ProfileError(str(path), "", "an integer has too many digits") from None
    except RecursionError:
        raise ProfileError(str(path), "", "arrays or tables nested too deeply") from None
    except OSError as error:
        raise ProfileError(str(path), "", f"cannot read: {error.strerror}") from None


def merge_into(base: dict, extra: dict, origins: dict, source: str, prefix: str) -> None:
    """Merge `extra` over `base`: tables recurse, lists join, scalars replace."""
    for key, value in extra.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            if not isinstance(base.get(key), dict):
                base[key] = {}
            merge_into(base[key], value, origins, source, path)
        elif isinstance(value, list) and isinstance(base.get(key), list):
            _join_list(base, key, value, origins, source, path)
        else:
            base[key] = list(value) if isinstance(value, list) else value
            origins[path] = source
            if isinstance(value, list):
                for index in range(len(value)):
                    origins[f"{path}[{index}]"] = source
                    origins.pop(f"{WRITTEN_AS}{path}[{index}]", None)


def _join_list(
    base: dict, key: str, value: list, origins: dict, source: str, path: str
) -> None:
    """Append the new elements of `value`, remembering where each was written."""
    included = base[key]
    joined = list(included)
    for written_index, item in enumerate(value):
        if item in included:
            continue
        joined.append(item)
        merged = f"{path}[{len(joined) - 1}]"
        origins[merged] = source
        origins[WRITTEN_AS + merged] = f"{path}[{written_index}]"
    base[key] = joined


def check_schema(data: dict, schema: dict, source: str, prefix: str) -> None:
    """Refuse unknown keys and wrong types, naming the key path."""
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if key not in schema:
            hint = suggest(key, schema) or "known keys: " + ", ".join(schema)
            raise ProfileError(source, display_key(path), "unknown key", hint)
        _check_value(value, schema[key], source, path)


def _check_value(value, expected, source: str, path: str) -> None:
    if isinstance(expected, dict):
        if not isinstance(value, dict):
            _wrong_type(source, path, "a table", value)
        check_schema(value, expected, source, path)
    elif isinstance(expected, list):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            _wrong_type(source, path, "an array of tables ([[...]])", value)
        for index, item in enumerate(value):
            check_schema(item, expected[0], source, f"{path}[{index}]")
    elif not _LEAF_CHECKS[expected](value):
        _wrong_type(source, path, f"a {expected}", value)
    else:
        _refuse_nul(value, source, path)


def _refuse_nul(value, source: str, path: str) -> None:
    """No string in a profile may hold a NUL: the kernel would see only the
    part before it (a path to hide, a hostname, an environment value)."""
    if isinstance(value, dict):
        strings = [*value, *value.values()]
    else:
        strings = value if isinstance(value, list) else [value]
    if any(isinstance(text, str) and "\0" in text for text in strings):
        raise ProfileError(source, display_key(path), "contains a NUL character (\\u0000)", "remove it")


_LEAF_CHECKS = {
    STR: lambda v: isinstance(v, str),
    BOOL: lambda v: isinstance(v, bool),
    INT: lambda v: isinstance(v, int) and not isinstance(v, bool),
    SIZE: lambda v: isinstance(v, (int, str)) and not isinstance(v, bool),
    DURATION: lambda v: isinstance(v, (int, float, str)) and not isinstance(v, bool),
    STR_LIST: lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    STR_TABLE: lambda v: isinstance(v, dict) and all(isinstance(i, str) for i in v.values()),
}


def _wrong_type(source: str, path: str, expected: str, value) -> None:
    found = type(value).__name__
    names = {
        "str": "a string",
        "bool": "a boolean",
        "int": "an integer",
        "float": "a number",
        "list": "a list",
        "dict": "a table",
    }
    raise ProfileError(
        source,
        display_key(path),
        f"expected {expected}, found {names.get(found, found)} {value!r}",
    )


def display_key(path: str) -> str:
    """`seccomp.rules[2].action` as `[seccomp].rules[2].action`."""
    head, dot, rest = path.partition(".")
    return f"[{head}].{rest}" if dot else path
