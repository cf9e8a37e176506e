"""Named syscall groups, so a profile can say "@mount" instead of a list.

The names and contents follow the sets systemd offers for SystemCallFilter=
(as of its 252-256 releases), because many people already know what "@debug"
or "@system-service" covers and a profile written with that knowledge should
mean the same thing here. Where Linux grew calls systemd's sets do not place,
the choice made is noted next to the call.

Only names that exist on x86_64 or i386 appear. systemd's sets also list
calls of other archs (cacheflush, set_tls, switch_endian, subpage_prot, rtas,
swapcontext, sys_debug_setcontext, pciconfig_*, s390_*, riscv_*,
arm_fadvise64_64, sync_file_range2); pyjail cannot resolve those, and an
unresolvable member would turn every profile using the group into an error.
"""

import functools

from jail.syscall_table import EXTRA_SYSCALLS

# Every name libseccomp 2.5.4 resolves on x86_64 or x86, found once by
# resolving the numbers 0..1023 on both archs and kept here as data, so that
# no launch pays for 2048 ctypes calls. send and recv are not in it, nor in
# @network-io: neither arch has them as syscalls (on x86 they exist only as
# socketcall operations) and libseccomp answers them with negative
# placeholder numbers.
_LIBSECCOMP_NAMES = (
    "_llseek", "_newselect", "_sysctl", "accept", "accept4", "access", "acct",
    "add_key", "adjtimex", "afs_syscall", "alarm", "arch_prctl", "bdflush", "bind",
    "bpf", "break", "brk", "cachestat", "capget", "capset", "chdir", "chmod", "chown",
    "chown32", "chroot", "clock_adjtime", "clock_adjtime64", "clock_getres",
    "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "clock_settime", "clock_settime64", "clone", "clone3",
    "close", "close_range", "connect", "copy_file_range", "creat", "create_module",
    "delete_module", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
    "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
    "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
    "fanotify_init", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2",
    "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr",
    "finit_module", "flistxattr", "flock", "fork", "fremovexattr", "fsconfig",
    "fsetxattr", "fsmount", "fsopen", "fspick", "fstat", "fstat64", "fstatat64",
    "fstatfs", "fstatfs64", "fsync", "ftime", "ftruncate", "ftruncate64", "futex",
    "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake",
    "futimesat", "get_kernel_syms", "get_mempolicy", "get_robust_list",
    "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
    "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
    "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
    "getpmsg", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32",
    "getresuid", "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname",
    "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "gtty",
    "idle", "init_module", "inotify_add_watch", "inotify_init", "inotify_init1",
    "inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
    "io_pgetevents_time64", "io_setup", "io_submit", "io_uring_enter",
    "io_uring_register", "io_uring_setup", "ioctl", "ioperm", "iopl", "ioprio_get",
    "ioprio_set", "ipc", "kcmp", "kexec_file_load", "kexec_load", "keyctl", "kill",
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
    "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
    "lock", "lookup_dcookie", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
    "madvise", "map_shadow_stack", "mbind", "membarrier", "memfd_create",
    "memfd_secret", "migrate_pages", "mincore", "mkdir", "mkdirat", "mknod", "mknodat",
    "mlock", "mlock2", "mlockall", "mmap", "mmap2", "modify_ldt", "mount",
    "mount_setattr", "move_mount", "move_pages", "mprotect", "mpx", "mq_getsetattr",
    "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
    "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at",
    "nanosleep", "newfstatat", "nfsservctl", "nice", "oldfstat", "oldlstat",
    "oldolduname", "oldstat", "olduname", "open", "open_by_handle_at", "open_tree",
    "openat", "openat2", "pause", "perf_event_open", "personality", "pidfd_getfd",
    "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pivot_root", "pkey_alloc",
    "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64",
    "preadv", "preadv2", "prlimit64", "process_madvise", "process_mrelease",
    "process_vm_readv", "process_vm_writev", "prof", "profil", "pselect6",
    "pselect6_time64", "ptrace", "putpmsg", "pwrite64", "pwritev", "pwritev2",
    "query_module", "quotactl", "quotactl_fd", "read", "readahead", "readdir",
    "readlink", "readlinkat", "readv", "reboot", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
    "renameat", "renameat2", "request_key", "restart_syscall", "rmdir", "rseq",
    "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min",
    "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
    "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
    "security", "select", "semctl", "semget", "semop", "semtimedop",
    "semtimedop_time64", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
    "set_mempolicy", "set_mempolicy_home_node", "set_robust_list", "set_thread_area",
    "set_tid_address", "setdomainname", "setfsgid", "setfsgid32", "setfsuid",
    "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "sethostname",
    "setitimer", "setns", "setpgid", "setpriority", "setregid", "setregid32",
    "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
    "setrlimit", "setsid", "setsockopt", "settimeofday", "setuid", "setuid32",
    "setxattr", "sgetmask", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
    "sigaction", "sigaltstack", "signal", "signalfd", "signalfd4", "sigpending",
    "sigprocmask", "sigreturn", "sigsuspend", "socket", "socketcall", "socketpair",
    "splice", "ssetmask", "stat", "stat64", "statfs", "statfs64", "statx", "stime",
    "stty", "swapoff", "swapon", "symlink", "symlinkat", "sync", "sync_file_range",
    "syncfs", "sysfs", "sysinfo", "syslog", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64",
    "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
    "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill",
    "truncate", "truncate64", "tuxcall", "ugetrlimit", "ulimit", "umask", "umount",
    "umount2", "uname", "unlink", "unlinkat", "unshare", "uselib", "userfaultfd",
    "ustat", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vhangup",
    "vm86", "vm86old", "vmsplice", "vserver", "wait4", "waitid", "waitpid", "write",
    "writev",
)

