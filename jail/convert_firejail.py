"""Convert a Firejail profile into a pyjail profile.

Firejail profiles are lists of directives, one a line, with `include` of
other files (mostly the shared .inc files in /etc/firejail). The converter
reads the profile with its includes in order, maps each directive that has
a pyjail counterpart, and lists every other one in the output's comments,
so that nothing is dropped without a word.

Mapped: include, seccomp (pyjail's default.toml, plus the names given),
seccomp.drop, seccomp.keep, seccomp.block-secondary, seccomp-error-action,
caps, caps.drop, caps.keep, noroot, nonewprivs, private, private-tmp,
private-dev, ipc-namespace, net none, blacklist, noblacklist, read-only,
read-write, whitelist and nowhitelist inside the home directory,
rlimit-as/cpu/fsize/nofile/nproc, hostname, ignore.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import re
from pathlib import Path

from jail.errors import ProfileError

FIREJAIL_DIR = Path("/etc/firejail")
MAX_INCLUDE_DEPTH = 16
# Firejail's ${PATH} means each of these directories.
PATH_DIRS = (
    "/usr/local/bin",
    "/usr/bin",
    "/bin",
    "/usr/games",
    "/usr/local/sbin",
    "/usr/sbin",
    "/sbin",
)
# Firejail's XDG user directories, at their default names.
XDG_DIRS = {
    "${DOWNLOADS}": "~/Downloads",
    "${DOCUMENTS}": "~/Documents",
    "${MUSIC}": "~/Music",
    "${PICTURES}": "~/Pictures",
    "${VIDEOS}": "~/Videos",
    "${DESKTOP}": "~/Desktop",
    "${HOME}": "~",
}
RLIMITS = {
    "rlimit-as": "as",
    "rlimit-cpu": "cpu",
    "rlimit-fsize": "fsize",
    "rlimit-nofile": "nofile",
    "rlimit-nproc": "nproc",
}
ERROR_ACTIONS = {"kill": "kill-process", "errno": "errno:EPERM"}


@dataclasses.dataclass
class Converted:
    """The profile data, the files read, and what could not be mapped."""

    name: str
    data: dict
    files: list[str]
    unmapped: list[str]


class _State:
    """What the directives have said so far."""

    def __init__(self):
        self.seccomp = False
        self.deny: list[str] = []
        self.allow: list[str] = []
        self.keep_list: list[str] = []
        self.rules: list[dict] = []
        self.deny_action = ""
        self.caps_keep: list[str] = []
        self.namespaces: dict = {}
        self.filesystem: dict = {}
        self.blacklist: list[str] = []
        self.noblacklist: list[str] = []
        self.whitelist: list[str] = []
        self.nowhitelist: list[str] = []
        self.read_only: list[str] = []
        self.read_write: list[str] = []
        self.limits: dict = {}
        self.network = ""
        self.ignored: list[str] = []
        self.unmapped: list[str] = []
        self.files: list[str] = []


def convert_file(path: Path) -> Converted:
    """Read a Firejail profile with its includes and map it."""
    state = _State()
    _read(Path(path), state, chain=())
    return Converted(
        Path(path).stem,
        _data(Path(path).stem, state),
        state.files,
        _dedupe(state.unmapped),
    )


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _read(path: Path, state: _State, chain: tuple[str, ...]) -> None:
    if len(chain) >= MAX_INCLUDE_DEPTH:
        raise ProfileError(str(path), "include", "includes nested too deeply")
    state.files.append(str(path))
    for line in _directives(path):
        _directive(line, path, state, chain + (str(path),))


@functools.lru_cache(maxsize=256)
def _directives(path: Path) -> tuple[str, ...]:
    """The directive lines of one file (the shared .inc files are read often)."""
    try:
        # surrogateescape keeps undecodable bytes recognisable (see _directive).
        lines = path.read_text(errors="surrogateescape").splitlines()
    except OSError as error:
        raise ProfileError(str(path), "", f"cannot read: {error.strerror}") from None
    return tuple(
        s for s in (line.strip() for line in lines) if s and not s.startswith("#")
    )


def _directive(line: str, path: Path, state: _State, chain) -> None:
    if "\0" in line or any("\udc80" <= char <= "\udcff" for char in line):
        # A path with bytes that are not UTF-8, or a NUL, cannot be written in
        # a TOML profile; a look-alike would hide or keep another file.
        shown = line.encode(errors="surrogateescape").decode(errors="backslashreplace")
        shown = shown.replace("\0", "\\0")
        state.unmapped.append(f"{shown}   (not UTF-8 text, or a NUL: a profile cannot name it)")
        return
    if state.ignored and any(
        line == i or line.startswith(i + " ") for i in state.ignored
    ):
        return  # `ignore X` earlier: Firejail skips X, and so do we
    word, _, argument = line.partition(" ")
    argument = argument.strip()
    handler = _HANDLERS.get(word)
    if word.startswith("?"):
        state.unmapped.append(f"{line}   (a condition of firejail.config)")
    elif word in RLIMITS:
        state.limits[RLIMITS[word]] = int(argument) if argument.isdigit() else argument
    elif handler is None or not handler(argument, path, state, chain):
        state.unmapped.append(line)


def _include(argument: str, path: Path, state: _State, chain) -> bool:
    for directory in (path.parent, FIREJAIL_DIR):
        candidate = directory / argument
        if "/" in argument:
            candidate = Path(argument)
        if candidate.is_file():
            if not _is_firejail_profile(candidate):
                # Reading it would copy each of its lines into the output's
                # comments (`include /etc/passwd`), and map none of them.
                state.unmapped.append(f"include {argument}   (not a Firejail profile)")
            elif str(candidate) not in chain:  # a cycle: the file is being read already
                _merge(state, _included(candidate, tuple(state.ignored), chain))
            return True
    if argument.endswith(".local"):
        return True  # a user's optional override file: none here is not an error
    state.unmapped.append(f"include {argument}   (file not found)")
    return True


# Firejail names its profiles and their fragments so; a user's override is .local.
PROFILE_SUFFIXES = (".profile", ".inc", ".local")
# A directive line starts with a directive word (`seccomp.drop`, `private-tmp`,
# `?HAS_APPIMAGE:`), then a space or the end of the line.
_DIRECTIVE_WORD = re.compile(r"^\??[A-Za-z0-9_.-]+:?(\s|$)")


@functools.lru_cache(maxsize=256)
def _is_firejail_profile(path: Path) -> bool:
    """By its name, and by content: text whose lines read as directives."""
    if path.suffix not in PROFILE_SUFFIXES:
        return False
    try:
        raw = path.read_bytes()
    except OSError:
        return True  # reading it fails the usual way, with the file named
    if b"\0" in raw:
        return False
    lines = _directives(path)
    directives = sum(1 for line in lines if _DIRECTIVE_WORD.match(line))
    return directives * 2 >= len(lines)


def _included(path: Path, ignored: tuple[str, ...], chain) -> _State:
    """What an included file (with its own includes) says, read once.

    The same .inc files are included by hundreds of profiles; what they
    say depends only on the file and on the `ignore`s in force.
    """
    key = (path, ignored)
    if key not in _INCLUDED:
        fragment = _State()
        fragment.ignored = list(ignored)
        _read(path, fragment, chain)
        fragment.ignored = fragment.ignored[len(ignored) :]
        _INCLUDED[key] = fragment
    return _INCLUDED[key]


_INCLUDED: dict = {}


def _merge(state: _State, fragment: _State) -> None:
    for name, value in vars(fragment).items():
        if isinstance(value, list):
            getattr(state, name).extend(value)
        elif isinstance(value, dict):
            getattr(state, name).update(value)
        elif value:
            setattr(state, name, value)


def _seccomp(argument: str, path, state: _State, chain) -> bool:
    state.seccomp = True
    for name in _names(argument):
        if name.startswith("!"):
            state.allow.append(name[1:])
        else:
            state.deny.append(name)
    return True


def _seccomp_drop(argument: str, path, state: _State, chain) -> bool:
    state.deny += _names(argument)
    return True


def _seccomp_keep(argument: str, path, state: _State, chain) -> bool:
    state.keep_list += _names(argument)
    return True


def _names(argument: str) -> list[str]:
    return [n.strip() for n in argument.split(",") if n.strip()]


def _error_action(argument: str, path, state: _State, chain) -> bool:
    if argument in ERROR_ACTIONS:
        state.deny_action = ERROR_ACTIONS[argument]
    elif argument.startswith("E") and argument.isupper():
        state.deny_action = f"errno:{argument}"
    else:
        return False
    return True


def _caps_keep(argument: str, path, state: _State, chain) -> bool:
    state.caps_keep += _names(argument)
    return True


def _flag(section: str, key: str, value=True):
    def handler(argument: str, path, state: _State, chain) -> bool:
        if argument:
            return False
        getattr(state, section)[key] = value
        return True

    return handler


def _always(argument: str, path, state: _State, chain) -> bool:
    """Directives pyjail already does or is stricter than (say so, map them)."""
    return True


def _caps_drop(argument: str, path, state: _State, chain) -> bool:
    # pyjail drops every capability the profile does not keep: dropping
    # more is already done, for "all" and for any list.
    return True


def _net(argument: str, path, state: _State, chain) -> bool:
    if argument != "none":
        return False
    state.network = "none"
    return True


def _hostname(argument: str, path, state: _State, chain) -> bool:
    state.namespaces["hostname"] = argument
    return True


def _ignore(argument: str, path, state: _State, chain) -> bool:
    state.ignored.append(argument)
    return True


def _paths(attribute: str):
    def handler(argument: str, path, state: _State, chain) -> bool:
        getattr(state, attribute).append(argument)
        return True

    return handler


def _private(argument: str, path, state: _State, chain) -> bool:
    if argument:
        return False
    state.filesystem["private_home"] = True
    return True


_HANDLERS = {
    "include": _include,
    "seccomp": _seccomp,
    "seccomp.drop": _seccomp_drop,
    "seccomp.keep": _seccomp_keep,
    "seccomp.block-secondary": _always,
    "seccomp-error-action": _error_action,
    "caps": _caps_drop,
    "caps.drop": _caps_drop,
    "caps.keep": _caps_keep,
    "noroot": _flag("namespaces", "user"),
    "nonewprivs": _always,
    "private": _private,
    "private-tmp": _flag("filesystem", "private_tmp"),
    "private-dev": _flag("filesystem", "private_dev"),
    "ipc-namespace": _flag("namespaces", "ipc"),
    "net": _net,
    "hostname": _hostname,
    "ignore": _ignore,
    "blacklist": _paths("blacklist"),
    "blacklist-nolog": _paths("blacklist"),
    "noblacklist": _paths("noblacklist"),
    "whitelist": _paths("whitelist"),
    "nowhitelist": _paths("nowhitelist"),
    "read-only": _paths("read_only"),
    "read-write": _paths("read_write"),
}


# ------------------------------------------------------------ the data


def _data(name: str, state: _State) -> dict:
    data: dict = {"description": f"Converted from the Firejail profile {name}"}
    seccomp = _seccomp_section(state)
    if state.seccomp and not state.keep_list:
        data["include"] = ["default"]
    if seccomp:
        data["seccomp"] = seccomp
    if state.namespaces:
        data["namespaces"] = dict(state.namespaces)
    filesystem = _filesystem_section(state)
    if filesystem:
        data["filesystem"] = filesystem
    if state.network:
        data["network"] = {"mode": state.network}
    caps = _capabilities(state)
    if caps:
        data["capabilities"] = {"keep": caps}
    if state.limits:
        data["limits"] = _limits(state)
    return data


def _seccomp_section(state: _State) -> dict:
    section: dict = {}
    if state.keep_list:
        section["default_action"] = "errno:ENOSYS"
        section["allow"] = _syscalls(state.keep_list, state, "seccomp.keep")
    if state.deny_action:
        section["deny_action"] = state.deny_action
    deny = _syscalls(state.deny, state, "seccomp.drop")
    allow = _syscalls(state.allow, state, "seccomp !")
    if state.keep_list:
        deny = [n for n in deny if n not in section["allow"]]
    if deny:
        section["deny"] = deny
    if allow:
        section["allow"] = section.get("allow", []) + [
            n for n in allow if n not in section.get("allow", [])
        ]
    return section


def _syscalls(names: list[str], state: _State, directive: str) -> list[str]:
    """Names and @groups pyjail knows; the rest are reported."""
    from jail import syscall_groups

    known = syscall_groups.known_syscalls()
    found = []
    for name in dict.fromkeys(names):
        bare, _, errno_name = name.partition(":")
        if errno_name:
            state.unmapped.append(
                f"{directive} {name}   "
                "(a per-syscall errno; the profile's deny action is used)"
            )
        if (bare in syscall_groups.GROUPS or bare in known) and bare not in found:
            found.append(bare)
        elif bare not in found:
            state.unmapped.append(
                f"{directive} {bare}   (no such syscall or group in pyjail)"
            )
    return found


def _filesystem_section(state: _State) -> dict:
    section = dict(state.filesystem)
    not_hidden, not_kept = _matcher(state.noblacklist), _matcher(state.nowhitelist)
    hidden = [p for p in dict.fromkeys(state.blacklist) if not not_hidden(p)]
    kept = [p for p in dict.fromkeys(state.whitelist) if not not_kept(p)]
    for key, items, directive in (
        ("hide", hidden, "blacklist"),
        ("read_only", state.read_only, "read-only"),
        ("read_write", state.read_write, "read-write"),
    ):
        converted = _convert_paths(items, directive, state)
        if converted:
            section[key] = converted
    home_keep = []
    for item in _convert_paths(kept, "whitelist", state):
        if item == "~" or item.startswith("~/"):
            home_keep.append(item)
        else:
            state.unmapped.append(
                f"whitelist {item}   "
                "(pyjail keeps a private home only; outside it, no whitelist)"
            )
    if home_keep:
        section["private_home"] = True
        section["home_keep"] = home_keep
    return section


def _matcher(patterns: list[str]):
    """A test for "matches one of the patterns" (exact names or wildcards)."""
    exact = set(patterns)
    wild = [fnmatch.translate(p) for p in exact if any(c in p for c in "*?[")]
    regex = re.compile("|".join(wild)) if wild else None
    return lambda path: path in exact or bool(regex and regex.match(path))


# Limitation: paths with wildcards, ${RUNUSER} and Firejail's whitelists
# outside the home directory have no pyjail counterpart; they are listed
# in the output's comments, and the converted profile hides or keeps less.
def _convert_paths(items: list[str], directive: str, state: _State) -> list[str]:
    """Firejail's variables as pyjail paths; wildcards are reported."""
    found: dict[str, None] = {}
    for item in dict.fromkeys(items):
        paths, problem = _convert_path(item)
        if problem:
            state.unmapped.append(f"{directive} {item}   ({problem})")
        found.update(dict.fromkeys(paths))
    return list(found)


