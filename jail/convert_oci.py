"""Read and write OCI seccomp JSON (the format of Docker, Podman and runc).

Import reads the JSON as the container runtimes do and writes the same
filter as pyjail profile data. Three facts about libseccomp shape it:

- An entry without args for a syscall absorbs every entry with args for
  that syscall (libseccomp drops them), so those are left out here too.
- A syscall named only in entries with args gets the default action when
  none of them matches. Some shapes of such entries are pyjail's
  `allow S` plus conditional denials, or a denial with `unless`
  exceptions, and are read back as those (see _recognize).
- A rule compares each argument at most once.

includes/excludes are decided at conversion, for this machine:
- arches: compared with the native architecture only, as Docker does;
- caps: an entry that includes capabilities applies only if the profile
  keeps all of them, one that excludes capabilities is left out if the
  profile keeps any of them. pyjail drops every capability unless
  [capabilities].keep names it, so by default no capability is kept and
  the "without the capability" entries apply; `--keep-cap` keeps one;
- minKernel: compared with the running kernel (includes: applies from
  that version on; excludes: left out from that version on).

Export writes a profile's filter as one OCI filter. pyjail stacks filters
(see seccomp_compiler), OCI has one, so:
- a denial with `unless` exceptions becomes allow entries for the
  exceptions, and, when the denial's action is not the default, entries
  for every other argument value (masked equality blocks, arg_blocks);
- a syscall allowed whole with conditional denials, in an allowlist,
  becomes the denials plus allow entries for every other value;
- what has no such encoding (exceptions over several arguments, a rule
  with both `when` and `unless`, two `unless` rules on one syscall) is
  refused with an error that names the rule.
Entries that pyjail generated as "every other value" carry a comment that
says so; the importer uses it only to choose between two equivalent
readings of the same entries.
"""

from __future__ import annotations

import collections
import dataclasses
import errno
import json
import os
from pathlib import Path

from jail import arg_blocks, syscall_groups
from jail.arg_blocks import Block
from jail.errors import ProfileError
from jail.profile import ALLOW, Action, Condition, suggest

OCI_ACTIONS = {
    "SCMP_ACT_ALLOW": "allow",
    "SCMP_ACT_LOG": "log",
    "SCMP_ACT_TRAP": "trap",
    "SCMP_ACT_KILL": "kill-thread",
    "SCMP_ACT_KILL_THREAD": "kill-thread",
    "SCMP_ACT_KILL_PROCESS": "kill-process",
    "SCMP_ACT_ERRNO": "errno",
    # No tracer and no listener inside pyjail: the kernel answers ENOSYS.
    "SCMP_ACT_TRACE": "enosys",
    "SCMP_ACT_NOTIFY": "enosys",
}
PYJAIL_ACTIONS = {
    "allow": "SCMP_ACT_ALLOW",
    "log": "SCMP_ACT_LOG",
    "trap": "SCMP_ACT_TRAP",
    "kill-thread": "SCMP_ACT_KILL_THREAD",
    "kill-process": "SCMP_ACT_KILL_PROCESS",
    "errno": "SCMP_ACT_ERRNO",
}
OCI_OPS = {
    "SCMP_CMP_NE": "!=",
    "SCMP_CMP_LT": "<",
    "SCMP_CMP_LE": "<=",
    "SCMP_CMP_EQ": "==",
    "SCMP_CMP_GE": ">=",
    "SCMP_CMP_GT": ">",
    "SCMP_CMP_MASKED_EQ": "&==",
}
PYJAIL_OPS = {op: name for name, op in OCI_OPS.items()}
# libseccomp's architecture names; pyjail filters the first five.
OCI_ARCHES = {
    "SCMP_ARCH_X86_64": "x86_64",
    "SCMP_ARCH_X86": "x86",
    "SCMP_ARCH_X32": "x32",
    "SCMP_ARCH_AARCH64": "aarch64",
    "SCMP_ARCH_ARM": "arm",
}
OTHER_OCI_ARCHES = (
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
)  # fmt: skip
# Names used in includes/excludes "arches" (Go's GOARCH and libseccomp's).
ARCH_ALIASES = {
    "x86_64": {"amd64", "x86_64"},
    "x86": {"386", "x86", "i386"},
    "x32": {"x32"},
    "aarch64": {"arm64", "aarch64"},
    "arm": {"arm"},
}
OTHER_VALUES = "pyjail: every other value"
FULL = arg_blocks.FULL


