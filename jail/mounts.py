"""The sandbox's private view of the file system, built in a mount namespace.

Paths from the profile are expanded and made canonical before the fork
(`plan_view`); the child then applies the view in a fixed order
(`apply_view`): read-only trees first, private /tmp, home and /dev on top of
them, read-write exceptions, hidden paths last so that nothing covers them,
and a fresh /proc for the PID namespace.

Every mount is made on a file descriptor opened with symlinks refused
(openat2 RESOLVE_NO_SYMLINKS) at the moment of use, never on a path string:
a symlink or a renamed parent slipped in after planning makes set-up fail
instead of hiding, or protecting, the wrong file.
"""

from __future__ import annotations

import os
import stat

from jail import _sys
from jail.errors import ProfileError

DEV_NODES = ("null", "zero", "full", "random", "urandom", "tty")
# Not devices: aliases into the process's own /proc/self/fd, which bash
# process substitution and many scripts open.
DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
             "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
             "ptmx": "pts/ptmx"}  # fmt: skip
PRIVATE_TMP_DIRS = ("/tmp", "/var/tmp")
O_PATH_FLAGS = os.O_PATH | os.O_CLOEXEC


class ViewPlan:
    """Canonical absolute paths, decided before the fork.

    `missing` lists profile paths that do not exist here and so need no
    rule; they are shown by --explain and --debug.
    """

    def __init__(
        self,
        private_tmp,
        private_dev,
        home,
        home_keep,
        read_only,
        read_write,
        hide,
        missing=(),
        pins=(),
        protect_read_only=(),
        protect_hide=(),
    ):
        self.private_tmp, self.private_dev, self.home = private_tmp, private_dev, home
        self.home_keep, self.read_only = home_keep, read_only
        self.read_write, self.hide, self.missing = read_write, hide, tuple(missing)
        # Directories bound onto themselves, unchanged, so that the program
        # cannot rename them (see isolation._pins).
        self.pins = tuple(pins)
        # pyjail's own files (see isolation._protect_pyjail_itself), applied
        # after every profile path so that none can uncover them.
        self.protect_read_only = tuple(protect_read_only)
        self.protect_hide = tuple(protect_hide)
        self.fresh_proc = False

    @property
    def has_paths(self) -> bool:
        return bool(
            self.read_only or self.read_write or self.hide
            or self.protect_read_only or self.protect_hide
        )

    @property
    def private_dirs(self) -> bool:
        """Whether a mount namespace is needed whatever the paths."""
        return bool(self.private_tmp or self.private_dev or self.home)


def plan_view(fs: dict, source: str) -> ViewPlan:
    """Expand ~ and ${VAR} in the profile's paths and resolve their symlinks."""
    missing: list[str] = []

    def paths(key: str) -> tuple[str, ...]:
        found = []
        for index, text in enumerate(fs[key]):
            path = expand_path(text, source, f"[filesystem].{key}[{index}]")
            if os.path.lexists(path):
                found.append(os.path.realpath(path))
            else:
                missing.append(path)
        return tuple(sorted(set(found), key=_depth))

    home = None
    if fs["private_home"]:
        home = os.path.realpath(expand_path("~", source, "[filesystem].private_home"))
    return ViewPlan(
        private_tmp=fs["private_tmp"],
        private_dev=fs["private_dev"],
        home=home,
        home_keep=paths("home_keep"),
        read_only=paths("read_only"),
        read_write=paths("read_write"),
        hide=paths("hide"),
        missing=missing,
        pins=fs.get("pins", ()),
        protect_read_only=fs.get("protect_read_only", ()),
        protect_hide=fs.get("protect_hide", ()),
    )


def expand_path(text: str, source: str, key: str) -> str:
    """`~/x`, `${HOME}/x` and `$XDG_CONFIG_HOME/x` become absolute paths."""
    expanded = os.path.expandvars(os.path.expanduser(text))
    if "$" in expanded:
        raise ProfileError(
            source, key, f"a variable in {text!r} is not set in the environment"
        )
    if not os.path.isabs(expanded):
        raise ProfileError(
            source,
            key,
            f"{text!r} is not an absolute path",
            "start it with /, ~ or ${HOME}",
        )
    return os.path.normpath(expanded)


def _depth(path: str) -> tuple[int, str]:
    return (path.count("/"), path)


