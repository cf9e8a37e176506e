"""Syscalls that Linux 6.18 has and libseccomp 2.5.4 cannot name.

libseccomp resolves names from a table frozen at its release, so calls added
to the kernel afterwards are invisible to it: asking for "mseal" gives a
negative number and the caller would have to skip the rule. A denylist that
silently skips a rule is wider than the profile says, so pyjail carries the
missing numbers itself and hands them to libseccomp as raw numbers.

Arch tokens are pyjail's own: "x86_64", "x86" (i386, also what a 64-bit
process reaches through int 0x80) and "aarch64".
"""

# Checked against libseccomp 2.5.4 with pyseccomp: every name below resolves
# to a negative number on x86_64, x86 and aarch64 alike, while everything up
# to futex_requeue (456) resolves. The numbers come from syscall_64.tbl,
# syscall_32.tbl and the generic table; they were confirmed on a 6.18 kernel
# by calling each number with junk arguments (an implemented call fails with
# EFAULT, EINVAL, E2BIG and the like, a missing one with ENOSYS). 470 and up
# return ENOSYS on 6.18.
#
# Since Linux 5.1 (pidfd_send_signal, 424) a new call gets the same number
# on every arch, so the 457..469 block is identical in all three tables.
_SHARED_SINCE_457 = {
    "statmount": 457,  # 6.8
    "listmount": 458,  # 6.8
    "lsm_get_self_attr": 459,  # 6.8
    "lsm_set_self_attr": 460,  # 6.8
    "lsm_list_modules": 461,  # 6.8
    "mseal": 462,  # 6.10
    "setxattrat": 463,  # 6.13
    "getxattrat": 464,  # 6.13
    "listxattrat": 465,  # 6.13
    "removexattrat": 466,  # 6.13
    "open_tree_attr": 467,  # 6.15
    "file_getattr": 468,  # 6.17
    "file_setattr": 469,  # 6.17
}

EXTRA_SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": {
        # Only the 64-bit table has these two. The kernel enters them from
        # its own uprobe trampolines, never from program code; they sit in
        # the gap libseccomp leaves between 334 (rseq) and 424.
        "uretprobe": 335,  # 6.11
        "uprobe": 336,  # 6.18
        **_SHARED_SINCE_457,
    },
    "x86": dict(_SHARED_SINCE_457),
    "aarch64": dict(_SHARED_SINCE_457),
}

# Highest number pyjail can name per arch: the larger of libseccomp 2.5.4's
# highest resolvable number (456 on all three, found by resolving 0..1023)
# and the highest entry of EXTRA_SYSCALLS above (469). Anything above this
# is a call pyjail has never heard of.
HIGHEST_SYSCALL: dict[str, int] = {
    "x86_64": 469,
    "x86": 469,
    "aarch64": 469,
}


def extra_number(arch_token: str, name: str) -> int | None:
    """Return the number of a syscall libseccomp cannot name, or None.

    None means either the arch token is unknown or the name is not one of
    the extras; the caller asks libseccomp first and comes here second.
    """
    return EXTRA_SYSCALLS.get(arch_token, {}).get(name)
