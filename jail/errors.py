"""The errors pyjail reports to a person, and the exit codes that go with them.

Library modules raise these and never print; only jail/cli.py turns them into
the one line a user sees.
"""

import errno as _errno
import os

EXIT_PYJAIL_FAILED = 125
EXIT_CANNOT_EXECUTE = 126
EXIT_NOT_FOUND = 127
EXIT_TIMEOUT = 124


class JailError(Exception):
    """Base of every error a user can cause or must act on."""

    exit_code = EXIT_PYJAIL_FAILED

    def user_line(self) -> str:
        """One line for the terminal: a control character in a name (an
        escape sequence in a file name) is shown, not obeyed."""
        text = f"pyjail: {self}"
        if text.isprintable():
            return text
        return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


class UsageError(JailError):
    """A command-line mistake."""


class ProfileError(JailError):
    """A profile that cannot be loaded: names the file and the key."""

    def __init__(self, source: str, key: str, problem: str, hint: str = ""):
        self.source = source
        self.key = key
        self.problem = problem
        self.hint = hint
        super().__init__(source, key, problem, hint)

    def __str__(self) -> str:
        where = f"{self.source}: {self.key}" if self.key else self.source
        text = f"{where}: {self.problem}"
        return f"{text} ({self.hint})" if self.hint else text


class SetupError(JailError):
    """A sandbox set-up step failed; the target was not run."""

    def __init__(self, profile: str, step: str, cause: str, err: int = 0):
        self.profile = profile
        self.step = step
        self.cause = cause
        self.errno = err
        super().__init__(profile, step, cause, err)

    def __str__(self) -> str:
        parts = [self.profile, self.step, self.cause]
        if self.errno:
            parts.append(os.strerror(self.errno))
        return ": ".join(part for part in parts if part)


class ProgramError(JailError):
    """The target program is missing (127) or cannot be executed (126)."""

    def __init__(self, program: str, err: int):
        self.program = program
        self.errno = err
        if err == _errno.ENOENT:
            self.exit_code = EXIT_NOT_FOUND
        else:
            self.exit_code = EXIT_CANNOT_EXECUTE
        super().__init__(program, err)

    def __str__(self) -> str:
        if self.errno == _errno.ENOENT:
            return f"{self.program}: command not found"
        return f"{self.program}: cannot execute: {os.strerror(self.errno)}"


class UnsupportedError(JailError):
    """The running kernel cannot give what the profile asks for."""

    def __init__(self, profile: str, step: str, cause: str, hint: str):
        self.profile = profile
        self.step = step
        self.cause = cause
        self.hint = hint
        super().__init__(profile, step, cause, hint)

    def __str__(self) -> str:
        return f"{self.profile}: {self.step}: {self.cause} ({self.hint})"
