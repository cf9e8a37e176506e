"""The command line: parse, run, and turn every JailError into one line.

This is the only module that prints errors or chooses an exit code.
"""

from __future__ import annotations

import os
import sys
import time

from jail import __version__
from jail.errors import EXIT_PYJAIL_FAILED, JailError, UsageError

# `pyjail NAME ...` runs module:function(argv) -> exit code. A program of
# the same name still runs with `pyjail -- NAME`.
SUBCOMMANDS = {
    "syscalls": "jail.cmd_syscalls:main",
    "build": "jail.cmd_build:main",
    "profile": "jail.cmd_profile:main",
    "alias": "jail.cmd_alias:main",
    "completion": "jail.cmd_completion:main",
}


def build_parser():
    import argparse

    from jail import cli_isolation
    from jail.cli_parser import Parser

    parser = Parser(
        prog="pyjail",
        usage="pyjail [OPTIONS] [--] PROGRAM [ARGS...]\n"
        "       pyjail syscalls [--groups | GROUP...]\n"
        "       pyjail build [-o FILE] [--base PROFILE] -- PROGRAM [ARGS...]\n"
        "       pyjail profile list|show|check|edit|import|export [ARGS...]\n"
        "       pyjail alias install|remove|list|shell [ARGS...]\n"
        "       pyjail completion bash|zsh",
        description="Run PROGRAM in a sandbox described by a TOML profile.",
        epilog="Exit status: the program's own; 128+N if it died of signal N; "
        "125 if pyjail failed; 126 if PROGRAM cannot be executed; 127 if not found.",
    )
    parser.add_argument("--profile", metavar="NAME|PATH", help="profile to use (default: by program name, else default)")
    parser.add_argument("--print-filter", action="store_true", help="print the compiled seccomp filter (libseccomp PFC) and exit")
    parser.add_argument("--debug", action="store_true", help="print each set-up step and its duration on stderr")
    parser.add_argument(
        "--keep-fd",
        metavar="N",
        type=int,
        action="append",
        help="pass open descriptor N to the program (all others above 2 are closed)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing of pyjail's own but errors")
    reports = parser.add_argument_group("denied calls (reported on stderr unless --quiet)")
    reports.add_argument("--log", metavar="FILE", help="also append each denied call to FILE as a JSON line")
    reports.add_argument(
        "--audit", action="store_true", help="deny nothing; at exit, list what the profile would deny and how to allow it"
    )
    parser.add_argument("--version", action="version", version=f"pyjail {__version__}")
    cli_isolation.add_arguments(parser)
    parser.add_argument("command", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    from jail import aliases

    alias = aliases.invoked_as(sys.argv[0]) if argv is None else None
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv[: argv.index("--")] if "--" in argv else "--debug" in argv
    try:
        if alias:  # started as NAME through an alias link: run the real NAME
            argv = aliases.command_line(alias, sys.argv[0], argv)
        if argv and argv[0] in SUBCOMMANDS:
            return _subcommand(argv[0], argv[1:])
        from jail import fast_launch

        code = fast_launch.try_launch(argv)
        if code is not None:
            return code
        return run_program(build_parser().parse_args(argv))
    except JailError as error:
        if debug:
            import traceback

            traceback.print_exc()
        print(error.user_line(), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as cat does.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def run_program(options) -> int:
    from jail import launch_setup, launcher

    command = options.command
    if command and command[0] == "--":
        command = command[1:]
    if getattr(options, "explain", False):
        from jail import explain

        return explain.main(options, command)
    if not command:
        raise UsageError("no program given (usage: pyjail [OPTIONS] [--] PROGRAM [ARGS...])")

    started = time.perf_counter()
    plan, record = launch_setup.prepare(command, options)
    launcher.debug_line(options.debug, f"prepare: {(time.perf_counter() - started) * 1000:.2f} ms")
    if options.debug:
        from jail import explain

        for line in explain.report(plan.profile, record["warnings"]):
            launcher.debug_line(True, line)
    if not options.quiet:
        for warning in record["warnings"]:
            print(f"pyjail: warning: {warning}", file=sys.stderr)
    if options.print_filter:
        print(record["pfc"])
        return 0
    from jail import report_mode

    return report_mode.run(plan, record, options)


def _subcommand(name: str, argv: list[str]) -> int:
    """Run `pyjail NAME ...`: each subcommand lives in its own module."""
    import importlib

    module_name, _, function = SUBCOMMANDS[name].partition(":")
    return getattr(importlib.import_module(module_name), function)(argv)


def entry_point() -> None:
    """Console script: exit with main()'s code."""
    try:
        code = main()
    except Exception:  # a bug in pyjail: show it, but still fail as pyjail
        import traceback

        traceback.print_exc()
        code = EXIT_PYJAIL_FAILED
    # Leave without the interpreter's clean-up: every file pyjail wrote is
    # closed or flushed by now, and tearing down modules and the supervisor
    # thread would only delay the exit status the caller is waiting for.
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass
    sys.stderr.flush()
    os._exit(code)