GROUPS: dict[str, tuple[str, ...]] = {
    # Calls nearly every program makes before main() or cannot avoid (the
    # dynamic loader, libc start-up, threads, clocks, exit); denying any of
    # them breaks programs in ways that have nothing to do with policy.
    "@default": (
        "arch_prctl", "brk", "clock_getres", "clock_getres_time64",
        "clock_gettime", "clock_gettime64", "clock_nanosleep",
        "clock_nanosleep_time64", "execve", "exit", "exit_group", "futex",
        "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
        "futex_wake", "get_robust_list", "get_thread_area", "getegid",
        "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
        "getgroups32", "getpgid", "getpgrp", "getpid", "getppid", "getrandom",
        "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
        "getsid", "gettid", "gettimeofday", "getuid", "getuid32",
        # Guess: glibc maps the shadow stack with this when user shadow
        # stacks are on, so it belongs with brk and mmap.
        "map_shadow_stack",
        "membarrier", "mmap", "mmap2", "mprotect", "munmap", "nanosleep",
        "pause", "prlimit64", "restart_syscall", "rseq", "rt_sigreturn",
        "sched_getaffinity", "sched_yield", "set_robust_list",
        "set_thread_area", "set_tid_address", "sigreturn", "time",
        "ugetrlimit", "uname",
    ),
    "@aio": (
        "io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
        "io_pgetevents_time64", "io_setup", "io_submit",
        # io_uring is here, not in @io-event, as in systemd: it is an
        # asynchronous I/O engine in its own right.
        "io_uring_enter", "io_uring_register", "io_uring_setup",
    ),
    "@basic-io": (
        "_llseek", "close", "close_range", "dup", "dup2", "dup3", "lseek",
        "pread64", "preadv", "preadv2", "pwrite64", "pwritev", "pwritev2",
        "read", "readv", "write", "writev",
    ),
    "@chown": (
        "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown",
        "lchown32",
    ),
    "@clock": (
        "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime",
        "clock_settime64", "settimeofday", "stime",
    ),
    "@cpu-emulation": ("modify_ldt", "vm86", "vm86old"),
    "@debug": (
        "lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace",
        # Choice: systemd does not place these. The kernel calls them from
        # its own uprobe trampolines, and recent kernels let both through
        # seccomp unfiltered, so listing them mostly documents intent.
        "uprobe", "uretprobe",
    ),
    "@file-system": (
        "access", "chdir", "chmod", "close", "creat", "faccessat",
        "faccessat2", "fallocate", "fchdir", "fchmod", "fchmodat", "fchmodat2",
        "fcntl", "fcntl64", "fgetxattr",
        # Choice: the 6.17 inode attribute calls do what the FS_IOC_FSGETXATTR
        # ioctls do on an open file, so they go with the other inode calls.
        "file_getattr", "file_setattr",
        "flistxattr", "fremovexattr", "fsetxattr", "fstat", "fstat64",
        "fstatat64", "fstatfs", "fstatfs64", "ftruncate", "ftruncate64",
        "futimesat", "getcwd", "getdents", "getdents64", "getxattr",
        "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1",
        "inotify_rm_watch", "lgetxattr", "link", "linkat", "listxattr",
        "listxattrat",
        # Choice: statmount and listmount only read mount information that
        # /proc/self/mountinfo already shows, and libmount uses them in its
        # place when present. Putting them in @mount would make a profile
        # that denies @mount break plain mount listing.
        "listmount", "statmount",
        "llistxattr", "lremovexattr", "lsetxattr", "lstat", "lstat64",
        "mkdir", "mkdirat", "mknod", "mknodat",
        # mmap is how programs read files too, which is why systemd lists it
        # here as well as in @default.
        "mmap", "mmap2", "munmap",
        "newfstatat", "oldfstat", "oldlstat", "oldstat", "open", "openat",
        "openat2", "readlink", "readlinkat", "removexattr", "removexattrat",
        "rename", "renameat", "renameat2", "rmdir", "setxattr", "setxattrat",
        "stat", "stat64", "statfs", "statfs64", "statx", "symlink",
        "symlinkat", "truncate", "truncate64", "unlink", "unlinkat", "utime",
        "utimensat", "utimensat_time64", "utimes",
    ),
    "@io-event": (
        "_newselect", "epoll_create", "epoll_create1", "epoll_ctl",
        "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
        "epoll_wait_old", "eventfd", "eventfd2", "poll", "ppoll",
        "ppoll_time64", "pselect6", "pselect6_time64", "select",
    ),
    "@ipc": (
        "ipc", "memfd_create", "mq_getsetattr", "mq_notify", "mq_open",
        "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
        "mq_timedsend_time64", "mq_unlink", "msgctl", "msgget", "msgrcv",
        "msgsnd", "pipe", "pipe2", "process_vm_readv", "process_vm_writev",
        "semctl", "semget", "semop", "semtimedop", "semtimedop_time64",
        "shmat", "shmctl", "shmdt", "shmget",
    ),
    "@keyring": ("add_key", "keyctl", "request_key"),
    "@memlock": ("mlock", "mlock2", "mlockall", "munlock", "munlockall"),
    "@module": ("delete_module", "finit_module", "init_module"),
    "@mount": (
        "chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount",
        "mount_setattr", "move_mount", "open_tree",
        # open_tree_attr (6.15) is open_tree that also sets mount attributes,
        # so it can do anything open_tree plus mount_setattr can.
        "open_tree_attr",
        "pivot_root", "umount", "umount2",
    ),
    # socketcall stands in for all of these on x86, where older libcs reach
    # the socket calls only through it.
    "@network-io": (
        "accept", "accept4", "bind", "connect", "getpeername", "getsockname",
        "getsockopt", "listen", "recvfrom", "recvmmsg", "recvmmsg_time64",
        "recvmsg", "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown",
        "socket", "socketcall", "socketpair",
    ),
    "@obsolete": (
        "_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime",
        "get_kernel_syms", "getpmsg", "gtty", "idle", "lock", "mpx", "prof",
        "profil", "putpmsg", "query_module", "security", "sgetmask",
        "ssetmask", "stty", "sysfs", "tuxcall", "ulimit", "uselib", "ustat",
        "vserver",
    ),
    "@pkey": ("pkey_alloc", "pkey_free", "pkey_mprotect"),
    "@privileged": (
        "@chown", "@clock", "@module", "@raw-io", "@reboot", "@swap",
        "_sysctl", "acct", "bpf", "capset", "chroot", "fanotify_init",
        "fanotify_mark", "nfsservctl", "open_by_handle_at", "pivot_root",
        "quotactl", "quotactl_fd", "setdomainname", "setfsuid", "setfsuid32",
        "setgroups", "setgroups32", "sethostname", "setresuid", "setresuid32",
        "setreuid", "setreuid32",
        # The uid setters are named one by one: all of @setuid would also
        # take setgid, which an unprivileged process may call.
        "setuid", "setuid32",
        "vhangup",
    ),
    "@process": (
        # capget is here because it can query any process, not just self.
        "arch_prctl", "capget", "clone", "clone3", "execveat", "fork",
        "getrusage", "kill", "pidfd_open", "pidfd_send_signal", "prctl",
        # Guess: both act on another process named by a pidfd.
        "process_madvise", "process_mrelease",
        "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setns", "tgkill", "times",
        "tkill", "unshare", "vfork", "wait4", "waitid", "waitpid",
    ),
    "@raw-io": ("ioperm", "iopl"),
    "@reboot": ("kexec_file_load", "kexec_load", "reboot"),
    "@resources": (
        "ioprio_set", "mbind", "migrate_pages", "move_pages", "nice",
        "sched_setaffinity", "sched_setattr", "sched_setparam",
        "sched_setscheduler", "set_mempolicy", "set_mempolicy_home_node",
        "setpriority", "setrlimit",
    ),
    # Calls a process uses to restrict itself further; none can widen what
    # it is allowed to do.
    "@sandbox": (
        "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
        "seccomp",
    ),
    "@setuid": (
        "setgid", "setgid32", "setgroups", "setgroups32", "setregid",
        "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
        "setreuid", "setreuid32", "setuid", "setuid32",
    ),
    "@signal": (
        "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend",
        "rt_sigtimedwait", "rt_sigtimedwait_time64", "sigaction", "sigaltstack",
        "signal", "signalfd", "signalfd4", "sigpending", "sigprocmask",
        "sigsuspend",
    ),
    "@swap": ("swapoff", "swapon"),
    "@sync": (
        "fdatasync", "fsync", "msync", "sync", "sync_file_range", "syncfs",
    ),
    # What an ordinary service needs, as a starting point for an allowlist.
    # It leaves out @clock, @cpu-emulation, @debug, @module, @mount,
    # @obsolete, @raw-io, @reboot and @swap.
    "@system-service": (
        "@aio", "@basic-io", "@chown", "@default", "@file-system", "@io-event",
        "@ipc", "@keyring", "@memlock", "@network-io", "@process", "@resources",
        "@setuid", "@signal", "@sync", "@timer",
        "brk", "cachestat", "capget", "capset", "copy_file_range", "fadvise64",
        "fadvise64_64", "flock", "get_mempolicy", "getcpu", "getpriority",
        "getrandom", "ioctl", "ioprio_get", "kcmp",
        # Choice: the LSM self-attribute calls do what reading and writing
        # /proc/self/attr/* does, which @file-system already permits; the LSM
        # itself decides whether a change is allowed.
        "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr",
        "madvise", "mprotect", "mremap",
        # Choice: mseal only takes rights away from the caller's own
        # mappings, like mprotect narrowing them.
        "mseal",
        "name_to_handle_at", "oldolduname", "olduname", "personality",
        "readahead", "readdir", "remap_file_pages", "sched_get_priority_max",
        "sched_get_priority_min", "sched_getaffinity", "sched_getattr",
        "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
        "sched_rr_get_interval_time64", "sched_yield", "sendfile",
        "sendfile64", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
        "setpgid", "setsid", "splice", "sysinfo", "tee", "umask", "uname",
        "userfaultfd", "vmsplice",
    ),
    "@timer": (
        "alarm", "getitimer", "setitimer", "timer_create", "timer_delete",
        "timer_getoverrun", "timer_gettime", "timer_gettime64",
        "timer_settime", "timer_settime64", "timerfd_create",
        "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
        "timerfd_settime64", "times",
    ),
    # Everything pyjail can name: libseccomp's tables plus the calls it
    # lacks. A denylist of "@known" minus an allowlist is how a profile
    # says "nothing else".
    "@known": tuple(
        sorted(
            set(_LIBSECCOMP_NAMES).union(
                *(table.keys() for table in EXTRA_SYSCALLS.values())
            )
        )
    ),
}

