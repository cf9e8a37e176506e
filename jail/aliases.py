"""Alias links: `curl` in ~/.local/bin that runs the real curl inside pyjail.

An alias is a symbolic link named after a program that points at the
pyjail command. Started through it, pyjail sees its own name as argv[0],
looks the program up further along PATH, and runs it under the profile of
that name. Loops are impossible by construction: a PATH entry is skipped
when it is pyjail itself, compared by real path and by inode, so that two
alias directories, symlinked directories and hard links all lead past
every alias to the real program, or to "command not found".

This module is imported on every launch, so it needs nothing but os.
"""

from __future__ import annotations

import os

COMMAND = "pyjail"


def invoked_as(argv0: str) -> str | None:
    """The alias name pyjail was started as, or None for plain pyjail."""
    name = os.path.basename(argv0)
    if name == COMMAND or not name:
        return None
    if os.path.basename(os.path.realpath(argv0)) != COMMAND and not _same_file(
        argv0, _command_path()
    ):
        return None  # `python -m jail`, a test harness, ...
    return name


def command_line(name: str, argv0: str, arguments: list[str]) -> list[str]:
    """The pyjail command line an alias stands for: `-- /real/NAME ARGS`."""
    from jail.errors import ProgramError

    program = find_real_program(name, argv0)
    if program is None:
        import errno

        raise ProgramError(name, errno.ENOENT)
    return ["--", program, *arguments]


def find_real_program(
    name: str, argv0: str, search_path: str | None = None
) -> str | None:
    """The first NAME on PATH that is not pyjail (nor a link to it)."""
    pyjail_files = [p for p in (argv0, _command_path()) if p]
    if search_path is None:
        search_path = os.environ.get("PATH", os.defpath)
    for directory in search_path.split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            continue
        if is_pyjail(candidate, pyjail_files):
            continue
        return os.path.abspath(candidate)
    return None


def is_pyjail(path: str, pyjail_files=()) -> bool:
    """Whether running `path` would start pyjail (an alias, or pyjail itself)."""
    if os.path.basename(os.path.realpath(path)) == COMMAND:
        return True
    return any(_same_file(path, other) for other in pyjail_files if other)


def _same_file(first: str, second: str | None) -> bool:
    if not second:
        return False
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _command_path() -> str | None:
    """The installed pyjail command beside this Python, if there is one."""
    import sys

    candidate = os.path.join(os.path.dirname(sys.executable), COMMAND)
    return candidate if os.path.exists(candidate) else None


def pyjail_command() -> str:
    """What alias links point at: the pyjail command that is running."""
    import shutil
    import sys

    for candidate in (sys.argv[0], _command_path(), shutil.which(COMMAND)):
        if (
            candidate
            and os.path.basename(candidate) == COMMAND
            and os.path.isfile(candidate)
        ):
            return os.path.abspath(candidate)
    from jail.errors import UsageError

    raise UsageError("cannot find the pyjail command to link to (is pyjail installed?)")


def default_directory() -> str:
    return os.path.expanduser("~/.local/bin")


def install(names: list[str], directory: str) -> list[str]:
    """Create the links; returns their paths. Refuses to replace other files."""
    from jail.errors import UsageError

    target = pyjail_command()
    os.makedirs(directory, exist_ok=True)
    created = []
    for name in names:
        _check_name(name)
        link = os.path.join(directory, name)
        if os.path.lexists(link) and not is_pyjail(link, [target]):
            raise UsageError(
                f"{link} exists and is not a pyjail alias: remove it first"
            )
        temporary = f"{link}.pyjail-new"
        if os.path.lexists(temporary):
            os.unlink(temporary)
        os.symlink(target, temporary)
        os.replace(temporary, link)
        created.append(link)
    return created


def remove(names: list[str], directory: str) -> list[str]:
    from jail.errors import UsageError

    removed = []
    for name in names:
        _check_name(name)
        link = os.path.join(directory, name)
        if not os.path.lexists(link):
            raise UsageError(f"{link}: no such alias")
        if not (os.path.islink(link) and is_pyjail(link, [_command_path()])):
            raise UsageError(f"{link} is not a pyjail alias: left alone")
        os.unlink(link)
        removed.append(link)
    return removed


def installed(directory: str) -> list[tuple[str, str]]:
    """(name, link target) of every pyjail alias in the directory."""
    try:
        entries = sorted(os.listdir(directory))
    except OSError:
        return []
    found = []
    for name in entries:
        link = os.path.join(directory, name)
        if (
            name != COMMAND
            and os.path.islink(link)
            and is_pyjail(link, [_command_path()])
        ):
            found.append((name, os.readlink(link)))
    return found


def _check_name(name: str) -> None:
    from jail.errors import UsageError

    if not name or "/" in name or name in (".", "..", COMMAND) or name.startswith("-"):
        raise UsageError(
            f"{name!r} cannot be an alias: give a program name such as curl"
        )


def shell_lines(shell: str, names: list[str]) -> list[str]:
    """Alias definitions to paste into a shell's rc file."""
    if shell == "fish":
        return [f"alias {name} '{COMMAND} {name}'" for name in names]
    return [f"alias {name}='{COMMAND} {name}'" for name in names]
