"""What a denied call was, and which line of which profile denied it.

The supervisor hands over the raw facts of a notification (architecture,
number, arguments, and the stack's answer with the program that gave it);
this module turns them into the words of a report: the syscall's name, its
first arguments by their symbolic names, the action, and the profile rule.
"""

from __future__ import annotations

import functools
import os

from jail import bpf_eval, constants

# Which argument of which call to show by name, and the prefix of the names
# in jail/constants.py that it takes. Modest on purpose: the first argument
# usually says what the call was for.
_SYMBOLIC_ARGUMENTS = {
    "ptrace": (0, ("PTRACE_",)),
    "socket": (0, ("AF_",)),
    "socketpair": (0, ("AF_",)),
    "prctl": (0, ("PR_",)),
    "personality": (0, ("PER_", "UNAME26")),
    "ioctl": (1, ("TIOC", "TC", "FIO", "FS_IOC")),
}
_FLAG_ARGUMENTS = {"clone": 0, "unshare": 0}
_MASK_64 = (1 << 64) - 1
# x32 calls come with the x86_64 audit architecture and this bit set in nr.
X32_SYSCALL_BIT = 0x40000000
# What people call the ABI of an architecture token, where that differs.
_ABI_NAMES = {"x86": "i386"}


class Denial:
    """One notified call, described for a person and for the JSON log."""

    def __init__(self, arch: str, number: int, args, answer: int, rule: tuple[str, str]):
        self.arch = foreign_abi(arch, number) or arch
        self.number = number
        self.args = list(args)
        self.answer = answer
        self.name = syscall_name(arch, number)
        self.profile_file, self.rule = rule
        self.abi = ""
        if self.arch != native_arch():
            # Report mode runs only profiles that admit the native
            # architecture alone (report_filter), so a call of any other
            # ABI was notified because the filter refuses its ABI: say so,
            # not what the native rule for a call of that name would be.
            self.abi = _ABI_NAMES.get(self.arch, self.arch)
            self.name = _foreign_name(arch, number)
            self.rule = f"architecture {self.arch} not admitted ([seccomp].architectures)"

    @property
    def action(self) -> str:
        return action_text(self.answer)

    def call_text(self) -> str:
        """`ptrace(PTRACE_ATTACH, ...)`: the call as a person would write it."""
        shown = _symbolic(self.name, self.args)
        abi = f" ({self.abi} ABI)" if self.abi else ""
        return f"{self.name}({shown + ', ' if shown else ''}...){abi}"

    def rule_text(self) -> str:
        short = self.action.removeprefix("errno:")
        rule = self.rule if self.abi else f"rule {self.rule}"
        return f"profile {self.profile_file}, {rule} -> {short}"


@functools.lru_cache(maxsize=1)
def native_arch() -> str:
    from jail.seccomp_compiler import native_arch as compiler_native

    return compiler_native()


def foreign_abi(arch: str, number: int) -> str | None:
    """The ABI of an x32 call, which the kernel reports as x86_64; else None."""
    if arch == "x86_64" and number & X32_SYSCALL_BIT:
        return "x32"
    return None


@functools.lru_cache(maxsize=256)
def _foreign_name(arch: str, number: int) -> str:
    """A foreign call by its name in its own table: x32 getpid, not syscall_1073741863."""
    if foreign_abi(arch, number) == "x32":
        name = syscall_name("x32", number)
        if name.startswith("syscall_"):
            return syscall_name("x86_64", number & ~X32_SYSCALL_BIT)
        return name
    return syscall_name(arch, number)


@functools.lru_cache(maxsize=1024)
def syscall_name(arch: str, number: int) -> str:
    from jail import syscall_table
    from jail.libseccomp import binding
    from jail.seccomp_compiler import ARCH_NAMES

    library = binding()
    try:
        name = library.resolve_syscall(getattr(library.Arch, ARCH_NAMES[arch]), number)
    except (OSError, ValueError, KeyError, AttributeError):
        name = None
    if name:
        return name.decode() if isinstance(name, bytes) else str(name)
    for extra, extra_number in syscall_table.EXTRA_SYSCALLS.get(arch, {}).items():
        if extra_number == number:
            return extra
    return f"syscall_{number}"


