"""`pyjail profile ...`: list, show, check and edit profiles.

Each sub-subcommand is one entry of COMMANDS: its name, the function that
runs it ("module:function", called with the remaining arguments and
returning an exit code) and a one-line summary for `pyjail profile --help`.
"""

from __future__ import annotations

import importlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from jail import paths, profile_loader, profiles
from jail.cli_parser import Parser
from jail.errors import JailError, ProfileError, UsageError

COMMANDS = {
    "list": (
        "jail.cmd_profile:list_profiles",
        "list the profiles pyjail finds, with description and origin",
    ),
    "show": (
        "jail.cmd_profile:show_profile",
        "print a profile merged with its includes, each value with its file",
    ),
    "check": (
        "jail.cmd_profile:check_profile",
        "validate a profile and score how much it exposes",
    ),
    "edit": (
        "jail.cmd_profile:edit_profile",
        "edit NAME.local.toml in ~/.config/pyjail/profiles with $EDITOR",
    ),
    "import": (
        "jail.cmd_convert:import_main",
        "convert OCI seccomp JSON or a Firejail profile into a pyjail profile",
    ),
    "export": (
        "jail.cmd_convert:export_main",
        "write a profile's seccomp filter as OCI seccomp JSON",
    ),
}

EXIT_INVALID = 1
LOCAL_TEMPLATE = """\
# Local changes to the {name} profile: pyjail merges this file after
# {source}.
# Tables add to or replace its keys; lists are joined. For example:
#
# [filesystem]
# hide = ["~/Documents/private"]
"""


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        raise UsageError(
            f"profile: unknown command {name!r} "
            f"(expected one of: {', '.join(COMMANDS)})"
        )
    module_name, _, function = COMMANDS[name][0].partition(":")
    return getattr(importlib.import_module(module_name), function)(rest)


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: pyjail profile COMMAND [ARGS...]", "", "commands:"]
    lines += [
        f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()
    ]
    lines += ["", "pyjail profile COMMAND --help describes each one."]
    return "\n".join(lines)


# --- list -------------------------------------------------------------------


def list_profiles(argv: list[str]) -> int:
    parser = Parser(
        prog="pyjail profile list", description="List every profile pyjail can find."
    )
    parser.add_argument(
        "--names", action="store_true", help="print the names only, one per line"
    )
    options = parser.parse_args(argv)

    found = _effective_profiles()
    if options.names:
        print("\n".join(found))
        return 0
    width = max((len(name) for name in found), default=0)
    for name, path in found.items():
        print(f"{name:<{width}}  {_description(path)}  [{path.parent}]")
    return 0


def _effective_profiles() -> dict[str, Path]:
    """Name -> file, the first directory in search order winning."""
    found: dict[str, Path] = {}
    for directory in paths.profile_dirs():
        if not paths.is_dir(directory):
            continue
        for path in sorted(directory.glob("*.toml")):
            if not path.stem.endswith(".local"):
                found.setdefault(path.stem, path)
    return dict(sorted(found.items()))


def _description(path: Path) -> str:
    try:
        data = profile_loader.read_toml(path)
    except ProfileError:
        return f"(not valid: pyjail profile check {path})"
    description = data.get("description")
    return (
        description
        if isinstance(description, str) and description
        else "(no description)"
    )


# --- show -------------------------------------------------------------------


def show_profile(argv: list[str]) -> int:
    parser = Parser(
        prog="pyjail profile show",
        description="Print a profile as pyjail uses it: includes and local overrides "
        "merged, each value followed by the file it came from.",
    )
    parser.add_argument(
        "profile",
        metavar="NAME|FILE",
        help="a profile name or a path to a profile file",
    )
    options = parser.parse_args(argv)

    raw = profile_loader.load_raw(profile_loader.find_profile(options.profile))
    print("\n".join(render_with_origins(raw)))
    return 0


def render_with_origins(raw: profile_loader.RawProfile) -> list[str]:
    """The merged data as TOML, with `# file` after every value."""
    label = _file_labels(raw.files)
    lines = [f"# profile {raw.name}, merged from:"] + [f"#   {f}" for f in raw.files]
    tables = {k: v for k, v in raw.data.items() if isinstance(v, dict)}
    scalars = {k: v for k, v in raw.data.items() if not isinstance(v, dict)}

    lines += _render_keys(scalars, "", raw.origins, label)
    for name, table in tables.items():
        plain = {k: v for k, v in table.items() if not _is_table_array(v)}
        lines += ["", f"[{name}]"] + _render_keys(plain, name, raw.origins, label)
        for key, value in table.items():
            if _is_table_array(value):
                lines += _render_table_array(f"{name}.{key}", value, raw.origins, label)
    return lines


def _file_labels(files: list[str]) -> dict[str, str]:
    """Short names for the merged files: the base name where it is unique."""
    names = [os.path.basename(f) for f in files]
    return {f: (n if names.count(n) == 1 else f) for f, n in zip(files, names)}


def _is_table_array(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
    )


