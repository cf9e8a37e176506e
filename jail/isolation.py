"""Namespaces, the file-system view and Landlock: from profile to child steps.

`isolation_spec` turns a profile into plain values (they are cached with the
filter). `plan` decides, at every launch, what this user on this kernel
gets: paths depend on $HOME and on what exists now, the user namespace on
the uid. `steps` lists the child's set-up steps that come before the
resource limits. Anything asked for that cannot be had is an error here,
before the fork; nothing is downgraded without a line that says so.
"""

from __future__ import annotations

import os

from jail import landlock, mounts, namespaces
from jail.errors import UnsupportedError

NAMESPACE_KEYS = (
    "enabled",
    "user",
    "mount",
    "pid",
    "net",
    "ipc",
    "uts",
    "cgroup",
    "hostname",
    "root_inside",
)
FILESYSTEM_KEYS = (
    "private_tmp",
    "private_dev",
    "private_home",
    "home_keep",
    "read_only",
    "read_write",
    "hide",
    "landlock",
)


def isolation_spec(profile) -> dict:
    """The profile's isolation sections as plain values."""
    return {
        "source": profile.source,
        "namespaces": {key: getattr(profile.namespaces, key) for key in NAMESPACE_KEYS},
        "filesystem": {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in (
                (k, getattr(profile.filesystem, k)) for k in FILESYSTEM_KEYS
            )
        },
        "network": profile.network,
        # Read-only inside the sandbox where this user could write them.
        "profile_files": list(profile.files),
    }


class Isolation:
    """What this launch will create: namespaces, the view, and Landlock's use.

    `landlock` is "" when Landlock is not applied, else why it is.
    `notes` are the lines --debug and --explain print about downgrades.
    """

    def __init__(self, namespaces_plan, view, landlock_reason, landlock_abi, notes):
        self.namespaces = namespaces_plan
        self.view = view
        self.landlock = landlock_reason
        self.landlock_abi = landlock_abi
        self.notes = notes


def plan(spec: dict, profile_name: str, program: str = "") -> Isolation:
    """Decide what this launch gets; raises when the profile cannot be honoured."""
    fs, protection_note = _protect_pyjail_itself(spec)
    view = mounts.plan_view(fs, spec["source"])
    _check_program_visible(view, program, profile_name)
    _check_home_outside_private_tmp(view, profile_name)
    ns = namespaces.plan_namespaces(
        spec["namespaces"], view.private_dirs or view.has_paths
    )
    notes = []
    if view.private_dirs and not ns.mount:
        raise UnsupportedError(
            profile_name,
            "filesystem",
            "private /tmp, /dev or home need a mount namespace, and namespaces are off",
            "drop them, or allow namespaces",
        )
    view.fresh_proc = ns.pid

    abi = landlock.abi_version()
    reason = _landlock_reason(fs["landlock"], view, ns, abi, profile_name)
    if view.has_paths and ns.mount and not reason:
        notes.append("landlock: not used, the mount namespace enforces the paths")
    for path in view.missing:
        notes.append(f"filesystem: {path} does not exist here: no rule needed")
    if protection_note:
        notes.append(protection_note)
    return Isolation(ns, view, reason, abi, notes)


def _protect_pyjail_itself(spec: dict) -> tuple[dict, str]:
    """Add pyjail's own files to the view: a sandboxed program must not plant
    a filter in the cache, a profile or a .local.toml for the next launch,
    or change pyjail's code. The cache is hidden; the profile directories
    and the code are read-only wherever this user could write them.

    Returns the filesystem section to plan with, and a note for --debug.
    """
    fs = spec["filesystem"]
    if not spec["namespaces"]["enabled"] and fs["landlock"] == "off":
        # Limitation: with namespaces and Landlock both off nothing can stop
        # the program from writing pyjail's cache and profiles.
        return fs, "filesystem: pyjail's cache and profiles are NOT protected (no namespaces, no Landlock)"

    import sys

    from jail import locations

    cache = locations.cache_dir()
    config = locations.user_config_dir()
    for directory in (cache, config):
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError:
            pass  # cannot exist (a file in the way): nothing there to protect
    candidates = [
        config,
        _nearest_existing(os.path.dirname(locations.SYSTEM_PROFILE_DIR)),
        locations.bundled_profile_dir(),
        locations.package_dir(),
        sys.prefix,
        # Where the next pyjail imports from: a module planted in any of
        # them (an editable install puts the checkout itself there) would
        # run in pyjail, outside every sandbox.
        *(entry for entry in sys.path if entry and os.path.isdir(entry)),
        *spec.get("profile_files", []),
    ]
    # Paths inside a private home are protected too: home_keep may bring
    # them back. The mounts skip what the finished view does not show.
    # Also where this user cannot write the directory itself: it may hold
    # files or directories the user can write, or chmod back.
    read_only = _outermost(os.path.realpath(path) for path in candidates if os.path.exists(path))
    hide = [os.path.realpath(cache)] if _own_directory(cache) else []
    protected = dict(fs)
    protected["protect_read_only"] = read_only
    protected["protect_hide"] = hide
    protected["pins"] = _pins(read_only + hide, fs)
    return protected, ""


