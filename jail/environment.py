"""The environment the target starts with."""

from __future__ import annotations

import fnmatch

from jail.profile import Environment

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


def build_environment(spec: Environment, current: dict[str, str]) -> dict[str, str]:
    """Apply clear/keep/unset/set from the profile to `current`."""
    if spec.clear:
        wanted = BASIC_VARIABLES + spec.keep
        result = {k: v for k, v in current.items() if _matches(k, wanted)}
    else:
        result = dict(current)

    for name in list(result):
        if _matches(name, LOADER_VARIABLES + spec.unset) and not _matches(name, spec.keep):
            del result[name]

    result.update(spec.set)
    return result


def _matches(name: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
