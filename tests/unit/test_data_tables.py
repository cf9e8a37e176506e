"""Consistency checks for the syscall groups, the extra syscall table and
the symbolic constants. No privileges needed; libseccomp is consulted only
here, never by the modules under test."""

import errno
import mmap
import os
import socket
import subprocess
import sys
import termios

import pytest

from jail import constants, syscall_table
from jail.syscall_groups import DESCRIPTIONS, GROUPS, expand, group_names

KNOWN = set(GROUPS["@known"])


def _libseccomp_names(arch) -> dict[int, str]:
    seccomp = pytest.importorskip("pyseccomp")
    names = {}
    for nr in range(1024):
        try:
            name = seccomp.resolve_syscall(arch, nr)
        except ValueError:
            continue
        names[nr] = name.decode() if isinstance(name, bytes) else name
    return names


def _arch(token: str):
    seccomp = pytest.importorskip("pyseccomp")
    return {
        "x86_64": seccomp.Arch.X86_64,
        "x86": seccomp.Arch.X86,
        "aarch64": seccomp.Arch.AARCH64,
    }[token]


# --- groups ---------------------------------------------------------------


@pytest.mark.parametrize("group", group_names())
def test_every_group_expands_to_syscalls(group):
    assert expand([group])


@pytest.mark.parametrize("group", group_names())
def test_group_members_are_known_names_or_groups(group):
    for member in GROUPS[group]:
        if member.startswith("@"):
            assert member in GROUPS, f"{group} includes unknown {member}"
        else:
            assert member in KNOWN, f"{group} lists unknown syscall {member}"


def test_groups_have_no_cycles():
    def visit(group, path):
        assert group not in path, " -> ".join(path + [group])
        for member in GROUPS[group]:
            if member.startswith("@"):
                visit(member, path + [group])

    for group in GROUPS:
        visit(group, [])


def test_every_group_has_a_description():
    assert set(DESCRIPTIONS) == set(GROUPS)
    assert all(DESCRIPTIONS.values())


def test_group_names_are_sorted_and_prefixed():
    names = group_names()
    assert names == sorted(names)
    assert all(name.startswith("@") for name in names)


@pytest.mark.parametrize(
    "syscall",
    ["mount", "ptrace", "kexec_load", "init_module", "reboot", "swapon"],
)
def test_system_service_leaves_out(syscall):
    assert syscall not in expand(["@system-service"])


@pytest.mark.parametrize(
    "syscall",
    [
        "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
        "open_tree_attr", "mount_setattr",
    ],
)
def test_mount_has_new_mount_api(syscall):
    assert syscall in GROUPS["@mount"]


def test_privileged_pulls_in_nested_groups():
    expanded = expand(["@privileged"])
    for syscall in ("chown", "settimeofday", "init_module", "iopl", "reboot"):
        assert expanded[syscall] == "@privileged"


def test_expand_records_the_top_level_origin():
    expanded = expand(["read", "@debug", "no_such_call"])
    assert expanded["read"] == "read"
    assert expanded["ptrace"] == "@debug"
    # Plain names are not validated here.
    assert expanded["no_such_call"] == "no_such_call"


def test_expand_keeps_first_origin():
    assert expand(["ptrace", "@debug"])["ptrace"] == "ptrace"
    assert expand(["@debug", "ptrace"])["ptrace"] == "@debug"


def test_expand_unknown_group_raises_keyerror():
    with pytest.raises(KeyError) as info:
        expand(["@no-such-group"])
    assert info.value.args == ("@no-such-group",)


def test_expand_unknown_nested_group_names_it(monkeypatch):
    monkeypatch.setitem(GROUPS, "@outer", ("read", "@missing"))
    with pytest.raises(KeyError) as info:
        expand(["@outer"])
    assert info.value.args == ("@missing",)


def test_expand_survives_a_cycle(monkeypatch):
    monkeypatch.setitem(GROUPS, "@ping", ("read", "@pong"))
    monkeypatch.setitem(GROUPS, "@pong", ("write", "@ping"))
    assert expand(["@ping"]) == {"read": "@ping", "write": "@ping"}


