"""Which namespaces the sandbox gets, and how its first process maps its ids.

An ordinary user can create the other namespaces only inside a user
namespace of their own, so for them a user namespace owns the others (all
come in one clone, see jail.launcher) and maps their uid and gid to
themselves (or to root inside, when the profile asks).
Root gets the same namespaces without a user namespace unless the profile
asks for one. Nothing here falls back silently: when the kernel refuses a
user namespace, the error names the setting that refuses it.
"""

from __future__ import annotations

import errno
import os

from jail import _sys
from jail.errors import UnsupportedError

FLAGS = {
    "mount": _sys.CLONE_NEWNS,
    "pid": _sys.CLONE_NEWPID,
    "net": _sys.CLONE_NEWNET,
    "ipc": _sys.CLONE_NEWIPC,
    "uts": _sys.CLONE_NEWUTS,
    "cgroup": _sys.CLONE_NEWCGROUP,
}
# The sysctls that switch unprivileged user namespaces off, and what each
# value means; read when the clone is refused, so the message names the cause.
USERNS_SWITCHES = (
    ("/proc/sys/user/max_user_namespaces", "user.max_user_namespaces", "0"),
    (
        "/proc/sys/kernel/unprivileged_userns_clone",
        "kernel.unprivileged_userns_clone",
        "0",
    ),
    (
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
        "kernel.apparmor_restrict_unprivileged_userns",
        "1",
    ),
)
NO_NAMESPACES_HINT = (
    "or run without namespaces on purpose: --no-namespaces, "
    "or [namespaces].enabled = false"
)
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


class NamespacePlan:
    """The namespaces to create, decided before the fork.

    `names` lists the non-user namespaces; `user` says whether a user
    namespace comes first; `implied` says why a namespace was added that
    the profile did not name (a PID namespace needs its own /proc, hence a
    mount namespace). A plain class: this is on the path of every launch.
    """

    def __init__(
        self, user, names, uid, gid, root_inside, hostname, loopback, implied=()
    ):
        self.user, self.names, self.uid, self.gid = user, tuple(names), uid, gid
        self.root_inside, self.hostname, self.loopback = root_inside, hostname, loopback
        self.implied = tuple(implied)

    @property
    def flags(self) -> int:
        result = 0
        for name in self.names:
            result |= FLAGS[name]
        return result

    @property
    def pid(self) -> bool:
        return "pid" in self.names

    @property
    def mount(self) -> bool:
        return "mount" in self.names

    @property
    def clone_flags(self) -> int:
        """The CLONE_NEW* flags of every namespace, the user one included."""
        return self.flags | (_sys.CLONE_NEWUSER if self.user else 0)

    @property
    def any(self) -> bool:
        return self.user or bool(self.names)


def plan_namespaces(spec: dict, view_needs_mount: bool) -> NamespacePlan:
    """Turn the profile's [namespaces] (plain values) into what will be created."""
    uid, gid = os.geteuid(), os.getegid()
    if not spec["enabled"]:
        return NamespacePlan(False, (), uid, gid, False, "", False)

    # Limitation: without a PID namespace the host's /proc stays: a root
    # target reaches host processes of its own uid that hold no
    # capabilities (their /proc/PID/root, oom_score_adj), past the view.
    names = [name for name in FLAGS if spec[name]]
    implied = []
    if "pid" in names and "mount" not in names:
        names.insert(0, "mount")
        implied.append("mount (a PID namespace needs its own /proc)")
    if view_needs_mount and "mount" not in names:
        names.insert(0, "mount")
        implied.append("mount (the [filesystem] view needs one)")

    user = spec["user"]
    if user is None:
        user = bool(names) and not is_privileged()
    return NamespacePlan(
        user=user,
        names=names,
        uid=uid,
        gid=gid,
        root_inside=spec["root_inside"],
        hostname=spec["hostname"],
        loopback="net" in names,
        implied=implied,
    )


CAP_SYS_ADMIN = 21


def is_privileged() -> bool:
    """Root with CAP_SYS_ADMIN can create namespaces without a user namespace."""
    if os.geteuid() != 0:
        return False
    effective, _, _ = _sys.capget()
    return bool(effective >> CAP_SYS_ADMIN & 1)


def map_own_ids(plan: NamespacePlan, profile_name: str) -> None:
    """In a child born in a new user namespace: map its uid and gid."""
    inside_uid = 0 if plan.root_inside else plan.uid
    inside_gid = 0 if plan.root_inside else plan.gid
    try:
        # Limitation: one id is mapped, also for root: a wider map must be
        # written from outside the namespace, which would need another
        # round trip with pyjail. Files of other users show as nobody.
        # An unprivileged process may map only its own ids, and only after
        # giving up setgroups(2), which could otherwise drop a group that a
        # file's permissions deny access to.
        _write("/proc/self/uid_map", f"{inside_uid} {plan.uid} 1\n")
        _write("/proc/self/setgroups", "deny\n")
        _write("/proc/self/gid_map", f"{inside_gid} {plan.gid} 1\n")
    except OSError as error:
        if plan.uid == 0 and error.errno == errno.EPERM:
            # The kernel lets only a holder of CAP_SETFCAP map root's id.
            raise UnsupportedError(
                profile_name,
                "user namespace",
                "root without CAP_SYS_ADMIN and CAP_SETFCAP can neither create the "
                "namespaces directly nor map uid 0 into a user namespace",
                "run pyjail as root with its capabilities, or as an ordinary user",
            ) from None
        raise userns_error(profile_name, error.errno) from None


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def userns_blocker() -> str | None:
    """The sysctl that keeps this user from creating user namespaces, if any."""
    for path, name, blocking in USERNS_SWITCHES:
        try:
            with open(path) as handle:
                value = handle.read().strip()
        except OSError:
            continue
        if value == blocking:
            return f"{name} = {value}"
    return None


def userns_error(profile_name: str, err: int) -> UnsupportedError:
    blocker = userns_blocker()
    if blocker:
        cause = f"switched off by {blocker}"
        hint = f"change it with sysctl to allow them, {NO_NAMESPACES_HINT}"
    else:
        cause = f"the kernel refused a user namespace: {os.strerror(err)}"
        hint = f"check the kernel's user namespace settings, {NO_NAMESPACES_HINT}"
    return UnsupportedError(profile_name, "user namespace", cause, hint)


def userns_available() -> bool:
    """Whether this process could create a user namespace right now."""
    return userns_blocker() is None and os.path.exists("/proc/self/ns/user")


def bring_loopback_up() -> None:
    """A new network namespace starts with lo down; programs expect 127.0.0.1."""
    # Imported here: only a sandbox with its own network needs them.
    import _socket
    import fcntl
    import struct

    sock = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack(
            "16sH22x", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, request)
        )[1]
        fcntl.ioctl(
            sock.fileno(), SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP)
        )
    finally:
        sock.close()


def set_hostname(name: str) -> None:
    _sys.sethostname(name)
