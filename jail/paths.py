"""Where pyjail looks for profiles and keeps its cache."""

from __future__ import annotations

import os
from pathlib import Path

from jail import locations

SYSTEM_PROFILE_DIR = Path(locations.SYSTEM_PROFILE_DIR)


def user_profile_dir() -> Path:
    return Path(locations.user_profile_dir())


def bundled_profile_dir() -> Path:
    return Path(locations.bundled_profile_dir())


def profile_dirs() -> list[Path]:
    """The profile directories, most specific first."""
    return [user_profile_dir(), SYSTEM_PROFILE_DIR, bundled_profile_dir()]


# While a profile is being resolved: every path probed, with the bytes read
# from it or None where there was no file. The filter cache checks exactly
# these paths before it trusts an entry.
_probes: dict | None = None


class recording_probes:
    """Context manager collecting the probes of one profile resolution."""

    def __enter__(self) -> dict:
        global _probes
        _probes = {}
        return _probes

    def __exit__(self, *exc_info) -> None:
        global _probes
        _probes = None


def note_read(path, content: bytes) -> None:
    if _probes is not None:
        _probes[_absolute(path)] = content


def _absolute(path) -> str:
    """The path made absolute as the kernel would resolve it: without
    os.path.abspath's folding of "..", which ignores symlinks."""
    text = os.fspath(path)
    return text if os.path.isabs(text) else os.path.join(os.getcwd(), text)


def is_file(path: Path) -> bool:
    """Path.is_file that treats an unreadable directory as empty.

    A user may run pyjail with HOME still pointing at another user's home.
    """
    try:
        found = path.is_file()
    except OSError:
        found = False
    if not found and _probes is not None:
        _probes.setdefault(_absolute(path), None)
    return found


def is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def profile_names() -> set[str]:
    names = set()
    for directory in profile_dirs():
        if is_dir(directory):
            names.update(
                p.stem for p in directory.glob("*.toml") if not p.stem.endswith(".local")
            )
    return names