@dataclasses.dataclass
class Entry:
    """One syscalls[] entry as read, for the names pyjail knows."""

    position: int
    action: Action
    conditions: tuple[Condition, ...]
    comment: str = ""
    generated: bool = False


@dataclasses.dataclass
class Decision:
    """What one syscall gets: whole, and/or rules (action, when, unless)."""

    whole: Action | None = None
    rules: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Context:
    """What includes/excludes are compared with."""

    native: str
    kernel: tuple[int, ...]
    caps: frozenset[str]


# ---------------------------------------------------------------- import


def read_file(path: Path) -> dict:
    """The JSON of a profile file, or a ProfileError naming the file."""
    from jail import paths

    try:
        content = path.read_bytes()
    except OSError as error:
        raise ProfileError(str(path), "", f"cannot read: {error.strerror}") from None
    paths.note_read(path, content)
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProfileError(str(path), "", f"not valid JSON: {error}") from None
    except RecursionError:
        raise ProfileError(str(path), "", "not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise ProfileError(
            str(path), "", "expected a JSON object with defaultAction and syscalls"
        )
    return data


def profile_data(path: Path) -> dict:
    """`--profile FILE.json`: the profile data, converted in memory."""
    return import_oci(read_file(path), str(path)).data


@dataclasses.dataclass
class Converted:
    data: dict
    header: list[str]
    notes: list[str]


def import_oci(
    document: dict, source: str, keep_caps=(), context: Context | None = None
) -> Converted:
    """Convert an OCI seccomp document into pyjail profile data."""
    from jail import caps

    context = context or current_context(keep_caps)
    notes: list[str] = []
    _note_unknown_fields(document, notes)
    default = _action(
        document, "defaultAction", "defaultErrnoRet", source, "defaultAction", notes
    )
    architectures = _imported_architectures(document, context, source, notes)
    entries = _entries(document, context, source, notes)

    decisions = {
        name: _decide(name, found, default, notes) for name, found in entries.items()
    }
    seccomp = _seccomp_section(decisions, entries, default, architectures)
    data = {
        "description": f"Imported from OCI seccomp profile {Path(source).name}",
        "seccomp": seccomp,
    }
    if context.caps:
        data["capabilities"] = {
            "keep": sorted("CAP_" + caps.normalize(c).upper() for c in context.caps)
        }
    return Converted(data, _header(source, context), notes)


