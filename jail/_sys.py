"""Thin ctypes wrappers for the system calls Python 3.11 does not offer.

Each wrapper checks the return value first and only then reads errno, and
raises OSError. libc is loaded by its soname: find_library would start
helper processes on every launch.
"""

from __future__ import annotations

import ctypes
import os

libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.syscall.restype = ctypes.c_long

_SYSCALL_NUMBERS = {
    "x86_64": {"seccomp": 317, "pidfd_open": 434, "pidfd_getfd": 438, "pivot_root": 155,
               "landlock_create_ruleset": 444, "landlock_add_rule": 445,
               "landlock_restrict_self": 446, "close_range": 436},
    "aarch64": {"seccomp": 277, "pidfd_open": 434, "pidfd_getfd": 438, "pivot_root": 41,
                "landlock_create_ruleset": 444, "landlock_add_rule": 445,
                "landlock_restrict_self": 446, "close_range": 436},
}
NR = _SYSCALL_NUMBERS.get(os.uname().machine, _SYSCALL_NUMBERS["x86_64"])

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


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), what)
    return result


def load_bpf(program: bytes, flags: int = 0) -> int:
    """Attach one classic-BPF seccomp program to the calling thread."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    result = libc.syscall(
        NR["seccomp"], SECCOMP_SET_MODE_FILTER, ctypes.c_uint(flags), ctypes.byref(fprog)
    )
    return _check(result, "seccomp")


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    args = [ctypes.c_ulong(a) for a in (arg2, arg3, arg4, arg5)]
    return _check(libc.prctl(option, *args), "prctl")


def set_no_new_privs() -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def set_parent_death_signal(signal_number: int) -> None:
    prctl(PR_SET_PDEATHSIG, signal_number)


def set_child_subreaper() -> None:
    prctl(PR_SET_CHILD_SUBREAPER, 1)


CLOSE_RANGE_CLOEXEC = 1 << 2


def close_range_on_exec(first: int, last: int) -> None:
    """Mark descriptors first..last close-on-exec (close_range, Linux 5.11)."""
    _check(libc.syscall(NR["close_range"], ctypes.c_uint(first), ctypes.c_uint(last), ctypes.c_uint(CLOSE_RANGE_CLOEXEC)), "close_range")


def pidfd_open(pid: int) -> int:
    return _check(libc.syscall(NR["pidfd_open"], pid, 0), "pidfd_open")


def pidfd_getfd(pidfd: int, target_fd: int) -> int:
    return _check(libc.syscall(NR["pidfd_getfd"], pidfd, target_fd, 0), "pidfd_getfd")


# --- Namespaces, mounts and Landlock -------------------------------------
# Syscall numbers from 424 up are the same on every architecture.
NR_OPEN_TREE = 428
NR_MOVE_MOUNT = 429
NR_FSOPEN = 430
NR_FSCONFIG = 431
NR_FSMOUNT = 432
NR_OPENAT2 = 437
NR_MOUNT_SETATTR = 442

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
FSCONFIG_CMD_CREATE = 6
RESOLVE_NO_SYMLINKS = 0x04

LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


class _OpenHow(ctypes.Structure):
    _fields_ = [
        ("flags", ctypes.c_uint64),
        ("mode", ctypes.c_uint64),
        ("resolve", ctypes.c_uint64),
    ]


class _LandlockRulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _LandlockPathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _path(text: str | None):
    return None if text is None else os.fsencode(text)


def unshare(flags: int) -> None:
    _check(libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(
    source: str | None,
    target: str,
    fstype: str | None,
    flags: int,
    data: str | None = None,
) -> None:
    result = libc.mount(
        _path(source), _path(target), _path(fstype), ctypes.c_ulong(flags), _path(data)
    )
    _check(result, f"mount {target}")


def umount2(target: str, flags: int = 0) -> None:
    _check(libc.umount2(_path(target), ctypes.c_int(flags)), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    _check(
        libc.syscall(NR["pivot_root"], _path(new_root), _path(put_old)), "pivot_root"
    )


def sethostname(name: str) -> None:
    data = name.encode()
    _check(libc.sethostname(data, ctypes.c_size_t(len(data))), "sethostname")


def openat2(dirfd: int, path: str, flags: int, resolve: int) -> int:
    """Open `path` with RESOLVE_* restrictions (Linux 5.6)."""
    how = _OpenHow(flags, 0, resolve)
    result = libc.syscall(
        NR_OPENAT2, dirfd, _path(path), ctypes.byref(how), ctypes.sizeof(how)
    )
    return _check(result, path)


def open_tree(dirfd: int, path: str, flags: int) -> int:
    """A detached copy of the mount tree at `path` (Linux 5.2)."""
    return _check(
        libc.syscall(NR_OPEN_TREE, dirfd, _path(path), ctypes.c_uint(flags)),
        "open_tree",
    )


def move_mount(
    from_fd: int, from_path: str, to_fd: int, to_path: str, flags: int
) -> None:
    result = libc.syscall(
        NR_MOVE_MOUNT,
        from_fd,
        _path(from_path),
        to_fd,
        _path(to_path),
        ctypes.c_uint(flags),
    )
    _check(result, "move_mount")


def mount_setattr(
    dirfd: int, path: str, flags: int, attr_set: int, attr_clr: int = 0
) -> None:
    """Change mount flags, recursively with AT_RECURSIVE (Linux 5.12)."""
    attr = _MountAttr(attr_set, attr_clr, 0, 0)
    result = libc.syscall(
        NR_MOUNT_SETATTR,
        dirfd,
        _path(path),
        ctypes.c_uint(flags),
        ctypes.byref(attr),
        ctypes.sizeof(attr),
    )
    _check(result, "mount_setattr")


def fsmount_tmpfs(options: dict[str, str], attr_flags: int = 0) -> int:
    """A new tmpfs that is not attached anywhere yet; returns its mount fd."""
    context = _check(
        libc.syscall(NR_FSOPEN, b"tmpfs", ctypes.c_uint(1)), "fsopen"
    )  # FSOPEN_CLOEXEC
    try:
        for key, value in options.items():
            _check(
                libc.syscall(
                    NR_FSCONFIG,
                    context,
                    FSCONFIG_SET_STRING,
                    key.encode(),
                    value.encode(),
                    0,
                ),
                f"fsconfig {key}",
            )
        _check(
            libc.syscall(NR_FSCONFIG, context, FSCONFIG_CMD_CREATE, None, None, 0),
            "fsconfig create",
        )
        return _check(
            libc.syscall(
                NR_FSMOUNT, context, ctypes.c_uint(1), ctypes.c_uint(attr_flags)
            ),
            "fsmount",
        )
    finally:
        os.close(context)


def landlock_abi_version() -> int:
    """The Landlock ABI of the running kernel; 0 when Landlock is missing."""
    result = libc.syscall(
        NR["landlock_create_ruleset"], None, 0, LANDLOCK_CREATE_RULESET_VERSION
    )
    return result if result >= 0 else 0


def landlock_create_ruleset(handled_access_fs: int) -> int:
    attr = _LandlockRulesetAttr(handled_access_fs)
    result = libc.syscall(
        NR["landlock_create_ruleset"], ctypes.byref(attr), ctypes.sizeof(attr), 0
    )
    return _check(result, "landlock_create_ruleset")


def landlock_add_path_rule(
    ruleset_fd: int, parent_fd: int, allowed_access: int
) -> None:
    rule = _LandlockPathBeneath(allowed_access, parent_fd)
    result = libc.syscall(
        NR["landlock_add_rule"],
        ruleset_fd,
        LANDLOCK_RULE_PATH_BENEATH,
        ctypes.byref(rule),
        0,
    )
    _check(result, "landlock_add_rule")


def landlock_restrict_self(ruleset_fd: int) -> None:
    _check(
        libc.syscall(NR["landlock_restrict_self"], ruleset_fd, 0),
        "landlock_restrict_self",
    )
