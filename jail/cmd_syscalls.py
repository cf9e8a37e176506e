"""`pyjail syscalls`: list the syscall groups profiles can use."""

from __future__ import annotations

from jail import syscall_groups
from jail.cli_parser import Parser
from jail.errors import UsageError


def main(argv: list[str]) -> int:
    parser = Parser(prog="pyjail syscalls", description="List syscall groups and their members.")
    parser.add_argument("--groups", action="store_true", help="list the group names with a description")
    parser.add_argument("group", nargs="*", help="groups to expand")
    options = parser.parse_args(argv)

    if options.groups or not options.group:
        for group in syscall_groups.group_names():
            print(f"{group:18} {syscall_groups.DESCRIPTIONS.get(group, '')}")
        return 0

    for group in options.group:
        if group not in syscall_groups.GROUPS:
            raise UsageError(f"unknown syscall group {group!r} (pyjail syscalls --groups lists them)")
        print(group)
        for syscall in sorted(syscall_groups.expand([group])):
            print(f"    {syscall}")
    return 0
