"""The filters loaded when denials are reported: same answers, one listener.

A profile normally compiles to a stack of programs (see seccomp_compiler).
To say which call was denied, pyjail must see the call before the program
gets its answer: seccomp user notification. Only one program of a process
may carry the listener, and an errno or kill from any program outranks a
notification, so the stack cannot simply be loaded with a listener on top.

In report mode pyjail loads instead:

  numbers  (only if needed) the stack's exact answer for syscall numbers
           that no name has, including everything above the table; these
           are answered by the kernel and not reported
  notify   the listener: NOTIFY for every call the stack would deny, ALLOW
           or LOG for the others, decided per syscall name

The supervisor then runs the real stack over each notified call (bpf_eval)
and answers with what it says: its errno, a kill, or "continue" for a call
the stack allows after all. So the answers stay the stack's own; the notify
program only decides which calls take the detour. It must never let through
a call the stack denies, and that is checked here by running both on sample
arguments, before any process exists.

Calls the stack allows take no detour except where libseccomp cannot say
"allow unless" in one program (see _conditional_rules).
"""

from __future__ import annotations

import itertools

from jail import bpf_eval, syscall_groups, syscall_table
from jail.libseccomp import binding

NOTIFY_ROLE = "notify"
NUMBERS_ROLE = "numbers"


def compile_report_programs(profile, programs: list[bytes], audit: bool = False):
    """The report-mode programs as (role, BPF), listener last; None when not available.

    With audit, nothing is denied by the kernel: no numbers program, and
    trap rules notify too, so the supervisor can let every call through.

    Limitation: a profile that admits a foreign architecture (i386, x32)
    runs with its plain stack and denials are not reported, because numbers
    that no name has cannot be given to libseccomp for a foreign table.
    """
    from jail import seccomp_compiler

    architectures = seccomp_compiler.architectures_with_native(profile.seccomp.architectures)
    if len(architectures) > 1:
        return None
    native = architectures[0]
    audit_arch = _audit_arch(native)
    names = _names_by_number(native)
    answers = {}
    for number, name in names.items():
        try:
            answers[name] = bpf_eval.stack_answer(programs, number, audit_arch)[0]
        except bpf_eval.ArgumentDependent:
            answers[name] = None

    result = []
    numbers = None if audit else _numbers_program(programs, native, audit_arch, names)
    if numbers is not None:
        result.append((NUMBERS_ROLE, numbers))
    result.append((NOTIFY_ROLE, _notify_program(profile, programs, native, audit_arch, answers, names, audit)))
    return result


def _audit_arch(token: str) -> int:
    from jail.seccomp_compiler import ARCH_NAMES

    library = binding()
    return getattr(library.Arch, ARCH_NAMES[token])


def _names_by_number(arch: str) -> dict[int, str]:
    from jail.seccomp_compiler import syscall_number

    names = {}
    for name in sorted(syscall_groups.known_syscalls()):
        number = syscall_number(arch, name)
        if number is not None and number >= 0:
            names.setdefault(number, name)
    return names


def _numbers_program(programs, native: str, audit_arch: int, names: dict[int, str]) -> bytes | None:
    """The stack's own answer for numbers without a name, or None if it allows them."""
    highest = syscall_table.HIGHEST_SYSCALL[native]
    above = bpf_eval.stack_answer(programs, highest + 1, audit_arch)[0]
    unnamed = {}
    for number in range(highest + 1):
        if number not in names:
            ret = bpf_eval.stack_answer(programs, number, audit_arch)[0]
            if bpf_eval.denies(ret):
                unnamed[number] = ret
    if not bpf_eval.denies(above) and not unnamed:
        return None

    library = binding()
    seccomp_filter = _new_filter(above, native, library.ALLOW)
    for number in range(highest + 1):
        ret = unnamed.get(number, bpf_eval.RET_ALLOW)
        if ret != above:
            seccomp_filter.add_rule_exactly(ret, number)
    return _export_bpf(seccomp_filter)


def _notify_program(profile, programs, native, audit_arch, answers, names, audit) -> bytes:
    library = binding()
    seccomp_filter = _new_filter(bpf_eval.RET_ALLOW, native, library.NOTIFY)
    numbers = {name: number for number, name in names.items()}
    for name, ret in sorted(answers.items()):
        target = _rule_target(audit_arch, name, numbers[name])
        if ret is None:
            rules = _conditional_rules(profile, name)
            if not _covers(programs, audit_arch, numbers[name], name, target, rules, profile):
                rules = [()]
            for conditions in rules:
                seccomp_filter.add_rule(library.NOTIFY, target, *conditions)
        elif bpf_eval.denies(ret):
            # A trap must raise SIGSYS with the kernel's own siginfo, which
            # no other process can forge, so the kernel answers it.
            # Limitation: calls denied by a trap rule are not reported.
            trap = ret & bpf_eval.ACTION_MASK == bpf_eval.RET_TRAP and not audit
            seccomp_filter.add_rule(ret if trap else library.NOTIFY, target)
        elif ret & bpf_eval.ACTION_MASK == bpf_eval.RET_LOG:
            seccomp_filter.add_rule(library.LOG, target)
    return _export_bpf(seccomp_filter)


