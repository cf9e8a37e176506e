"""Write an allowlist profile from the syscalls a real run made.

`pyjail build` records every call of the program, its threads and its
children through a seccomp filter whose every answer is "notify" (the
supervisor lets each call continue and notes its number). This module
turns that set into a profile a person can review: one `allow` list,
grouped by the @groups a reader knows, with a comment per architecture.
"""

from __future__ import annotations

import os
import shlex

# Groups too broad to say anything about a call.
_TOO_BROAD = {"@known", "@system-service", "@default"}


def profile_text(used: set, command: list[str], native: str, base=None) -> str:
    """The profile for the (audit arch, number) pairs in `used`."""
    by_arch = _names_by_arch(used, native)
    names = sorted({name for arch_names in by_arch.values() for name in arch_names if not name.startswith("syscall_")})
    unknown = sorted({n for arch_names in by_arch.values() for n in arch_names if n.startswith("syscall_")})
    denied_by_base = _denied_by_name(base)
    kept = [name for name in names if name not in denied_by_base]

    lines = [
        "# Written by `pyjail build` from one run of:",
        # A comment ends at a newline, so one inside an argument is written as \n.
        "#   " + shlex.join(command).replace("\n", "\\n"),
        "# It allows exactly the syscalls that run made; any other answers ENOSYS.",
        "# Review it: a path the run did not take may need more.",
    ]
    for arch, arch_names in sorted(by_arch.items()):
        lines.append(f"# {arch}: {len(arch_names)} distinct syscalls")
    if base is not None:
        lines.append(f"include = [{_quote(base.name)}]")
    lines += ["", "[seccomp]", 'default_action = "errno:ENOSYS"']
    foreign = sorted(arch for arch in by_arch if arch != native)
    if foreign:
        lines.append("architectures = [" + ", ".join(_quote(a) for a in ["native", *foreign]) + "]")
    lines.append("allow = [")
    for group, members in _grouped(kept):
        lines.append(f"    # {group}")
        lines.extend(_wrapped(members))
    lines.append("]")
    for name in sorted(set(names) - set(kept)):
        lines.append(f"# {name}: used, but {base.name} denies it; left denied")
    for name in unknown:
        lines.append(f"# {name}: a number no syscall table names; left out")
    return "\n".join(lines) + "\n"


def _names_by_arch(used: set, native: str) -> dict[str, set[str]]:
    from jail import denials, supervisor

    by_arch: dict[str, set[str]] = {}
    for audit_arch, number in used:
        arch = supervisor._arch_token(audit_arch, native)
        by_arch.setdefault(arch, set()).add(denials.syscall_name(arch, number))
    return by_arch


def _denied_by_name(base) -> set[str]:
    """Every call the base denies, named alone or through a group: listing
    one in the built allowlist would quietly overrule the base."""
    if base is None:
        return set()
    return set(base.seccomp.deny)


def _grouped(names: list[str]) -> list[tuple[str, list[str]]]:
    """Each name under the smallest familiar group that has it."""
    from jail import syscall_groups

    groups = sorted(
        (g for g in syscall_groups.group_names() if g not in _TOO_BROAD),
        key=lambda g: (len(syscall_groups.expand([g])), g),
    )
    members = {g: set(syscall_groups.expand([g])) for g in groups}
    placed: dict[str, list[str]] = {}
    for name in names:
        group = next((g for g in groups if name in members[g]), "other")
        placed.setdefault(group, []).append(name)
    return sorted(placed.items(), key=lambda item: (item[0] == "other", item[0]))


def _wrapped(names: list[str], width: int = 88) -> list[str]:
    lines, current = [], "   "
    for name in names:
        item = f" {_quote(name)},"
        if len(current) + len(item) > width:
            lines.append(current)
            current = "   "
        current += item
    return lines + [current]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(path: str | None, text: str) -> None:
    if path is None:
        os.write(1, text.encode())
        return
    with open(path, "w") as handle:
        handle.write(text)