def _outermost(paths) -> list[str]:
    """The paths without those inside another one (one mount covers them)."""
    unique = sorted(set(paths), key=lambda path: path.count("/"))
    kept: list[str] = []
    for path in unique:
        if not any(mounts.under(path, other) for other in kept):
            kept.append(path)
    return kept


def _pins(protected: list[str], fs: dict) -> list[str]:
    """Directories on the way to a protected path that the program could
    rename, with the protected path inside, and replace by its own (moving
    ~/.config aside, then making a new ~/.config/pyjail): each is bound onto
    itself, unchanged, because the kernel refuses to rename a mount point.

    Only directories the profile leaves writable are pinned, before any
    other mount, so a pin never changes what can be written.
    """
    restricted = [os.path.realpath(os.path.expanduser(p)) for p in fs["read_only"] + fs["hide"]]
    pins = []
    for path in protected:
        directory = os.path.dirname(path)
        while directory != "/":
            parent = os.path.dirname(directory)
            if (
                directory not in pins
                and directory not in protected
                and os.access(parent, os.W_OK)
                and not any(mounts.under(directory, r) for r in restricted)
            ):
                pins.append(directory)
            directory = parent
    return sorted(pins, key=lambda path: path.count("/"))


def _own_directory(path: str) -> bool:
    """Whether `path` is a directory of this user's (a cache under another
    user's home, with HOME left pointing there, is not ours to protect, and
    this user cannot write it anyway)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return os.path.isdir(path) and info.st_uid == os.getuid()


def _nearest_existing(path: str) -> str:
    """The path, or the closest ancestor that exists (/etc for /etc/pyjail):
    a directory that does not exist yet could be created by the sandbox."""
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def _check_program_visible(view, program: str, profile_name: str) -> None:
    """A program under a private or hidden directory would be "not found"
    inside; say why instead."""
    real = mounts.os.path.realpath(program) if program else ""
    covered = [(d, "private_tmp") for d in mounts.PRIVATE_TMP_DIRS if view.private_tmp]
    covered += [(view.home, "private_home")] if view.home else []
    covered += [(path, "hide") for path in view.hide]
    for directory, key in covered:
        if real.startswith(directory.rstrip("/") + "/"):
            # `pyjail build` has no --no-private-tmp: name the key as well.
            hint = "move it" if key == "hide" else (
                f"move it, or turn it off: --no-{key.replace('_', '-')}, or "
                f"{key} = false in a profile, which pyjail build takes with --base"
            )
            raise UnsupportedError(
                profile_name,
                f"[filesystem].{key}",
                f"{program} is under {directory}, which the sandbox does not show",
                hint,
            )


def _check_home_outside_private_tmp(view, profile_name: str) -> None:
    """A private home inside a private /tmp would have nothing to be mounted on."""
    for directory in mounts.PRIVATE_TMP_DIRS if view.private_tmp and view.home else ():
        if mounts.under(view.home, directory):
            raise UnsupportedError(
                profile_name,
                "[filesystem].private_home",
                f"the home {view.home} is under {directory}, which private_tmp empties",
                "turn one of them off: --no-private-tmp or --no-private-home",
            )


def _landlock_reason(mode: str, view, ns, abi: int, profile_name: str) -> str:
    """Why Landlock is applied ("" when it is not); raise when it must be and cannot."""
    if mode == "off":
        if view.has_paths and not ns.mount:
            raise UnsupportedError(
                profile_name,
                "filesystem",
                "read-only and hidden paths need a mount namespace or Landlock, "
                "and both are off",
                'set [filesystem].landlock = "auto", or allow namespaces',
            )
        return ""
    if mode == "required":
        if abi == 0:
            raise UnsupportedError(
                profile_name,
                "landlock",
                "Landlock is not available in this kernel",
                'set [filesystem].landlock = "auto"',
            )
        return "required by the profile"
    if view.has_paths and not ns.mount:
        if abi == 0:
            raise UnsupportedError(
                profile_name,
                "filesystem",
                "read-only and hidden paths need a mount namespace or Landlock; "
                "this kernel has no Landlock",
                "allow namespaces",
            )
        return "no mount namespace: Landlock alone enforces the paths"
    return ""


def steps(isolation: Isolation) -> list:
    """The child's isolation steps, in order, before limits and capabilities."""
    ns, view = isolation.namespaces, isolation.view
    result = []
    if ns.mount:
        result.append(("filesystem view", lambda: mounts.apply_view(view)))
    if ns.hostname and "uts" in ns.names:
        result.append(("hostname", lambda: namespaces.set_hostname(ns.hostname)))
    if ns.loopback:
        result.append(("loopback", namespaces.bring_loopback_up))
    if isolation.landlock:
        result.append(
            (
                "landlock",
                lambda: landlock.restrict(view),
            )
        )
    return result
