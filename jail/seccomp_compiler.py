"""Compile a profile's [seccomp] section into BPF programs with libseccomp.

libseccomp builds every program; pyjail only decides which rules go where.
One libseccomp filter cannot say everything a profile can, so a profile
becomes a small stack of filters, loaded in this order:

  main     the default action, every whole-syscall decision, and the
           conditional rules of syscalls that have no whole-syscall decision
  guard    "deny S unless ..." exceptions (default: the rule's action)
  refine   conditional denials of syscalls the main filter allows whole
  enosys   numbers above the syscall table answer ENOSYS (allowlists only)

When several filters answer, the kernel keeps the strongest action (kill >
trap > errno > log > allow), and among errno answers the newest filter's.
Each program examines one architecture's calls; a call of an architecture
the profile does not admit kills the whole process.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import tempfile

from jail import syscall_table
from jail.errors import ProfileError
from jail.libseccomp import binding
from jail.profile import ALLOW, Action, Condition, Profile, Rule

# Arguments the kernel reads as 32-bit ints: it ignores the upper half, so a
# comparison of the full 64 bits could be dodged by setting upper bits.
INT_ARGUMENTS = {
    "ioctl": {1},
    "socket": {0, 1, 2},
    "socketpair": {0, 1, 2},
    "personality": {0},
    "prctl": {0},
    "fcntl": {1},
    "setsockopt": {1, 2},
    "getsockopt": {1, 2},
    "kill": {1},
    "tgkill": {2},
    "tkill": {1},
    "setns": {1},
    "ptrace": {0},
    "keyctl": {0},
}
LOW_32_BITS = 0xFFFFFFFF
# The call pyjail itself needs between loading one program and the next.
LOADER_CALL = "seccomp"
# libseccomp's time grows steeply with conditional rules (20,000 take
# minutes) and the result would not fit in a BPF program anyway.
MAX_CONDITIONAL_RULES = 4000
# BPF_MAXINSNS: the kernel refuses a longer classic BPF program (EINVAL).
MAX_BPF_INSTRUCTIONS = 4096
BPF_INSTRUCTION_SIZE = 8
ARCH_NAMES = {"x86_64": "X86_64", "x86": "X86", "x32": "X32", "aarch64": "AARCH64", "arm": "ARM"}


@dataclasses.dataclass
class Program:
    """One BPF program of the stack, with what it is for."""

    role: str
    bpf: bytes
    pfc: str


@dataclasses.dataclass
class CompiledFilter:
    programs: list[Program]
    architectures: tuple[str, ...]
    decisions: dict[str, tuple[Action, str]]
    warnings: list[str] = dataclasses.field(default_factory=list)

    def pfc(self) -> str:
        return "\n".join(f"# --- filter {p.role} ---\n{p.pfc}" for p in self.programs)


@dataclasses.dataclass
class _Plan:
    """Which rule goes into which filter, before libseccomp sees any."""

    whole: dict[str, tuple[Action, str]]
    main_conditional: list[Rule]
    refine: list[Rule]
    guards: dict[Action, list[Rule]]


def compile_profile(profile: Profile) -> CompiledFilter:
    """Build the filter stack for a profile, or raise ProfileError."""
    spec = profile.seccomp
    architectures = architectures_with_native(spec.architectures)
    _refuse_too_many_rules(profile)
    plan = plan_stack(profile)
    _refuse_conditions_on_seccomp(plan)

    builders = [lambda loader: _main_program(profile, plan, architectures, loader)]
    for action, rules in plan.guards.items():
        builders.append(functools.partial(_guard_program, action, rules, architectures))
    if plan.refine:
        builders.append(functools.partial(_refine_program, plan.refine, architectures))
    if _needs_enosys(spec.default_action, plan):
        builders.append(functools.partial(_enosys_program, architectures[0]))

    # Every program but the last must let seccomp() through, or pyjail could
    # not load the next one; the last program carries the profile's verdict.
    verdict = plan.whole.get(LOADER_CALL, (spec.default_action, ""))[0]
    UNFILTERABLE.clear()
    programs = [build(ALLOW) for build in builders[:-1]]
    programs.append(builders[-1](verdict))
    _refuse_long_programs(profile, programs)
    warnings = [
        f"{profile.name}: libseccomp cannot filter {', '.join(sorted(UNFILTERABLE))}: "
        "the profile's denial does not apply there"
    ] if UNFILTERABLE else []
    return CompiledFilter(programs, architectures, plan.whole, warnings)


def _refuse_too_many_rules(profile: Profile) -> None:
    """Count what libseccomp would compile one by one: a conditional rule
    per syscall, and an exception per syscall and `unless` alternative."""
    count = 0
    for rule in profile.seccomp.rules:
        if rule.unless:
            count += len(rule.syscalls) * len(rule.unless)
        elif rule.when:
            count += len(rule.syscalls)
    if count > MAX_CONDITIONAL_RULES:
        raise ProfileError(
            profile.source,
            "[seccomp].rules",
            f"{count} conditional rules and exceptions (one per syscall), "
            f"more than the {MAX_CONDITIONAL_RULES} pyjail compiles",
            "decide whole syscalls in allow or deny where you can",
        )


def _refuse_long_programs(profile: Profile, programs: list[Program]) -> None:
    """The kernel would refuse the program only in the child, at launch."""
    for program in programs:
        length = len(program.bpf) // BPF_INSTRUCTION_SIZE
        if length > MAX_BPF_INSTRUCTIONS:
            raise ProfileError(
                profile.source,
                "[seccomp]",
                f"the {program.role} filter has {length} BPF instructions, "
                f"more than the kernel's limit of {MAX_BPF_INSTRUCTIONS}",
                "use fewer conditional rules, or decide whole syscalls",
            )


def _refuse_conditions_on_seccomp(plan: "_Plan") -> None:
    rules = plan.main_conditional + plan.refine + [r for g in plan.guards.values() for r in g]
    for rule in rules:
        if LOADER_CALL in rule.syscalls:
            raise ProfileError(
                rule.source,
                rule.key,
                "pyjail loads its filters with seccomp() and cannot take "
                "conditions or exceptions on it",
                "allow or deny seccomp as a whole",
            )


def architectures_with_native(tokens) -> tuple[str, ...]:
    """Arch tokens with the native one first; foreign ones only if named."""
    native = native_arch()
    chosen = [native]
    for token in tokens:
        token = native if token == "native" else token
        if token not in chosen:
            chosen.append(token)
    return tuple(chosen)


def native_arch() -> str:
    library = binding()
    native = library.system_arch()
    for token, attribute in ARCH_NAMES.items():
        if getattr(library.Arch, attribute) == native:
            return token
    raise ProfileError("seccomp", "", f"unsupported native architecture {native:#x}")


def plan_stack(profile: Profile) -> _Plan:
    spec = profile.seccomp
    whole = whole_syscall_decisions(profile)
    plan = _Plan(whole, [], [], {})
    for rule in spec.rules:
        if rule.unless:
            _place_exception(profile, rule, plan)
        elif rule.when:
            _place_conditional(profile, rule, plan)
    return plan


def whole_syscall_decisions(profile: Profile) -> dict[str, tuple[Action, str]]:
    """The action for each syscall named without conditions, and why.

    A name given one by one beats the same name reached through a @group;
    the same specificity on both sides is a conflict the user must settle.
    """
    spec = profile.seccomp
    decisions: dict[str, tuple[Action, str]] = {}
    for name in set(spec.allow) | set(spec.deny):
        allow_origin, deny_origin = spec.allow.get(name), spec.deny.get(name)
        if allow_origin and deny_origin:
            allow_direct, deny_direct = allow_origin == name, deny_origin == name
            if allow_direct == deny_direct:
                raise ProfileError(
                    profile.source,
                    "[seccomp]",
                    f"{name} is both allowed (via {allow_origin}) and denied (via {deny_origin})",
                    "name it alone in the list that should win",
                )
            chosen_allow = allow_direct
        else:
            chosen_allow = bool(allow_origin)
        if chosen_allow:
            decisions[name] = (ALLOW, f"allow {allow_origin}")
        else:
            decisions[name] = (spec.deny_action, f"deny {deny_origin}")

    for rule in spec.rules:
        if rule.when or rule.unless:
            continue
        for name in rule.syscalls:
            decisions[name] = (rule.action, rule.origin)
    return decisions


def _place_exception(profile: Profile, rule: Rule, plan: _Plan) -> None:
    """A denial with exceptions: the guard filter denies, the rest allow.

    The main filter must not decide these syscalls whole; in an allowlist
    it must also let the exceptions through, or its default would deny them.
    """
    for name in rule.syscalls:
        plan.whole.pop(name, None)
        if profile.seccomp.default_action != ALLOW:
            for alternative in rule.unless:
                plan.main_conditional.append(
                    Rule((name,), ALLOW, alternative, (), rule.source, rule.key)
                )
    plan.guards.setdefault(rule.action, []).append(rule)


def _place_conditional(profile: Profile, rule: Rule, plan: _Plan) -> None:
    default = profile.seccomp.default_action
    for name in rule.syscalls:
        whole = plan.whole.get(name)
        single = dataclasses.replace(rule, syscalls=(name,))
        if whole is None:
            if rule.action != default:
                plan.main_conditional.append(single)
        elif whole[0] == ALLOW and rule.action.denies:
            plan.refine.append(single)
        elif whole[0] != rule.action:
            raise ProfileError(
                rule.source,
                rule.key,
                f"this conditional rule for {name} can never apply: "
                f"{name} is already {whole[0]} by {whole[1]}",
                "use unless = [...] on a denying rule for exceptions",
            )


def _needs_enosys(default: Action, plan: _Plan) -> bool:
    answers = [default] + list(plan.guards)
    return any(a.kind == "errno" and a.errno != errno.ENOSYS for a in answers)


def _new_filter(default: Action, arch: str, on_foreign: Action):
    library = binding()
    seccomp_filter = library.SyscallFilter(_libseccomp_action(default))
    wanted = getattr(library.Arch, ARCH_NAMES[arch])
    if not seccomp_filter.exist_arch(wanted):
        seccomp_filter.add_arch(wanted)
        seccomp_filter.remove_arch(library.system_arch())
    seccomp_filter.set_attr(library.Attr.ACT_BADARCH, _libseccomp_action(on_foreign))
    # Binary-tree dispatch keeps large filters cheap for every call.
    seccomp_filter.set_attr(library.Attr.CTL_OPTIMIZE, 2)
    # pyjail sets no_new_privs itself, earlier, and loads the program itself.
    seccomp_filter.set_attr(library.Attr.CTL_NNP, 0)
    return seccomp_filter


def _stack_program(role: str, default: Action, architectures, on_foreign, fill) -> Program:
    """One program covering every admitted arch, filled per arch by `fill`."""
    combined = None
    for arch in architectures:
        per_arch = _new_filter(default, arch, on_foreign)
        fill(per_arch, arch)
        if combined is None:
            combined = per_arch
        else:
            combined.merge(per_arch)
    return Program(role, export_program(combined.export_bpf), export_program(combined.export_pfc).decode())


def _main_program(profile: Profile, plan: _Plan, architectures, loader: Action) -> Program:
    spec = profile.seccomp
    whole = dict(plan.whole)
    whole[LOADER_CALL] = (loader, "")

    def fill(seccomp_filter, arch):
        for name, (action, _why) in sorted(whole.items()):
            if action != spec.default_action:
                _add(seccomp_filter, arch, action, name, ())
        for rule in plan.main_conditional:
            _add(seccomp_filter, arch, rule.action, rule.syscalls[0], rule.when, rule)

    return _stack_program("main", spec.default_action, architectures, Action("kill-process"), fill)


def _guard_program(action: Action, rules: list[Rule], architectures, loader: Action) -> Program:
    """Deny the guarded syscalls except under their `unless` conditions."""
    from jail import syscall_groups

    guarded = {name for rule in rules for name in rule.syscalls}
    others = syscall_groups.known_syscalls() - guarded - {LOADER_CALL}

    def fill(seccomp_filter, arch):
        for name in sorted(others):
            _add(seccomp_filter, arch, ALLOW, name, ())
        if loader != action:
            _add(seccomp_filter, arch, loader, LOADER_CALL, ())
        for rule in rules:
            for name in rule.syscalls:
                for alternative in rule.unless:
                    _add(seccomp_filter, arch, ALLOW, name, alternative, rule)

    return _stack_program(f"guard {action}", action, architectures, ALLOW, fill)


def _refine_program(rules: list[Rule], architectures, loader: Action) -> Program:
    """Conditional denials of syscalls that the main filter allows whole."""

    def fill(seccomp_filter, arch):
        if loader != ALLOW:
            _add(seccomp_filter, arch, loader, LOADER_CALL, ())
        for rule in rules:
            _add(seccomp_filter, arch, rule.action, rule.syscalls[0], rule.when, rule)

    return _stack_program("refine", ALLOW, architectures, ALLOW, fill)


def _enosys_program(native: str, loader: Action) -> Program:
    """Answer ENOSYS above the highest syscall number pyjail knows."""
    highest = syscall_table.HIGHEST_SYSCALL[native]
    loader_number = syscall_number(native, LOADER_CALL)
    enosys = Action("errno", errno.ENOSYS)

    def fill(seccomp_filter, arch):
        for number in range(highest + 1):
            action = loader if number == loader_number else ALLOW
            if action != enosys:
                # Numbers are exact here: this filter only covers `native`.
                seccomp_filter.add_rule_exactly(_libseccomp_action(action), number)

    return _stack_program("enosys", enosys, (native,), ALLOW, fill)


def _add(seccomp_filter, arch: str, action: Action, name: str, conditions, rule=None) -> None:
    """Add one rule to a single-architecture filter.

    libseccomp reads a syscall *number* as a native one and translates it
    to the filter's architecture by name, so rules are given by name; only
    the calls libseccomp cannot name go in as numbers, and only natively.
    """
    syscall = _syscall_for_rule(arch, name, action, rule)
    if syscall is None:
        return  # this architecture has no such call: nothing to filter
    arguments = [argument_comparison(name, c, action, rule) for c in conditions]
    try:
        seccomp_filter.add_rule(_libseccomp_action(action), syscall, *arguments)
    except OSError as error:
        raise ProfileError(
            rule.source if rule else "seccomp",
            rule.key if rule else name,
            f"libseccomp refused the rule for {name} on {arch}: {error.strerror}",
        ) from None


def _syscall_for_rule(arch: str, name: str, action: Action, rule) -> str | int | None:
    library = binding()
    if library.resolve_syscall(getattr(library.Arch, ARCH_NAMES[arch]), name) >= 0:
        return name
    number = syscall_table.extra_number(arch, name)
    if number is None:
        return None
    if arch == native_arch():
        return number
    # Limitation: libseccomp translates numbers through the native table, so
    # a call it cannot name cannot be filtered on a foreign architecture. An
    # allow is then lost (the call gets the default); a denial is lost too,
    # and the user is told so by a warning on every launch.
    if action.denies:
        UNFILTERABLE.add(f"{name} on {arch}")
    return None


# Denials that could not be compiled, reported as warnings by the caller.
UNFILTERABLE: set[str] = set()


def syscall_number(arch: str, name: str) -> int | None:
    """The number of a syscall on an architecture, or None if it has none."""
    library = binding()
    number = library.resolve_syscall(getattr(library.Arch, ARCH_NAMES[arch]), name)
    if number >= 0:
        return number
    return syscall_table.extra_number(arch, name)


def argument_comparison(name: str, condition: Condition, action: Action, rule):
    library = binding()
    if condition.index in INT_ARGUMENTS.get(name, ()):
        _refuse_dodgeable(name, condition, action, rule)
        if condition.op == "==" and condition.mask is None:
            return library.Arg(condition.index, library.MASKED_EQ, LOW_32_BITS, condition.value)
    if condition.mask is not None:
        return library.Arg(condition.index, library.MASKED_EQ, condition.mask, condition.value)
    operator = {"==": "EQ", "!=": "NE", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
    return library.Arg(condition.index, getattr(library, operator[condition.op]), condition.value)


def _refuse_dodgeable(name: str, condition: Condition, action: Action, rule) -> None:
    """Refuse comparisons a caller could slip past with upper-half bits.

    Upper bits make a 64-bit value larger and unequal, so only comparisons
    that such a value fails to match, in a rule that denies, can be dodged:
    a deny with < or <=, and an allow with !=, > or >=.
    """
    risky = ("<", "<=") if action.denies else ("!=", ">", ">=")
    if condition.op in risky and condition.mask is None:
        raise ProfileError(
            rule.source,
            rule.key,
            f"arg{condition.index} of {name} is a 32-bit int and '{condition}' "
            "could be dodged by setting its upper 32 bits",
            "compare with == (pyjail masks it) or with a mask: "
            f"arg{condition.index} & 0xffffffff == VALUE",
        )


def _libseccomp_action(action: Action) -> int:
    library = binding()
    if action.kind == "errno":
        return library.ERRNO(action.errno)
    return {
        "allow": library.ALLOW,
        "log": library.LOG,
        "trap": library.TRAP,
        "kill-thread": library.KILL,
        "kill-process": library.KILL_PROCESS,
        "notify": library.NOTIFY,
    }[action.kind]


def export_program(method) -> bytes:
    with tempfile.TemporaryFile() as handle:
        method(handle)
        handle.seek(0)
        return handle.read()

