"""The launch, end to end: real programs under the bundled profiles, with
the sandbox checked from inside the target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import PYJAIL, UNPRIVILEGED_UID, require, run_pyjail

USERS = [pytest.param(None, id="root"), pytest.param(UNPRIVILEGED_UID, id="unprivileged")]


def status_field(text: str, field: str) -> str:
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{field} missing from /proc/self/status")


@pytest.mark.parametrize("user", USERS)
def test_target_runs_with_no_new_privs_and_a_filter(user):
    result = run_pyjail("--", "cat", "/proc/self/status", user=user)
    assert result.returncode == 0, result.stderr
    assert status_field(result.stdout, "NoNewPrivs") == "1"
    assert status_field(result.stdout, "Seccomp") == "2"
    assert int(status_field(result.stdout, "Seccomp_filters")) >= 1


def test_root_target_has_an_empty_bounding_set():
    result = run_pyjail("--", "cat", "/proc/self/status")
    assert result.returncode == 0, result.stderr
    assert int(status_field(result.stdout, "CapBnd"), 16) == 0
    assert int(status_field(result.stdout, "CapEff"), 16) == 0


def test_profile_can_keep_a_capability(tmp_path):
    profile = tmp_path / "keep.toml"
    profile.write_text('include = ["default"]\n[capabilities]\nkeep = ["CAP_NET_BIND_SERVICE"]\n')
    result = run_pyjail("--profile", str(profile), "--", "cat", "/proc/self/status")
    assert result.returncode == 0, result.stderr
    assert int(status_field(result.stdout, "CapBnd"), 16) == 1 << 10


def _same_output(command, **kwargs):
    bare = subprocess.run(command, capture_output=True, text=True, **kwargs)
    jailed = subprocess.run(
        [PYJAIL, "--profile", "default", "--", *command], capture_output=True, text=True, **kwargs
    )
    assert jailed.returncode == bare.returncode, jailed.stderr
    assert jailed.stdout == bare.stdout
    return jailed


@pytest.mark.parametrize(
    "command",
    [
        ["ls", "-la", "/usr/share/doc/coreutils"],
        ["sh", "-c", "echo one two | tr a-z A-Z | sort | wc -c"],
        ["bash", "-c", "for i in 1 2 3; do echo $((i*i)); done; type cd"],
        ["sha256sum", "/etc/os-release"],
        ["/usr/bin/python3", "-c", "import json, hashlib; print(json.dumps({'h': hashlib.sha1(b'x').hexdigest()}))"],
        ["date", "-u", "-d", "@0"],
    ],
    ids=["ls", "sh-pipeline", "bash", "sha256sum", "python3", "date"],
)
def test_programs_give_the_same_output_under_default(command):
    _same_output(command)


def test_git_works_under_default(tmp_path):
    require("git")
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@e", GIT_CONFIG_NOSYSTEM="1", HOME=str(tmp_path))
    repo = tmp_path / "repo"
    for command in (["git", "init", "-q", str(repo)],
                    ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "first"]):
        result = run_pyjail("--", *command, env=env)
        assert result.returncode == 0, result.stderr
    _same_output(["git", "-C", str(repo), "log", "--format=%s"], env=env)


def test_curl_fetches_from_a_local_server_under_default(http_server):
    require("curl")
    result = _same_output(["curl", "-sS", f"{http_server}/probe.c"])
    assert "probe:" in result.stdout


@pytest.mark.parametrize("user", USERS)
def test_default_denies_mount_ptrace_io_uring_and_the_new_mount_api(probe, user):
    for name, expected in [
        ("mount", "mount errno EPERM"),
        ("ptrace", "ptrace errno EPERM"),
        ("io_uring", "io_uring_setup errno EPERM"),
        ("fsopen", "fsopen errno EPERM"),
        ("open_tree", "open_tree errno EPERM"),
        ("personality", "personality_no_aslr errno EPERM"),
    ]:
        result = run_pyjail("--profile", "default", "--", probe, name, user=user)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout


def test_default_stops_terminal_injection(probe):
    result = run_pyjail("--profile", "default", "--", probe, "tiocsti")
    assert "tiocsti errno EPERM" in result.stdout
    assert "tiocsti injected no" in result.stdout


def test_default_stops_terminal_injection_with_upper_bits_set(probe):
    # The kernel reads the request as 32 bits; 0x1_00005412 is TIOCSTI too.
    result = run_pyjail("--profile", "default", "--", probe, "tiocsti_high")
    assert "tiocsti_high errno EPERM" in result.stdout


@pytest.mark.parametrize("user", USERS)
def test_x32_syscall_kills_the_process(probe, user):
    result = run_pyjail("--profile", "default", "--", probe, "x32", user=user)
    assert result.returncode == 128 + signal.SIGSYS
    assert "x32" not in result.stdout


@pytest.mark.parametrize("user", USERS)
def test_i386_int80_mkdir_kills_the_process(probe, world_tmp, user):
    target = world_tmp / "made-by-int80"
    result = run_pyjail("--profile", "default", "--", probe, "int80", str(target), user=user)
    assert result.returncode == 128 + signal.SIGSYS
    assert not target.exists()


def test_int80_is_denied_too_when_the_profile_admits_i386(probe, tmp_path):
    profile = tmp_path / "i386.toml"
    profile.write_text(
        'include = ["default"]\n[seccomp]\narchitectures = ["native", "x86"]\ndeny = ["mkdir"]\n'
    )
    target = tmp_path / "made-by-int80"
    result = run_pyjail("--profile", str(profile), "--", probe, "int80", str(target))
    assert "int80_mkdir errno EPERM" in result.stdout
    assert not target.exists()
    assert "libseccomp cannot filter open_tree_attr on x86" in result.stderr


@pytest.mark.parametrize("user", USERS)
def test_strict_runs_python_and_threads(probe, user):
    result = run_pyjail("--profile", "strict", "--", "/usr/bin/python3", "-c", "print(sum(range(10)))", user=user)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "45\n"
    result = run_pyjail("--profile", "strict", "--", probe, "thread", user=user)
    assert "pthread_create ok" in result.stdout


@pytest.mark.parametrize("user", USERS)
def test_strict_refuses_inet_sockets_and_answers_enosys(probe, user):
    expectations = {
        "inet": "socket_inet errno EAFNOSUPPORT",
        "unix": "socket_unix ok",
        "unknown": "unknown_syscall errno ENOSYS",
        "above_table": "above_table errno ENOSYS",
        "mount": "mount errno ENOSYS",
        "ptrace": "ptrace errno EPERM",
    }
    for name, expected in expectations.items():
        result = run_pyjail("--profile", "strict", "--", probe, name, user=user)
        assert expected in result.stdout, (name, result.stdout, result.stderr)


def test_strict_python_cannot_open_an_inet_socket():
    code = "import socket\ntry:\n socket.socket()\nexcept OSError as e: print(e.errno)"
    result = run_pyjail("--profile", "strict", "--", "/usr/bin/python3", "-c", code)
    assert result.stdout.strip() == str(97)  # EAFNOSUPPORT


def test_numbers_above_the_table_answer_enosys_when_the_default_is_eperm(probe, tmp_path):
    profile = tmp_path / "eperm.toml"
    profile.write_text('include = ["strict"]\n[seccomp]\ndefault_action = "errno:EPERM"\n')
    result = run_pyjail("--profile", str(profile), "--", probe, "above_table")
    assert "above_table errno ENOSYS" in result.stdout
    result = run_pyjail("--profile", str(profile), "--", probe, "mount")
    assert "mount errno EPERM" in result.stdout


@pytest.mark.parametrize("user", USERS)
def test_exit_codes(user):
    assert run_pyjail("--", "sh", "-c", "exit 7", user=user).returncode == 7
    assert run_pyjail("--", "sh", "-c", "kill -9 $$", user=user).returncode == 137
    missing = run_pyjail("--", "no-such-program-pyjail", user=user)
    assert missing.returncode == 127
    assert missing.stderr == "pyjail: no-such-program-pyjail: command not found\n"


def test_a_file_that_cannot_be_executed_gives_126(tmp_path):
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\necho hi\n")
    result = run_pyjail("--", str(script))
    assert result.returncode == 126
    assert result.stderr.startswith("pyjail: ")
    assert "Traceback" not in result.stderr


def test_sigterm_sent_to_pyjail_reaches_the_target(tmp_path):
    marker = tmp_path / "got-term"
    script = f"trap 'echo term > {marker}; exit 3' TERM; echo ready; while :; do sleep 0.05; done"
    process = subprocess.Popen([PYJAIL, "--", "sh", "-c", script], stdout=subprocess.PIPE, text=True)
    with process.stdout:
        assert process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 3
    assert marker.read_text() == "term\n"


def test_target_dies_when_pyjail_is_killed(tmp_path):
    # $$ would be the pid inside the sandbox's PID namespace: find the
    # target from outside by its unique command line instead.
    command = ["sleep", f"60.{os.getpid()}"]
    process = subprocess.Popen([PYJAIL, "--", *command])
    target = find_process(command)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 5
    while _alive(target):
        assert time.monotonic() < deadline, "the target outlived pyjail"
        time.sleep(0.02)


def find_process(command: list[str], timeout: float = 10) -> int:
    """The host pid of the one process running exactly `command`."""
    wanted = ("\0".join(command) + "\0").encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if entry.isdigit() and handle.read() == wanted:
                        return int(entry)
            except OSError:
                continue
        time.sleep(0.02)
    raise AssertionError(f"{command} never started")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_print_filter_shows_the_compiled_rules():
    result = run_pyjail("--print-filter", "--profile", "default", "--", "true")
    assert result.returncode == 0, result.stderr
    assert "pseudo filter code" in result.stdout
    assert "ERRNO(1)" in result.stdout


def test_debug_lists_each_step():
    result = run_pyjail("--debug", "--", "true")
    assert result.returncode == 0
    for step in ("capabilities", "no_new_privs", "seccomp"):
        assert f"pyjail: debug: {step}:" in result.stderr


def test_python_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "jail", "--", "sh", "-c", "exit 5"])
    assert result.returncode == 5


def test_interactive_shell_on_a_terminal():
    """bash -i on a pseudo-terminal reads a command and answers."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:
        os.execv(PYJAIL, [PYJAIL, "--", "bash", "--norc", "-i"])
    os.write(fd, b"echo $((6*7))\nexit 4\n")
    output = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert b"42" in output
    assert os.waitstatus_to_exitcode(status) == 4


def test_no_pyjail_descriptor_leaks_into_the_target():
    """Only stdin, stdout and stderr reach the target (ls adds its own)."""
    result = subprocess.run(
        [PYJAIL, "--", "ls", "/proc/self/fd"], capture_output=True, text=True, close_fds=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "1", "2", "3"]
