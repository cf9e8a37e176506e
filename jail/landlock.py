"""The read-only / read-write / hidden intent, enforced with Landlock.

Landlock only grants: a right given on a directory holds for everything
beneath it. So "all of / except ~/.ssh" cannot be one rule. The rule set is
built by walking from / towards each restricted path and granting the
wider rights to every sibling on the way instead of to the common parent.
The ABI is read from the running kernel; rights an older ABI does not know
are simply not handled (and --explain lists them).
"""

from __future__ import annotations

import os
import stat

from jail import _sys

# Access rights for files (include/uapi/linux/landlock.h), with the first
# ABI that knows each one.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2: rename and link across directories
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5: ioctl on device files
RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}
ALL_KNOWN = (1 << 16) - 1
READ = EXECUTE | READ_FILE | READ_DIR
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
# What an older kernel cannot control, for --explain.
MISSING_BY_ABI = (
    (
        2,
        "moving or linking files between directories (REFER): "
        "always refused under ABI 1",
    ),
    (3, "truncate(2) of files it may not write (TRUNCATE)"),
    (5, "ioctl(2) on device files (IOCTL_DEV)"),
)


def abi_version() -> int:
    return _sys.landlock_abi_version()


def handled_rights(abi: int) -> int:
    return RIGHTS_BY_ABI.get(abi, ALL_KNOWN) if abi else 0


def unexpressed(abi: int) -> list[str]:
    """Rights the running kernel's Landlock cannot enforce."""
    if abi == 0:
        return ["Landlock is not available in this kernel"]
    return [text for needed, text in MISSING_BY_ABI if abi < needed]


def policy_points(view) -> dict[str, str]:
    """Path -> "rw", "ro" or "hidden"; / is read-write unless the profile says.

    pyjail's own files come last: a read_write path above them must not
    make them writable again.

    A path this user cannot use at all needs no rule: the kernel refuses it
    already. A read-only path gets its rule even where the user cannot write
    the path itself, since a directory may hold files the user can write
    (see restrict() for when such a rule is given up).
    """
    wanted = _usable
    points = {"/": "rw"}
    points.update({path: "ro" for path in view.read_only if wanted(path)})
    points.update({path: "rw" for path in view.read_write})
    points.update({path: "hidden" for path in view.hide if _usable(path)})
    for path in view.protect_read_only:
        _at_most(points, path, "ro", needed=wanted(path))
    # Limitation: Landlock alone keeps pyjail's cache read-only, not hidden:
    # a hidden point takes READ_DIR from every directory above it (Landlock
    # passes rights down), and `ls /` or `ls ~` would fail in every sandbox.
    for path in view.protect_hide:
        _at_most(points, path, "ro", needed=wanted(path))
    return points


STRENGTH = {"hidden": 0, "ro": 1, "rw": 2}


def _at_most(points: dict, path: str, level: str, needed: bool) -> None:
    """Cap `path` and every point below it at `level`: a read_write point
    inside pyjail's own files must not reopen them, and a hidden directory
    above them must stay hidden (the weaker right wins)."""
    for point in points:
        if (point == path or _inside(point, path)) and STRENGTH[points[point]] > STRENGTH[level]:
            points[point] = level
    if needed and path not in points:
        inherited = points[max((p for p in points if _inside(path, p)), key=len)]
        points[path] = min(inherited, level, key=STRENGTH.get)


def _usable(path: str) -> bool:
    return any(os.access(path, mode) for mode in (os.R_OK, os.W_OK, os.X_OK))


def _may_write(path: str) -> bool:
    try:
        return os.access(path, os.W_OK) or os.stat(path).st_uid == os.geteuid()
    except OSError:
        return False


class UnlistableError(OSError):
    """A rule would need a directory this user cannot list."""

    def __init__(self, err: int, text: str, message: str, directory: str):
        super().__init__(err, text, message)
        self.directory = directory


