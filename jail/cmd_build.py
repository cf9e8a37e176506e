"""`pyjail build`: run a program and write the allowlist profile it needs."""

from __future__ import annotations

import sys

from jail.errors import JailError, UsageError


def main(argv: list[str]) -> int:
    from jail.cli_parser import Parser

    parser = Parser(
        prog="pyjail build",
        usage="pyjail build [-o FILE] [--base PROFILE] -- PROGRAM [ARGS...]",
        description="Run PROGRAM (threads and children too), record every syscall it makes "
        "through seccomp, and write an allowlist profile of exactly those.",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the profile here (default: stdout)")
    parser.add_argument("--base", metavar="PROFILE", help="include PROFILE for everything but the syscall list, "
                        "and run the program under its sandbox (default: run under default)")
    parser.add_argument("command", nargs="+", help="the program and its arguments")
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[0] == "--" else options.command
    if not command:
        raise UsageError("no program given (usage: pyjail build [-o FILE] [--base PROFILE] -- PROGRAM [ARGS...])")
    return build(command, options.output, options.base)


def build(command: list[str], output: str | None, base_name: str | None) -> int:
    import argparse

    from jail import launch_setup, profile_builder, supervisor

    run_options = argparse.Namespace(profile=base_name or "default", debug=False, quiet=True)
    plan, record = launch_setup.prepare(command, run_options)
    watcher = supervisor.attach(
        plan, record, lambda: plan.profile, mode="record", quiet=True, programs=[("record", _recording_program())]
    )
    status = supervisor.run(plan, watcher)
    if not watcher.used:
        raise JailError(f"build: {command[0]} made no syscall pyjail could see; no profile written")
    # The written profile always includes the profile the run used (default
    # unless --base): its isolation, and its denials, still apply.
    text = profile_builder.profile_text(watcher.used, command, _native(), plan.profile)
    profile_builder.write(output, text)
    names = len({number for _arch, number in watcher.used})
    print(f"pyjail: build: {names} syscalls recorded" + (f", profile written to {output}" if output else ""),
          file=sys.stderr)
    return status


def _recording_program() -> bytes:
    """Notify on every call of every architecture: the supervisor notes and continues it."""
    from jail.libseccomp import binding
    from jail.seccomp_compiler import export_program

    library = binding()
    seccomp_filter = library.SyscallFilter(library.NOTIFY)
    seccomp_filter.set_attr(library.Attr.ACT_BADARCH, library.NOTIFY)
    seccomp_filter.set_attr(library.Attr.CTL_NNP, 0)
    return export_program(seccomp_filter.export_bpf)


def _native() -> str:
    from jail.seccomp_compiler import native_arch

    return native_arch()
