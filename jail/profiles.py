"""Turn merged profile data into a validated, frozen Profile."""

from __future__ import annotations

import fractions
import re
import reprlib
from pathlib import Path

from jail import profile_loader, syscall_groups
from jail.errors import ProfileError
from jail.profile import (
    ALLOW,
    Action,
    Environment,
    Filesystem,
    Namespaces,
    Profile,
    Rule,
    Seccomp,
    parse_action,
    parse_condition,
    suggest,
)

ARCHITECTURES = ("native", "x86_64", "x86", "x32", "aarch64", "arm")
NETWORK_MODES = ("host", "none")
LANDLOCK_MODES = ("auto", "off", "required")
DEFAULT_DENY = "errno:EPERM"
DEFAULT_ALLOWLIST_ANSWER = "errno:ENOSYS"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
UNLIMITED = -1
# setrlimit takes a signed 64-bit number; anything larger cannot be set.
LARGEST_SIZE = 2**63 - 1
# A longer timeout is surely a typo; Python's clocks end near 292 years.
LONGEST_DURATION = 365 * 24 * 3600


def load(name_or_path: str) -> Profile:
    """Load a profile by name or path, with includes, and validate it."""
    path = profile_loader.find_profile(name_or_path)
    return build(profile_loader.load_raw(path))



def load_path(path: Path) -> Profile:
    return build(profile_loader.load_raw(path))


def build(raw: profile_loader.RawProfile) -> Profile:
    data = raw.data
    namespaces = _namespaces(raw)
    network = _choice(raw, "network", "mode", NETWORK_MODES, "host")
    return Profile(
        name=raw.name,
        source=raw.source,
        description=data.get("description", ""),
        files=tuple(raw.files),
        seccomp=_seccomp(raw),
        namespaces=namespaces,
        filesystem=_filesystem(raw),
        network=network,
        capabilities_keep=_capabilities(raw),
        limits=_limits(raw),
        environment=_environment(data.get("environment", {})),
        raw=data,
    )


def _origin(raw, key: str) -> str:
    return raw.written(key)[0]


def _where(raw, key: str) -> tuple[str, str]:
    """The file and the shown key (`[seccomp].deny[0]`) that wrote a value:
    an index counts the entries of that file, not of the merged list."""
    source, written = raw.written(key)
    return source, profile_loader.display_key(written)


def _seccomp(raw) -> Seccomp:
    section = raw.data.get("seccomp", {})
    allow = _expand(raw, "seccomp.allow", section.get("allow", []))
    deny = _expand(raw, "seccomp.deny", section.get("deny", []))

    default_text = section.get("default_action")
    if default_text is None:
        default_text = DEFAULT_ALLOWLIST_ANSWER if allow else "allow"
    default = parse_action(
        default_text, _origin(raw, "seccomp.default_action"), "[seccomp].default_action"
    )
    deny_action = parse_action(
        section.get("deny_action", DEFAULT_DENY),
        _origin(raw, "seccomp.deny_action"),
        "[seccomp].deny_action",
    )
    if not deny_action.denies:
        raise ProfileError(
            _origin(raw, "seccomp.deny_action"),
            "[seccomp].deny_action",
            f"{deny_action} does not deny anything",
            "use errno:NAME, kill, kill-process or trap",
        )

    rules = tuple(
        _rule(raw, index, table) for index, table in enumerate(section.get("rules", []))
    )
    architectures = tuple(section.get("architectures", ["native"]))
    for index, arch in enumerate(architectures):
        if arch not in ARCHITECTURES:
            source, key = _where(raw, f"seccomp.architectures[{index}]")
            raise ProfileError(source, key, f"unknown architecture {arch!r}", suggest(arch, ARCHITECTURES))
    return Seccomp(default, deny_action, allow, deny, rules, architectures, raw.origins)


def _expand(raw, key: str, names: list[str]) -> dict[str, str]:
    """Expand @groups and check every name against the syscall table."""
    known = syscall_groups.known_syscalls()
    for index, name in enumerate(names):
        source, shown = _where(raw, f"{key}[{index}]")
        if name.startswith("@"):
            if name not in syscall_groups.GROUPS:
                hint = suggest(name, syscall_groups.GROUPS) or "pyjail syscalls --groups lists them"
                raise ProfileError(source, shown, f"unknown syscall group {name!r}", hint)
        elif name not in known:
            raise ProfileError(source, shown, f"unknown syscall {name!r}", suggest(name, known))
    return syscall_groups.expand(names)


def _rule(raw, index: int, table: dict) -> Rule:
    key = f"seccomp.rules[{index}]"
    source, shown = _where(raw, key)
    if "syscalls" not in table or not table["syscalls"]:
        raise ProfileError(source, f"{shown}.syscalls", "a rule needs at least one syscall")
    if "action" not in table:
        raise ProfileError(source, f"{shown}.action", "a rule needs an action", 'e.g. action = "errno:EPERM"')
    syscalls = tuple(_expand(raw, f"{key}.syscalls", table["syscalls"]))
    action = parse_action(table["action"], source, f"{shown}.action")
    when = tuple(parse_condition(c, source, f"{shown}.when") for c in table.get("when", []))
    unless = tuple(
        tuple(parse_condition(part, source, f"{shown}.unless") for part in alternative.split("&&"))
        for alternative in table.get("unless", [])
    )
    _check_conditions(source, shown, when, unless, action)
    return Rule(syscalls, action, when, unless, source, shown, table.get("comment", ""))


