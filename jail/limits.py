"""Resource limits (setrlimit) from the profile's [limits] section."""

from __future__ import annotations

import resource

RLIMITS = {
    "nofile": resource.RLIMIT_NOFILE,
    "nproc": resource.RLIMIT_NPROC,
    "as": resource.RLIMIT_AS,
    "fsize": resource.RLIMIT_FSIZE,
    "cpu": resource.RLIMIT_CPU,
    "core": resource.RLIMIT_CORE,
    "stack": resource.RLIMIT_STACK,
    "memlock": resource.RLIMIT_MEMLOCK,
}
UNLIMITED = -1


def apply_limits(limits: dict[str, int]) -> None:
    """Set soft and hard limits; a value of -1 means unlimited."""
    for name, value in limits.items():
        if name not in RLIMITS:
            continue
        number = resource.RLIM_INFINITY if value == UNLIMITED else value
        resource.setrlimit(RLIMITS[name], (number, number))
