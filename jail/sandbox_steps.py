"""The plain-data launch spec, and the checklist the child runs from it.

A spec holds everything the child needs, decided from the profile before
the fork, as plain values (dicts, lists, strings, numbers, bytes): it is
what the filter cache stores, so that a cached launch can run the same
checklist without loading TOML, libseccomp or the profile model.
"""

from __future__ import annotations

import os

from jail import _sys, caps, isolation, limits
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


def child_steps(spec: dict) -> list:
    """The checklist the child runs, in order; the filter comes last."""
    return [
        ("resource limits", lambda: limits.apply_limits(spec["limits"])),
        ("capabilities", lambda: caps.drop_capabilities(tuple(spec["capabilities_keep"]))),
        ("no_new_privs", _sys.set_no_new_privs),
        ("seccomp", lambda: load_filters(spec["bpf_programs"])),
    ]


def load_filters(programs: list[bytes]) -> None:
    for program in programs:
        _sys.load_bpf(program)


def plan_from_spec(spec: dict, program: str, command: list[str], debug: bool, profile=None) -> LaunchPlan:
    """The launch plan for a spec: shared by the full and the cached path."""
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
    plan.child_steps = isolation.steps(isolated) + child_steps(spec)
    return plan
