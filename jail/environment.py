"""The environment the target starts with."""

from __future__ import annotations


# Variables that make the dynamic loader or libc load code or data from a
# caller-chosen place: a sandboxed program must not inherit them by default.
LOADER_VARIABLES = (
    "LD_*",
    "GCONV_PATH",
    "GETCONF_DIR",
    "HOSTALIASES",
    "LOCALDOMAIN",
    "LOCPATH",
    "MALLOC_TRACE",
    "NIS_PATH",
    "NLSPATH",
    "RESOLV_HOST_CONF",
    "RES_OPTIONS",
)
# What a cleared environment still carries, so that ordinary programs work.
BASIC_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "TERM", "LANG", "LC_*", "TZ", "DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR")


def build_environment(rules: dict, current: dict[str, str]) -> dict[str, str]:
    """Apply the profile's clear/keep/unset/set rules to `current`."""
    keep = tuple(rules["keep"])
    if rules["clear"]:
        result = {k: v for k, v in current.items() if _matches(k, BASIC_VARIABLES + keep)}
    else:
        result = dict(current)

    for name in list(result):
        if _matches(name, LOADER_VARIABLES + tuple(rules["unset"])) and not _matches(name, keep):
            del result[name]

    result.update(rules["set"])
    return result


def _matches(name: str, patterns) -> bool:
    """A pattern is a name, or a prefix followed by `*` (LC_*, LD_*)."""
    for pattern in patterns:
        if pattern.endswith("*"):
            if name.startswith(pattern[:-1]):
                return True
        elif name == pattern:
            return True
    return False
