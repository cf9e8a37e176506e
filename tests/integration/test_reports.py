"""Denial reports, --log, --audit and `pyjail build`, with real programs.

Every check looks at what the program itself got (the errno, its death)
as well as at what pyjail said about it: a report that the sandbox did not
back up, or a sandbox that said nothing, both fail here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import HELPERS, UNPRIVILEGED_UID, _compile, require, run_pyjail

USERS = [pytest.param(None, id="root"), pytest.param(UNPRIVILEGED_UID, id="unprivileged")]


@pytest.fixture(scope="module")
def shared_dir():
    """Outside /tmp, which the default profile replaces with a private one."""
    import tempfile

    os.makedirs("/srv", exist_ok=True)
    directory = tempfile.mkdtemp(prefix="pyjail-reports-", dir="/srv")
    os.chmod(directory, 0o755)
    yield directory
    subprocess.run(["rm", "-rf", directory], check=False)


@pytest.fixture(scope="module")
def denied(shared_dir) -> str:
    return _compile(str(HELPERS / "denied.c"), os.path.join(shared_dir, "denied"))


@pytest.fixture(scope="module")
def denied_static(shared_dir) -> str:
    """The same helper without the dynamic loader, which needs close()."""
    output = os.path.join(shared_dir, "denied-static")
    subprocess.run(["gcc", "-O1", "-static", "-o", output, str(HELPERS / "denied.c")], check=True)
    return output


def _profile(directory: str, name: str, text: str) -> str:
    path = os.path.join(directory, name)
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o644)
    return path


ERRNOS_PROFILE = """include = ["default"]
[[seccomp.rules]]
syscalls = ["socket"]
action = "errno:EACCES"
when = ["arg0 == AF_INET"]
"""


def _report_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("pyjail: denied ")]


@pytest.mark.parametrize("user", USERS)
def test_each_denied_call_gets_its_errno_and_one_report_line(denied, shared_dir, user):
    profile = _profile(shared_dir, "errnos.toml", ERRNOS_PROFILE)
    result = run_pyjail("--profile", profile, "--", denied, "ptrace", "mount", "inet", "again", user=user)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ptrace errno EPERM", "mount errno EPERM", "socket errno EACCES",
    ] * 2
    lines = _report_lines(result.stderr)
    assert len(lines) == 3, result.stderr
    ptrace, mount, socket = lines
    assert ptrace.startswith("pyjail: denied ptrace(PTRACE_ATTACH, ...) in pid ")
    assert f"({denied}): profile errnos.toml, rule deny @debug -> EPERM" in ptrace
    assert "mount(" in mount and "rule deny @mount -> EPERM" in mount
    assert "socket(AF_INET, ...)" in socket and "rule [seccomp].rules[" in socket and socket.endswith("-> EACCES")


def test_the_json_log_has_the_same_events(denied, shared_dir):
    profile = _profile(shared_dir, "errnos.toml", ERRNOS_PROFILE)
    log = os.path.join(shared_dir, "events.json")
    result = run_pyjail("--log", log, "--profile", profile, "--", denied, "ptrace", "mount", "inet")
    assert result.returncode == 0, result.stderr
    with open(log) as handle:
        events = [json.loads(line) for line in handle]
    assert [e["syscall"] for e in events] == ["ptrace", "mount", "socket"]
    assert [e["action"] for e in events] == ["errno:EPERM", "errno:EPERM", "errno:EACCES"]
    ptrace = events[0]
    assert ptrace["executable"] == denied and ptrace["arch"] == "x86_64"
    assert ptrace["number"] == 101 and ptrace["args"][0] == 16  # PTRACE_ATTACH
    assert ptrace["profile"] == "errnos.toml" and ptrace["rule"] == "deny @debug"
    assert {"time", "pid"} <= set(ptrace)


def test_quiet_silences_stderr_but_not_the_log(denied, shared_dir):
    log = os.path.join(shared_dir, "quiet.json")
    result = run_pyjail("--quiet", "--log", log, "--profile", "default", "--", denied, "ptrace")
    assert result.stdout == "ptrace errno EPERM\n"
    assert result.stderr == ""
    with open(log) as handle:
        assert [json.loads(line)["syscall"] for line in handle] == ["ptrace"]


def test_quiet_alone_still_denies(denied):
    result = run_pyjail("--quiet", "--profile", "default", "--", denied, "ptrace", "mount")
    assert result.stdout == "ptrace errno EPERM\nmount errno EPERM\n"
    assert result.stderr == ""


@pytest.mark.parametrize("user", USERS)
def test_a_kill_rule_kills_and_pyjail_names_the_call(denied, shared_dir, user):
    profile = _profile(
        shared_dir,
        "kill.toml",
        'include = ["default"]\n[[seccomp.rules]]\nsyscalls = ["socket"]\naction = "kill-process"\n',
    )
    result = run_pyjail("--profile", profile, "--", denied, "ptrace", "inet", "unix", user=user)
    assert result.returncode == 128 + signal.SIGSYS
    assert result.stdout == "ptrace errno EPERM\n"  # nothing after the fatal call ran
    lines = _report_lines(result.stderr)
    assert any("socket(AF_INET, ...)" in line and line.endswith("-> kill-process") for line in lines), result.stderr


@pytest.fixture(scope="module")
def probe_binary(shared_dir) -> str:
    return _compile(str(HELPERS / "probe.c"), os.path.join(shared_dir, "probe"))


@pytest.mark.parametrize("profile", ["default", "strict"])
@pytest.mark.parametrize("user", USERS)
def test_an_i386_call_is_killed_and_reported_as_an_abi_not_admitted(probe_binary, shared_dir, profile, user):
    target = os.path.join(shared_dir, f"int80-{profile}-{user}")
    result = run_pyjail("--profile", profile, "--", probe_binary, "int80", target, user=user)
    assert result.returncode == 128 + signal.SIGSYS, result.stderr
    assert result.stdout == "" and not os.path.exists(target)  # mkdir never ran
    lines = _report_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pyjail: denied mkdir(...) (i386 ABI) in pid ")
    assert lines[0].endswith(
        f"({probe_binary}): profile {profile}.toml, "
        "architecture x86 not admitted ([seccomp].architectures) -> kill-process"
    )


@pytest.mark.parametrize("profile", ["default", "strict"])
def test_an_x32_call_is_named_by_its_own_name(probe_binary, shared_dir, profile):
    log = os.path.join(shared_dir, f"x32-{profile}.json")
    result = run_pyjail("--log", log, "--profile", profile, "--", probe_binary, "x32")
    assert result.returncode == 128 + signal.SIGSYS, result.stderr
    assert result.stdout == ""  # getpid would have printed "x32 ok"
    lines = _report_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("pyjail: denied getpid(...) (x32 ABI) in pid "), result.stderr
    assert lines[0].endswith(
        f"profile {profile}.toml, architecture x32 not admitted ([seccomp].architectures) -> kill-process"
    )
    with open(log) as handle:
        (event,) = [json.loads(line) for line in handle]
    assert (event["syscall"], event["arch"], event["number"]) == ("getpid", "x32", 0x40000000 | 39)
    assert event["rule"] == "architecture x32 not admitted ([seccomp].architectures)"


LOCAL_RULES = """[seccomp]
deny = ["userfaultfd"]

