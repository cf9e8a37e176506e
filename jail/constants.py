"""Symbolic names a profile may write where a syscall argument is a number.

A rule like "ioctl with request TIOCSTI" is easier to review than one with
0x5412, and a typo in a name can be caught where a typo in a number cannot.

The values are written out here rather than read from Python's socket, os
or termios modules: those only carry what libc and Python chose to expose,
and a seccomp filter compares against the kernel's own numbers. They are
the x86_64 kernel values; where i386 differs, the entry says so.

errno is the exception: the errno module is built from the platform's own
headers and lists every name, so it is used directly.
"""

import errno

_CONSTANTS: dict[str, int] = {
    # --- ioctl requests on ttys (asm-generic/ioctls.h). TIOCSTI pushes
    # bytes into a terminal's input queue and TIOCLINUX can copy the console
    # selection back in; both let a sandboxed program type commands into the
    # shell that started it, which is why profiles deny them by number.
    "TCGETS": 0x5401,
    "TCSETS": 0x5402,
    "TCSETSW": 0x5403,
    "TCSETSF": 0x5404,
    "TCGETA": 0x5405,
    "TCSETA": 0x5406,
    "TCSETAW": 0x5407,
    "TCSETAF": 0x5408,
    "TCSBRK": 0x5409,
    "TCXONC": 0x540A,
    "TCFLSH": 0x540B,
    "TIOCEXCL": 0x540C,
    "TIOCNXCL": 0x540D,
    "TIOCSCTTY": 0x540E,
    "TIOCGPGRP": 0x540F,
    "TIOCSPGRP": 0x5410,
    "TIOCOUTQ": 0x5411,
    "TIOCSTI": 0x5412,
    "TIOCGWINSZ": 0x5413,
    "TIOCSWINSZ": 0x5414,
    "TIOCMGET": 0x5415,
    "TIOCMBIS": 0x5416,
    "TIOCMBIC": 0x5417,
    "TIOCMSET": 0x5418,
    "TIOCGSOFTCAR": 0x5419,
    "TIOCSSOFTCAR": 0x541A,
    "FIONREAD": 0x541B,
    "TIOCINQ": 0x541B,
    "TIOCLINUX": 0x541C,
    # /dev/userfaultfd (Linux 6.1): the same power as the userfaultfd call.
    "USERFAULTFD_IOC_NEW": 0xAA00,
    "TIOCCONS": 0x541D,
    "TIOCGSERIAL": 0x541E,
    "TIOCSSERIAL": 0x541F,
    "TIOCPKT": 0x5420,
    "FIONBIO": 0x5421,
    "TIOCNOTTY": 0x5422,
    "TIOCSETD": 0x5423,
    "TIOCGETD": 0x5424,
    "TCSBRKP": 0x5425,
    "TIOCSBRK": 0x5427,
    "TIOCCBRK": 0x5428,
    "TIOCGSID": 0x5429,
    "TCGETS2": 0x802C542A,
    "TCSETS2": 0x402C542B,
    "TCSETSW2": 0x402C542C,
    "TCSETSF2": 0x402C542D,
    "TIOCGPTN": 0x80045430,
    "TIOCSPTLCK": 0x40045431,
    "TIOCGDEV": 0x80045432,
    "TIOCSIG": 0x40045436,
    "TIOCVHANGUP": 0x5437,
    "TIOCGPKT": 0x80045438,
    "TIOCGPTLCK": 0x80045439,
    "TIOCGEXCL": 0x80045440,
    "TIOCGPTPEER": 0x5441,
    "FIONCLEX": 0x5450,
    "FIOCLEX": 0x5451,
    "FIOASYNC": 0x5452,
    "FIOQSIZE": 0x5460,
    # --- ioctl requests on files. FS_IOC_* encode sizeof(long), so these
    # two are 0x80046601 and 0x40046602 for i386 programs.
    "FS_IOC_GETFLAGS": 0x80086601,
    "FS_IOC_SETFLAGS": 0x40086602,
    "FICLONE": 0x40049409,
    "FICLONERANGE": 0x4020940D,
    "FIDEDUPERANGE": 0xC0189436,
    # --- address families, the first argument of socket() (linux/socket.h).
    "AF_UNSPEC": 0,
    "AF_UNIX": 1,
    "AF_LOCAL": 1,
    "AF_INET": 2,
    "AF_AX25": 3,
    "AF_IPX": 4,
    "AF_APPLETALK": 5,
    "AF_NETROM": 6,
    "AF_BRIDGE": 7,
    "AF_ATMPVC": 8,
    "AF_X25": 9,
    "AF_INET6": 10,
    "AF_ROSE": 11,
    "AF_DECnet": 12,
    "AF_NETBEUI": 13,
    "AF_SECURITY": 14,
    "AF_KEY": 15,
    "AF_NETLINK": 16,
    "AF_ROUTE": 16,
    "AF_PACKET": 17,
    "AF_ASH": 18,
    "AF_ECONET": 19,
    "AF_ATMSVC": 20,
    "AF_RDS": 21,
    "AF_SNA": 22,
    "AF_IRDA": 23,
    "AF_PPPOX": 24,
    "AF_WANPIPE": 25,
    "AF_LLC": 26,
    "AF_IB": 27,
    "AF_MPLS": 28,
    "AF_CAN": 29,
    "AF_TIPC": 30,
    "AF_BLUETOOTH": 31,
    "AF_IUCV": 32,
    "AF_RXRPC": 33,
    "AF_ISDN": 34,
    "AF_PHONET": 35,
    "AF_IEEE802154": 36,
    "AF_CAIF": 37,
    "AF_ALG": 38,
    "AF_NFC": 39,
    "AF_VSOCK": 40,
    "AF_KCM": 41,
    "AF_QIPCRTR": 42,
    "AF_SMC": 43,
    "AF_XDP": 44,
    "AF_MCTP": 45,
    # --- socket types, the second argument of socket(). The type shares
    # its word with the two flags, so a rule on the exact type must mask
    # them off first.
    "SOCK_STREAM": 1,
    "SOCK_DGRAM": 2,
    "SOCK_RAW": 3,
    "SOCK_RDM": 4,
    "SOCK_SEQPACKET": 5,
    "SOCK_DCCP": 6,
    "SOCK_PACKET": 10,
    "SOCK_NONBLOCK": 0o4000,
    "SOCK_CLOEXEC": 0o2000000,
    # --- protocols, the third argument of socket() for AF_INET/AF_INET6.
    "IPPROTO_IP": 0,
    "IPPROTO_ICMP": 1,
    "IPPROTO_TCP": 6,
    "IPPROTO_UDP": 17,
    "IPPROTO_IPV6": 41,
    "IPPROTO_ICMPV6": 58,
    "IPPROTO_SCTP": 132,
    "IPPROTO_UDPLITE": 136,
    "IPPROTO_RAW": 255,
    "IPPROTO_MPTCP": 262,
    # --- clone(), clone3() and unshare() flags (linux/sched.h). The
    # CLONE_NEW* bits are what a profile filters to keep a program from
    # making namespaces. CLONE_NEWTIME reuses a bit of the exit-signal byte,
    # so clone() cannot take it; only clone3() and unshare() do. The last two
    # do not fit in 32 bits and exist only for clone3().
    "CSIGNAL": 0xFF,
    "CLONE_NEWTIME": 0x80,
    "CLONE_VM": 0x100,
    "CLONE_FS": 0x200,
    "CLONE_FILES": 0x400,
    "CLONE_SIGHAND": 0x800,
    "CLONE_PIDFD": 0x1000,
    "CLONE_PTRACE": 0x2000,
    "CLONE_VFORK": 0x4000,
    "CLONE_PARENT": 0x8000,
    "CLONE_THREAD": 0x10000,
    "CLONE_NEWNS": 0x20000,
    "CLONE_SYSVSEM": 0x40000,
    "CLONE_SETTLS": 0x80000,
    "CLONE_PARENT_SETTID": 0x100000,
    "CLONE_CHILD_CLEARTID": 0x200000,
    "CLONE_DETACHED": 0x400000,
    "CLONE_UNTRACED": 0x800000,
    "CLONE_CHILD_SETTID": 0x1000000,
    "CLONE_NEWCGROUP": 0x2000000,
    "CLONE_NEWUTS": 0x4000000,
    "CLONE_NEWIPC": 0x8000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
    "CLONE_IO": 0x80000000,
    "CLONE_CLEAR_SIGHAND": 0x100000000,
    "CLONE_INTO_CGROUP": 0x200000000,
    # --- prctl() options (linux/prctl.h), the first argument. Options of
    # other archs (SVE, SME, pointer auth, RISC-V, PowerPC) are left out.
    "PR_SET_PDEATHSIG": 1,
    "PR_GET_PDEATHSIG": 2,
    "PR_GET_DUMPABLE": 3,
    "PR_SET_DUMPABLE": 4,
    "PR_GET_UNALIGN": 5,
    "PR_SET_UNALIGN": 6,
    "PR_GET_KEEPCAPS": 7,
    "PR_SET_KEEPCAPS": 8,
    "PR_GET_FPEMU": 9,
    "PR_SET_FPEMU": 10,
    "PR_GET_FPEXC": 11,
    "PR_SET_FPEXC": 12,
    "PR_GET_TIMING": 13,
    "PR_SET_TIMING": 14,
    "PR_SET_NAME": 15,
    "PR_GET_NAME": 16,
    "PR_GET_ENDIAN": 19,
    "PR_SET_ENDIAN": 20,
    "PR_GET_SECCOMP": 21,
    "PR_SET_SECCOMP": 22,
    "PR_CAPBSET_READ": 23,
    "PR_CAPBSET_DROP": 24,
    "PR_GET_TSC": 25,
    "PR_SET_TSC": 26,
    "PR_GET_SECUREBITS": 27,
    "PR_SET_SECUREBITS": 28,
    "PR_SET_TIMERSLACK": 29,
    "PR_GET_TIMERSLACK": 30,
    "PR_TASK_PERF_EVENTS_DISABLE": 31,
    "PR_TASK_PERF_EVENTS_ENABLE": 32,
    "PR_MCE_KILL": 33,
    "PR_MCE_KILL_GET": 34,
    "PR_SET_MM": 35,
    "PR_SET_CHILD_SUBREAPER": 36,
    "PR_GET_CHILD_SUBREAPER": 37,
    "PR_SET_NO_NEW_PRIVS": 38,
    "PR_GET_NO_NEW_PRIVS": 39,
    "PR_GET_TID_ADDRESS": 40,
    "PR_SET_THP_DISABLE": 41,
    "PR_GET_THP_DISABLE": 42,
    "PR_MPX_ENABLE_MANAGEMENT": 43,
    "PR_MPX_DISABLE_MANAGEMENT": 44,
    "PR_SET_FP_MODE": 45,
    "PR_GET_FP_MODE": 46,
    "PR_CAP_AMBIENT": 47,
    "PR_GET_SPECULATION_CTRL": 52,
    "PR_SET_SPECULATION_CTRL": 53,
    "PR_SET_TAGGED_ADDR_CTRL": 55,
    "PR_GET_TAGGED_ADDR_CTRL": 56,
    "PR_SET_IO_FLUSHER": 57,
    "PR_GET_IO_FLUSHER": 58,
    "PR_SET_SYSCALL_USER_DISPATCH": 59,
    "PR_SCHED_CORE": 62,
    "PR_SET_MDWE": 65,
    "PR_GET_MDWE": 66,
    "PR_SET_MEMORY_MERGE": 67,
    "PR_GET_MEMORY_MERGE": 68,
    "PR_GET_SHADOW_STACK_STATUS": 74,
    "PR_SET_SHADOW_STACK_STATUS": 75,
    "PR_LOCK_SHADOW_STACK_STATUS": 76,
    "PR_SET_VMA": 0x53564D41,
    "PR_SET_PTRACER": 0x59616D61,
    # --- ptrace() requests (linux/ptrace.h, asm/ptrace-abi.h for x86).
    "PTRACE_TRACEME": 0,
    "PTRACE_PEEKTEXT": 1,
    "PTRACE_PEEKDATA": 2,
    "PTRACE_PEEKUSER": 3,
    "PTRACE_POKETEXT": 4,
    "PTRACE_POKEDATA": 5,
    "PTRACE_POKEUSER": 6,
    "PTRACE_CONT": 7,
    "PTRACE_KILL": 8,
    "PTRACE_SINGLESTEP": 9,
    "PTRACE_GETREGS": 12,
    "PTRACE_SETREGS": 13,
    "PTRACE_GETFPREGS": 14,
    "PTRACE_SETFPREGS": 15,
    "PTRACE_ATTACH": 16,
    "PTRACE_DETACH": 17,
    "PTRACE_GETFPXREGS": 18,
    "PTRACE_SETFPXREGS": 19,
    "PTRACE_SYSCALL": 24,
    "PTRACE_GET_THREAD_AREA": 25,
    "PTRACE_SET_THREAD_AREA": 26,
    "PTRACE_ARCH_PRCTL": 30,
    "PTRACE_SYSEMU": 31,
    "PTRACE_SYSEMU_SINGLESTEP": 32,
    "PTRACE_SINGLEBLOCK": 33,
    "PTRACE_SETOPTIONS": 0x4200,
    "PTRACE_GETEVENTMSG": 0x4201,
    "PTRACE_GETSIGINFO": 0x4202,
    "PTRACE_SETSIGINFO": 0x4203,
    "PTRACE_GETREGSET": 0x4204,
    "PTRACE_SETREGSET": 0x4205,
    "PTRACE_SEIZE": 0x4206,
    "PTRACE_INTERRUPT": 0x4207,
    "PTRACE_LISTEN": 0x4208,
    "PTRACE_PEEKSIGINFO": 0x4209,
    "PTRACE_GETSIGMASK": 0x420A,
    "PTRACE_SETSIGMASK": 0x420B,
    "PTRACE_SECCOMP_GET_FILTER": 0x420C,
    "PTRACE_SECCOMP_GET_METADATA": 0x420D,
    "PTRACE_GET_SYSCALL_INFO": 0x420E,
    "PTRACE_GET_RSEQ_CONFIGURATION": 0x420F,
    "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG": 0x4210,
    "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG": 0x4211,
    # --- personality() values (linux/personality.h). The low byte picks the
    # execution domain, the high bits are flags. Profiles usually allow only
    # PER_LINUX and the query value 0xffffffff: READ_IMPLIES_EXEC makes every
    # readable mapping executable and ADDR_NO_RANDOMIZE turns off ASLR.
    "UNAME26": 0x0020000,
    "ADDR_NO_RANDOMIZE": 0x0040000,
    "FDPIC_FUNCPTRS": 0x0080000,
    "MMAP_PAGE_ZERO": 0x0100000,
    "ADDR_COMPAT_LAYOUT": 0x0200000,
    "READ_IMPLIES_EXEC": 0x0400000,
    "ADDR_LIMIT_32BIT": 0x0800000,
    "SHORT_INODE": 0x1000000,
    "WHOLE_SECONDS": 0x2000000,
    "STICKY_TIMEOUTS": 0x4000000,
    "ADDR_LIMIT_3GB": 0x8000000,
    "PER_LINUX": 0x0000,
    "PER_LINUX_32BIT": 0x0800000,
    "PER_LINUX_FDPIC": 0x0080000,
    "PER_SVR4": 0x4100001,
    "PER_SVR3": 0x5000002,
    "PER_SCOSVR3": 0x7000003,
    "PER_OSR5": 0x6000003,
    "PER_WYSEV386": 0x5000004,
    "PER_ISCR4": 0x4000005,
    "PER_BSD": 0x0006,
    "PER_SUNOS": 0x4000006,
    "PER_XENIX": 0x5000007,
    "PER_LINUX32": 0x0008,
    "PER_LINUX32_3GB": 0x8000008,
    "PER_IRIX32": 0x4000009,
    "PER_IRIXN32": 0x400000A,
    "PER_IRIX64": 0x400000B,
    "PER_RISCOS": 0x000C,
    "PER_SOLARIS": 0x400000D,
    "PER_UW7": 0x410000E,
    "PER_OSF4": 0x000F,
    "PER_HPUX": 0x0010,
    "PER_MASK": 0x00FF,
    # --- open() and openat() flags (asm-generic/fcntl.h). O_LARGEFILE is
    # the kernel's bit; glibc on x86_64 defines it as 0, which is why a libc
    # table would be wrong here. O_SYNC and O_TMPFILE are multi-bit.
    "O_RDONLY": 0,
    "O_WRONLY": 1,
    "O_RDWR": 2,
    "O_ACCMODE": 3,
    "O_CREAT": 0o100,
    "O_EXCL": 0o200,
    "O_NOCTTY": 0o400,
    "O_TRUNC": 0o1000,
    "O_APPEND": 0o2000,
    "O_NONBLOCK": 0o4000,
    "O_NDELAY": 0o4000,
    "O_DSYNC": 0o10000,
    "O_ASYNC": 0o20000,
    "FASYNC": 0o20000,
    "O_DIRECT": 0o40000,
    "O_LARGEFILE": 0o100000,
    "O_DIRECTORY": 0o200000,
    "O_NOFOLLOW": 0o400000,
    "O_NOATIME": 0o1000000,
    "O_CLOEXEC": 0o2000000,
    "O_SYNC": 0o4010000,
    "O_RSYNC": 0o4010000,
    "O_PATH": 0o10000000,
    "O_TMPFILE": 0o20200000,
    # --- mmap() and mprotect() protections (asm-generic/mman-common.h).
    "PROT_NONE": 0x0,
    "PROT_READ": 0x1,
    "PROT_WRITE": 0x2,
    "PROT_EXEC": 0x4,
    "PROT_SEM": 0x8,
    "PROT_GROWSDOWN": 0x01000000,
    "PROT_GROWSUP": 0x02000000,
    # --- mmap() flags. MAP_32BIT is x86 only; MAP_HUGE_* hold log2 of the
    # page size in bits 26..31.
    "MAP_SHARED": 0x01,
    "MAP_PRIVATE": 0x02,
    "MAP_SHARED_VALIDATE": 0x03,
    "MAP_TYPE": 0x0F,
    "MAP_DROPPABLE": 0x08,
    "MAP_FIXED": 0x10,
    "MAP_ANONYMOUS": 0x20,
    "MAP_ANON": 0x20,
    "MAP_32BIT": 0x40,
    "MAP_GROWSDOWN": 0x0100,
    "MAP_DENYWRITE": 0x0800,
    "MAP_EXECUTABLE": 0x1000,
    "MAP_LOCKED": 0x2000,
    "MAP_NORESERVE": 0x4000,
    "MAP_POPULATE": 0x8000,
    "MAP_NONBLOCK": 0x10000,
    "MAP_STACK": 0x20000,
    "MAP_HUGETLB": 0x40000,
    "MAP_SYNC": 0x80000,
    "MAP_FIXED_NOREPLACE": 0x100000,
    "MAP_UNINITIALIZED": 0x4000000,
    "MAP_HUGE_2MB": 21 << 26,
    "MAP_HUGE_1GB": 30 << 26,
}


