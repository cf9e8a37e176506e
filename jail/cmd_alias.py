"""`pyjail alias`: make programs run inside pyjail when typed by name.

pyjail alias install NAME... [--dir DIR]   links DIR/NAME -> pyjail
pyjail alias remove NAME... [--dir DIR]
pyjail alias list [--dir DIR]
pyjail alias shell [bash|zsh|fish] [NAME...]   alias lines for a shell rc
"""

from __future__ import annotations

import os
import re
import shutil
import sys

from jail import aliases
from jail.cli_parser import Parser
from jail.errors import UsageError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def main(argv: list[str]) -> int:
    parser = Parser(
        prog="pyjail alias",
        description="Run programs inside pyjail when they are typed by name.",
    )
    actions = parser.add_subparsers(dest="action", metavar="install|remove|list|shell")
    actions.required = True
    for action, text in (
        ("install", "create DIR/NAME links to pyjail"),
        ("remove", "remove alias links"),
    ):
        sub = actions.add_parser(action, help=text)
        sub.add_argument("names", nargs="+", metavar="NAME")
        sub.add_argument(
            "--dir",
            default=aliases.default_directory(),
            help="directory of the links (default: ~/.local/bin)",
        )
    listing = actions.add_parser("list", help="list the alias links in DIR")
    listing.add_argument(
        "--dir",
        default=aliases.default_directory(),
        help="directory of the links (default: ~/.local/bin)",
    )
    shell = actions.add_parser("shell", help="print alias lines for a shell rc file")
    shell.add_argument(
        "shell", nargs="?", choices=("bash", "zsh", "fish"), default=_login_shell()
    )
    shell.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="programs (default: every profile whose program is installed)",
    )
    options = parser.parse_args(argv)
    return _ACTIONS[options.action](options)


def _install(options) -> int:
    for link in aliases.install(options.names, options.dir):
        print(f"{link} -> {aliases.pyjail_command()}")
    _warn_about_path(options.dir)
    return 0


def _warn_about_path(directory: str) -> None:
    """An alias works only if its directory comes before the real program."""
    entries = [
        os.path.realpath(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p
    ]
    if os.path.realpath(directory) not in entries:
        print(
            f"pyjail: warning: {directory} is not in PATH: add it before /usr/bin",
            file=sys.stderr,
        )


def _remove(options) -> int:
    for link in aliases.remove(options.names, options.dir):
        print(f"removed {link}")
    return 0


def _list(options) -> int:
    for name, target in aliases.installed(options.dir):
        real = aliases.find_real_program(name, target) or "(not found on PATH)"
        print(f"{name:16} {real}")
    return 0


def _shell(options) -> int:
    names = options.names or _profiled_programs()
    for name in names:
        if not _NAME.match(name):
            raise UsageError(
                f"{name!r} cannot be an alias: give a program name such as curl"
            )
    print("\n".join(aliases.shell_lines(options.shell, names)))
    return 0


def _profiled_programs() -> list[str]:
    """Programs that have a profile of their name and are installed."""
    from jail import paths

    names = sorted(paths.profile_names() - {"default", "strict"})
    return [name for name in names if _NAME.match(name) and shutil.which(name)]


def _login_shell() -> str:
    shell = os.path.basename(os.environ.get("SHELL", "bash"))
    return shell if shell in ("bash", "zsh", "fish") else "bash"


_ACTIONS = {"install": _install, "remove": _remove, "list": _list, "shell": _shell}