def current_context(keep_caps=()) -> Context:
    from jail import caps, seccomp_compiler

    return Context(
        native=seccomp_compiler.native_arch(),
        kernel=_version(os.uname().release),
        caps=frozenset(caps.normalize(c) for c in keep_caps),
    )


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split("-")[0].split("."):
        digits = "".join(c for c in part if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _header(source: str, context: Context) -> list[str]:
    kept = ", ".join(sorted("CAP_" + c.upper() for c in context.caps)) or "none"
    kernel = ".".join(map(str, context.kernel))
    return [
        "# Converted by `pyjail profile import` from the OCI seccomp profile",
        f"# {source}.",
        f"# Decided for this machine: architecture {context.native}, kernel {kernel},",
        f"# capabilities kept: {kept}. Entries that include capabilities apply only",
        "# if the profile keeps all of them; entries that exclude capabilities are",
        "# left out if it keeps any; arches are compared with the native",
        "# architecture, minKernel with the kernel above.",
    ]


_KNOWN_FIELDS = {
    "defaultAction",
    "defaultErrnoRet",
    "architectures",
    "archMap",
    "syscalls",
}
_IGNORED_FIELDS = {
    "defaultErrno": "a name for defaultErrnoRet, which is used instead",
    "flags": "pyjail loads its filters with its own flags",
    "listenerPath": "no seccomp user-notification agent in pyjail",
    "listenerMetadata": "no seccomp user-notification agent in pyjail",
}


def _note_unknown_fields(document: dict, notes: list[str]) -> None:
    for key in document:
        if key in _IGNORED_FIELDS:
            notes.append(f"{key}: ignored: {_IGNORED_FIELDS[key]}")
        elif key not in _KNOWN_FIELDS:
            notes.append(f"{key}: unknown field, ignored")


def _action(
    table: dict, key: str, errno_key: str, source: str, where: str, notes: list[str]
) -> Action:
    name = table.get(key)
    if not isinstance(name, str) or name not in OCI_ACTIONS:
        hint = suggest(str(name), OCI_ACTIONS) or "one of " + ", ".join(OCI_ACTIONS)
        raise ProfileError(source, where, f"unknown action {name!r}", hint)
    kind = OCI_ACTIONS[name]
    if kind == "enosys":
        notes.append(
            f"{where}: {name} has no tracer or listener here: "
            "the call fails with ENOSYS"
        )
        return Action("errno", errno.ENOSYS)
    if kind != "errno":
        return Action(kind)
    number = table.get(errno_key, errno.EPERM)
    if (
        not isinstance(number, int)
        or isinstance(number, bool)
        or not 0 <= number < 4096
    ):
        raise ProfileError(
            source,
            f"{where}.{errno_key}",
            f"expected an errno number, found {number!r}",
        )
    if number == 0:
        notes.append(
            f"{where}: errno 0 (a call that does nothing and succeeds) "
            "is written as EPERM"
        )
        number = errno.EPERM
    return Action("errno", number)


def _imported_architectures(
    document: dict, context: Context, source: str, notes: list[str]
) -> list[str]:
    """pyjail architecture tokens: native first, then the admitted others."""
    names = document.get("architectures")
    if names is None:
        names = _from_arch_map(document.get("archMap") or [], context, source)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ProfileError(
            source, "architectures", "expected a list of SCMP_ARCH_* names"
        )
    tokens = ["native"]
    for name in names:
        token = OCI_ARCHES.get(name)
        if token is None:
            if name not in OTHER_OCI_ARCHES:
                raise ProfileError(
                    source,
                    "architectures",
                    f"unknown architecture {name!r}",
                    suggest(name, list(OCI_ARCHES) + list(OTHER_OCI_ARCHES)),
                )
            notes.append(
                f"architectures: {name}: pyjail does not filter this architecture"
            )
        elif token != context.native and token not in tokens:
            tokens.append(token)
    return tokens


def _from_arch_map(arch_map, context: Context, source: str) -> list[str]:
    """Docker's archMap: the native architecture's entry and its sub-architectures."""
    if not isinstance(arch_map, list):
        raise ProfileError(
            source, "archMap", "expected a list of {architecture, subArchitectures}"
        )
    for index, item in enumerate(arch_map):
        if not isinstance(item, dict) or not isinstance(item.get("architecture"), str):
            raise ProfileError(
                source, f"archMap[{index}]", "expected {architecture, subArchitectures}"
            )
        if OCI_ARCHES.get(item["architecture"]) == context.native:
            return [item["architecture"], *(item.get("subArchitectures") or [])]
    return []


def _entries(
    document: dict, context: Context, source: str, notes: list[str]
) -> dict[str, list[Entry]]:
    """The entries that apply here, by syscall name, in file order."""
    syscalls = document.get("syscalls") or []
    if not isinstance(syscalls, list):
        raise ProfileError(source, "syscalls", "expected a list of entries")
    known = syscall_groups.known_syscalls()
    found: dict[str, list[Entry]] = collections.defaultdict(list)
    unknown: list[str] = []
    for position, table in enumerate(syscalls):
        where = f"syscalls[{position}]"
        if not isinstance(table, dict):
            raise ProfileError(
                source, where, "expected an object with names and action"
            )
        names = table.get("names") or (
            [table["name"]] if isinstance(table.get("name"), str) else None
        )
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) for n in names)
        ):
            raise ProfileError(
                source, f"{where}.names", "expected a non-empty list of syscall names"
            )
        action = _action(table, "action", "errnoRet", source, f"{where}.action", notes)
        conditions = _conditions(table.get("args"), source, where)
        left_out = _left_out(table, context, source, where)
        if left_out:
            notes.append(f"{where} ({_short(names)}): left out: {left_out}")
            continue
        comment = table.get("comment") if isinstance(table.get("comment"), str) else ""
        entry = Entry(
            position,
            action,
            conditions,
            "" if comment == OTHER_VALUES else comment,
            comment == OTHER_VALUES,
        )
        for name in names:
            if name in known:
                found[name].append(entry)
            elif name not in unknown:
                unknown.append(name)
    if unknown:
        notes.append(
            "syscalls pyjail cannot name on any architecture, left out: "
            + " ".join(sorted(unknown))
        )
    return dict(found)