DESCRIPTIONS: dict[str, str] = {
    "@default": "calls almost every program makes to start, run and exit",
    "@aio": "asynchronous I/O: POSIX AIO and io_uring",
    "@basic-io": "read, write, seek, duplicate and close file descriptors",
    "@chown": "change the owner or group of files",
    "@clock": "set the system clock",
    "@cpu-emulation": "x86 LDT changes and vm86 mode",
    "@debug": "tracing, profiling and reaching into other processes",
    "@file-system": "open, stat, create, rename and remove files and dirs",
    "@io-event": "wait for events on file descriptors (poll, select, epoll)",
    "@ipc": "pipes, SysV IPC, POSIX message queues, cross-process memory",
    "@keyring": "the kernel keyring",
    "@memlock": "lock memory into RAM",
    "@module": "load and unload kernel modules",
    "@mount": "mount, unmount and change the root of the file system tree",
    "@network-io": "sockets: create, connect, send and receive",
    "@obsolete": "calls that are unimplemented or long replaced",
    "@pkey": "memory protection keys",
    "@privileged": "calls that need root or a capability",
    "@process": "create, signal, wait for and re-namespace processes",
    "@raw-io": "direct access to I/O ports",
    "@reboot": "reboot the machine or load a new kernel",
    "@resources": "change scheduling, priority, NUMA placement and limits",
    "@sandbox": "restrict oneself further with seccomp or landlock",
    "@setuid": "change user and group ids",
    "@signal": "install handlers, mask and wait for signals",
    "@swap": "turn swap devices on and off",
    "@sync": "flush files and memory to storage",
    "@system-service": "what a typical service needs, nothing special-purpose",
    "@timer": "interval timers, POSIX timers and timerfd",
    "@known": "every syscall pyjail can name on x86_64 and i386",
}


