"""jail._native, the C module behind jail._sys: real calls, real errors."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap

import pytest

from jail import _native, _sys

PR_GET_DUMPABLE = 3
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=REPO
    )


def test_a_call_returns_the_kernel_result():
    assert _native.syscall("prctl", _sys.NR["prctl"], PR_GET_DUMPABLE, 0, 0, 0, 0) in (0, 1)


def test_a_failed_call_raises_oserror_with_errno_and_name():
    with pytest.raises(OSError) as raised:
        _native.syscall("prctl", _sys.NR["prctl"], 0x7FFFFFFF, 0, 0, 0, 0)
    assert raised.value.errno == errno.EINVAL
    assert raised.value.filename == "prctl"


def test_the_kernel_fills_a_bytearray():
    effective, permitted, inheritable = _sys.capget()
    with open("/proc/self/status") as handle:
        status = handle.read()
    assert f"CapEff:\t{effective:016x}" in status
    assert f"CapPrm:\t{permitted:016x}" in status
    assert f"CapInh:\t{inheritable:016x}" in status


def test_a_path_with_a_nul_is_refused_before_the_kernel_sees_it():
    with pytest.raises(ValueError, match="embedded null character"):
        _sys.openat2(-100, "/etc\0/passwd", os.O_RDONLY, 0)


@pytest.mark.parametrize("argument", [1.5, [1], object()])
def test_other_argument_types_are_refused(argument):
    with pytest.raises(TypeError, match="system call argument 1"):
        _native.syscall("close_range", _sys.NR["close_range"], argument, 0, 0)


def test_more_than_six_arguments_are_refused():
    with pytest.raises(TypeError):
        _native.syscall("prctl", _sys.NR["prctl"], 1, 2, 3, 4, 5, 6, 7)


def test_fork_into_starts_the_child_in_a_new_pid_namespace():
    result = _python(
        f"""
        import os
        from jail import _native
        pid = _native.fork_into({_sys.CLONE_NEWPID | _sys.CLONE_NEWUSER})
        if pid == 0:
            print("child sees itself as", os.getpid(), flush=True)
            os._exit(7)
        print("exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        """
    )
    assert result.stdout.splitlines() == ["child sees itself as 1", "exit 7"], result.stderr


def test_fork_into_refuses_a_process_that_started_threads():
    result = _python(
        """
        import threading
        from jail import _native
        threading.Thread(target=lambda: None).start()
        try:
            _native.fork_into(0)
        except RuntimeError as error:
            print(error)
        """
    )
    assert result.stdout.strip() == "fork_into: this process has started threads", result.stderr


@pytest.mark.parametrize("flags", [9, 0x100, 0x10000, 0x80000], ids=["signal", "vm", "thread", "settls"])
def test_fork_into_takes_only_namespace_flags(flags):
    with pytest.raises(ValueError, match="only CLONE_NEW"):
        _native.fork_into(flags)


def test_integers_beyond_64_bits_are_refused_not_cut():
    for number in (2**64 + 3, -(2**63) - 1):
        with pytest.raises(OverflowError):
            _native.syscall("prctl", _sys.NR["prctl"], number, 0, 0, 0, 0)


def test_a_negative_integer_reaches_the_kernel_as_twos_complement():
    # close_range(-1, ...): first = 0xffffffff > last = 0 is EINVAL; with
    # the sign lost or refused it would be another answer.
    with pytest.raises(OSError) as raised:
        _native.syscall("close_range", _sys.NR["close_range"], -1, 0, 0)
    assert raised.value.errno == errno.EINVAL