def _short(names: list[str]) -> str:
    return " ".join(names[:4]) + (
        f" and {len(names) - 4} more" if len(names) > 4 else ""
    )


def _conditions(args, source: str, where: str) -> tuple[Condition, ...]:
    if args is None:
        return ()
    if not isinstance(args, list):
        raise ProfileError(
            source, f"{where}.args", "expected a list of {index, value, valueTwo, op}"
        )
    conditions = []
    for number, arg in enumerate(args):
        key = f"{where}.args[{number}]"
        if not isinstance(arg, dict):
            raise ProfileError(source, key, "expected {index, value, valueTwo, op}")
        index, value, second = (
            arg.get("index"),
            arg.get("value", 0),
            arg.get("valueTwo", 0),
        )
        op = OCI_OPS.get(arg.get("op"))
        if op is None:
            raise ProfileError(
                source,
                f"{key}.op",
                f"unknown op {arg.get('op')!r}",
                suggest(str(arg.get("op")), OCI_OPS) or "one of " + ", ".join(OCI_OPS),
            )
        for name, number_value in (
            ("index", index),
            ("value", value),
            ("valueTwo", second),
        ):
            if (
                not isinstance(number_value, int)
                or isinstance(number_value, bool)
                or not 0 <= number_value <= FULL
            ):
                raise ProfileError(
                    source,
                    f"{key}.{name}",
                    f"expected an unsigned integer, found {number_value!r}",
                )
        if index > 5:
            raise ProfileError(
                source, f"{key}.index", f"argument {index} does not exist (0..5)"
            )
        if op == "&==":
            conditions.append(Condition(index, "==", second, value))
        else:
            conditions.append(Condition(index, op, value))
    return tuple(conditions)


def _left_out(table: dict, context: Context, source: str, where: str) -> str:
    """Why includes/excludes rule this entry out here, or ""."""
    from jail import caps

    for side in ("includes", "excludes"):
        if not isinstance(table.get(side) or {}, dict):
            raise ProfileError(
                source,
                f"{where}.{side}",
                "expected an object with arches, caps, minKernel",
            )
    includes, excludes = table.get("includes") or {}, table.get("excludes") or {}
    native_names = ARCH_ALIASES.get(context.native, {context.native})
    if includes.get("arches") and not native_names & set(includes["arches"]):
        return "only for " + ", ".join(includes["arches"])
    if excludes.get("arches") and native_names & set(excludes["arches"]):
        return "not for " + context.native
    needed = {caps.normalize(c) for c in includes.get("caps") or []}
    if needed - context.caps:
        return (
            "needs "
            + ", ".join(sorted("CAP_" + c.upper() for c in needed - context.caps))
            + ", not kept"
        )
    excluded = {caps.normalize(c) for c in excludes.get("caps") or []}
    if excluded & context.caps:
        return "not with " + ", ".join(
            sorted("CAP_" + c.upper() for c in excluded & context.caps)
        )
    # Limitation: minKernel is decided for the kernel that converts the file;
    # a TOML written by `profile import` keeps that decision after a kernel
    # upgrade, and so may a cached filter of a JSON given to --profile.
    if includes.get("minKernel") and context.kernel < _version(
        str(includes["minKernel"])
    ):
        return f"needs kernel {includes['minKernel']}"
    if excludes.get("minKernel") and context.kernel >= _version(
        str(excludes["minKernel"])
    ):
        return f"not from kernel {excludes['minKernel']} on"
    return ""


