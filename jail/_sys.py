"""Wrappers for the system calls Python 3.11 does not offer.

Each one hands its arguments to jail._native, a small C module compiled at
install time, which makes the raw call and raises OSError(errno, ..., name)
when it fails. Structures the kernel reads or fills are built with struct.
ctypes is not used: importing it would cost every launch a few milliseconds.
"""

from __future__ import annotations

import os
import struct

try:
    from jail import _native
except ImportError as error:  # pragma: no cover - a broken install
    raise ImportError(
        "pyjail's C helper jail._native is not built; reinstall pyjail "
        "(sh .ci/setup, or pip install -e .) on this machine"
    ) from error

NR = _native.NUMBERS
_call = _native.syscall

SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_CHILD_SUBREAPER = 36


def load_bpf(program: bytes, flags: int = 0) -> int:
    """Attach one classic-BPF seccomp program to the calling thread."""
    # struct sock_fprog: u16 instruction count, padding, pointer to them.
    fprog = struct.pack("=H6xQ", len(program) // 8, _native.address_of(program))
    return _call("seccomp", NR["seccomp"], SECCOMP_SET_MODE_FILTER, flags, fprog)


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    return _call("prctl", NR["prctl"], option, arg2, arg3, arg4, arg5)


def set_no_new_privs() -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def set_parent_death_signal(signal_number: int) -> None:
    prctl(PR_SET_PDEATHSIG, signal_number)


def set_child_subreaper() -> None:
    prctl(PR_SET_CHILD_SUBREAPER, 1)


CLOSE_RANGE_CLOEXEC = 1 << 2


def close_range_on_exec(first: int, last: int) -> None:
    """Mark descriptors first..last close-on-exec (close_range, Linux 5.11)."""
    _call("close_range", NR["close_range"], first, last, CLOSE_RANGE_CLOEXEC)


def pidfd_open(pid: int) -> int:
    return _call("pidfd_open", NR["pidfd_open"], pid, 0)


def pidfd_getfd(pidfd: int, target_fd: int) -> int:
    return _call("pidfd_getfd", NR["pidfd_getfd"], pidfd, target_fd, 0)


# --- Capabilities -------------------------------------------------------
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def capget() -> tuple[int, int, int]:
    """This process's (effective, permitted, inheritable) sets as 64-bit masks."""
    data = bytearray(24)  # two struct __user_cap_data_struct: low then high words
    _call("capget", NR["capget"], _capability_header(), data)
    words = struct.unpack("=6I", data)
    return tuple(words[i] | words[i + 3] << 32 for i in range(3))


def capset(effective: int, permitted: int, inheritable: int) -> None:
    sets = (effective, permitted, inheritable)
    data = struct.pack("=6I", *(mask & 0xFFFFFFFF for mask in sets), *(mask >> 32 for mask in sets))
    _call("capset", NR["capset"], _capability_header(), data)


def _capability_header() -> bytearray:
    # The kernel writes its preferred version back when it rejects ours.
    return bytearray(struct.pack("=Ii", _LINUX_CAPABILITY_VERSION_3, 0))


# --- Namespaces, mounts and Landlock -------------------------------------
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
OPEN_TREE_CLONE = 1
MOVE_MOUNT_F_EMPTY_PATH = 0x4
MOVE_MOUNT_T_EMPTY_PATH = 0x40
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4
FSCONFIG_SET_STRING = 1
FSOPEN_CLOEXEC = 1
FSMOUNT_CLOEXEC = 1
FSCONFIG_CMD_CREATE = 6
RESOLVE_NO_SYMLINKS = 0x04

LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1


def fork_into(flags: int) -> int:
    """os.fork() whose child starts in the new namespaces named by `flags`."""
    return _native.fork_into(flags)


def mount(
    source: str | None,
    target: str,
    fstype: str | None,
    flags: int,
    data: str | None = None,
) -> None:
    _call(f"mount {target}", NR["mount"], source, target, fstype, flags, data)


def umount2(target: str, flags: int = 0) -> None:
    _call(f"umount {target}", NR["umount2"], target, flags)


def pivot_root(new_root: str, put_old: str) -> None:
    _call("pivot_root", NR["pivot_root"], new_root, put_old)


def sethostname(name: str) -> None:
    data = name.encode()
    _call("sethostname", NR["sethostname"], data, len(data))


def openat2(dirfd: int, path: str, flags: int, resolve: int) -> int:
    """Open `path` with RESOLVE_* restrictions (Linux 5.6)."""
    how = struct.pack("=QQQ", flags, 0, resolve)  # struct open_how
    return _call(path, NR["openat2"], dirfd, path, how, len(how))


def open_tree(dirfd: int, path: str, flags: int) -> int:
    """A detached copy of the mount tree at `path` (Linux 5.2)."""
    return _call("open_tree", NR["open_tree"], dirfd, path, flags)


def move_mount(
    from_fd: int, from_path: str, to_fd: int, to_path: str, flags: int
) -> None:
    _call("move_mount", NR["move_mount"], from_fd, from_path, to_fd, to_path, flags)


def mount_setattr(
    dirfd: int, path: str, flags: int, attr_set: int, attr_clr: int = 0
) -> None:
    """Change mount flags, recursively with AT_RECURSIVE (Linux 5.12)."""
    attr = struct.pack("=QQQQ", attr_set, attr_clr, 0, 0)  # struct mount_attr
    _call("mount_setattr", NR["mount_setattr"], dirfd, path, flags, attr, len(attr))


def fsmount_tmpfs(options: dict[str, str], attr_flags: int = 0) -> int:
    """A new tmpfs that is not attached anywhere yet; returns its mount fd."""
    context = _call("fsopen", NR["fsopen"], "tmpfs", FSOPEN_CLOEXEC)
    try:
        for key, value in options.items():
            _call(f"fsconfig {key}", NR["fsconfig"], context, FSCONFIG_SET_STRING, key, value, 0)
        _call("fsconfig create", NR["fsconfig"], context, FSCONFIG_CMD_CREATE, None, None, 0)
        return _call("fsmount", NR["fsmount"], context, FSMOUNT_CLOEXEC, attr_flags)
    finally:
        os.close(context)


def landlock_abi_version() -> int:
    """The Landlock ABI of the running kernel; 0 when Landlock is missing."""
    try:
        return _call(
            "landlock_create_ruleset", NR["landlock_create_ruleset"],
            None, 0, LANDLOCK_CREATE_RULESET_VERSION,
        )
    except OSError:
        return 0


def landlock_create_ruleset(handled_access_fs: int) -> int:
    attr = struct.pack("=Q", handled_access_fs)  # struct landlock_ruleset_attr
    return _call("landlock_create_ruleset", NR["landlock_create_ruleset"], attr, len(attr), 0)


def landlock_add_path_rule(
    ruleset_fd: int, parent_fd: int, allowed_access: int
) -> None:
    # struct landlock_path_beneath_attr is packed: u64 then s32, 12 bytes.
    rule = struct.pack("=Qi", allowed_access, parent_fd)
    _call("landlock_add_rule", NR["landlock_add_rule"], ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, rule, 0)


def landlock_restrict_self(ruleset_fd: int) -> None:
    _call("landlock_restrict_self", NR["landlock_restrict_self"], ruleset_fd, 0)
