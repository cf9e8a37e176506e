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

from jail import _sys, namespaces, pid_init
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
# Seconds PID 1 waits past --timeout before it ends the sandbox itself.
PID_1_GRACE = 1.0


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
        # The namespaces to create (jail.namespaces.NamespacePlan), or None,
        # and the whole isolation decision (jail.isolation.Isolation).
        self.namespaces = None
        self.isolation = None
        # Called in pyjail with the target's host pid as soon as the target
        # process exists, before its set-up steps and execve.
        self.on_target_started = None


class ChildFailure(Exception):
    """A set-up step failed in the child; carries the step and errno."""

    def __init__(self, step: str, err: int, message: str):
        self.step, self.err, self.message = step, err, message
        super().__init__(step, err, message)


def debug_line(enabled: bool, text: str) -> None:
    if enabled:
        os.write(2, f"pyjail: debug: {text}\n".encode(errors="replace"))


def run(plan: LaunchPlan) -> int:
    """Fork, set the sandbox up in the child, exec, and wait. Returns the exit code.

    The processes: pyjail -> the child, born in the new namespaces -> with
    a PID namespace, the child is its PID 1 (jail.pid_init) and forks the
    target; without one, the child itself becomes the target. The
    target's host pid travels back on a second pipe and is handed to
    plan.on_target_started.
    """
    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    started_read, started_write = os.pipe2(os.O_CLOEXEC)
    # pyjail holds the write end until it exits: the child watches the read
    # end to learn whether pyjail died before the parent death signal was set.
    lifeline_read, lifeline_write = os.pipe2(os.O_CLOEXEC)
    old_mask = signal.pthread_sigmask(
        signal.SIG_BLOCK, set(FORWARDED_SIGNALS) | {signal.SIGCHLD}
    )
    if not _has_pid_namespace(plan):
        # Orphans of the target come back to pyjail, so a timeout finds them.
        _sys.set_child_subreaper()
    sys.stdout.flush()
    sys.stderr.flush()

    # Limitation: the sandbox stays in pyjail's process group, so that the
    # terminal's job control (^C, ^Z, reading the terminal) works as for
    # any command; the program can therefore signal the whole group, which
    # is pyjail and whatever the caller started in the same job (the other
    # commands of a pipeline, or a script without job control). Run
    # `setsid -w pyjail ...` where that matters.
    try:
        pid = _fork_into_namespaces(plan)
    except BaseException:
        for fd in (read_end, write_end, started_read, started_write, lifeline_read, lifeline_write):
            os.close(fd)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        raise
    if pid == 0:
        os.close(read_end)
        os.close(started_read)
        os.close(lifeline_write)
        _child(plan, write_end, started_write, old_mask, lifeline_read)
    return _watch(plan, pid, read_end, started_read, (write_end, started_write, lifeline_read))


def _watch(plan: LaunchPlan, pid: int, read_end: int, started_read: int, child_ends) -> int:
    """pyjail's side: the target's pid, its set-up failure if any, its exit.

    pyjail holds on to the lifeline's write end (not in `child_ends`) until
    it exits.
    """
    # pyjail and PID 1, which stay beside the target, must not be dumpable:
    # the target runs as the same user and could otherwise write into their
    # memory through /proc/PID/mem or ptrace, and run code outside its
    # filter. (Not before the fork: the child must stay dumpable to write
    # its own uid_map.)
    _sys.prctl(_sys.PR_SET_DUMPABLE, 0)
    for fd in child_ends:
        os.close(fd)
    pids = _read_started(started_read)
    if "target" in pids and plan.on_target_started is not None:
        plan.on_target_started(pids["target"])
    failure = _read_failure(read_end)
    os.close(read_end)
    status = _wait(pid, plan.timeout, pid if _has_pid_namespace(plan) else None)
    if failure is not None:
        raise _as_error(plan, failure)
    return status


def _has_pid_namespace(plan: LaunchPlan) -> bool:
    return plan.namespaces is not None and plan.namespaces.pid


