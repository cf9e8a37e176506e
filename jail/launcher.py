"""Start the target inside the sandbox, in a fixed order, failing closed.

The outer process does all the Python work first (profile, filter,
environment), then forks. The child runs a checklist of small steps; the
seccomp filter is the last one before execve so that it need not allow the
set-up calls. A failing step writes one record to a close-on-exec pipe and
the child exits without running the target: end-of-file on the pipe means
execve succeeded.
"""

from __future__ import annotations

import os
import sys
import time

# The C half of the signal module: the same functions and numbers, without
# the enum wrappers whose import costs a sixth of a cached launch.
import _signal as signal

from jail import _sys
from jail.errors import EXIT_TIMEOUT, ProgramError, SetupError

FORWARDED_SIGNALS = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
)
# si_code of a signal the kernel sends itself, e.g. ^C from the terminal.
SI_KERNEL = 0x80
EXEC_STEP = "execute"


class LaunchPlan:
    """Everything the child needs, computed before the fork.

    A plain class, not a dataclass: this module is on the path of every
    launch, and importing dataclasses costs more than the launch itself.
    """

    def __init__(self, profile, program, argv, env, bpf_programs, debug=False, timeout=None, profile_name=""):
        self.profile = profile
        self.profile_name = profile_name or getattr(profile, "name", "")
        self.program = program
        self.argv = argv
        self.env = env
        self.bpf_programs = bpf_programs
        self.debug = debug
        self.timeout = timeout
        self.child_steps: list = []


class ChildFailure(Exception):
    """A set-up step failed in the child; carries the step and errno."""

    def __init__(self, step: str, err: int, message: str):
        self.step, self.err, self.message = step, err, message
        super().__init__(step, err, message)


def debug_line(enabled: bool, text: str) -> None:
    if enabled:
        os.write(2, f"pyjail: debug: {text}\n".encode(errors="replace"))


def run(plan: LaunchPlan) -> int:
    """Fork, set the sandbox up in the child, exec, and wait. Returns the exit code."""
    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    old_mask = signal.pthread_sigmask(
        signal.SIG_BLOCK, set(FORWARDED_SIGNALS) | {signal.SIGCHLD}
    )
    sys.stdout.flush()
    sys.stderr.flush()

    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(plan, write_end, old_mask)

    os.close(write_end)
    failure = _read_failure(read_end)
    os.close(read_end)
    status = _wait(pid, plan)
    if failure is not None:
        raise _as_error(plan, failure)
    return status


def _child(plan: LaunchPlan, report_fd: int, old_mask) -> None:
    """Run the set-up checklist and exec; never returns."""
    step = "start"
    try:
        step = "parent death signal"
        _sys.set_parent_death_signal(signal.SIGKILL)
        if os.getppid() == 1:
            os._exit(125)  # pyjail died before the child could follow it

        for step, action in plan.child_steps:
            started = time.perf_counter()
            action()
            debug_line(plan.debug, f"{step}: {(time.perf_counter() - started) * 1000:.2f} ms")

        step = "signals"
        for number in FORWARDED_SIGNALS + (signal.SIGPIPE,):
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)

        step = EXEC_STEP
        os.execve(plan.program, plan.argv, plan.env)
    except OSError as error:
        detail = str(error.filename) if error.filename else ""
        _report(report_fd, step, error.errno or 0, detail if error.errno else str(error))
    except BaseException as error:  # a bug: still never run the target
        _report(report_fd, step, 0, f"{type(error).__name__}: {error}")
    os._exit(125)


def _report(fd: int, step: str, err: int, message: str) -> None:
    record = f"{step}\0{err}\0{message}".encode(errors="replace")
    try:
        os.write(fd, record)
    except OSError:
        pass


def _read_failure(fd: int) -> ChildFailure | None:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except InterruptedError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
    if not chunks:
        return None
    step, err, message = b"".join(chunks).decode(errors="replace").split("\0", 2)
    return ChildFailure(step, int(err), message)


def _as_error(plan: LaunchPlan, failure: ChildFailure):
    if failure.step == EXEC_STEP:
        return ProgramError(plan.argv[0], failure.err or 1)
    return SetupError(plan.profile_name, failure.step, failure.message, failure.err)


def _wait(pid: int, plan: LaunchPlan) -> int:
    """Forward signals to the child until it exits; return its exit code."""
    deadline = time.monotonic() + plan.timeout if plan.timeout else None
    waited = set(FORWARDED_SIGNALS) | {signal.SIGCHLD}
    while True:
        finished = _reap(pid)
        if finished is not None:
            return finished
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            _kill_tree(pid)
            _reap(pid, block=True)
            return EXIT_TIMEOUT
        info = (
            signal.sigtimedwait(waited, remaining)
            if remaining is not None
            else signal.sigwaitinfo(waited)
        )
        if info is None or info.si_signo == signal.SIGCHLD:
            continue
        # A terminal's ^C already reached the child, which shares our
        # process group; forward only what was sent to pyjail alone.
        if info.si_code != SI_KERNEL:
            _signal_child(pid, info.si_signo)


def _reap(pid: int, block: bool = False) -> int | None:
    while True:
        try:
            waited, status = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return 125
        except InterruptedError:
            continue
        if waited == 0:
            return None
        code = os.waitstatus_to_exitcode(status)
        return 128 - code if code < 0 else code


def _signal_child(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


def _kill_tree(pid: int) -> None:
    _signal_child(pid, signal.SIGKILL)
