"""The summary `pyjail --audit` prints when the program has ended.

It lists each call the profile would have denied (syscall, count, rule)
and then the TOML that would allow them, ready to paste into the profile
or its NAME.local.toml. Everything goes to stderr: stdout is the program's.
"""

from __future__ import annotations

import sys


def print_summary(watcher, profile) -> None:
    for line in summary_lines(watcher.counts, watcher.first_args, profile):
        print(line, file=sys.stderr)


def summary_lines(counts: dict, first_args: dict, profile) -> list[str]:
    name = profile.source.rsplit("/", 1)[-1] if profile.source else profile.name
    if not counts:
        return [f"pyjail: audit: {name} would have denied nothing"]
    lines = [
        f"pyjail: audit: {name} would have denied {sum(counts.values())} calls:",
        f"pyjail: audit: {'count':>7}  {'syscall':18} rule",
    ]
    for (syscall, source, rule, action), count in sorted(counts.items()):
        lines.append(f"pyjail: audit: {count:>7}  {syscall:18} {source}: {rule} -> {action}")
    lines.append(f"pyjail: audit: to allow them, add to {name} (or its .local.toml):")
    lines.extend(allow_lines(counts, first_args, profile))
    return lines


def allow_lines(counts: dict, first_args: dict, profile) -> list[str]:
    """TOML that allows the denied calls, with a comment where a rule must change."""
    allow, notes = [], []
    for key in sorted(counts):
        syscall, _source, rule, _action = key
        if rule.startswith("[seccomp].rules["):
            notes.append(_rule_note(syscall, rule, first_args[key], profile))
        elif rule == f"deny {syscall}":
            notes.append(f'# {syscall}: remove "{syscall}" from [seccomp].deny')
        elif syscall not in allow:
            allow.append(syscall)
    lines = ["[seccomp]"]
    if allow:
        lines.append("allow = [" + ", ".join(f'"{s}"' for s in allow) + "]")
    return lines + notes


def _rule_note(syscall: str, rule: str, args, profile) -> str:
    key = rule.split(" ", 1)[0]
    for candidate in profile.seccomp.rules:
        if candidate.key == key and candidate.unless:
            index = candidate.unless[0][0].index
            value = _symbol(syscall, index, args[index])
            return f'# {syscall}: {key} denies it unless ...: add "arg{index} == {value}" to its unless list'
    return f"# {syscall}: {key} denies this call: narrow or remove that rule"


def _symbol(syscall: str, index: int, value: int) -> str:
    from jail import denials

    shown = denials._symbolic(syscall, [value if i == index else 0 for i in range(6)])
    last = shown.split(", ")[-1] if shown else ""
    return last if last and not last.startswith("0x") else hex(value)