def _fork_into_namespaces(plan: LaunchPlan) -> int:
    """Fork a child that starts in the planned namespaces; 0 in the child."""
    ns = plan.namespaces
    if ns is None or not ns.any:
        return os.fork()
    started = time.perf_counter()
    try:
        pid = _sys.fork_into(ns.clone_flags)
    except OSError as error:
        if ns.user and not _user_namespace_alone_works():
            raise namespaces.userns_error(plan.profile_name, error.errno) from None
        refused = f"the kernel refused new {', '.join(ns.names)} namespaces"
        raise SetupError(plan.profile_name, "namespaces", refused, error.errno) from None
    if pid != 0:
        debug_line(plan.debug, f"fork into namespaces: {(time.perf_counter() - started) * 1000:.2f} ms")
    return pid


def _user_namespace_alone_works() -> bool:
    """After a refused clone: was it the user namespace? (All the
    namespaces come in one clone, so its error does not say which.)"""
    try:
        pid = _sys.fork_into(_sys.CLONE_NEWUSER)
    except OSError:
        return False
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return True


def _child(plan: LaunchPlan, report_fd: int, started_fd: int, old_mask, lifeline: int) -> None:
    """Finish the namespaces, then become PID 1 or the target; never returns."""
    step = "start"
    try:
        step = "parent death signal"
        _sys.set_parent_death_signal(signal.SIGKILL)
        if pid_init.parent_gone(lifeline):
            os._exit(125)  # pyjail died before the child could follow it

        if plan.namespaces is not None and plan.namespaces.user:
            step = "user namespace"
            namespaces.map_own_ids(plan.namespaces, plan.profile_name)
        if _has_pid_namespace(plan):
            step = "pid namespace"
            _init(plan, report_fd, started_fd, old_mask, lifeline)
        os.close(lifeline)
        _target(plan, report_fd, started_fd, old_mask)
    except BaseException as error:  # whatever it is, the target never runs
        _report_failure(report_fd, step, error)
    os._exit(125)


def _init(plan: LaunchPlan, report_fd: int, started_fd: int, old_mask, lifeline: int) -> None:
    """PID 1: fork the target, then reap and forward until it ends.

    pyjail is its parent, outside the namespace: when pyjail dies, the
    parent death signal kills PID 1 and so, by the kernel's rule for a PID
    namespace, everything in it.
    """
    step = "init"
    try:
        _sys.prctl(_sys.PR_SET_DUMPABLE, 0)  # see run(): PID 1 stays beside the target
        target = os.fork()
        if target == 0:
            os.close(lifeline)
            _target(plan, report_fd, started_fd, old_mask)
        os.close(started_fd)
        os.close(lifeline)
        step = "capabilities of PID 1"
        pid_init.become_powerless()
        os.close(report_fd)
        report_fd = -1
        # Later than pyjail's own deadline: PID 1 acts only when pyjail
        # could not, having been stopped by the target.
        deadline = time.monotonic() + plan.timeout + PID_1_GRACE if plan.timeout else None
        pid_init.run(target, FORWARDED_SIGNALS, SI_KERNEL, deadline, EXIT_TIMEOUT)
    except BaseException as error:  # its exit takes the target down too
        if report_fd >= 0:
            _report_failure(report_fd, step, error)
    os._exit(125)


def _target(plan: LaunchPlan, report_fd: int, started_fd: int, old_mask) -> None:
    """Run the set-up checklist and exec; never returns."""
    step = "start"
    try:
        # Dumpable again, so that pyjail may take the seccomp listener out of
        # it (pidfd_getfd) also without a user namespace.
        _sys.prctl(_sys.PR_SET_DUMPABLE, 1)
        # /proc is still the host's here, so /proc/self names the host pid.
        os.write(started_fd, f"target {os.readlink('/proc/self')}\n".encode())
        os.close(started_fd)

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
    except BaseException as error:  # whatever it is, the target never runs
        _report_failure(report_fd, step, error)
    os._exit(125)


def _read_started(fd: int) -> dict[str, int]:
    """The host pid the target announces before its set-up: {"target": N}."""
    announced = _read_to_end(fd)
    os.close(fd)
    pids = {}
    for line in announced.decode().splitlines():
        role, _, number = line.partition(" ")
        pids[role] = int(number)
    return pids


