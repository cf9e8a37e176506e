"""Drop capabilities: bounding, ambient and inheritable sets, and the rest.

Capability numbers are the kernel's (include/uapi/linux/capability.h); the
table is data so that validating a profile needs no extension module.
"""

from __future__ import annotations

import ctypes
import errno

from jail import _sys

_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]

CAPABILITIES = (
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill",
    "setgid", "setuid", "setpcap", "linux_immutable", "net_bind_service",
    "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
    "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
    "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time",
    "sys_tty_config", "mknod", "lease", "audit_write", "audit_control",
    "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
    "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
)  # fmt: skip
CAP_SETPCAP = CAPABILITIES.index("setpcap")


def normalize(name: str) -> str:
    """"CAP_NET_RAW", "net_raw" and "NET_RAW" all name net_raw."""
    name = name.strip().lower()
    return name[4:] if name.startswith("cap_") else name


def capability_number(name: str) -> int | None:
    name = normalize(name)
    return CAPABILITIES.index(name) if name in CAPABILITIES else None


def capability_names() -> list[str]:
    return ["CAP_" + name.upper() for name in CAPABILITIES]


def last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            return int(handle.read())
    except OSError:
        return len(CAPABILITIES) - 1


def drop_capabilities(keep: tuple[str, ...]) -> None:
    """Keep only `keep` in every set the target could use after execve.

    Without CAP_SETPCAP (an ordinary user outside a user namespace) the
    bounding set cannot shrink; that is safe only when the process holds no
    capability at all, since no_new_privs then stops it from gaining any.
    """
    kept = {capability_number(name) for name in keep}
    _sys.prctl(_sys.PR_CAP_AMBIENT, _sys.PR_CAP_AMBIENT_CLEAR_ALL)

    can_drop_bounding = _has_effective(CAP_SETPCAP)
    for number in range(last_capability() + 1):
        if number in kept:
            continue
        if can_drop_bounding:
            _sys.prctl(_sys.PR_CAPBSET_DROP, number)

    # The permitted and effective sets are left alone: the remaining set-up
    # steps may need them, and execve recomputes both from the bounding set.
    _set_inheritable(sum(1 << number for number in kept))

    if not can_drop_bounding and _permitted_count() > len(kept):
        raise OSError(errno.EPERM, "cannot drop the bounding set without CAP_SETPCAP")


def _set_inheritable(mask: int) -> None:
    """capset with only the inheritable set changed."""
    _capset(lambda data: _fill(data, "inheritable", mask))


def clear_own_capabilities() -> None:
    """Empty this process's effective, permitted and inheritable sets."""

    def clear(data):
        for field in ("effective", "permitted", "inheritable"):
            _fill(data, field, 0)

    _capset(clear)


def _fill(data, field: str, mask: int) -> None:
    setattr(data[0], field, mask & 0xFFFFFFFF)
    setattr(data[1], field, mask >> 32)


def _capset(change) -> None:
    """capget, change the sets, capset.

    Two raw calls rather than python-prctl: importing that module would cost
    every launch about two milliseconds.
    """
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if _sys.libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed", "capget")
    change(data)
    if _sys.libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed", "capset")


def _has_effective(number: int) -> bool:
    return bool(_capability_mask("CapEff") >> number & 1)


def _permitted_count() -> int:
    return bin(_capability_mask("CapPrm")).count("1")


def _capability_mask(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1], 16)
    return 0