# Kernel and hardware settings a root target, even without capabilities,
# could change for the whole machine (core_pattern runs a program as root,
# /sys/power/state suspends it, /proc/bus/pci writes PCI configuration):
# read-only in every view, whatever the profile says.
# Limitation: without a mount namespace (Landlock alone, or nothing) they
# are as writable as the user's own rights make them, for root too.
KERNEL_SETTINGS = (
    "/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/irq", "/proc/acpi",
    "/proc/fs", "/proc/scsi", "/sys",
)


def apply_view(plan: ViewPlan) -> None:
    """Build the view in the current mount namespace. Runs in the child."""
    # First and always: nothing done below may propagate to the host.
    _sys.mount(None, "/", None, _sys.MS_REC | _sys.MS_PRIVATE)
    cwd = _current_directory()
    for path in plan.pins:
        _attach(_clone_tree(path), path)
    # Before the profile's paths, which may name something under /proc.
    if plan.fresh_proc:
        _sys.mount(
            "proc", "/proc", "proc", _sys.MS_NOSUID | _sys.MS_NODEV | _sys.MS_NOEXEC
        )

    _apply_profile_paths(plan)

    # Last: no profile path (read_write, home_keep) may make pyjail's own
    # files or the kernel's settings writable or visible again.
    for path in plan.protect_read_only + KERNEL_SETTINGS:
        _bind_read_only_if_shown(path)
    if plan.protect_hide:
        _hide_all(plan.protect_hide)
    # Limitation: /sys stays the host's, so a new network namespace still
    # lists the host's interfaces under /sys/class/net.

    _return_to(cwd)


def _apply_profile_paths(plan: ViewPlan) -> None:
    """Read-only trees, private /tmp, home and /dev on top of them, the
    read-write exceptions, then the hidden paths, which nothing covers."""
    dev_nodes = _open_dev_nodes() if plan.private_dev else {}
    kept = [
        (path, _clone_tree(path)) for path in plan.home_keep if under(path, plan.home)
    ]
    writable = [(path, _clone_tree(path)) for path in plan.read_write]

    for path in plan.read_only:
        _bind_read_only(path)
    if plan.private_tmp:
        for path in PRIVATE_TMP_DIRS:
            if os.path.isdir(path):
                _sys.mount(
                    "tmpfs", path, "tmpfs", _sys.MS_NOSUID | _sys.MS_NODEV, "mode=1777"
                )
    if plan.home:
        _private_home(plan.home, kept)
    if plan.private_dev:
        _private_dev(dev_nodes)
    for path, tree in writable:
        _attach(tree, path)
    if plan.hide:
        _hide_all(plan.hide)


def _current_directory() -> str | None:
    try:
        return os.getcwd()
    except OSError:
        return None


def _return_to(cwd: str | None) -> None:
    """Re-enter the working directory through the new view.

    The old working directory still points into the host's tree; keeping it
    would let the target walk around a private /tmp or a hidden directory.
    """
    for candidate in (cwd, os.environ.get("HOME"), "/"):
        if candidate:
            try:
                os.chdir(candidate)
                return
            except OSError:
                continue


def under(path: str, parent: str | None) -> bool:
    """Whether `path` is `parent` or below it (both already resolved)."""
    return parent is not None and (
        path == parent or path.startswith(parent.rstrip("/") + "/")
    )


def _open_exact(path: str) -> int:
    """An O_PATH descriptor for `path`, refusing any symlink on the way."""
    return _sys.openat2(-100, path, O_PATH_FLAGS, _sys.RESOLVE_NO_SYMLINKS)


def _clone_tree(path: str) -> int:
    """A detached copy of the mounts at and below `path`, as they are now."""
    fd = _open_exact(path)
    try:
        return _sys.open_tree(
            fd,
            "",
            _sys.OPEN_TREE_CLONE
            | _sys.AT_RECURSIVE
            | _sys.AT_EMPTY_PATH
            | os.O_CLOEXEC,
        )
    finally:
        os.close(fd)