def _decide(
    name: str, entries: list[Entry], default: Action, notes: list[str]
) -> Decision:
    whole = [e for e in entries if not e.conditions]
    if whole:
        actions = {e.action for e in whole}
        if len(actions) > 1:
            notes.append(
                f"{name}: several entries without args; the first, "
                f"{whole[0].action}, is kept, as libseccomp does"
            )
        if len(whole) < len(entries):
            notes.append(
                f"{name}: entries with args left out: "
                "libseccomp ignores them beside an entry without args"
            )
        return Decision(whole=whole[0].action)
    decision = _recognize(name, entries, default)
    if decision is None:
        decision = Decision(
            rules=[(e.action, e.conditions, (), e.comment) for e in entries]
        )
    return _compilable(name, decision, default, notes)


# ---------------------------------------------------------- recognizers


def _blocks(name: str, conditions) -> tuple[int, list[Block]] | None:
    """(argument, blocks) if every condition is one equality on one argument."""
    from jail.seccomp_compiler import INT_ARGUMENTS

    indexes = {c[0].index for c in conditions if len(c) == 1}
    if len(indexes) != 1 or any(len(c) != 1 or c[0].op != "==" for c in conditions):
        return None
    index = indexes.pop()
    blocks = []
    for (condition,) in conditions:
        if condition.mask is not None:
            blocks.append(Block(condition.mask, condition.value & condition.mask))
        elif (
            index in INT_ARGUMENTS.get(name, ())
            and condition.value <= arg_blocks.LOW_32
        ):
            # pyjail compares 32-bit arguments in their low half only.
            blocks.append(Block(arg_blocks.LOW_32, condition.value))
        else:
            blocks.append(Block(FULL, condition.value))
    return index, blocks


def _recognize(name: str, entries: list[Entry], default: Action) -> Decision | None:
    """Read entries back as `allow S` + denials, or a denial with `unless`."""
    candidates = []
    for action in dict.fromkeys(e.action for e in entries):
        group = [e for e in entries if e.action == action]
        rest = [e for e in entries if e.action != action]
        decision = _as_complement(name, action, group, rest, default)
        if decision is not None:
            marked = all(e.generated for e in group)
            candidates.append((not marked, -len(group), decision))
    if candidates:
        return min(candidates, key=lambda c: c[:2])[2]
    return _as_not_equal_idiom(entries, default)


def _as_complement(
    name, action: Action, group, rest, default: Action
) -> Decision | None:
    """`group` covers exactly the values that `rest` does not."""
    group_blocks = _blocks(name, [e.conditions for e in group])
    if group_blocks is None:
        return None
    index, blocks = group_blocks
    if rest:
        rest_blocks = _blocks(name, [e.conditions for e in rest])
        if rest_blocks is None or rest_blocks[0] != index:
            return None
        if not _partition(blocks, rest_blocks[1]):
            return None
        if action == ALLOW:
            return Decision(
                whole=ALLOW,
                rules=[(e.action, e.conditions, (), e.comment) for e in rest],
            )
        if all(e.action == ALLOW for e in rest):
            return Decision(rules=[(action, (), tuple(e.conditions for e in rest), "")])
        return None
    others = arg_blocks.complement(blocks, arg_blocks.width_of(blocks))
    if len(others) >= len(blocks):
        return None
    conditions = [_condition(name, index, block) for block in others]
    # A denial in a deny-list profile: the values it spares are its exceptions.
    if action.denies and default == ALLOW:
        return Decision(rules=[(action, (), tuple((c,) for c in conditions), "")])
    # pyjail's "every other value" of an allowed call: the rest get the default.
    if action == ALLOW and all(e.generated for e in group):
        return Decision(
            whole=ALLOW, rules=[(default, (c,), (), "") for c in conditions]
        )
    return None


