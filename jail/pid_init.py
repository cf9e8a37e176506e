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

import _signal as signal


def run(target: int, forwarded: tuple, si_kernel: int) -> None:
    """Reap and forward until the target ends; never returns."""
    _drop_own_capabilities()
    waited = set(forwarded) | {signal.SIGCHLD}
    while True:
        status = _reap_all(target)
        if status is not None:
            os._exit(status)
        info = signal.sigwaitinfo(waited)
        if info.si_signo == signal.SIGCHLD:
            continue
        # A terminal's signals reach the target directly (same process
        # group); forward only what pyjail relayed.
        if info.si_code != si_kernel:
            try:
                os.kill(target, info.si_signo)
            except ProcessLookupError:
                pass


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


def _drop_own_capabilities() -> None:
    """PID 1 sits inside the sandbox, visible to the target: it keeps no
    power that the target could borrow through it (it only waits and kills
    its own uid's processes)."""
    from jail import _sys, caps

    caps.drop_capabilities(())
    caps.clear_own_capabilities()
    _sys.set_no_new_privs()