_WILDCARD = re.compile(r"[*?\[]")


@functools.lru_cache(maxsize=None)
def _convert_path(item: str) -> tuple[tuple[str, ...], str]:
    """(pyjail paths, "") or ((), why not); the same paths recur in every profile."""
    if item.startswith("${PATH}"):
        paths = [directory + item[len("${PATH}") :] for directory in PATH_DIRS]
    else:
        for variable, replacement in XDG_DIRS.items():
            item = item.replace(variable, replacement)
        paths = [item.rstrip("/") or "/"]
    if any("${" in path for path in paths):
        return (), "no pyjail path for this variable"
    if any(_WILDCARD.search(path) for path in paths):
        return (), "pyjail paths have no wildcards"
    return tuple(paths), ""


def _capabilities(state: _State) -> list[str]:
    from jail import caps

    found = []
    for name in state.caps_keep:
        if caps.capability_number(name) is None:
            state.unmapped.append(f"caps.keep {name}   (unknown capability)")
        else:
            found.append("CAP_" + caps.normalize(name).upper())
    return list(dict.fromkeys(found))


def _limits(state: _State) -> dict:
    from jail.profiles import parse_size

    limits = {}
    for key, value in state.limits.items():
        try:
            parse_size(value, "", key)
        except ProfileError:
            state.unmapped.append(f"rlimit-{key} {value}   (cannot read the value)")
            continue
        limits[key] = value
    return limits


def to_toml(converted: Converted) -> str:
    from jail import toml_writer

    header = [
        "# Converted by `pyjail profile import --format firejail` from",
        f"# {converted.files[0]}",
        f"# and {_files(len(converted.files) - 1)} it includes.",
        "# pyjail always sets no_new_privs, drops every capability not kept, and",
        "# kills system calls of a secondary architecture (i386, x32).",
    ]
    if converted.unmapped:
        header += [
            "#",
            f"# Not mapped ({len(converted.unmapped)} directives "
            "without a pyjail counterpart):",
        ]
        header += [f"#   {line}" for line in converted.unmapped]
    return toml_writer.document(converted.data, header)


def _files(count: int) -> str:
    return f"the {count} file" if count == 1 else f"the {count} files"