def _partition(first: list[Block], second: list[Block]) -> bool:
    """Together the two cover every value, and no value twice."""
    width = arg_blocks.width_of(first + second)
    if arg_blocks.complement(first + second, width):
        return False
    outside_second = arg_blocks.complement(second, width)
    return not arg_blocks.complement(
        outside_second + arg_blocks.complement(first, width), width
    )


def _condition(name: str, index: int, block: Block) -> Condition:
    from jail.seccomp_compiler import INT_ARGUMENTS

    if block.mask == FULL or (
        block.mask == arg_blocks.LOW_32 and index in INT_ARGUMENTS.get(name, ())
    ):
        return Condition(index, "==", block.value)
    return Condition(index, "==", block.value, block.mask)


def _as_not_equal_idiom(entries: list[Entry], default: Action) -> Decision | None:
    """Docker's way to allow all but one combination: allow `argA != a`,
    allow `argB != b`, ... is `allow S` except when argA == a and argB == b."""
    allows = [e for e in entries if e.action == ALLOW]
    if default == ALLOW or not allows:
        return None
    if any(len(e.conditions) != 1 or e.conditions[0].op != "!=" for e in allows):
        return None
    pairs = sorted({(e.conditions[0].index, e.conditions[0].value) for e in allows})
    if len({index for index, _ in pairs}) != len(pairs):
        return None
    together = tuple(Condition(index, "==", value) for index, value in pairs)
    rest = [e for e in entries if e.action != ALLOW]
    rules = [(e.action, e.conditions, (), e.comment) for e in rest]
    if not any(
        sorted(map(str, e.conditions)) == sorted(map(str, together)) for e in rest
    ):
        rules.append((default, together, (), "the values the allow entries leave out"))
    return Decision(whole=ALLOW, rules=rules)


def _compilable(
    name: str, decision: Decision, default: Action, notes: list[str]
) -> Decision:
    """Leave out what pyjail's compiler would refuse, saying so."""
    from jail.seccomp_compiler import INT_ARGUMENTS, LOADER_CALL

    kept = []
    for action, when, unless, comment in decision.rules:
        groups = [when, *unless]
        reason = ""
        if name == LOADER_CALL:
            reason = "pyjail takes no conditions on seccomp itself"
        elif any(len({c.index for c in g}) != len(g) for g in groups):
            reason = "compares one argument twice"
        else:
            allowing = [when] if not action.denies else list(unless)
            for group in allowing:
                for condition in group:
                    if (
                        condition.index in INT_ARGUMENTS.get(name, ())
                        and condition.mask is None
                        and condition.op in ("!=", ">", ">=")
                    ):
                        reason = (
                            f"'{condition}' could be dodged with the upper 32 bits "
                            "of a 32-bit argument"
                        )
        if reason:
            notes.append(
                f"{name}: rule {action} {' '.join(map(str, when))}: left out: {reason}"
            )
        else:
            kept.append((action, when, unless, comment))
    return Decision(decision.whole, kept)


# -------------------------------------------------------- the TOML data


def _seccomp_section(
    decisions: dict[str, Decision], entries, default: Action, architectures
) -> dict:
    wholes = {n: d.whole for n, d in decisions.items() if d.whole is not None}
    deny_counts = collections.Counter(a for a in wholes.values() if a.denies)
    deny_action = (
        deny_counts.most_common(1)[0][0]
        if deny_counts
        else Action("errno", errno.EPERM)
    )
    section: dict = {"default_action": str(default), "deny_action": str(deny_action)}
    if architectures != ["native"]:
        section["architectures"] = architectures
    section["allow"] = sorted(n for n, a in wholes.items() if a == ALLOW)
    section["deny"] = sorted(n for n, a in wholes.items() if a == deny_action)
    rules = []
    others = collections.defaultdict(list)
    for name, action in sorted(wholes.items()):
        if action not in (ALLOW, deny_action):
            others[action].append(name)
    for action, names in others.items():
        rules.append({"syscalls": names, "action": str(action)})
    rules += _conditional_rules(decisions, entries)
    if rules:
        section["rules"] = rules
    return {k: v for k, v in section.items() if v != []}