[[seccomp.rules]]
syscalls = ["socket"]
action = "errno:EACCES"
when = ["arg0 == AF_INET"]

[[seccomp.rules]]
syscalls = ["mount"]
action = "errno:ENOSYS"
"""


def test_a_rule_from_a_local_file_is_reported_with_that_file(denied, shared_dir):
    # A .local.toml is read from the profile directories only: the user's here.
    config = os.path.join(shared_dir, "xdg-config")
    site = os.path.join(config, "pyjail", "profiles")
    os.makedirs(site, exist_ok=True)
    os.chmod(site, 0o755)
    env = dict(os.environ, XDG_CONFIG_HOME=config)
    profile = _profile(site, "app.toml", 'include = ["default"]\n')
    _profile(site, "app.local.toml", LOCAL_RULES)
    log = os.path.join(shared_dir, "local.json")
    result = run_pyjail(
        "--log", log, "--profile", profile, "--", denied, "inet", "mount", "ptrace", env=env
    )
    assert result.stdout.splitlines() == ["socket errno EACCES", "mount errno ENOSYS", "ptrace errno EPERM"]
    socket, mount, ptrace = _report_lines(result.stderr)
    assert socket.endswith(
        "profile app.toml, rule [seccomp].rules[0] in app.local.toml (socket when arg0 == 0x2) -> EACCES"
    )
    assert mount.endswith("profile app.toml, rule [seccomp].rules[1] in app.local.toml -> ENOSYS")
    assert ptrace.endswith("profile app.toml, rule deny @debug -> EPERM")
    with open(log) as handle:
        events = [json.loads(line) for line in handle]
    assert [(e["profile"], e["rule"]) for e in events] == [
        ("app.toml", "[seccomp].rules[0] in app.local.toml (socket when arg0 == 0x2)"),
        ("app.toml", "[seccomp].rules[1] in app.local.toml"),
        ("app.toml", "deny @debug"),
    ]

    # The audit summary still reads the rule, and says to change it, not to allow the call.
    audit = run_pyjail("--audit", "--profile", profile, "--", denied, "mount", env=env)
    assert audit.stdout == "mount errno ENOENT\n"  # let through: the target path does not exist
    assert "# mount: [seccomp].rules[1] denies this call: narrow or remove that rule" in audit.stderr
    assert 'allow = ["mount"]' not in audit.stderr


def test_a_rule_of_the_profile_itself_is_shown_without_a_file(denied, shared_dir):
    profile = _profile(shared_dir, "own.toml", 'include = ["default"]\n' + LOCAL_RULES)
    result = run_pyjail("--profile", profile, "--", denied, "mount")
    assert result.stdout == "mount errno ENOSYS\n"
    assert _report_lines(result.stderr)[0].endswith("profile own.toml, rule [seccomp].rules[1] -> ENOSYS")


def test_denying_the_handover_calls_does_not_deadlock(denied_static, shared_dir):
    profile = _profile(
        shared_dir,
        "handover.toml",
        'include = ["default"]\n[seccomp]\ndeny = ["sendmsg", "close", "recvmsg"]\n',
    )
    result = run_pyjail("--profile", profile, "--", denied_static, "ptrace", "close", timeout=20)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ptrace errno EPERM\nclose errno EPERM\n"
    assert any(line.startswith("pyjail: denied close(") for line in _report_lines(result.stderr))
    assert any(line.startswith("pyjail: denied ptrace(") for line in _report_lines(result.stderr))


def test_a_denied_read_during_the_handover_is_answered_too(shared_dir):
    profile = _profile(shared_dir, "noread.toml", 'include = ["default"]\n[seccomp]\ndeny = ["read"]\n')
    result = run_pyjail("--profile", profile, "--", "true", timeout=20)
    # The dynamic loader cannot read libc: the program fails, pyjail does not hang.
    assert result.returncode == 127
    assert "denied read(" in result.stderr


def test_the_target_does_not_keep_the_listener(shared_dir):
    result = run_pyjail("--profile", "default", "--", "ls", "-l", "/proc/self/fd/")
    assert result.returncode == 0, result.stderr
    assert "seccomp" not in result.stdout


def test_allowed_conditional_calls_are_not_reported(denied):
    result = run_pyjail("--profile", "strict", "--", denied, "unix", "inet")
    assert result.stdout == "socket_unix ok\nsocket errno EAFNOSUPPORT\n"
    lines = _report_lines(result.stderr)
    assert len(lines) == 1 and "socket(AF_INET, ...)" in lines[0]


ORDINARY_PYTHON = """\
import os, shutil, subprocess, sys
work = sys.argv[1]
with open(os.path.join(work, "in"), "wb") as handle:
    handle.write(b"x" * 100000)
