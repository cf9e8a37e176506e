"""PID 1 of the sandbox's PID namespace.

Every orphan in the namespace becomes this process's child, so it must reap
them, or they stay zombies. It forwards the signals pyjail relays to the
target and exits with the target's status (128+N for signal N: the init of
a PID namespace cannot die of its own signal). When it exits, the kernel
kills whatever is left in the namespace.
"""

from __future__ import annotations

import os
import select
import time

import _signal as signal


def run(target: int, forwarded: tuple, si_kernel: int, deadline: float | None, timeout_status: int) -> None:
    """Reap and forward until the target ends, or until `deadline` (a
    time.monotonic() value) passes; never returns.

    The deadline is kept here as well as in pyjail because PID 1 cannot be
    stopped from inside its namespace, while pyjail can: the target runs
    as the same user and may send SIGSTOP to its whole process group.
    """
    waited = set(forwarded) | {signal.SIGCHLD}
    while True:
        status = _reap_all(target)
        if status is not None:
            _end(status)
        info = _next_signal(waited, deadline)
        if info is None:
            _end(timeout_status)
        if info.si_signo == signal.SIGCHLD:
            continue
        # A terminal's signals reach the target directly (same process
        # group); forward only what pyjail relayed.
        if info.si_code != si_kernel:
            try:
                os.kill(target, info.si_signo)
            except ProcessLookupError:
                pass


def _end(status: int) -> None:
    """Kill everything else in the namespace, wake pyjail, exit `status`.

    The target may have stopped its process group, pyjail included, before
    it ended or the deadline came: without SIGCONT pyjail would never see
    the end, and a caller without job control would wait for ever. (Another
    stopped member of the same group is woken too.)
    """
    for pid, number in ((-1, signal.SIGKILL), (0, signal.SIGCONT)):
        try:
            os.kill(pid, number)  # -1: all of the namespace; 0: our group
        except OSError:
            pass
    os._exit(status)


def _next_signal(waited: set, deadline: float | None):
    """The next signal, or None once the deadline has passed."""
    if deadline is None:
        return signal.sigwaitinfo(waited)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        info = signal.sigtimedwait(waited, remaining)
        # Interrupted past the deadline, Python 3.11 returns an unfilled
        # siginfo: only the clock can be believed then.
        if info is not None and time.monotonic() < deadline:
            return info


def _reap_all(target: int) -> int | None:
    """Reap every exited child; the target's exit code once it has ended."""
    result = None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return result if result is not None else 125
        except InterruptedError:
            continue
        if pid == 0:
            return result
        if pid == target:
            code = os.waitstatus_to_exitcode(status)
            result = 128 - code if code < 0 else code


def parent_gone(lifeline: int) -> bool:
    """Whether the process holding the other end of `lifeline` has exited."""
    poller = select.poll()
    poller.register(lifeline, select.POLLIN)
    return bool(poller.poll(0))


def become_powerless() -> None:
    """PID 1 sits inside the sandbox, visible to the target: it keeps no
    power that the target could borrow through it (it only waits and kills
    its own uid's processes). Called once the target is forked, which
    still needs the capabilities for its set-up."""
    from jail import _sys, caps

    caps.drop_capabilities(())
    caps.clear_own_capabilities()
    _sys.set_no_new_privs()