def _check_conditions(source, shown, when, unless, action: Action) -> None:
    """libseccomp compares each argument at most once in a rule."""
    for group, name in [(when, "when")] + [(alt, "unless") for alt in unless]:
        seen = set()
        for condition in group:
            if condition.index in seen:
                raise ProfileError(
                    source,
                    f"{shown}.{name}",
                    f"arg{condition.index} is compared twice in one rule",
                    "split it into two rules, or use unless for exceptions",
                )
            seen.add(condition.index)
    if unless and action == ALLOW:
        raise ProfileError(source, f"{shown}.unless", "unless makes sense only for a denying action")


def _namespaces(raw) -> Namespaces:
    section = raw.data.get("namespaces", {})
    network_none = raw.data.get("network", {}).get("mode") == "none"
    return Namespaces(
        user=section.get("user"),
        mount=section.get("mount", False),
        pid=section.get("pid", False),
        net=section.get("net", False) or network_none,
        ipc=section.get("ipc", False),
        uts=section.get("uts", False) or bool(section.get("hostname")),
        cgroup=section.get("cgroup", False),
        hostname=section.get("hostname", ""),
        root_inside=section.get("root_inside", False),
        enabled=section.get("enabled", True),
    )


def _filesystem(raw) -> Filesystem:
    section = raw.data.get("filesystem", {})
    return Filesystem(
        private_tmp=section.get("private_tmp", False),
        private_dev=section.get("private_dev", False),
        private_home=section.get("private_home", False),
        home_keep=tuple(section.get("home_keep", [])),
        read_only=tuple(section.get("read_only", [])),
        read_write=tuple(section.get("read_write", [])),
        hide=_visible(section.get("hide", []), section.get("reveal", [])),
        landlock=_choice(raw, "filesystem", "landlock", LANDLOCK_MODES, "auto"),
    )


def _visible(hide: list[str], reveal: list[str]) -> tuple[str, ...]:
    """`hide` without the paths `reveal` lists: an application profile takes
    back one credential directory that an included profile hides."""
    revealed = {_home_form(path) for path in reveal}
    return tuple(path for path in hide if _home_form(path) not in revealed)


def _home_form(path: str) -> str:
    for prefix in ("${HOME}", "$HOME"):
        if path.startswith(prefix):
            return "~" + path[len(prefix):]
    return path.rstrip("/") or "/"


def _choice(raw, section: str, key: str, choices, default: str) -> str:
    value = raw.data.get(section, {}).get(key, default)
    if value not in choices:
        raise ProfileError(
            _origin(raw, f"{section}.{key}"),
            f"[{section}].{key}",
            f"unknown value {value!r}",
            suggest(value, choices) or "expected one of " + ", ".join(choices),
        )
    return value


def _capabilities(raw) -> tuple[str, ...]:
    from jail import caps

    keep = raw.data.get("capabilities", {}).get("keep", [])
    for index, name in enumerate(keep):
        if caps.capability_number(name) is None:
            raise ProfileError(
                *_where(raw, f"capabilities.keep[{index}]"),
                f"unknown capability {name!r}",
                suggest(name.upper(), caps.capability_names()),
            )
    return tuple(caps.normalize(name) for name in keep)


def _limits(raw) -> dict[str, int]:
    limits = {}
    for key, value in raw.data.get("limits", {}).items():
        source = _origin(raw, f"limits.{key}")
        if key == "timeout":
            limits[key] = parse_duration(value, source, "[limits].timeout")
        else:
            limits[key] = parse_size(value, source, f"[limits].{key}")
    return limits


def parse_size(value, source: str, key: str) -> int:
    """An integer, a size with a unit (512M, 4G), or "unlimited"."""
    if isinstance(value, int):
        if value < 0:
            raise ProfileError(source, key, f"{value} is negative")
        return _bounded_size(value, value, source, key)
    if value.strip().lower() in ("unlimited", "infinity"):
        return UNLIMITED
    match = _SIZE.match(value)
    if not match:
        raise ProfileError(source, key, f"cannot read size {value!r}", "e.g. 1024, 512M, 4G or unlimited")
    scale = 1024 ** "KMGT".find(match[2].upper()) * 1024 if match[2] else 1
    # Fraction, not float: a float turns a long row of digits into inf.
    # Python refuses to read more than 4300 digits: too large anyway.
    too_long = len(match[1]) > 100
    size = LARGEST_SIZE + 1 if too_long else int(fractions.Fraction(match[1]) * scale)
    return _bounded_size(size, value, source, key)


def _bounded_size(size: int, value, source: str, key: str) -> int:
    if size > LARGEST_SIZE:
        raise ProfileError(
            source,
            key,
            f"{reprlib.repr(value)} is too large (at most {LARGEST_SIZE})",
            'for no limit write "unlimited"',
        )
    return size


def parse_duration(value, source: str, key: str) -> float:
    """Seconds (a number, or a string with ms, s, m or h), up to one year."""
    seconds = _duration_seconds(value)
    if seconds is None or not seconds > 0:
        raise ProfileError(
            source, key, f"cannot read duration {reprlib.repr(value)}", "e.g. 30, 1.5s, 10m"
        )
    if seconds > LONGEST_DURATION:
        raise ProfileError(
            source,
            key,
            f"duration {reprlib.repr(value)} is longer than one year",
            f"at most {LONGEST_DURATION // 3600}h",
        )
    return float(seconds)


def _duration_seconds(value) -> float | int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value  # an int stays exact: float() fails on a huge one
    match = _DURATION.match(str(value))
    if not match:
        return None
    factor = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[match[2]]
    return float(match[1]) * factor


def _environment(section: dict) -> Environment:
    return Environment(
        clear=section.get("clear", False),
        keep=tuple(section.get("keep", [])),
        unset=tuple(section.get("unset", [])),
        set=dict(section.get("set", {})),
    )
