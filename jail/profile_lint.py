"""Judge how much a valid profile still exposes, as a score from 0 to 10.

Each check looks at what the compiled policy lets a program do (a syscall
admitted whole, an ioctl request not denied, an architecture admitted, a
writable path) and, when it finds an opening, adds a finding with a weight.
The score is the sum of the weights, capped at 10: 0 means none of the
openings pyjail knows about, 10 means many of them.

A profile that needs an opening says so in a comment, in its own file or in
one it includes, and the finding is then shown as accepted, with the reason:

    # lint-exception: chroot: the browser's sandbox chroots its renderers

An accepted finding still counts in the score: the score says what the
profile exposes, the comment says why that is acceptable.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from jail import constants, mounts, paths, seccomp_compiler
from jail.errors import ProfileError
from jail.profile import ALLOW, Profile, suggest

MAX_SCORE = 10.0
EXCEPTION_LINE = re.compile(r"^\s*#\s*lint-exception:\s*(?P<rest>.*)$")

# Check name -> (weight, syscalls it is about). Weights rank how much an
# opening gives an attacker who runs code in the sandbox: reaching into
# other processes or the mount table counts most.
PTRACE = ("ptrace", "process_vm_readv", "process_vm_writev")
MOUNT = ("mount", "umount2", "pivot_root")
MOUNT_API = (
    "fsopen", "fsmount", "move_mount", "open_tree", "fspick", "fsconfig",
    "mount_setattr", "open_tree_attr",
)  # fmt: skip
IO_URING = ("io_uring_setup", "io_uring_enter", "io_uring_register")
NAMESPACE_CALLS = ("unshare", "setns")
# Capabilities that alone give root-like power over the machine.
MIGHTY_CAPS = {
    "sys_admin", "sys_ptrace", "sys_module", "sys_rawio", "dac_override",
    "dac_read_search", "setuid", "setgid", "setfcap", "setpcap", "bpf",
    "fowner", "chown", "net_admin",
}  # fmt: skip

WEIGHTS = {
    "ptrace": 1.5,
    "mount": 1.5,
    "chroot": 0.5,
    "bpf": 1.0,
    "namespaces": 1.0,
    "ioctl": 1.0,
    "io_uring": 1.0,
    "mount-api": 1.0,
    "tiocsti": 1.0,
    "tioclinux": 0.5,
    "foreign-arch": 1.0,
    "uncovered-arch": 1.0,
    "profile-dir-writable": 2.0,
    "capabilities": 0.5,
}
CHECKS = tuple(WEIGHTS)


@dataclasses.dataclass
class Finding:
    """One opening: the check that found it, what it is, and its weight."""

    check: str
    message: str
    weight: float
    accepted: str = ""


@dataclasses.dataclass
class Report:
    profile: str
    findings: list[Finding]

    @property
    def score(self) -> float:
        return min(MAX_SCORE, round(sum(f.weight for f in self.findings), 1))

    def lines(self) -> list[str]:
        """The report as printed by `pyjail profile check`."""
        out = []
        for finding in self.findings:
            line = f"  +{finding.weight:.1f}  {finding.check}: {finding.message}"
            if finding.accepted:
                line += f" (accepted: {finding.accepted})"
            out.append(line)
        verdict = "no openings found" if not self.findings else "made up of:"
        out.insert(
            0, f"exposure score {self.score:.1f}/10 (0 = least exposed), {verdict}"
        )
        return out


def lint(profile: Profile) -> Report:
    """Run every check on a loaded profile.

    Raises ProfileError for a lint-exception line that names no check or
    gives no reason.
    """
    exceptions = read_exceptions(profile.files)
    compiled = seccomp_compiler.compile_profile(profile)
    view = _SyscallView(profile, compiled.decisions)

    findings: list[Finding] = []
    for check in _SECCOMP_CHECKS:
        findings.extend(check(view))
    findings.extend(_architecture_findings(profile, compiled.warnings))
    findings.extend(_writable_profile_dir(profile))
    findings.extend(_capability_findings(profile))

    for finding in findings:
        finding.accepted = exceptions.get(finding.check, "")
    return Report(profile.name, findings)


def read_exceptions(files) -> dict[str, str]:
    """`# lint-exception: CHECK: reason` lines of every merged file."""
    exceptions = {}
    for source in files:
        try:
            text = Path(source).read_text(errors="replace")
        except OSError:
            continue  # it was read a moment ago; the loader reported any error
        for number, line in enumerate(text.splitlines(), 1):
            match = EXCEPTION_LINE.match(line)
            if match:
                check, reason = _parse_exception(match["rest"], source, number)
                exceptions[check] = reason
    return exceptions


def _parse_exception(rest: str, source: str, number: int) -> tuple[str, str]:
    check, _, reason = rest.partition(":")
    check, reason = check.strip(), reason.strip()
    where = f"line {number}: lint-exception"
    if check not in CHECKS:
        hint = suggest(check, CHECKS) or "checks: " + ", ".join(CHECKS)
        raise ProfileError(source, where, f"unknown check {check!r}", hint)
    if not reason:
        raise ProfileError(
            source,
            where,
            f"no reason given for {check}",
            f"# lint-exception: {check}: why it is needed",
        )
    return check, reason


class _SyscallView:
    """Answers "is this call admitted, and is it admitted only conditionally?"."""

    def __init__(self, profile: Profile, decisions):
        self.spec = profile.seccomp
        self.decisions = decisions

    def whole(self, name: str):
        return self.decisions.get(name, (self.spec.default_action, ""))[0]

    def rules_for(self, name: str):
        return [
            r for r in self.spec.rules if name in r.syscalls and (r.when or r.unless)
        ]

    def admitted(self, name: str) -> bool:
        """Allowed in some case: whole, or by a conditional allow."""
        if name in self.decisions:
            return not self.decisions[name][0].denies
        if not self.spec.default_action.denies:
            return True
        return any(r.action == ALLOW for r in self.rules_for(name)) or any(
            r.unless for r in self.rules_for(name)
        )

    def unconditional(self, name: str) -> bool:
        """Allowed with no argument condition in any rule."""
        return self.admitted(name) and not self.rules_for(name)

    def request_denied(self, name: str, index: int, value: int) -> bool:
        """Is the call denied when argument `index` equals `value`?"""
        if not self.admitted(name):
            return True
        for rule in self.rules_for(name):
            if rule.when and rule.action.denies and _matches(rule.when, index, value):
                return True
            if rule.unless and rule.action.denies:
                if not any(_matches(alt, index, value) for alt in rule.unless):
                    return True
        return False


def _matches(conditions, index: int, value: int) -> bool:
    """Could the conditions hold for a call whose argument `index` is `value`?"""
    for condition in conditions:
        if condition.index != index:
            continue  # another argument: some call can satisfy it
        if condition.mask is not None:
            if value & condition.mask != condition.value:
                return False
        elif not _compare(value, condition.op, condition.value):
            return False
    return True


def _compare(left: int, op: str, right: int) -> bool:
    return {
        "==": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def _admitted_ones(view: _SyscallView, names) -> list[str]:
    return [n for n in names if view.unconditional(n)]


def _group_check(check: str, names, what: str):
    def run(view: _SyscallView) -> list[Finding]:
        found = _admitted_ones(view, names)
        if not found:
            return []
        return [
            Finding(
                check,
                f"{', '.join(found)} allowed without conditions: {what}",
                WEIGHTS[check],
            )
        ]

    return run


def _namespace_check(view: _SyscallView) -> list[Finding]:
    found = _admitted_ones(view, NAMESPACE_CALLS)
    if view.admitted("clone") and not view.rules_for("clone"):
        found.append("clone with namespace flags")
    if view.unconditional("clone3") and "clone" not in view.decisions:
        found.append("clone3")
    if not found:
        return []
    return [
        Finding(
            "namespaces",
            f"{', '.join(found)} allowed: new namespaces widen the kernel "
            "surface (user namespaces reach code meant for root)",
            WEIGHTS["namespaces"],
        )
    ]


def _ioctl_check(view: _SyscallView) -> list[Finding]:
    findings = []
    if view.spec.is_allowlist and view.unconditional("ioctl"):
        findings.append(
            Finding(
                "ioctl",
                "ioctl allowed for every request: raw device and terminal control",
                WEIGHTS["ioctl"],
            )
        )
    for name, check, what in (
        ("TIOCSTI", "tiocsti", "can push keystrokes into the terminal that started it"),
        ("TIOCLINUX", "tioclinux", "can paste into a Linux console"),
    ):
        if not view.request_denied("ioctl", 1, constants.constant_value(name)):
            findings.append(
                Finding(check, f"ioctl {name} not denied: {what}", WEIGHTS[check])
            )
    return findings


_SECCOMP_CHECKS = (
    _group_check("ptrace", PTRACE, "the program can read and write other processes"),
    _group_check("mount", MOUNT, "the program can change the mount table it sees"),
    _group_check("chroot", ("chroot",), "the program can change its root directory"),
    _group_check("bpf", ("bpf",), "eBPF programs run in the kernel"),
    _namespace_check,
    _ioctl_check,
    _group_check("io_uring", IO_URING, "io_uring performs calls the filter never sees"),
    _group_check("mount-api", MOUNT_API, "the new mount API mounts without mount()"),
)


def _architecture_findings(profile: Profile, warnings: list[str]) -> list[Finding]:
    native = seccomp_compiler.native_arch()
    foreign = [a for a in profile.seccomp.architectures if a not in ("native", native)]
    findings = []
    if foreign:
        findings.append(
            Finding(
                "foreign-arch",
                f"{', '.join(foreign)} system calls admitted: a second syscall "
                "table, with multiplexers (socketcall, ipc) that hide arguments "
                "from rules",
                WEIGHTS["foreign-arch"],
            )
        )
    for warning in warnings:
        findings.append(
            Finding(
                "uncovered-arch", warning.split(": ", 1)[-1], WEIGHTS["uncovered-arch"]
            )
        )
    return findings


def _writable_profile_dir(profile: Profile) -> list[Finding]:
    """A writable path over or in ~/.config/pyjail lets the app rewrite its profile."""
    own = os.path.realpath(paths.user_profile_dir().parent)
    fs = profile.filesystem
    writable = list(fs.read_write) + (list(fs.home_keep) if fs.private_home else [])
    findings = []
    for entry in writable:
        path = os.path.realpath(_expand(entry))
        if mounts.under(own, path):
            relation = "holds"
        elif mounts.under(path, own):
            relation = "is inside"
        else:
            continue
        findings.append(
            Finding(
                "profile-dir-writable",
                f"{entry} is writable and {relation} {own}: "
                "the program can rewrite its own profile",
                WEIGHTS["profile-dir-writable"],
            )
        )
    return findings


def _expand(entry: str) -> str:
    home = os.path.expanduser("~")
    entry = entry.replace("${HOME}", home).replace("$HOME", home)
    return os.path.expanduser(entry)


def _capability_findings(profile: Profile) -> list[Finding]:
    findings = []
    for name in profile.capabilities_keep:
        weight = 2.0 if name in MIGHTY_CAPS else WEIGHTS["capabilities"]
        findings.append(
            Finding(
                "capabilities",
                f"CAP_{name.upper()} kept (matters when run as root)",
                weight,
            )
        )
    return findings
