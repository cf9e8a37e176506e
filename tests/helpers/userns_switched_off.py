"""Run a command as uid 65534 where user.max_user_namespaces is 0.

    python3 userns_switched_off.py COMMAND [ARGS...]

The sysctl is per user namespace: this sets it to 0 in a user namespace of
its own (uids 0-65535 mapped to themselves), so the host's setting, and
every other process on the machine, are left alone. For the command it is
exactly the switch an administrator would flip: creating a user namespace
fails with ENOSPC. Must run as root.
"""

import ctypes
import os
import sys

UNPRIVILEGED = 65534
CLONE_NEWUSER = 0x10000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def unshare_user() -> None:
    """Python 3.11 has no os.unshare."""
    if libc.unshare(CLONE_NEWUSER) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), "unshare")


def main(command: list[str]) -> int:
    unshared_read, unshared_write = os.pipe()
    mapped_read, mapped_write = os.pipe()
    child = os.fork()
    if child == 0:
        unshare_user()
        os.write(unshared_write, b"x")
        os.read(mapped_read, 1)  # wait for the parent to write the id maps
        with open("/proc/sys/user/max_user_namespaces", "w") as handle:
            handle.write("0\n")
        os.setgroups([])
        os.setresgid(UNPRIVILEGED, UNPRIVILEGED, UNPRIVILEGED)
        os.setresuid(UNPRIVILEGED, UNPRIVILEGED, UNPRIVILEGED)
        os.execvp(command[0], command)

    os.read(unshared_read, 1)
    for name in ("uid_map", "gid_map"):
        with open(f"/proc/{child}/{name}", "w") as handle:
            handle.write("0 0 65536\n")
    os.write(mapped_write, b"x")
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
