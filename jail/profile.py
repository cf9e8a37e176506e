"""The profile model: what a loaded, merged and validated profile says.

Everything here is frozen: the launcher acts on a profile that can no longer
change, and every value remembers the file and key it came from, so that a
later error (an unknown syscall, a refused mount) can point at its source.
"""

from __future__ import annotations

import dataclasses
import errno as _errno
import re

from jail import constants
from jail.errors import ProfileError

ACTION_NAMES = ("allow", "log", "trap", "kill", "kill-thread", "kill-process", "errno")
OPERATORS = ("==", "!=", "<=", ">=", "<", ">")


@dataclasses.dataclass(frozen=True)
class Action:
    """What the filter does with a call: allow, log, trap, kill or errno."""

    kind: str
    errno: int = 0

    def __str__(self) -> str:
        if self.kind == "errno":
            return f"errno:{constants.errno_name(self.errno)}"
        return self.kind

    @property
    def denies(self) -> bool:
        return self.kind not in ("allow", "log")


ALLOW = Action("allow")


@dataclasses.dataclass(frozen=True)
class Condition:
    """One comparison of a syscall argument: `arg1 == TIOCSTI`."""

    index: int
    op: str
    value: int
    mask: int | None = None

    def __str__(self) -> str:
        if self.mask is not None:
            return f"arg{self.index} & {self.mask:#x} == {self.value:#x}"
        return f"arg{self.index} {self.op} {self.value:#x}"


@dataclasses.dataclass(frozen=True)
class Rule:
    """An action for some syscalls, optionally only when all conditions hold.

    `unless` lists alternatives (each a tuple of conditions that must all
    hold) under which the call is allowed after all.
    """

    syscalls: tuple[str, ...]
    action: Action
    when: tuple[Condition, ...] = ()
    unless: tuple[tuple[Condition, ...], ...] = ()
    source: str = ""
    key: str = ""
    comment: str = ""

    @property
    def origin(self) -> str:
        """Where the rule was written, for reports: `default.toml [seccomp].rules[2]`."""
        name = self.source.rsplit("/", 1)[-1]
        return f"{name} {self.key}".strip()


@dataclasses.dataclass(frozen=True)
class Seccomp:
    default_action: Action
    deny_action: Action
    allow: dict[str, str]
    deny: dict[str, str]
    rules: tuple[Rule, ...]
    architectures: tuple[str, ...]
    origin: dict[str, str]

    @property
    def is_allowlist(self) -> bool:
        return self.default_action.kind != "allow"


@dataclasses.dataclass(frozen=True)
class Namespaces:
    """[namespaces]: which namespaces the sandbox gets (jail/namespaces.py).

    enabled: false creates none at all (--no-namespaces).
    user: a user namespace; unset means "when not root", since an ordinary
        user needs one to create the others. The caller's uid and gid are
        mapped to themselves, or to 0 with root_inside = true.
    mount, pid, net, ipc, uts, cgroup: one each. pid brings a PID 1 that
        reaps orphans and a fresh /proc (hence a mount namespace too).
    hostname: the name inside a new UTS namespace (implies uts).
    """

    user: bool | None
    mount: bool
    pid: bool
    net: bool
    ipc: bool
    uts: bool
    cgroup: bool
    hostname: str
    root_inside: bool
    enabled: bool


@dataclasses.dataclass(frozen=True)
class Filesystem:
    """[filesystem]: the view the target gets (jail/mounts.py, jail/landlock.py).

    private_tmp: empty /tmp and /var/tmp. private_dev: /dev with only null,
    zero, full, random, urandom, tty, pts, ptmx, shm. private_home: an empty
    home keeping only home_keep. read_only, read_write (exceptions inside
    read-only trees) and hide (unreadable, unlistable) take paths that may
    start with ~ or ${HOME}; `reveal` in the file removes paths from an
    included profile's hide list. landlock: "auto" (Landlock enforces the
    paths when there is no mount namespace), "off", or "required" (always,
    in addition to the mounts; an error when the kernel lacks it).
    """

    private_tmp: bool
    private_dev: bool
    private_home: bool
    home_keep: tuple[str, ...]
    read_only: tuple[str, ...]
    read_write: tuple[str, ...]
    hide: tuple[str, ...]
    landlock: str