def _conditional_rules(decisions: dict[str, Decision], entries) -> list[dict]:
    """One rule per (place, action, conditions), joining the syscalls that share it."""
    merged: dict = {}
    for name, decision in decisions.items():
        first = entries[name][0].position
        for order, (action, when, unless, comment) in enumerate(decision.rules):
            key = (first, order, action, when, unless)
            rule = merged.setdefault(key, {"syscalls": [], "action": str(action)})
            rule["syscalls"].append(name)
            if when:
                rule["when"] = [str(c) for c in when]
            if unless:
                rule["unless"] = [" && ".join(map(str, group)) for group in unless]
            if comment:
                rule["comment"] = comment
    return [merged[key] for key in sorted(merged, key=lambda k: (k[0], k[1]))]


def to_toml(converted: Converted) -> str:
    from jail import toml_writer

    header = list(converted.header)
    if converted.notes:
        header += ["#", "# Not mapped (the filter differs from the JSON only here):"]
        header += [f"#   {note}" for note in converted.notes]
    return toml_writer.document(converted.data, header)


# ---------------------------------------------------------------- export


def export_oci(profile) -> dict:
    """The profile's filter as one OCI seccomp document, or ProfileError."""
    from jail import seccomp_compiler

    spec = profile.seccomp
    default = spec.default_action
    # The compiler's own plan, so that export and launch decide alike.
    whole = seccomp_compiler.plan_stack(profile).whole
    conditional = _conditional_by_syscall(spec.rules, whole, default)

    syscalls = []
    by_action = collections.defaultdict(list)
    for name, (action, _why) in sorted(whole.items()):
        if action != default and name not in conditional:
            by_action[action].append(name)
    for action, names in sorted(by_action.items(), key=lambda item: str(item[0])):
        syscalls.append(_oci_entry(names, action, []))
    syscalls += _rule_entries(spec.rules, conditional, whole, default)

    # Limitation: two parts of pyjail's filter have no OCI field: calls of an
    # architecture the profile does not list kill the process (a runtime
    # applies its own choice), and calls numbered above pyjail's syscall
    # table answer ENOSYS (a runtime gives them the default action).
    document = {"defaultAction": PYJAIL_ACTIONS[default.kind]}
    if default.kind == "errno":
        document["defaultErrnoRet"] = default.errno
    document["architectures"] = _oci_architectures(spec.architectures)
    document["syscalls"] = syscalls
    return document


def _conditional_by_syscall(rules, whole, default) -> dict[str, list]:
    """The rules that still decide something, by syscall, in profile order."""
    found = collections.defaultdict(list)
    for rule in rules:
        if rule.when and rule.unless:
            raise ProfileError(
                rule.source,
                rule.key,
                "OCI seccomp JSON cannot express a rule with both when and unless",
                "split it into two rules",
            )
        for name in rule.syscalls if (rule.when or rule.unless) else ():
            fallback = whole.get(name, (default, ""))[0]
            if rule.unless or rule.action != fallback:
                found[name].append(rule)
    for name, found_rules in found.items():
        unless = [r for r in found_rules if r.unless]
        if unless and len(found_rules) > 1:
            raise ProfileError(
                unless[0].source,
                unless[0].key,
                f"OCI seccomp JSON cannot express {name} "
                "with unless beside other rules for it",
                "give the syscall one rule with all its exceptions",
            )
    return dict(found)


def _rule_entries(rules, conditional, whole, default) -> list[dict]:
    """Entries for the conditional rules, in profile order; then, for each
    syscall allowed whole beside conditional denials, its other values."""
    entries, complements = [], []
    for rule in rules:
        if not (rule.when or rule.unless):
            continue
        per_name = collections.defaultdict(list)
        for name in rule.syscalls:
            if rule not in conditional.get(name, ()):
                continue
            fallback = whole.get(name, (default, ""))[0]
            for entry in _entries_for(name, rule, fallback, default):
                per_name[json.dumps(entry, sort_keys=True)].append(name)
            if (
                fallback != default
                and not rule.unless
                and rule is conditional[name][-1]
            ):
                complements.append((name, fallback, conditional[name]))
        for text, names in per_name.items():
            entries.append({"names": names, **json.loads(text)})
    for name, fallback, name_rules in complements:
        entries += _other_values(name, fallback, name_rules)
    return entries