def _render_keys(table: dict, prefix: str, origins: dict, label: dict) -> list[str]:
    lines = []
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, list):
            lines.append(f"{key} = [")
            for index, item in enumerate(value):
                lines.append(
                    _with_origin(
                        f"    {_toml(item)},", origins.get(f"{path}[{index}]"), label
                    )
                )
            lines.append("]")
        elif isinstance(value, dict):
            inline = ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items())
            lines.append(
                _with_origin(f"{key} = {{ {inline} }}", origins.get(path), label)
            )
        else:
            lines.append(
                _with_origin(f"{key} = {_toml(value)}", origins.get(path), label)
            )
    return lines


def _render_table_array(
    path: str, items: list, origins: dict, label: dict
) -> list[str]:
    lines = []
    for index, item in enumerate(items):
        source = origins.get(f"{path}[{index}]") or origins.get(path)
        lines += ["", _with_origin(f"[[{path}]]", source, label)]
        lines += [f"{k} = {_toml(v)}" for k, v in item.items()]
    return lines


def _with_origin(text: str, source: str | None, label: dict) -> str:
    if not source:
        return text
    return f"{text:<40}  # {label.get(source, source)}"


def _toml(value) -> str:
    """A TOML literal for the value types profiles use."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    # A JSON string is a valid TOML basic string.
    return json.dumps(str(value), ensure_ascii=False)


# --- check ------------------------------------------------------------------


def check_profile(argv: list[str]) -> int:
    parser = Parser(
        prog="pyjail profile check",
        description="Load, validate and compile each profile, then score how much it "
        "exposes (0 = least, 10 = most). Exit 0 if all are valid, 1 if not.",
    )
    parser.add_argument(
        "profiles", nargs="+", metavar="FILE|NAME", help="profile files or names"
    )
    parser.add_argument(
        "--max-score",
        type=float,
        metavar="N",
        help="also exit 1 when a profile's exposure score is above N",
    )
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    options = parser.parse_args(argv)

    results = [_check_one(name, options) for name in options.profiles]
    return 0 if all(results) else EXIT_INVALID


def _check_one(name: str, options) -> bool:
    """Check and score one profile; print the report; True if it passes."""
    from jail import profile_lint

    try:
        profile = profiles.load(name)
        report = profile_lint.lint(profile)
    except ProfileError as error:
        print(error.user_line(), file=sys.stderr)
        return False

    if not options.quiet:
        print(f"{profile.source}: valid")
        print("\n".join(report.lines()))
    if options.max_score is not None and report.score > options.max_score:
        print(
            f"pyjail: {profile.source}: exposure score {report.score:.1f} "
            f"is above {options.max_score:g}",
            file=sys.stderr,
        )
        return False
    return True


# --- edit -------------------------------------------------------------------


def edit_profile(argv: list[str]) -> int:
    parser = Parser(
        prog="pyjail profile edit",
        description="Open NAME.local.toml in ~/.config/pyjail/profiles with $VISUAL or "
        "$EDITOR (else vi), creating it if missing, then check the merged profile.",
    )
    parser.add_argument(
        "name", metavar="NAME", help="the profile to adjust, e.g. firefox"
    )
    options = parser.parse_args(argv)
    if "/" in options.name or options.name.endswith(".toml"):
        raise UsageError(
            f"profile edit: {options.name!r}: give a profile name, not a path"
        )

    base = profile_loader.find_profile(options.name)
    local = paths.user_profile_dir() / f"{options.name}.local.toml"
    before = _contents(local)
    _create_local(local, options.name, base)
    failure = _run_editor(local)
    if failure:
        # Like visudo: a failed editor (vi's :cq, a crash) changes nothing.
        _restore(local, before)
        print(f"pyjail: profile edit: {failure}; {local.name} left as it was", file=sys.stderr)
        return EXIT_INVALID

    try:
        profiles.load(options.name)
    except ProfileError as error:
        print(error.user_line(), file=sys.stderr)
        return EXIT_INVALID
    return 0


def _create_local(local: Path, name: str, base: Path) -> None:
    if local.exists():
        return
    try:
        local.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(local, "x") as handle:
            handle.write(LOCAL_TEMPLATE.format(name=name, source=base))
    except OSError as error:
        raise JailError(
            f"profile edit: cannot create {local}: {error.strerror}"
        ) from None


def _contents(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise JailError(f"profile edit: cannot read {path}: {error.strerror}") from None


def _restore(path: Path, before: bytes | None) -> None:
    """Put back what `path` held before the edit (nothing: remove it)."""
    try:
        if before is None:
            path.unlink(missing_ok=True)
        elif _contents(path) != before:
            path.write_bytes(before)
    except OSError as error:
        raise JailError(f"profile edit: cannot restore {path}: {error.strerror}") from None


def _run_editor(path: Path) -> str:
    """Run the user's editor on `path`; what went wrong with it, or ""."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    command = shlex.split(editor) + [str(path)]
    try:
        status = subprocess.run(command, check=False).returncode
    except OSError as error:
        raise JailError(
            f"profile edit: cannot run editor {command[0]!r}: {error.strerror} "
            "(set $EDITOR)"
        ) from None
    if status < 0:
        return f"editor {editor!r} was killed by signal {-status}"
    if status > 0:
        return f"editor {editor!r} exited with status {status}"
    return ""
