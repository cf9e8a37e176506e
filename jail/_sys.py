"""Thin ctypes wrappers for the system calls Python 3.11 does not offer.

Each wrapper checks the return value first and only then reads errno, and
raises OSError. libc is loaded by its soname: find_library would start
helper processes on every launch.
"""

from __future__ import annotations

import ctypes
import os
import platform

libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.syscall.restype = ctypes.c_long

_SYSCALL_NUMBERS = {
    "x86_64": {"seccomp": 317, "pidfd_open": 434, "pidfd_getfd": 438, "pivot_root": 155,
               "landlock_create_ruleset": 444, "landlock_add_rule": 445,
               "landlock_restrict_self": 446},
    "aarch64": {"seccomp": 277, "pidfd_open": 434, "pidfd_getfd": 438, "pivot_root": 41,
                "landlock_create_ruleset": 444, "landlock_add_rule": 445,
                "landlock_restrict_self": 446},
}
NR = _SYSCALL_NUMBERS.get(platform.machine(), _SYSCALL_NUMBERS["x86_64"])

SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
PR_SET_PDEATHSIG = 1
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


def pidfd_open(pid: int) -> int:
    return _check(libc.syscall(NR["pidfd_open"], pid, 0), "pidfd_open")


def pidfd_getfd(pidfd: int, target_fd: int) -> int:
    return _check(libc.syscall(NR["pidfd_getfd"], pidfd, target_fd, 0), "pidfd_getfd")