def _report_failure(fd: int, step: str, error: BaseException) -> None:
    """Send the outer process the record for a failed set-up step."""
    if isinstance(error, namespaces.UnsupportedError):
        _report(fd, error.step, 0, f"{error.cause} ({error.hint})")
    elif isinstance(error, OSError):
        detail = str(error.filename) if error.filename else ""
        if not detail and error.errno and error.strerror != os.strerror(error.errno):
            detail = error.strerror  # pyjail's own words, e.g. why caps cannot drop
        _report(fd, step, error.errno or 0, detail if error.errno else str(error))
    else:  # a bug in pyjail: say what it was
        _report(fd, step, 0, f"{type(error).__name__}: {error}")


# PID 1 and the target may both report a failure: each record is one
# write of at most PIPE_BUF bytes (never interleaved), led by its length.
RECORD_LIMIT = 4000


def _report(fd: int, step: str, err: int, message: str) -> None:
    payload = f"{step}\0{err}\0{message}".encode(errors="replace")[:RECORD_LIMIT]
    record = f"{len(payload)}:".encode() + payload
    try:
        os.write(fd, record)
    except OSError:
        pass


def _read_failure(fd: int) -> ChildFailure | None:
    record = _read_to_end(fd)
    if not record:
        return None  # end-of-file alone: execve succeeded
    length, _, rest = record.partition(b":")
    first = rest[: int(length)].decode(errors="replace")  # the first one written
    step, err, message = first.split("\0", 2)
    return ChildFailure(step, int(err), message)


def _read_to_end(fd: int) -> bytes:
    """Everything written to a pipe until its last writer closes it."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except InterruptedError:
            continue
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _as_error(plan: LaunchPlan, failure: ChildFailure):
    if failure.step == EXEC_STEP:
        return ProgramError(plan.argv[0], failure.err or 1)
    return SetupError(plan.profile_name, failure.step, failure.message, failure.err)


def _wait(pid: int, timeout: float | None, init: int | None) -> int:
    """Forward signals to the child until it exits; return its exit code.

    On timeout the whole sandbox is killed: through its PID 1 (`init`)
    when there is a PID namespace, else every descendant of pyjail.
    """
    deadline = time.monotonic() + timeout if timeout else None
    waited = set(FORWARDED_SIGNALS) | {signal.SIGCHLD}
    while True:
        finished = _reap(pid)
        if finished is not None:
            return finished
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            _kill_sandbox(pid, init)
            return EXIT_TIMEOUT
        info = (
            signal.sigtimedwait(waited, min(remaining, 24 * 3600))  # a day per call
            if remaining is not None
            else signal.sigwaitinfo(waited)
        )
        if deadline is not None and time.monotonic() >= deadline:
            # Python 3.11's sigtimedwait, interrupted (pyjail stopped and
            # continued) past its deadline, returns a siginfo it never
            # filled in: the time is up, whatever it says.
            continue
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


def _kill_sandbox(pid: int, init: int | None) -> None:
    """SIGKILL every process of the sandbox and wait until they are gone."""
    if init is not None:
        # PID 1 (`init`, our child) finishes exiting only once the kernel
        # has killed everything else in its namespace.
        _signal_child(init, signal.SIGKILL)
        _reap(pid, block=True)
        return
    # pyjail is a child subreaper here: every orphan of the sandbox is our
    # child, so killing all descendants until none is left takes all.
    # Limitation: without a PID namespace, SIGKILL of pyjail itself kills
    # the target (parent death signal) but not the processes it started,
    # and a process that detached itself (a daemon) outlives a normal exit
    # too. The target, running as the same user, can also stop pyjail
    # (SIGSTOP to its parent) and so outlast --timeout; with a PID
    # namespace it can stop pyjail only through their process group, and
    # PID 1 then ends the sandbox at the deadline.
    while True:
        for descendant in _descendants(os.getpid()):
            _signal_child(descendant, signal.SIGKILL)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        try:
            with open(f"/proc/{current}/task/{current}/children") as handle:
                children = [int(word) for word in handle.read().split()]
        except OSError:
            continue
        found.extend(children)
        queue.extend(children)
    return found