@dataclasses.dataclass(frozen=True)
class Environment:
    clear: bool
    keep: tuple[str, ...]
    unset: tuple[str, ...]
    set: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    source: str
    description: str
    files: tuple[str, ...]
    seccomp: Seccomp
    namespaces: Namespaces
    filesystem: Filesystem
    network: str
    capabilities_keep: tuple[str, ...]
    limits: dict[str, int]
    environment: Environment
    raw: dict = dataclasses.field(repr=False, compare=False, default_factory=dict)


def parse_action(text: str, source: str, key: str) -> Action:
    """Turn "errno:EACCES", "kill-process" or "allow" into an Action."""
    kind, _, argument = text.partition(":")
    kind = kind.strip().lower()
    if kind == "kill":
        kind = "kill-thread"
    if kind not in ACTION_NAMES:
        raise ProfileError(
            source,
            key,
            f"unknown action {text!r}",
            "expected one of " + ", ".join(ACTION_NAMES) + " (errno:NAME)",
        )
    if kind != "errno":
        if argument:
            raise ProfileError(source, key, f"action {kind} takes no argument")
        return Action(kind)
    return Action("errno", _parse_errno(argument or "EPERM", source, key))


def _parse_errno(text: str, source: str, key: str) -> int:
    text = text.strip()
    if text.isdigit() and 0 < int(text) < 4096:
        return int(text)
    number = constants.errno_value(text.upper())
    if number is None:
        hint = suggest(text.upper(), _errno.errorcode.values())
        raise ProfileError(source, key, f"unknown errno {text!r}", hint)
    return number


# The value may not start with an operator character, so that a mistyped
# operator (`===`, `<==`) is reported as such, not as an unknown constant.
_CONDITION = re.compile(
    r"^\s*arg(?P<index>\d)\s*"
    r"(?:&\s*(?P<mask>[^=!<>]+?)\s*(?P<mop>==)|(?P<op>==|!=|<=|>=|<|>))"
    r"\s*(?P<value>[^\s=!<>].*?)\s*$"
)


def parse_condition(text: str, source: str, key: str) -> Condition:
    """Parse `argN OP VALUE` or `argN & MASK == VALUE`."""
    match = _CONDITION.match(text)
    if not match:
        raise ProfileError(
            source,
            key,
            f"cannot read condition {text!r}",
            "write it as 'arg1 == TIOCSTI' or 'arg0 & 0x3 == 1'",
        )
    index = int(match["index"])
    if index > 5:
        raise ProfileError(source, key, f"arg{index} does not exist", "arg0..arg5")
    value = parse_number(match["value"], source, key)
    if match["mask"] is not None:
        mask = parse_number(match["mask"], source, key)
        return Condition(index, "==", value, mask)
    return Condition(index, match["op"], value)


def parse_number(text: str, source: str, key: str) -> int:
    """A number, a symbolic constant, or several joined with |."""
    total = 0
    for part in text.split("|"):
        part = part.strip()
        try:
            total |= int(part, 0)
            continue
        except ValueError:
            pass
        value = constants.constant_value(part)
        if value is None:
            close = constants.close_matches(part)
            hint = f"did you mean {close[0]}?" if close else ""
            raise ProfileError(source, key, f"unknown constant {part!r}", hint)
        total |= value
    if not 0 <= total < 1 << 64:
        raise ProfileError(source, key, f"{text!r} does not fit in 64 bits")
    return total


def suggest(word: str, choices) -> str:
    """The 'did you mean' hint used by every profile error."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]}?" if close else ""