def action_text(answer: int) -> str:
    kind = answer & bpf_eval.ACTION_MASK
    if kind == bpf_eval.RET_ERRNO:
        return f"errno:{constants.errno_name(answer & bpf_eval.DATA_MASK)}"
    return {
        bpf_eval.RET_KILL_PROCESS: "kill-process",
        bpf_eval.RET_KILL_THREAD: "kill-thread",
        bpf_eval.RET_TRAP: "trap",
        bpf_eval.RET_LOG: "log",
        bpf_eval.RET_ALLOW: "allow",
    }.get(kind, f"{answer:#x}")


def _symbolic(name: str, args: list[int]) -> str:
    if name in _FLAG_ARGUMENTS:
        value = args[_FLAG_ARGUMENTS[name]]
        flags = [n for n, v in _by_prefix(("CLONE_",)).items() if v and value & v == v]
        return "|".join(sorted(set(flags))) or hex(value)
    if name not in _SYMBOLIC_ARGUMENTS:
        return ""
    index, prefixes = _SYMBOLIC_ARGUMENTS[name]
    value = args[index] & 0xFFFFFFFF
    matches = [n for n, v in _by_prefix(prefixes).items() if v == value]
    shown = matches[0] if matches else hex(value)
    return ", ".join([hex(a) for a in args[:index]] + [shown])


@functools.lru_cache(maxsize=16)
def _by_prefix(prefixes: tuple[str, ...]) -> dict[str, int]:
    table = constants._CONSTANTS
    return {name: value for name, value in table.items() if name.startswith(prefixes)}


def explain(profile, roles: list[str], deciding: int, answer: int, name: str, args) -> tuple[str, str]:
    """(profile file, rule) for the program of the stack that decided.

    A rule names the file that wrote it when that is not the profile
    itself (an include, or NAME.local.toml): that is the file to edit.
    """
    role = roles[deciding] if 0 <= deciding < len(roles) else "main"
    spec = profile.seccomp
    own_file = os.path.basename(profile.source)
    if role == "enosys":
        return own_file, "number above the syscall table"
    if role.startswith("guard"):
        for rule in spec.rules:
            if rule.unless and name in rule.syscalls and _same(rule.action, answer):
                return own_file, f"{_rule_origin(profile, rule)} (deny {name} unless ...)"
    if role == "refine" or role == "main":
        for rule in spec.rules:
            if rule.when and name in rule.syscalls and _matches(name, rule.when, args) and _same(rule.action, answer):
                when = " and ".join(map(str, rule.when))
                return own_file, f"{_rule_origin(profile, rule)} ({name} when {when})"
    if role == "main":
        return own_file, _whole_decision(profile, name)
    return own_file, role


def _whole_decision(profile, name: str) -> str:
    from jail import seccomp_compiler

    decisions = seccomp_compiler.whole_syscall_decisions(profile)
    if name in decisions:
        # The compiler lets the last unconditional rule naming the call win.
        for rule in reversed(profile.seccomp.rules):
            if not rule.when and not rule.unless and name in rule.syscalls:
                return _rule_origin(profile, rule)
        # Limitation: an allow or deny list entry is shown without the file
        # that wrote it ("deny bpf", perhaps from an include), because the
        # --audit summary reads exactly that text to say how to lift it.
        return decisions[name][1]
    if name.startswith("syscall_"):
        return "architecture or number not admitted"
    return f"default_action = {profile.seccomp.default_action} ({name} is not allowed)"


def _rule_origin(profile, rule) -> str:
    """`[seccomp].rules[0]`, or `[seccomp].rules[0] in default.local.toml`.

    The key is the rule's place in the file that wrote it, where the user
    will look. It stays first: the --audit summary reads it from there.
    """
    if not rule.source or rule.source == profile.source:
        return rule.key
    return f"{rule.key} in {os.path.basename(rule.source)}"


def _same(action, answer: int) -> bool:
    return action_text(answer) == str(action) or (action.kind == "kill-thread" and answer == 0)


def _matches(name: str, conditions, args) -> bool:
    """The compiler's reading of a condition (32-bit ints compare low halves)."""
    from jail.seccomp_compiler import INT_ARGUMENTS

    for condition in conditions:
        value = args[condition.index] & _MASK_64
        if condition.index in INT_ARGUMENTS.get(name, ()) and condition.mask is None and condition.op == "==":
            value &= 0xFFFFFFFF
        if condition.mask is not None:
            if value & condition.mask != condition.value:
                return False
            continue
        expected = condition.value
        results = {"==": value == expected, "!=": value != expected, "<": value < expected,
                   "<=": value <= expected, ">": value > expected, ">=": value >= expected}
        if not results[condition.op]:
            return False
    return True
