"""Command-line overrides of the profile's isolation keys.

Each option maps to one profile key and wins over the profile, whichever
profile was chosen (--profile or the per-application default). Lists such as
--hide add to the profile's list.
"""

from __future__ import annotations

import argparse

LIMIT_OPTIONS = {
    "nofile": "open files (RLIMIT_NOFILE)",
    "nproc": "processes of this user (RLIMIT_NPROC)",
    "as": "address space, e.g. 4G (RLIMIT_AS)",
    "fsize": "size of a written file, e.g. 512M (RLIMIT_FSIZE)",
    "cpu": "CPU seconds (RLIMIT_CPU)",
    "core": "core dump size (RLIMIT_CORE)",
}
SOURCE = "command line"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The isolation options, as one group of `pyjail --help`."""
    group = parser.add_argument_group(
        "isolation (each overrides the profile's key)",
    )
    group.add_argument(
        "--explain",
        action="store_true",
        help="print what this kernel will enforce for the profile (and PROGRAM), "
        "and exit",
    )
    group.add_argument(
        "--net",
        choices=("none", "host"),
        help="none: a new network namespace with only loopback ([network].mode)",
    )
    group.add_argument(
        "--private-tmp",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="an empty /tmp and /var/tmp ([filesystem].private_tmp)",
    )
    group.add_argument(
        "--private-dev",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a /dev with only null zero full random urandom tty pts ptmx shm "
        "([filesystem].private_dev)",
    )
    group.add_argument(
        "--private-home",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="an empty home that keeps only [filesystem].home_keep",
    )
    group.add_argument(
        "--read-only",
        action="append",
        default=[],
        metavar="PATH",
        help="make PATH read-only; repeatable ([filesystem].read_only)",
    )
    group.add_argument(
        "--read-write",
        action="append",
        default=[],
        metavar="PATH",
        help="keep PATH writable inside a read-only tree; repeatable "
        "([filesystem].read_write)",
    )
    group.add_argument(
        "--hide",
        action="append",
        default=[],
        metavar="PATH",
        help="make PATH unreadable and unlistable; repeatable ([filesystem].hide)",
    )
    group.add_argument(
        "--landlock",
        choices=("auto", "off", "required"),
        help="use Landlock: auto (when there is no mount namespace), off, or "
        "required ([filesystem].landlock)",
    )
    group.add_argument(
        "--hostname",
        metavar="NAME",
        help="hostname in a new UTS namespace ([namespaces].hostname)",
    )
    group.add_argument(
        "--no-namespaces",
        action="store_true",
        help="create no namespace at all ([namespaces].enabled = false); this also "
        "drops private /tmp, /dev and home, and read-only and hidden paths are "
        "enforced by Landlock alone",
    )
    for name, text in LIMIT_OPTIONS.items():
        group.add_argument(
            f"--rlimit-{name}", metavar="N", help=f"limit {text} ([limits].{name})"
        )
    group.add_argument(
        "--timeout",
        metavar="DURATION",
        help="kill the whole sandbox after DURATION (30, 1.5s, 10m), exit 124 "
        "([limits].timeout)",
    )


def apply(profile, options):
    """The profile with the command line's isolation options applied."""
    import dataclasses

    options = _Options(options)
    namespaces = _namespace_changes(options)
    filesystem = _filesystem_changes(profile.filesystem, options)
    limits = _limit_changes(profile.limits, options)
    changes = {}
    if namespaces:
        changes["namespaces"] = dataclasses.replace(profile.namespaces, **namespaces)
    if filesystem:
        changes["filesystem"] = dataclasses.replace(profile.filesystem, **filesystem)
    if options.net:
        changes["network"] = options.net
    if limits != profile.limits:
        changes["limits"] = limits
    return dataclasses.replace(profile, **changes) if changes else profile


class _Options:
    """Options with every isolation attribute, for callers that build their own."""

    def __init__(self, options):
        self._options = options

    def __getattr__(self, name):
        default = [] if name in ("read_only", "read_write", "hide") else None
        return getattr(self._options, name, default)


def _namespace_changes(options) -> dict:
    changes: dict = {}
    if options.net:
        changes["net"] = options.net == "none"
    if options.hostname:
        changes["hostname"] = options.hostname
        changes["uts"] = True
    if options.no_namespaces:
        changes["enabled"] = False
    return changes


def _filesystem_changes(fs, options) -> dict:
    changes = {}
    for key in ("private_tmp", "private_dev", "private_home"):
        value = getattr(options, key)
        if options.no_namespaces:
            value = False  # they need a mount namespace; paths go to Landlock
        if value is not None:
            changes[key] = value
    for key in ("read_only", "read_write", "hide"):
        extra = tuple(getattr(options, key))
        for path in extra:
            _check_path(path, "--" + key.replace("_", "-"))
        if extra:
            changes[key] = getattr(fs, key) + extra
    if options.landlock:
        changes["landlock"] = options.landlock
    return changes


def _check_path(path: str, option: str) -> None:
    """Relative paths would depend on the directory pyjail runs in: refuse."""
    from jail.errors import ProfileError

    if not path.startswith(("/", "~", "$")):
        raise ProfileError(
            SOURCE,
            option,
            f"{path!r} is not an absolute path",
            "start it with /, ~ or ${HOME}",
        )
    # A profile may name paths that do not exist on every machine; a path
    # typed on the command line that does not exist is a typo, and would
    # protect nothing.
    import os

    expanded = os.path.expandvars(os.path.expanduser(path))
    if not os.path.lexists(expanded):
        raise ProfileError(SOURCE, option, f"{path!r} does not exist", "check the spelling")


def _limit_changes(limits: dict, options) -> dict:
    from jail.profiles import parse_duration, parse_size

    result = dict(limits)
    for name in LIMIT_OPTIONS:
        value = getattr(options, f"rlimit_{name}")
        if value is not None:
            result[name] = parse_size(value, SOURCE, f"--rlimit-{name}")
    if options.timeout is not None:
        result["timeout"] = parse_duration(options.timeout, SOURCE, "--timeout")
    return result