def _rule_target(audit_arch: int, name: str, number: int):
    """The name for libseccomp, or the native number where it has no name."""
    library = binding()
    return name if library.resolve_syscall(audit_arch, name) >= 0 else number


def _conditional_rules(profile, name: str) -> list[tuple]:
    """libseccomp conditions under which `name` may be denied.

    Each entry is a tuple of Args, all of which must hold. The notify
    program's default is ALLOW, and libseccomp cannot give one syscall an
    unconditional action and exceptions from it, so "deny unless X" is
    written as "notify when not X" where X is one comparison; anything
    richer takes the detour on every call.
    Limitation: such calls (e.g. personality() under the default profile)
    cost a round trip to the supervisor even when they are allowed.
    """
    from jail import seccomp_compiler

    library = binding()
    rules = [r for r in profile.seccomp.rules if name in r.syscalls and (r.when or r.unless)]
    base = seccomp_compiler.whole_syscall_decisions(profile).get(name, (profile.seccomp.default_action, ""))[0]
    if all(r.when and not r.unless and r.action.denies for r in rules):
        if base.denies:
            return [()]
        return [tuple(_arg(name, c) for c in r.when) for r in rules]
    if len(rules) == 1 and len(rules[0].unless) == 1 and len(rules[0].unless[0]) == 1:
        condition = rules[0].unless[0][0]
        if condition.op == "==" and (condition.mask is None or condition.value & condition.mask == condition.value):
            # (x & m) != v whenever x != v, so this notifies at least as often.
            return [(library.Arg(condition.index, library.NE, condition.value),)]
    return [()]


def _arg(name, condition):
    from jail.profile import Action
    from jail.seccomp_compiler import argument_comparison

    return argument_comparison(name, condition, Action("notify"), None)


def _covers(programs, audit_arch, number, name, target, rules, profile) -> bool:
    """Whether notifying under `rules` catches every sampled denial."""
    library = binding()
    probe = _new_filter(bpf_eval.RET_ALLOW, _native(), library.NOTIFY)
    for conditions in rules:
        probe.add_rule(library.NOTIFY, target, *conditions)
    notify = _export_bpf(probe)
    for args in _sample_arguments(profile, name):
        stack = bpf_eval.stack_answer(programs, number, audit_arch, args)[0]
        if bpf_eval.denies(stack) and bpf_eval.run(notify, number, audit_arch, args) != bpf_eval.RET_USER_NOTIF:
            return False
    return True


def _native() -> str:
    from jail.seccomp_compiler import native_arch

    return native_arch()


def _sample_arguments(profile, name: str):
    """Argument vectors around every value the profile compares with."""
    per_index: dict[int, set[int]] = {}
    for rule in profile.seccomp.rules:
        if name not in rule.syscalls:
            continue
        for condition in list(rule.when) + [c for alt in rule.unless for c in alt]:
            values = per_index.setdefault(condition.index, {0, 1, 0xFFFFFFFF, (1 << 64) - 1})
            v = condition.value
            for candidate in (v, v + 1, v - 1, v | 1 << 32, v ^ (condition.mask or 0), ~v):
                values.add(candidate & ((1 << 64) - 1))
    indices = sorted(per_index)
    for combination in itertools.product(*(sorted(per_index[i]) for i in indices)):
        args = [0] * 6
        for index, value in zip(indices, combination):
            args[index] = value
        yield args


def _new_filter(default: int, arch: str, on_foreign: int):
    from jail.seccomp_compiler import ARCH_NAMES

    library = binding()
    seccomp_filter = library.SyscallFilter(default)
    wanted = getattr(library.Arch, ARCH_NAMES[arch])
    if not seccomp_filter.exist_arch(wanted):
        seccomp_filter.add_arch(wanted)
        seccomp_filter.remove_arch(library.system_arch())
    seccomp_filter.set_attr(library.Attr.ACT_BADARCH, on_foreign)
    seccomp_filter.set_attr(library.Attr.CTL_OPTIMIZE, 2)
    seccomp_filter.set_attr(library.Attr.CTL_NNP, 0)
    return seccomp_filter


def _export_bpf(seccomp_filter) -> bytes:
    from jail.seccomp_compiler import export_program

    return export_program(seccomp_filter.export_bpf)