def test_known_is_libseccomp_plus_extras():
    from_libseccomp = set(_libseccomp_names(_arch("x86_64")).values())
    from_libseccomp |= set(_libseccomp_names(_arch("x86")).values())
    extras = set(syscall_table.EXTRA_SYSCALLS["x86_64"])
    extras |= set(syscall_table.EXTRA_SYSCALLS["x86"])
    assert KNOWN == from_libseccomp | extras


# --- extra syscall table --------------------------------------------------


@pytest.mark.parametrize("token", sorted(syscall_table.EXTRA_SYSCALLS))
def test_extras_are_unknown_to_libseccomp(token):
    seccomp = pytest.importorskip("pyseccomp")
    arch = _arch(token)
    for name in syscall_table.EXTRA_SYSCALLS[token]:
        assert seccomp.resolve_syscall(arch, name) < 0, name


@pytest.mark.parametrize("token", sorted(syscall_table.EXTRA_SYSCALLS))
def test_extra_numbers_are_free_in_libseccomp(token):
    taken = _libseccomp_names(_arch(token))
    for name, nr in syscall_table.EXTRA_SYSCALLS[token].items():
        assert nr not in taken, f"{name}={nr} is {taken.get(nr)} in libseccomp"


@pytest.mark.parametrize("token", sorted(syscall_table.EXTRA_SYSCALLS))
def test_calls_since_statmount_are_above_libseccomp(token):
    highest = max(_libseccomp_names(_arch(token)))
    for name, nr in syscall_table.EXTRA_SYSCALLS[token].items():
        # uretprobe and uprobe fill a gap in the x86_64 table instead.
        if name not in ("uretprobe", "uprobe"):
            assert nr > highest, name


@pytest.mark.parametrize("token", sorted(syscall_table.EXTRA_SYSCALLS))
def test_highest_syscall_is_max_of_both_tables(token):
    libseccomp = max(_libseccomp_names(_arch(token)))
    extras = max(syscall_table.EXTRA_SYSCALLS[token].values())
    assert syscall_table.HIGHEST_SYSCALL[token] == max(libseccomp, extras)


def test_extra_number():
    assert syscall_table.extra_number("x86_64", "statmount") == 457
    assert syscall_table.extra_number("x86", "mseal") == 462
    assert syscall_table.extra_number("x86", "uretprobe") is None
    assert syscall_table.extra_number("x86_64", "openat") is None
    assert syscall_table.extra_number("sparc", "statmount") is None


# --- constants ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TIOCSTI", 0x5412),
        ("TIOCLINUX", 0x541C),
        ("AF_INET", 2),
        ("AF_VSOCK", 40),
        ("CLONE_NEWUSER", 0x10000000),
        ("PER_LINUX32", 8),
        ("UNAME26", 0x20000),
        ("O_PATH", 0o10000000),
        ("ENOSYS", 38),
    ],
)
def test_constant_value(name, value):
    assert constants.constant_value(name) == value


def test_unknown_constant_is_none():
    assert constants.constant_value("TIOCSTIX") is None


def test_close_matches_suggests_the_real_name():
    assert "TIOCSTI" in constants.close_matches("TIOCSIT")
    assert "CLONE_NEWUSER" in constants.close_matches("clone_newuser")


def test_errno_helpers():
    assert constants.errno_value("ENOSYS") == 38
    assert constants.errno_value("EWOULDBLOCK") == errno.EAGAIN
    assert constants.errno_value("NOSYS") is None
    assert constants.errno_name(38) == "ENOSYS"
    assert constants.errno_name(99999) == "99999"


def test_constants_agree_with_python_where_both_define_them():
    # Python's values come from libc headers; they must match the kernel's
    # except where libc deliberately differs (O_LARGEFILE is 0 in glibc on
    # x86_64 because the flag is implied there).
    for name, value in constants._CONSTANTS.items():
        if name == "O_LARGEFILE":
            continue
        for module in (termios, socket, os, mmap):
            theirs = getattr(module, name, None)
            if isinstance(theirs, int):
                assert theirs == value, f"{name}: {value:#x} vs {theirs:#x}"


def test_modules_import_without_heavy_dependencies():
    code = (
        "import sys\n"
        "import jail.syscall_groups, jail.syscall_table, jail.constants\n"
        "print(sorted({'pyseccomp', 'difflib', 'ctypes'} & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert out.stdout.strip() == "[]"