def restrict(view) -> int:
    """Apply the rule set to the calling process; returns the ABI used.

    Runs in the child after the mounts (Landlock forbids mount changes
    afterwards). The caller must already be unable to gain privileges.
    """
    abi = abi_version()
    if abi == 0:
        raise OSError(95, "Landlock is not available in this kernel")  # EOPNOTSUPP
    handled = handled_rights(abi)
    rights = {"rw": handled, "ro": READ & handled, "hidden": 0}
    points = policy_points(view)
    while True:
        try:
            ruleset = _ruleset(points, handled, rights)
            break
        except UnlistableError as error:
            # Limitation: below a directory this user cannot list (a 0711
            # home), a read-only path the user can neither write nor own
            # gets no rule, so a file in it that others may write stays
            # writable; a rule there would cost every other entry of that
            # directory (a mount namespace has no such limit).
            given_up = [
                path for path, level in points.items()
                if level == "ro" and _inside(path, error.directory) and not _may_write(path)
            ]
            if not given_up:
                raise
            for path in given_up:
                del points[path]

    try:
        _sys.set_no_new_privs()
        _sys.landlock_restrict_self(ruleset)
    finally:
        os.close(ruleset)
    return abi


def _ruleset(points: dict, handled: int, rights: dict) -> int:
    ruleset = _sys.landlock_create_ruleset(handled)
    try:
        _cover(ruleset, "/", rights[points["/"]], points, rights)
    except BaseException:
        os.close(ruleset)
        raise
    return ruleset


def _cover(ruleset: int, path: str, granted: int, points: dict, rights: dict) -> None:
    """Grant `granted` on `path` except where a policy point below wants less."""
    below = [p for p in points if p != path and _inside(p, path)]
    common = granted
    for point in below:
        common &= rights[points[point]]
    if common:
        _add(ruleset, path, common)
    if not below or common == granted:
        for point in _top_points(below):
            _cover(ruleset, point, rights[points[point]], points, rights)
        return

    try:
        entries = list(os.scandir(path))
    except OSError as error:
        # Limitation: the other entries of a directory this user cannot list
        # cannot be named, so they could only lose their rights along with
        # the restricted path: pyjail refuses rather than run the program in
        # a view that breaks it for no visible reason.
        raise UnlistableError(
            error.errno,
            error.strerror,
            f"{path} cannot be listed, so Landlock alone cannot restrict only part of it "
            "(a mount namespace can)",
            path,
        ) from None
    visited = set()
    for entry in entries:
        child = os.path.join(path, entry.name)
        visited.add(child)
        if child in points:
            _cover(ruleset, child, rights[points[child]], points, rights)
        elif any(_inside(p, child) for p in below):
            _cover(ruleset, child, granted, points, rights)
        elif not entry.is_symlink():
            # Limitation: entries created after set-up get only `common`.
            _add(ruleset, child, granted)
    # Policy points whose way was not listed (an unlistable directory, or
    # one listed too early): go down that way one step at a time, so that
    # the directories on it keep `granted` and only the point gets less.
    for point in _top_points(below):
        step = _first_step(point, path)
        if step in visited:
            continue
        visited.add(step)
        _cover(ruleset, step, rights[points[step]] if step in points else granted, points, rights)


def _first_step(point: str, parent: str) -> str:
    """The entry of `parent` on the way to `point`: /a/b/c under /a is /a/b."""
    rest = point[len(parent.rstrip("/")) + 1 :]
    return os.path.join(parent, rest.split("/", 1)[0])


def _top_points(paths: list[str]) -> list[str]:
    return [p for p in paths if not any(q != p and _inside(p, q) for q in paths)]


def _inside(path: str, parent: str) -> bool:
    return parent == "/" or path.startswith(parent.rstrip("/") + "/")


def _add(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return  # vanished since the listing: it gets nothing, which is safe
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= FILE_RIGHTS
        if access:
            _sys.landlock_add_path_rule(ruleset, fd, access)
    finally:
        os.close(fd)