def group_names() -> list[str]:
    """Return the group names, each with its leading "@", sorted."""
    return sorted(GROUPS)


def expand(names, *, where: str = "") -> dict[str, str]:
    """Expand syscall names and @groups into plain syscall names.

    Args:
        names: syscall names and "@group" names, in any mix.
        where: where the names came from; unused here, accepted so callers
            can pass their context through one signature.

    Returns:
        {syscall: origin}, where origin is the top-level entry of `names`
        that brought the syscall in: the name itself, or the "@group" it was
        listed under (also when it came through a nested group). A syscall
        reached twice keeps the first origin.

    Raises:
        KeyError: with the group's name, for an unknown "@group" anywhere
            in the nesting.
    """
    result: dict[str, str] = {}
    for entry in names:
        if entry.startswith("@"):
            for syscall in _members(entry, set()):
                result.setdefault(syscall, entry)
        else:
            # Plain names are passed through unchecked; the profile layer
            # validates them so it can point at the offending line.
            result.setdefault(entry, entry)
    return result


def _members(group: str, seen: set[str]) -> list[str]:
    # `seen` holds the groups already being expanded on this path, so a
    # group that includes itself (directly or through others) stops there
    # instead of recursing forever.
    if group in seen:
        return []
    seen.add(group)
    found = []
    for member in GROUPS[group]:
        if member.startswith("@"):
            found.extend(_members(member, seen))
        else:
            found.append(member)
    return found


@functools.lru_cache(maxsize=1)
def known_syscalls() -> frozenset[str]:
    """Every syscall name pyjail can filter on some architecture."""
    return frozenset(expand(["@known"]))