def _attach(tree: int, path: str) -> None:
    """Mount a detached tree on top of whatever `path` shows now."""
    try:
        target = _open_exact(path)
    except FileNotFoundError:
        os.close(tree)  # covered by a private directory: nothing to attach to
        return
    try:
        flags = _sys.MOVE_MOUNT_F_EMPTY_PATH | _sys.MOVE_MOUNT_T_EMPTY_PATH
        _sys.move_mount(tree, "", target, "", flags)
    finally:
        os.close(target)
        os.close(tree)


def _bind_read_only(path: str) -> None:
    tree = _clone_tree(path)
    _sys.mount_setattr(
        tree, "", _sys.AT_EMPTY_PATH | _sys.AT_RECURSIVE, _sys.MOUNT_ATTR_RDONLY
    )
    _attach(tree, path)


def _bind_read_only_if_shown(path: str) -> None:
    try:
        _bind_read_only(path)
    except FileNotFoundError:
        pass  # under a private directory the view does not show


def _private_home(home: str, kept: list[tuple[str, int]]) -> None:
    options = f"mode=0700,uid={os.geteuid()},gid={os.getegid()}"
    _sys.mount("tmpfs", home, "tmpfs", _sys.MS_NOSUID | _sys.MS_NODEV, options)
    for path, tree in kept:
        _make_mount_point(path, tree)
        _attach(tree, path)


def _make_mount_point(path: str, tree: int) -> None:
    """An empty file or directory in the new home to attach a kept path on."""
    is_dir = stat.S_ISDIR(os.fstat(tree).st_mode)
    os.makedirs(path if is_dir else os.path.dirname(path), mode=0o700, exist_ok=True)
    if not is_dir and not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600))


def _open_dev_nodes() -> dict[str, int]:
    return {name: os.open(f"/dev/{name}", O_PATH_FLAGS) for name in DEV_NODES}


def _private_dev(nodes: dict[str, int]) -> None:
    """A /dev holding only the harmless devices, a new devpts and /dev/shm."""
    _sys.mount(
        "tmpfs", "/dev", "tmpfs", _sys.MS_NOSUID | _sys.MS_NOEXEC, "mode=0755,size=64k"
    )
    for name, fd in nodes.items():
        target = f"/dev/{name}"
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o666))
        _sys.mount(f"/proc/self/fd/{fd}", target, None, _sys.MS_BIND)
        os.close(fd)

    # Limitation: the caller's own terminal has no name under the new
    # devpts; it still works through the inherited descriptors, but tty(1)
    # cannot name it.
    os.mkdir("/dev/pts", 0o755)
    # A new devpts instance: the host's other terminals are not reachable.
    _sys.mount(
        "devpts",
        "/dev/pts",
        "devpts",
        _sys.MS_NOSUID | _sys.MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620",
    )
    os.mkdir("/dev/shm", 0o1777)
    _sys.mount(
        "tmpfs", "/dev/shm", "tmpfs", _sys.MS_NOSUID | _sys.MS_NODEV, "mode=1777"
    )
    for name, target in DEV_LINKS.items():
        os.symlink(target, f"/dev/{name}")


def _hide_all(paths: tuple[str, ...]) -> None:
    """Cover each path with an empty, unreadable, read-only file or directory."""
    # Limitation: only the path is covered. The same files stay reachable
    # through another mount of their file system (a bind mount elsewhere,
    # or a hard link outside the hidden directory).
    blank = _sys.fsmount_tmpfs({"mode": "000", "size": "4k"})
    try:
        os.mkdir("d", 0o000, dir_fd=blank)
        os.close(
            os.open("f", os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o000, dir_fd=blank)
        )
        _sys.mount_setattr(blank, "", _sys.AT_EMPTY_PATH, _sys.MOUNT_ATTR_RDONLY)
        for path in paths:
            _hide(path, blank)
    finally:
        os.close(blank)


def _hide(path: str, blank: int) -> None:
    try:
        target = _open_exact(path)
    except FileNotFoundError:
        return  # already covered by a private directory
    try:
        name = "d" if stat.S_ISDIR(os.fstat(target).st_mode) else "f"
        cover = _sys.open_tree(blank, name, _sys.OPEN_TREE_CLONE | os.O_CLOEXEC)
        try:
            flags = _sys.MOVE_MOUNT_F_EMPTY_PATH | _sys.MOVE_MOUNT_T_EMPTY_PATH
            _sys.move_mount(cover, "", target, "", flags)
        finally:
            os.close(cover)
    finally:
        os.close(target)
