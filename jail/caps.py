"""Drop capabilities: bounding, ambient and inheritable sets, and the rest.

Capability numbers are the kernel's (include/uapi/linux/capability.h); the
table is data so that validating a profile makes no system call.
"""

from __future__ import annotations

import errno

from jail import _sys

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


def drop_capabilities(keep: tuple[str, ...]) -> None:
    """Keep only `keep` in every set the target could use after execve.

    Without CAP_SETPCAP (an ordinary user outside a user namespace) the
    bounding set cannot shrink; that is safe only when the process holds no
    capability at all, since no_new_privs then stops it from gaining any.
    """
    kept = {capability_number(name) for name in keep}
    _sys.prctl(_sys.PR_CAP_AMBIENT, _sys.PR_CAP_AMBIENT_CLEAR_ALL)

    effective, permitted, _ = _sys.capget()
    can_drop_bounding = bool(effective >> CAP_SETPCAP & 1)
    if can_drop_bounding:
        _drop_bounding_set_except(kept)

    # The permitted and effective sets are left alone: the remaining set-up
    # steps may need them, and execve recomputes both from the bounding set.
    # Two raw calls rather than python-prctl: importing that module would
    # cost every launch about two milliseconds.
    _sys.capset(effective, permitted, sum(1 << number for number in kept))

    if not can_drop_bounding and bin(permitted).count("1") > len(kept):
        raise OSError(errno.EPERM, "cannot drop the bounding set without CAP_SETPCAP")


def _drop_bounding_set_except(kept: set) -> None:
    """Drop every capability the kernel knows, also those newer than
    CAPABILITIES. Any refusal is an error: stopping at the first EINVAL
    would keep them all where something answers every drop with EINVAL."""
    for number in range(last_capability() + 1):
        if number not in kept:
            _sys.prctl(_sys.PR_CAPBSET_DROP, number)


_LAST_CAPABILITY: list = []


def last_capability() -> int:
    """The kernel's highest capability number, read once per process.

    pyjail reads it before the fork: the view built in the child may hide
    /proc/sys, and PID 1 shares the child's mount namespace.
    """
    if not _LAST_CAPABILITY:
        try:
            with open("/proc/sys/kernel/cap_last_cap") as handle:
                _LAST_CAPABILITY.append(int(handle.read()))
        except (OSError, ValueError):
            _LAST_CAPABILITY.append(len(CAPABILITIES) - 1)
    return _LAST_CAPABILITY[0]


def clear_own_capabilities() -> None:
    """Empty this process's effective, permitted and inheritable sets."""
    _sys.capset(0, 0, 0)
