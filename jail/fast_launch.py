"""The cached launch: run a target from a cached spec with few imports.

`pyjail [--profile P] [--quiet] [--] PROGRAM ARGS` whose profile is in the
filter cache needs no TOML, libseccomp, argparse or profile model: only the
modules the child's checklist uses. Anything else (another option, a cache
miss, a program not found) returns None and the full path runs instead,
which also reports every error.
"""

from __future__ import annotations

import os
import sys

SIMPLE_FLAGS = ("--quiet",)


def try_launch(argv: list[str]) -> int | None:
    parsed = _scan(argv)
    if parsed is None:
        return None
    profile_option, quiet, command = parsed

    program = _which(command[0])
    if program is None:
        return None

    from jail import filter_cache

    entry = filter_cache.lookup(filter_cache.request_key(profile_option, program), "plain")
    if entry is None or "isolation" not in entry.get("spec", {}):
        return None

    from jail import launcher, sandbox_steps

    if not quiet:
        for warning in entry["warnings"]:
            print(f"pyjail: warning: {warning}", file=sys.stderr)
    plan = sandbox_steps.plan_from_spec(entry["spec"], program, command, debug=False)
    if quiet:
        return launcher.run(plan)
    from jail import supervisor

    # Denials are reported by default; the profile model is built only if one happens.
    watcher = supervisor.attach(plan, entry, lambda: _profile_from(entry))
    return supervisor.run(plan, watcher)


def _profile_from(entry: dict):
    from jail import launch_setup, profiles

    return profiles.build(launch_setup._raw_from_cache(entry))


def _scan(argv: list[str]):
    """(profile option, quiet, command) for the simple form, else None."""
    profile_option, quiet = None, False
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--":
            index += 1
            break
        if not word.startswith("-"):
            break
        if word in SIMPLE_FLAGS:
            quiet = True
        elif word == "--profile" and index + 1 < len(argv):
            profile_option = argv[index + 1]
            index += 1
        elif word.startswith("--profile="):
            profile_option = word.partition("=")[2]
        else:
            return None
        index += 1
    command = argv[index:]
    return (profile_option, quiet, command) if command else None


def _which(name: str) -> str | None:
    """An executable regular file for `name`, as execvp would find it."""
    if "/" in name:
        candidates = [name]
    else:
        candidates = [os.path.join(d or ".", name) for d in os.environ.get("PATH", os.defpath).split(":")]
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None
