"""Everything decided before the fork: program, profile, filter, steps.

Every user mistake surfaces here, before any process is created.
"""

from __future__ import annotations

import errno
import os
import shutil
import time

from jail import cli_isolation, filter_cache, paths, profiles, sandbox_steps
from jail.errors import ProgramError
from jail.launcher import debug_line


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


def load_profile_and_filter(options, program: str, variant: str = "plain"):
    """The profile and its compiled filter, from the cache when still valid.

    Returns (profile, record): the record holds "programs" (role, BPF)
    pairs, the "pfc" text (only when compiled now) and compiler "warnings".
    --print-filter always compiles: the PFC text is large, and only it
    needs it, so the cache does not keep it.
    """
    request = filter_cache.request_key(options.profile, program)
    wants_pfc = getattr(options, "print_filter", False)
    cached = None if wants_pfc else filter_cache.lookup(request, variant)
    if cached is not None:
        debug_line(options.debug, f"filter: from cache, {len(cached['programs'])} programs, not compiled")
        return profiles.build(_raw_from_cache(cached)), cached

    from jail import profile_loader, seccomp_compiler

    with paths.recording_probes() as probes:
        if options.profile:
            path = profile_loader.find_profile(options.profile)
        else:
            path = profile_loader.profile_for_program(program)
        raw = profile_loader.load_raw(path)
    profile = profiles.build(raw)
    started = time.perf_counter()
    compiled = seccomp_compiler.compile_profile(profile)
    debug_line(
        options.debug,
        f"filter: compiled with libseccomp in {(time.perf_counter() - started) * 1000:.2f} ms",
    )
    record = {
        "name": raw.name,
        "source": raw.source,
        "files": list(raw.files),
        "data": raw.data,
        "origins": raw.origins,
        "programs": [(p.role, p.bpf) for p in compiled.programs],
        "pfc": compiled.pfc(),
        "warnings": compiled.warnings,
    }
    record["spec"] = sandbox_steps.launch_spec(profile, [bpf for _role, bpf in record["programs"]])
    # The filters that report denials (on by default): see jail/report_filter.py.
    from jail import report_filter

    record["report"] = report_filter.compile_report_programs(profile, [bpf for _role, bpf in record["programs"]])
    # Only a profile read entirely through the recorded loader can be
    # checked for staleness later.
    if all(os.path.abspath(f) in probes for f in raw.files):
        filter_cache.store(request, variant, probes, {k: v for k, v in record.items() if k != "pfc"})
    return profile, record


def _raw_from_cache(entry: dict):
    from jail.profile_loader import RawProfile

    raw = RawProfile(entry["name"], entry["source"])
    raw.data, raw.origins, raw.files = entry["data"], entry["origins"], entry["files"]
    return raw


def prepare(command: list[str], options):
    """Build the launch plan; returns (plan, filter record)."""
    program = resolve_program(command[0])
    profile, record = load_profile_and_filter(options, program)
    profile = cli_isolation.apply(profile, options)
    spec = sandbox_steps.launch_spec(profile, [bpf for _role, bpf in record["programs"]])
    keep_fds = tuple(getattr(options, "keep_fd", None) or ())
    plan = sandbox_steps.plan_from_spec(spec, program, command, options.debug, profile, keep_fds)
    return plan, record