def _errno_names() -> dict[str, int]:
    # Taken from the module's attributes, not errno.errorcode, so aliases
    # such as EWOULDBLOCK and EDEADLOCK are accepted too.
    return {
        name: value
        for name, value in vars(errno).items()
        if name.startswith("E") and isinstance(value, int)
    }


_ERRNO = _errno_names()


def constant_value(name: str) -> int | None:
    """Return the value of a symbolic constant or errno name, or None."""
    value = _CONSTANTS.get(name)
    if value is None:
        value = _ERRNO.get(name)
    return value


def close_matches(name) -> list[str]:
    """Return known constant names that look like `name`, best first.

    Meant for "did you mean" hints after constant_value() said None.
    """
    # difflib is imported here because it is only needed on the error path
    # and this module is loaded on every launch.
    import difflib

    # Compared upper-cased, so "tiocsti" still finds TIOCSTI; the hint
    # shows the name as it must be written.
    by_upper = {known.upper(): known for known in (*_CONSTANTS, *_ERRNO)}
    hits = difflib.get_close_matches(str(name).upper(), by_upper, n=3, cutoff=0.6)
    return [by_upper[hit] for hit in hits]


def errno_value(name) -> int | None:
    """Return the number of an errno name such as "EPERM", or None."""
    return _ERRNO.get(name)


def errno_name(number: int) -> str:
    """Return the errno name for `number`, or the number as text if none."""
    return errno.errorcode.get(number, str(number))
