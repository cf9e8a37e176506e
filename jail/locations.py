"""pyjail's own directories, as plain strings.

Kept apart from jail.paths (which works with pathlib for the profile
loader) because a cached launch needs them too, and importing pathlib would
cost it several milliseconds.
"""

from __future__ import annotations

import os
import sys

SYSTEM_PROFILE_DIR = "/etc/pyjail/profiles.d"


def user_config_dir() -> str:
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return os.path.join(config, "pyjail")


def user_profile_dir() -> str:
    return os.path.join(user_config_dir(), "profiles")


def cache_dir() -> str:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(cache, "pyjail")


def trusted_profile_owner(info: os.stat_result) -> bool:
    """Whether a profile file's owner is the user running pyjail or root."""
    return info.st_uid in (os.geteuid(), 0)


def writable_by_others(info: os.stat_result) -> bool:
    return bool(info.st_mode & 0o022)


def package_dir() -> str:
    return os.path.dirname(os.path.realpath(__file__))


def bundled_profile_dir() -> str:
    """profiles.d of a source checkout, else the copy installed as data."""
    beside_package = os.path.join(os.path.dirname(package_dir()), "profiles.d")
    if os.path.isdir(beside_package):
        return beside_package
    return os.path.join(sys.prefix, "share", "pyjail", "profiles.d")
