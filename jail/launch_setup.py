"""Everything decided before the fork: program, profile, filter, steps.

Every user mistake surfaces here, before any process is created.
"""

from __future__ import annotations

import errno
import os
import shutil

from jail import _sys, caps, limits, profiles
from jail.environment import build_environment
from jail.errors import ProgramError
from jail.launcher import LaunchPlan


def resolve_program(name: str) -> str:
    """PATH lookup like execvp: 127 when missing, 126 when not executable."""
    if "/" in name:
        if not os.path.exists(name):
            raise ProgramError(name, errno.ENOENT)
        path = name
    else:
        path = shutil.which(name)
        if path is None:
            if shutil.which(name, mode=os.F_OK):
                raise ProgramError(name, errno.EACCES)
            raise ProgramError(name, errno.ENOENT)
    if os.path.isdir(path):
        raise ProgramError(name, errno.EISDIR)
    if not os.access(path, os.X_OK):
        raise ProgramError(name, errno.EACCES)
    return os.path.abspath(path)


def choose_profile(options, program: str):
    if options.profile:
        return profiles.load(options.profile)
    return profiles.load_for_program(program)


def prepare(command: list[str], options):
    """Build the launch plan; returns (plan, compiled filter)."""
    from jail import seccomp_compiler

    program = resolve_program(command[0])
    profile = choose_profile(options, program)
    compiled = seccomp_compiler.compile_profile(profile)
    plan = LaunchPlan(
        profile=profile,
        program=program,
        argv=list(command),
        env=build_environment(profile.environment, dict(os.environ)),
        bpf_programs=[p.bpf for p in compiled.programs],
        debug=options.debug,
        timeout=profile.limits.get("timeout"),
    )
    plan.child_steps = child_steps(plan)
    return plan, compiled


def child_steps(plan: LaunchPlan) -> list:
    """The checklist the child runs, in order; the filter comes last."""
    profile = plan.profile
    resource_limits = {k: v for k, v in profile.limits.items() if k != "timeout"}
    return [
        ("resource limits", lambda: limits.apply_limits(resource_limits)),
        ("capabilities", lambda: caps.drop_capabilities(profile.capabilities_keep)),
        ("no_new_privs", _sys.set_no_new_privs),
        ("seccomp", lambda: _load_filters(plan.bpf_programs)),
    ]


def _load_filters(programs: list[bytes]) -> None:
    for program in programs:
        _sys.load_bpf(program)
