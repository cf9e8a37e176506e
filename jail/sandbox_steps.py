"""The plain-data launch spec, and the checklist the child runs from it.

A spec holds everything the child needs, decided from the profile before
the fork, as plain values (dicts, lists, strings, numbers, bytes): it is
what the filter cache stores, so that a cached launch can run the same
checklist without loading TOML, libseccomp or the profile model.
"""

from __future__ import annotations

import os

from jail import _sys, caps, isolation
from jail.environment import build_environment
from jail.launcher import LaunchPlan


def launch_spec(profile, bpf_programs: list[bytes]) -> dict:
    """Everything the child needs from `profile`, as plain values."""
    environment = profile.environment
    return {
        "profile_name": profile.name,
        "bpf_programs": list(bpf_programs),
        "limits": {k: v for k, v in profile.limits.items() if k != "timeout"},
        "timeout": profile.limits.get("timeout"),
        "capabilities_keep": list(profile.capabilities_keep),
        "isolation": isolation.isolation_spec(profile),
        "environment": {
            "clear": environment.clear,
            "keep": list(environment.keep),
            "unset": list(environment.unset),
            "set": dict(environment.set),
        },
    }


# Fewer descriptors than this and pyjail's own last steps (the seccomp
# listener hand-over) could not open what they need.
MINIMUM_NOFILE = 16


def child_steps(spec: dict, keep_fds=()) -> list:
    """The checklist the child runs, in order; the filter comes last.

    Resource limits come after the capability step (which still reads
    /proc) but before no_new_privs: raising a hard limit needs the
    CAP_SYS_RESOURCE the process still holds until execve.
    """
    caps.last_capability()  # now, before the fork: see its docstring
    steps = [("capabilities", lambda: caps.drop_capabilities(tuple(spec["capabilities_keep"])))]
    if spec["limits"]:
        from jail import limits  # the resource module: only when a limit is set

        steps.append(("resource limits", lambda: limits.apply_limits(spec["limits"])))
    return steps + [
        ("descriptors", lambda: close_inherited_descriptors(keep_fds)),
        ("no_new_privs", _sys.set_no_new_privs),
        ("seccomp", lambda: load_filters(spec["bpf_programs"])),
    ]


def close_inherited_descriptors(keep_fds) -> None:
    """Close, at execve, every descriptor above stderr but those kept.

    A descriptor pyjail's caller left open (a directory, a socket) would
    otherwise reach past the sandbox's view. Marked close-on-exec rather
    than closed, so that pyjail's own pipes keep working until the exec.
    """
    start = 3
    for fd in sorted(fd for fd in set(keep_fds) if fd >= 3):
        if fd > start:
            _sys.close_range_on_exec(start, fd - 1)
        os.set_inheritable(fd, True)
        start = fd + 1
    _sys.close_range_on_exec(start, 0xFFFFFFFF)


def check_launch_limits(spec: dict, keep_fds=()) -> None:
    """Refuse, before the fork, limits and descriptors that cannot work."""
    from jail.errors import UnsupportedError

    name, wanted = spec["profile_name"], spec["limits"]
    if "nproc" in wanted and os.getuid() == 0:
        raise UnsupportedError(
            name,
            "resource limits",
            "the kernel does not apply RLIMIT_NPROC to root",
            "run pyjail as an ordinary user to cap processes, or drop [limits].nproc",
        )
    nofile = wanted.get("nofile", -1)
    if 0 <= nofile < MINIMUM_NOFILE:
        raise UnsupportedError(
            name,
            "resource limits",
            f"nofile {nofile} leaves pyjail no descriptor to start the program",
            f"use at least {MINIMUM_NOFILE}",
        )
    for fd in keep_fds:
        try:
            os.fstat(fd)
        except OSError:
            raise UnsupportedError(
                name, "descriptors", f"--keep-fd {fd}: no such open descriptor", "open it first"
            ) from None


def load_filters(programs: list[bytes]) -> None:
    for program in programs:
        _sys.load_bpf(program)


def plan_from_spec(spec: dict, program: str, command: list[str], debug: bool, profile=None, keep_fds=()) -> LaunchPlan:
    """The launch plan for a spec: shared by the full and the cached path."""
    check_launch_limits(spec, keep_fds)
    plan = LaunchPlan(
        profile=profile,
        program=program,
        argv=list(command),
        env=build_environment(spec["environment"], dict(os.environ)),
        bpf_programs=spec["bpf_programs"],
        debug=debug,
        timeout=spec["timeout"],
        profile_name=spec["profile_name"],
    )
    isolated = isolation.plan(spec["isolation"], spec["profile_name"], program)
    plan.namespaces = isolated.namespaces
    plan.isolation = isolated
    plan.child_steps = isolation.steps(isolated) + child_steps(spec, keep_fds)
    return plan
