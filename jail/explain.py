"""What this kernel will really enforce for a profile, in plain lines.

`pyjail --explain` prints it and exits; `pyjail --debug` prints it first.
Nothing asked for is left out silently: what cannot be had is listed under
"refused" (and a launch with it fails, it is never run weaker).
"""

from __future__ import annotations

from jail import isolation, landlock, namespaces
from jail.errors import UnsupportedError


def report(profile, warnings: list[str]) -> list[str]:
    """The lines for `profile` on this kernel, for this user."""
    lines = [f"profile: {profile.name} ({', '.join(profile.files) or profile.source})"]
    refused = []
    try:
        plan = isolation.plan(isolation.isolation_spec(profile), profile.name)
    except UnsupportedError as error:
        plan = None
        refused.append(f"{error.step}: {error.cause}")
    if plan is not None:
        lines += _namespace_lines(plan.namespaces)
        lines += _filesystem_lines(plan)
        refused += _userns_refusal(plan.namespaces)
    lines += _landlock_lines(plan)
    isolated_net = plan is not None and plan.namespaces.loopback
    lines.append(
        "network: none (a new namespace, loopback only)"
        if isolated_net
        else "network: the host's"
    )
    kept = ", ".join(profile.capabilities_keep) or "none"
    lines.append(f"capabilities kept: {kept}; all others dropped from every set")
    lines.append(
        "limits: "
        + (", ".join(f"{k}={_limit(v)}" for k, v in profile.limits.items()) or "none")
    )
    lines += _seccomp_lines(profile)
    refused += warnings
    lines += [f"refused: {text}" for text in refused] or ["refused: nothing"]
    return lines


def _namespace_lines(ns) -> list[str]:
    if not ns.any:
        return ["namespaces: none"]
    names = (["user"] if ns.user else []) + list(ns.names)
    lines = [f"namespaces: {' '.join(names)}"]
    if ns.user:
        inside = 0 if ns.root_inside else ns.uid
        lines.append(
            f"user namespace: uid {ns.uid} is {inside} inside, "
            f"gid {ns.gid} is {0 if ns.root_inside else ns.gid}"
        )
    lines += [f"namespaces: added {text}" for text in ns.implied]
    if ns.pid:
        lines.append(
            "pid namespace: PID 1 reaps orphans, forwards signals, "
            "exits with the target's status"
        )
    if ns.hostname:
        lines.append(f"hostname: {ns.hostname}")
    return lines


def _userns_refusal(ns) -> list[str]:
    if ns.user and not namespaces.userns_available():
        return [
            f"user namespace: switched off ({namespaces.userns_blocker()}); "
            "a launch fails with exit 125"
        ]
    return []


def _filesystem_lines(plan) -> list[str]:
    view = plan.view
    choices = (
        ("/tmp and /var/tmp", view.private_tmp),
        ("/dev", view.private_dev),
        (f"home {view.home}", view.home),
        ("/proc", view.fresh_proc),
    )
    private = [name for name, on in choices if on]
    lines = [
        "filesystem: private " + ", ".join(private)
        if private
        else "filesystem: the host's view"
    ]
    for label, paths in (
        ("read-only", view.read_only),
        ("read-write", view.read_write),
        ("hidden", view.hide),
        ("kept in home", view.home_keep),
        ("pyjail's own files, read-only", view.protect_read_only),
        ("pyjail's own files, hidden", view.protect_hide),
        ("pinned against renaming", view.pins if plan.namespaces.mount else ()),
    ):
        if paths:
            lines.append(f"filesystem: {label}: {' '.join(paths)}")
    return lines + plan.notes


def _landlock_lines(plan) -> list[str]:
    abi = landlock.abi_version()
    state = f"ABI {abi}" if abi else "not available"
    use = "not used"
    if plan is not None and plan.landlock:
        use = f"used ({plan.landlock})"
    lines = [f"landlock: {state}, {use}"]
    if abi and plan is not None and plan.landlock:
        lines += [
            f"landlock: cannot express {text}" for text in landlock.unexpressed(abi)
        ]
    return lines


def _seccomp_lines(profile) -> list[str]:
    from jail import seccomp_compiler

    spec = profile.seccomp
    native = seccomp_compiler.native_arch()
    arches = [native if arch == "native" else arch for arch in spec.architectures]
    kind = "allow list" if spec.is_allowlist else "deny list"
    return [
        f"seccomp: {kind}, architectures {' '.join(arches)}; "
        "calls of other ABIs kill the process",
        f"seccomp: unlisted calls: {spec.default_action}; "
        f"denied calls: {spec.deny_action}",
    ]


def _limit(value) -> str:
    return "unlimited" if value == -1 else str(value)


def main(options, command: list[str]) -> int:
    """`pyjail --explain [--profile P] [PROGRAM]`: print the report, exit 0."""
    import sys

    from jail import cli_isolation, launch_setup

    program = launch_setup.resolve_program(command[0]) if command else ""
    profile, record = launch_setup.load_profile_and_filter(options, program)
    profile = cli_isolation.apply(profile, options)
    for line in report(profile, record["warnings"]):
        print(line, file=sys.stdout)
    return 0