shutil.copyfile(os.path.join(work, "in"), os.path.join(work, "out"))  # sendfile
print("copied", os.path.getsize(os.path.join(work, "out")))
os.setpgid(0, 0)
print("own group", os.getpgrp() == os.getpid() == os.getpgid(0))
child = os.fork()
if child == 0:
    os.setsid()
    os._exit(0 if os.getsid(0) == os.getpid() == os.getpgrp() else 1)
print("setsid child", os.waitpid(child, 0)[1])
print(subprocess.run(["sort"], input=b"b\\na\\n", capture_output=True).stdout.split())
"""


@pytest.mark.parametrize("user", USERS)
def test_strict_runs_ordinary_programs_without_a_denial_line(shared_dir, world_tmp, user):
    """cat, a pipeline, python3 and an interactive bash under strict: no noise."""
    script = _profile(shared_dir, "ordinary.py", ORDINARY_PYTHON)
    work = world_tmp / "work"
    work.mkdir()
    work.chmod(0o777)
    out = work / "copy"
    runs = {
        "cat": (["cat", "/etc/os-release"], None),
        "cat to a file": (["sh", "-c", f"cat /etc/os-release > {out}; wc -c < {out}"], None),
        "pipeline": (["sh", "-c", "ls / | sort | head -3"], None),
        "python3": (["python3", script, str(work)], None),
        "bash -i": (["bash", "-i", "-c", "sleep 0 & wait; echo jobs done"], ""),
    }
    for label, (command, stdin) in runs.items():
        result = run_pyjail("--profile", "strict", "--", *command, user=user, input=stdin)
        assert result.returncode == 0, (label, result.stderr)
        assert [line for line in result.stderr.splitlines() if line.startswith("pyjail: ")] == [], label
        if label == "cat to a file":
            assert result.stdout.strip() == str(os.path.getsize("/etc/os-release"))
        if label == "python3":
            assert result.stdout.splitlines() == [
                "copied 100000", "own group True", "setsid child 0", "[b'a', b'b']",
            ]
        if label == "bash -i":
            assert result.stdout.strip().endswith("jobs done")


def test_strict_still_refuses_chown(world_tmp):
    target = world_tmp / "owned"
    target.write_text("x")
    result = run_pyjail("--profile", "strict", "--", "chown", "1:1", str(target))
    assert result.returncode != 0
    assert "denied fchownat(" in result.stderr
    assert os.stat(target).st_uid == 0


def test_audit_lets_curl_download_and_lists_what_to_allow(http_server):
    require("curl")
    result = run_pyjail("--audit", "--profile", "strict", "--", "curl", "-sS", f"{http_server}/denied.c")
    assert result.returncode == 0, result.stderr
    assert "denied:" in result.stdout  # the file really came through
    assert "pyjail: audit: strict.toml would have denied" in result.stderr
    assert any(" socket " in line for line in result.stderr.splitlines() if line.startswith("pyjail: audit: ")), result.stderr
    assert "[seccomp]" in result.stderr.splitlines()
    assert 'add "arg0 == AF_INET" to its unless list' in result.stderr


def test_audit_exits_with_the_program_status():
    result = run_pyjail("--audit", "--profile", "default", "--", "sh", "-c", "exit 7")
    assert result.returncode == 7
    assert "would have denied nothing" in result.stderr


BUILD_CODE = (
    "import json, sqlite3\n"
    "c = sqlite3.connect(':memory:')\n"
    "c.execute('create table t(x)')\n"
    "c.execute('insert into t values (?)', (json.dumps([1, 2]),))\n"
    "print(c.execute('select x from t').fetchone()[0])\n"
)
PTRACE_CODE = (
    "import ctypes\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "print('ptrace', libc.ptrace(16, 1, 0, 0), ctypes.get_errno())\n"
)


def test_build_writes_a_profile_that_runs_the_program_and_nothing_more(shared_dir):
    output = os.path.join(shared_dir, "built.toml")
    result = run_pyjail("build", "-o", output, "--", "python3", "-c", BUILD_CODE)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[1, 2]\n"
    text = Path(output).read_text()
    assert 'default_action = "errno:ENOSYS"' in text and '"openat"' in text and '"ptrace"' not in text
    os.chmod(output, 0o644)

    again = run_pyjail("--profile", output, "--", "python3", "-c", BUILD_CODE)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "[1, 2]\n"
    assert _report_lines(again.stderr) == []

    unseen = run_pyjail("--profile", output, "--", "python3", "-c", BUILD_CODE + PTRACE_CODE)
    # Denied: the built profile includes default, whose deny list answers EPERM.
    assert unseen.stdout.splitlines()[-1] == "ptrace -1 1"
    assert any(line.startswith("pyjail: denied ptrace(PTRACE_ATTACH") for line in _report_lines(unseen.stderr))


def test_build_follows_child_processes(shared_dir):
    output = os.path.join(shared_dir, "children.toml")
    result = run_pyjail("build", "-o", output, "--", "sh", "-c", "true; ls / >/dev/null; exit 3")
    assert result.returncode == 3, result.stderr
    text = Path(output).read_text()
    assert '"getdents64"' in text  # only ls, a child of sh, lists a directory