def _entries_for(name: str, rule, fallback: Action, default: Action) -> list[dict]:
    if rule.when:
        if rule.action == default:
            return []  # the default answers these values anyway
        found = [_oci_entry(None, rule.action, _oci_args(name, rule.when))]
        return [{k: v for k, v in e.items() if k != "names"} for e in found]
    found = []
    if default != ALLOW:
        found += [
            _oci_entry(None, ALLOW, _oci_args(name, group)) for group in rule.unless
        ]
    if rule.action != default:
        blocks = _blocks(name, [alternative for alternative in rule.unless])
        if blocks is None:
            raise ProfileError(
                rule.source,
                rule.key,
                f"OCI seccomp JSON cannot express these exceptions for {name}: "
                "only exceptions that each compare one argument with == can be turned "
                "into entries for every other value",
                f"make {rule.action} the default action, or split the rule",
            )
        found += _block_entries(blocks, rule.action)
    return [{k: v for k, v in e.items() if k != "names"} for e in found]


def _other_values(name: str, fallback: Action, rules) -> list[dict]:
    """`allow S` with conditional denials, in an allowlist: allow the rest."""
    blocks = _blocks(name, [rule.when for rule in rules])
    if blocks is None:
        raise ProfileError(
            rules[0].source,
            rules[0].key,
            f"OCI seccomp JSON cannot express {name} allowed except under conditions "
            "on several arguments or with operators other than ==",
            "write the allowed cases as rules with action allow instead",
        )
    return [{"names": [name], **e} for e in _block_entries(blocks, fallback)]


def _block_entries(found: tuple[int, list[Block]], action: Action) -> list[dict]:
    """Entries with `action` for every value the blocks do not cover."""
    index, blocks = found
    width = arg_blocks.width_of(blocks)
    entries = []
    for block in arg_blocks.complement(blocks, width):
        entry = _oci_entry(None, action, [_oci_block(index, block)])
        entry["comment"] = OTHER_VALUES
        entries.append({k: v for k, v in entry.items() if k != "names"})
    return entries


def _oci_entry(names, action: Action, args: list) -> dict:
    entry = {"names": names, "action": PYJAIL_ACTIONS[action.kind]}
    if action.kind == "errno":
        entry["errnoRet"] = action.errno
    if args:
        entry["args"] = args
    return entry


def _oci_args(name: str, conditions) -> list[dict]:
    from jail.seccomp_compiler import INT_ARGUMENTS

    args = []
    for condition in conditions:
        if condition.mask is not None:
            args.append(
                _oci_block(condition.index, Block(condition.mask, condition.value))
            )
        elif condition.op == "==" and condition.index in INT_ARGUMENTS.get(name, ()):
            # pyjail compares a 32-bit argument in its low half; say so.
            args.append(
                _oci_block(condition.index, Block(arg_blocks.LOW_32, condition.value))
            )
        else:
            args.append(
                {
                    "index": condition.index,
                    "value": condition.value,
                    "valueTwo": 0,
                    "op": PYJAIL_OPS[condition.op],
                }
            )
    return args


def _oci_block(index: int, block: Block) -> dict:
    if block.mask == FULL:
        return {
            "index": index,
            "value": block.value,
            "valueTwo": 0,
            "op": "SCMP_CMP_EQ",
        }
    return {
        "index": index,
        "value": block.mask,
        "valueTwo": block.value,
        "op": "SCMP_CMP_MASKED_EQ",
    }


def _oci_architectures(tokens) -> list[str]:
    from jail import seccomp_compiler

    native = seccomp_compiler.native_arch()
    by_token = {token: name for name, token in OCI_ARCHES.items()}
    chosen = [native] + [t for t in tokens if t not in ("native", native)]
    return [by_token[t] for t in dict.fromkeys(chosen)]
