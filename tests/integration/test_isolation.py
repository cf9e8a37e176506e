"""Isolation, checked from inside the target: namespaces, the private view of
the file system, Landlock, limits and the PID 1 init, as root and as an
ordinary uid. Every check has a run that shows the thing is really there to
be hidden or refused, so none of them passes with the sandbox switched off."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import HELPERS, PYJAIL, UNPRIVILEGED_UID, as_user, run_pyjail

USERS = [
    pytest.param(None, id="root"),
    pytest.param(UNPRIVILEGED_UID, id="unprivileged"),
]
PYTHON = "/usr/bin/python3"
# Tries to open PATH for writing; prints "ok" or the errno name.
FAILED = "\nexcept OSError as e: print(errno.errorcode[e.errno])"
WRITE = (
    "import errno, sys\ntry:\n open(sys.argv[1], 'w').write('x'); print('ok')" + FAILED
)
READ = "import errno, sys\ntry:\n print(open(sys.argv[1]).read().strip())" + FAILED
LIST = "import errno, os, sys\ntry:\n print(sorted(os.listdir(sys.argv[1])))" + FAILED


def owned_by(path: Path, user) -> None:
    """Give the tree to the uid under test, so plain permissions allow it."""
    if user is None:
        return
    for root, dirs, files in os.walk(path):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.lchown(name, user, user)


def unique_command(tag: str) -> list[str]:
    return ["sleep", f"{30 + (os.getpid() % 1000) / 1000 + len(tag) / 100000:.6f}"]


def processes_running(command: list[str]) -> list[int]:
    wanted = ("\0".join(command) + "\0").encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if handle.read() == wanted:
                    found.append(int(entry))
        except OSError:
            continue
    return found


def wait_for(condition, timeout: float = 10, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


# --- Namespaces -----------------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_namespaces_differ_from_the_host(user):
    kinds = ("pid", "net", "mnt", "ipc", "uts")
    script = "; ".join(f"readlink /proc/self/ns/{kind}" for kind in kinds)
    result = run_pyjail("--net=none", "--", "sh", "-c", script, user=user)
    assert result.returncode == 0, result.stderr
    inside = result.stdout.split()
    outside = [os.readlink(f"/proc/self/ns/{kind}") for kind in kinds]
    assert len(inside) == len(kinds)
    for kind, here, there in zip(kinds, outside, inside):
        assert here != there, f"{kind} namespace is the host's"


@pytest.mark.parametrize("user", USERS)
def test_ps_lists_only_the_sandbox(user):
    result = run_pyjail("--", "ps", "-e", "-o", "pid=,comm=", user=user)
    assert result.returncode == 0, result.stderr
    rows = [line.split(None, 1) for line in result.stdout.strip().splitlines()]
    # PID 1 (pyjail's init) and ps itself; the host has hundreds.
    assert [pid for pid, _ in rows] == ["1", "2"], result.stdout
    assert rows[1][1] == "ps"
    assert len(os.listdir("/proc")) > 10  # the host does have other processes


@pytest.mark.parametrize("user", USERS)
def test_hostname_is_the_one_given(user):
    result = run_pyjail("--hostname=jailed-box", "--", "hostname", user=user)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "jailed-box\n"
    assert socket.gethostname() != "jailed-box"


@pytest.mark.parametrize("user", USERS)
def test_net_none_cannot_reach_a_host_server_but_has_loopback(http_server, user):
    port = int(http_server.rsplit(":", 1)[1])
    code = (
        "import socket, errno\n"
        f"try:\n socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
        " print('host reached')\n"
        "except OSError as e: print('host', errno.errorcode.get(e.errno, e))\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "c = socket.create_connection(s.getsockname()); a, _ = s.accept()\n"
        "c.sendall(b'ping'); print('loopback', a.recv(4).decode())\n"
    )
    shared = run_pyjail("--", PYTHON, "-c", code, user=user)
    assert "host reached" in shared.stdout, shared.stderr  # the server is there
    result = run_pyjail("--net=none", "--", PYTHON, "-c", code, user=user)
    assert result.returncode == 0, result.stderr
    assert "host ECONNREFUSED" in result.stdout
    assert "loopback ping" in result.stdout


def test_user_namespaces_switched_off_gives_one_clear_line(world_tmp):
    marker = world_tmp / "ran"
    helper = [sys.executable, str(HELPERS / "userns_switched_off.py")]
    result = subprocess.run(
        [*helper, PYJAIL, "--", "sh", "-c", f"echo ran > {marker}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 125
    assert result.stderr == (
        "pyjail: default: user namespace: switched off by user.max_user_namespaces = 0 "
        "(change it with sysctl to allow them, or run without namespaces on purpose: "
        "--no-namespaces, or [namespaces].enabled = false)\n"
    )
    assert not marker.exists()
    # Asked for on purpose, the program runs without namespaces.
    allowed = subprocess.run(
        [*helper, PYJAIL, "--no-namespaces", "--", "sh", "-c", f"echo ran > {marker}"]
    )
    assert allowed.returncode == 0
    assert marker.read_text() == "ran\n"


def test_user_namespaces_switched_off_on_the_host_by_sysctl(world_tmp):
    """The same with the host's own setting, set and restored by the test.

    The setting is global for a moment: other runs on this machine that
    need a user namespace in that moment fail, so it is kept short.
    """
    marker = world_tmp / "ran"
    setting = Path("/proc/sys/user/max_user_namespaces")
    saved = setting.read_text()
    try:
        setting.write_text(saved)
    except PermissionError:
        pytest.skip(
            "this machine does not let root change user.max_user_namespaces; "
            "the test above switches it off in a namespace of its own"
        )
    try:
        setting.write_text("0\n")
        result = run_pyjail("--", "sh", "-c", f"echo ran > {marker}", user=UNPRIVILEGED_UID)
    finally:
        setting.write_text(saved)
    assert result.returncode == 125
    assert result.stderr.startswith(
        "pyjail: default: user namespace: switched off by user.max_user_namespaces = 0"
    )
    assert len(result.stderr.splitlines()) == 1
    assert not marker.exists()


# --- File-system view -----------------------------------------------------


@pytest.mark.parametrize("user", USERS)
def test_private_tmp_hides_the_hosts_tmp_and_forgets_its_own(user):
    outside = Path(f"/tmp/pyjail-visible-{os.getpid()}")
    inside = Path(f"/tmp/pyjail-written-inside-{os.getpid()}")
    outside.write_text("host file\n")
    try:
        script = f"ls -a /tmp; echo made > {inside}; cat {inside}"
        bare = run_pyjail(
            "--no-private-tmp", "--", "sh", "-c", f"ls /tmp; rm -f {inside}", user=user
        )
        assert outside.name in bare.stdout  # visible without private-tmp
        result = run_pyjail("--private-tmp", "--", "sh", "-c", script, user=user)
        assert result.returncode == 0, result.stderr
        assert outside.name not in result.stdout
        assert "made" in result.stdout
        assert not inside.exists()
    finally:
        outside.unlink()


@pytest.mark.parametrize("user", USERS)
def test_private_dev_has_only_the_harmless_devices(user):
    result = run_pyjail(
        "--private-dev",
        "--",
        "sh",
        "-c",
        "ls /dev; echo x > /dev/null && echo null-ok",
        user=user,
    )
    assert result.returncode == 0, result.stderr
    names = set(result.stdout.split())
    assert {
        "null",
        "zero",
        "full",
        "random",
        "urandom",
        "tty",
        "pts",
        "ptmx",
        "shm",
        "null-ok",
    } <= names
    assert not names & {"vda", "mem", "kmsg", "loop0", "console"}
    assert len(os.listdir("/dev")) > len(names)


def make_home(base: Path, user) -> Path:
    home = base / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_test").write_text("secret key\n")
    (home / "notes").write_text("plain\n")
    (base / "rw").mkdir()
    os.symlink(home / ".ssh" / "id_test", base / "rw" / "key-link")
    os.symlink(home / ".ssh", base / "rw" / "dir-link")
    owned_by(base, user)
    for path in (base, home):
        path.chmod(0o755)
    return home


@pytest.mark.parametrize("mode", ["mount", "landlock"])
@pytest.mark.parametrize("user", USERS)
def test_hidden_ssh_key_cannot_be_read_or_listed_even_through_a_symlink(
    world_tmp, user, mode
):
    home = make_home(world_tmp, user)
    env = dict(os.environ, HOME=str(home))
    key, link, dir_link = (
        home / ".ssh" / "id_test",
        world_tmp / "rw" / "key-link",
        world_tmp / "rw" / "dir-link",
    )
    extra = ["--no-namespaces"] if mode == "landlock" else []
    script = (
        f'{PYTHON} -c "$READ" {key}; {PYTHON} -c "$LIST" {home}/.ssh; '
        f'{PYTHON} -c "$READ" {link}; {PYTHON} -c "$LIST" {dir_link}; '
        f'{PYTHON} -c "$READ" {home}/notes'
    )
    env.update(READ=READ, LIST=LIST)

    revealed = world_tmp / "reveal.toml"
    revealed.write_text('include = ["default"]\n[filesystem]\nreveal = ["~/.ssh"]\n')
    control = run_pyjail(
        "--profile", str(revealed), *extra, "--", "sh", "-c", script, env=env, user=user
    )
    assert control.stdout.count("secret key") == 2, (
        control.stderr
    )  # readable when not hidden

    result = run_pyjail(*extra, "--", "sh", "-c", script, env=env, user=user)
    assert result.returncode == 0, result.stderr
    assert "secret key" not in result.stdout
    assert "id_test" not in result.stdout
    if mode == "mount":
        assert "plain" in result.stdout  # the rest of home is untouched
        assert result.stdout.count("EACCES") + result.stdout.count("[]") == 4, (
            result.stdout
        )
    else:
        assert result.stdout.count("EACCES") >= 4, result.stdout


@pytest.mark.parametrize("mode", ["mount", "landlock"])
@pytest.mark.parametrize("user", USERS)
def test_read_only_tree_with_a_read_write_exception(world_tmp, user, mode):
    tree = world_tmp / "tree"
    (tree / "writable").mkdir(parents=True)
    owned_by(world_tmp, user)
    extra = ["--no-namespaces"] if mode == "landlock" else []
    script = (
        f'{PYTHON} -c "$WRITE" {tree}/file; {PYTHON} -c "$WRITE" {tree}/writable/file'
    )
    env = dict(os.environ, WRITE=WRITE)

    control = run_pyjail(*extra, "--", "sh", "-c", script, env=env, user=user)
    assert control.stdout == "ok\nok\n", control.stderr
    (tree / "file").unlink()
    (tree / "writable" / "file").unlink()

    result = run_pyjail(
        *extra,
        f"--read-only={tree}",
        f"--read-write={tree}/writable",
        "--",
        "sh",
        "-c",
        script,
        env=env,
        user=user,
    )
    assert result.returncode == 0, result.stderr
    refused = "EROFS" if mode == "mount" else "EACCES"
    assert result.stdout == f"{refused}\nok\n"
    assert not (tree / "file").exists()
    assert (tree / "writable" / "file").read_text() == "x"


def test_paths_expand_home_variables(world_tmp):
    home = make_home(world_tmp, None)
    profile = world_tmp / "vars.toml"
    profile.write_text(
        'include = ["default"]\n[filesystem]\n'
        'reveal = ["~/.ssh"]\nhide = ["${HOME}/notes"]\n'
    )
    env = dict(os.environ, HOME=str(home))
    result = run_pyjail(
        "--profile",
        str(profile),
        "--",
        PYTHON,
        "-c",
        READ,
        str(home / "notes"),
        env=env,
    )
    assert result.stdout == "EACCES\n"


def test_private_home_keeps_only_the_listed_paths(world_tmp):
    home = make_home(world_tmp, None)
    (home / "keep").mkdir()
    (home / "keep" / "data").write_text("kept\n")
    profile = world_tmp / "home.toml"
    profile.write_text(
        'include = ["default"]\n[filesystem]\n'
        'private_home = true\nhome_keep = ["~/keep"]\n'
    )
    env = dict(os.environ, HOME=str(home))
    result = run_pyjail(
        "--profile",
        str(profile),
        "--",
        "sh",
        "-c",
        f"ls -A {home}; cat {home}/keep/data",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "keep\nkept\n"


# --- Limits and the sandbox's processes --------------------------------------


def test_nproc_limit_stops_a_fork_loop():
    code = (
        "import os, time\n"
        "made = 0\n"
        "for _ in range(60):\n"
        "    try:\n        pid = os.fork()\n"
        "    except BlockingIOError:\n        print('EAGAIN after', made); break\n"
        "    if pid == 0:\n        time.sleep(2); os._exit(0)\n"
        "    made += 1\n"
        "else:\n    print('no limit', made)\n"
    )
    free = run_pyjail("--", PYTHON, "-c", code, user=UNPRIVILEGED_UID)
    assert "no limit 60" in free.stdout, free.stderr
    result = run_pyjail(
        "--rlimit-nproc=10", "--", PYTHON, "-c", code, user=UNPRIVILEGED_UID
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("EAGAIN after")
    assert int(result.stdout.split()[-1]) < 10


@pytest.mark.parametrize(
    "namespaces", [[], ["--no-namespaces"]], ids=["pid-namespace", "no-namespaces"]
)
def test_timeout_kills_the_whole_sandbox_with_124(namespaces):
    background, main = unique_command("background"), unique_command("main")
    script = f"{' '.join(background)} & exec {' '.join(main)}"
    started = time.monotonic()
    result = run_pyjail(*namespaces, "--timeout", "1", "--", "sh", "-c", script)
    assert result.returncode == 124, result.stderr
    assert time.monotonic() - started < 10
    assert processes_running(background) == []
    assert processes_running(main) == []


@pytest.mark.parametrize(
    "namespaces", [[], ["--no-namespaces"]], ids=["pid-namespace", "no-namespaces"]
)
def test_timeout_still_ends_with_124_when_pyjail_was_stopped_past_it(namespaces):
    """^Z, then fg after the deadline (before PID 1's own, later one): pyjail
    wakes from an interrupted wait past its deadline and kills as usual."""
    main = unique_command("main")
    process = subprocess.Popen(
        [PYJAIL, *namespaces, "--timeout", "1", "--", *main],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(0.3)
    process.send_signal(signal.SIGSTOP)
    time.sleep(1.5)
    process.send_signal(signal.SIGCONT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 124, stderr
    assert "Traceback" not in stderr
    assert processes_running(main) == []


def _run_in_own_session(args: list[str], timeout: float, while_running=lambda: None):
    """pyjail in a session of its own, so that the test runner is not in the
    process group the target stops; never left stopped. (code, stderr)"""
    process = subprocess.Popen(
        [PYJAIL, *args], stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        while_running()
        _, stderr = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
    return process.returncode, stderr


def test_a_target_that_stops_pyjail_still_dies_at_the_timeout():
    """The target stops its whole process group, pyjail included, after
    starting a detached child: PID 1, which nothing inside can stop, ends
    the sandbox at the deadline anyway, and wakes pyjail to say so."""
    detached = unique_command("detached")
    script = f"(setsid {' '.join(detached)} &); sleep 0.3; kill -STOP 0"

    def detached_child_started():
        time.sleep(1.2)
        assert processes_running(detached) != []

    code, stderr = _run_in_own_session(
        ["--timeout", "2", "--", "sh", "-c", script], 8, detached_child_started
    )
    assert code == 124, stderr
    assert processes_running(detached) == []


def test_a_target_that_stops_pyjail_and_then_exits_does_not_leave_it_stopped():
    # Stops its whole group, pyjail included; a helper outside the group
    # wakes the target alone, which then exits.
    script = '(setsid sh -c "sleep 1; kill -CONT $$" &); sleep 0.3; kill -STOP 0; exit 3'
    code, stderr = _run_in_own_session(["--", "sh", "-c", script], 10)
    assert code == 3, stderr


def test_orphaned_grandchild_is_reaped():
    # The subshell exits at once; its sleep becomes PID 1's child, then exits.
    script = "(sleep 0.2 &); sleep 1; ps -e -o stat=,comm="
    result = run_pyjail("--", "sh", "-c", script)
    assert result.returncode == 0, result.stderr
    states = result.stdout.split()
    assert not any(state.startswith("Z") for state in states[::2]), result.stdout


def test_sigterm_to_pyjail_reaches_the_target_and_exits_143(world_tmp):
    marker = world_tmp / "got-term"
    script = (
        f"trap 'echo term > {marker}; trap - TERM; kill -TERM $$' TERM; echo ready; "
        "while :; do sleep 0.05; done"
    )
    process = subprocess.Popen(
        [PYJAIL, "--", "sh", "-c", script], stdout=subprocess.PIPE, text=True
    )
    with process.stdout:
        assert process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 128 + signal.SIGTERM
    assert marker.read_text() == "term\n"


@pytest.mark.parametrize("user", USERS)
def test_sigkill_of_pyjail_tears_the_sandbox_down(user):
    background, main = unique_command(f"bg{user}"), unique_command(f"main{user}")
    command = [
        PYJAIL,
        "--",
        "sh",
        "-c",
        f"{' '.join(background)} & exec {' '.join(main)}",
    ]
    process = subprocess.Popen(as_user(user, command) if user else command)
    wait_for(
        lambda: processes_running(background) and processes_running(main),
        what="the sandbox",
    )
    os.kill(process.pid, signal.SIGKILL)  # setpriv execs pyjail: the same pid
    process.wait()
    wait_for(
        lambda: not processes_running(background) and not processes_running(main),
        what="teardown",
    )


# --- What is enforced, and mistakes -----------------------------------------


def test_explain_says_what_this_kernel_enforces():
    result = run_pyjail("--explain", "--net=none", "--hide=/etc/shadow", "--", "true")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "namespaces: mount pid net ipc uts" in lines
    assert any(line.startswith("landlock: ABI ") for line in lines)
    # pyjail's own cache is hidden as well, after the profile's paths.
    assert any(line.startswith("filesystem: hidden: /etc/shadow") for line in lines)
    assert any(
        line.startswith("seccomp: deny list, architectures x86_64") for line in lines
    )
    assert lines[-1].startswith("refused: ")
    unprivileged = run_pyjail("--explain", user=UNPRIVILEGED_UID)
    assert "namespaces: user mount pid ipc uts" in unprivileged.stdout.splitlines()


def test_explain_names_landlock_alone():
    result = run_pyjail("--explain", "--no-namespaces", "--read-only=/usr")
    assert "landlock: ABI" in result.stdout
    assert (
        "used (no mount namespace: Landlock alone enforces the paths)" in result.stdout
    )
    assert "namespaces: none" in result.stdout


def test_debug_starts_with_the_enforcement_report():
    result = run_pyjail("--debug", "--", "true")
    assert result.returncode == 0, result.stderr
    assert "pyjail: debug: landlock: ABI " in result.stderr
    assert "pyjail: debug: filesystem view:" in result.stderr


@pytest.mark.parametrize(
    "option, message",
    [
        (
            "--rlimit-nofile=lots",
            "pyjail: command line: --rlimit-nofile: cannot read size 'lots' "
            "(e.g. 1024, 512M, 4G or unlimited)\n",
        ),
        (
            "--timeout=soon",
            "pyjail: command line: --timeout: cannot read duration 'soon' "
            "(e.g. 30, 1.5s, 10m)\n",
        ),
        (
            "--hide=relative/path",
            "pyjail: command line: --hide: 'relative/path' is not an absolute path "
            "(start it with /, ~ or ${HOME})\n",
        ),
    ],
)
def test_bad_isolation_options_give_one_line(option, message, world_tmp):
    marker = world_tmp / "ran"
    result = run_pyjail(option, "--", "sh", "-c", f"echo > {marker}")
    assert result.returncode == 125
    assert result.stderr == message
    assert not marker.exists()


def test_a_program_under_private_tmp_is_refused_with_the_reason():
    result = run_pyjail("--", "/tmp/some-program")
    assert result.returncode in (125, 127)
    script = Path(f"/tmp/pyjail-prog-{os.getpid()}")
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    try:
        result = run_pyjail("--", str(script))
        assert result.returncode == 125
        assert (
            f"{script} is under /tmp, which the sandbox does not show" in result.stderr
        )
        assert run_pyjail("--no-private-tmp", "--", str(script)).stdout == "hi\n"
    finally:
        script.unlink()


def test_pid_1_holds_no_capabilities():
    result = run_pyjail("--", "cat", "/proc/1/status")
    assert result.returncode == 0, result.stderr
    assert "CapEff:\t0000000000000000" in result.stdout
    assert "CapPrm:\t0000000000000000" in result.stdout


def test_pyjail_learns_the_targets_host_pid_before_it_runs(world_tmp):
    """LaunchPlan.on_target_started gets the pid as pyjail sees it."""
    code = (
        "import argparse\n"
        "from jail import launch_setup, launcher\n"
        "options = argparse.Namespace(profile=None, debug=False)\n"
        "plan, _ = launch_setup.prepare(['true'], options)\n"
        "seen = []\n"
        "def started(pid):\n"
        "    status = open(f'/proc/{pid}/status').read()\n"
        "    line = [l for l in status.splitlines() if l.startswith('NSpid:')][0]\n"
        "    seen.append((pid, line.split()[1:]))\n"
        "plan.on_target_started = started\n"
        "print(repr((launcher.run(plan), seen)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=world_tmp,
    )
    assert result.returncode == 0, result.stderr
    exit_code, seen = eval(result.stdout)
    assert exit_code == 0
    [(pid, nspids)] = seen
    assert nspids == [str(pid), "2"]  # host pid, and pid 2 in the sandbox


def test_landlock_alone_under_a_directory_others_cannot_list(world_tmp):
    """Landlock needs the names of a directory's other entries to restrict
    only part of it; where it cannot list them, pyjail says so and does not
    run the program in a view that would break it for no visible reason."""
    locked = world_tmp / "locked"
    (locked / "secret").mkdir(parents=True)
    (locked / "secret" / "key").write_text("SECRET\n")
    (locked / "secret").chmod(0o755)
    (locked / "secret" / "key").chmod(0o644)
    locked.chmod(0o711)
    marker = world_tmp / "ran"
    result = run_pyjail(
        "--no-namespaces", f"--hide={locked}/secret", "--", "sh", "-c", f"echo > {marker}",
        user=UNPRIVILEGED_UID,
    )
    assert result.returncode == 125
    assert result.stderr == (
        f"pyjail: default: landlock: {locked} cannot be listed, so Landlock alone cannot "
        "restrict only part of it (a mount namespace can): Permission denied\n"
    )
    assert not marker.exists()
    # With a mount namespace the same hiding works.
    result = run_pyjail(
        f"--hide={locked}/secret", "--", "sh", "-c", f"cat {locked}/secret/key; echo > {marker}",
        user=UNPRIVILEGED_UID,
    )
    assert "SECRET" not in result.stdout
    assert marker.exists()


def test_landlock_read_only_covers_writable_files_in_a_directory_the_user_cannot_write(world_tmp):
    directory = world_tmp / "shared"
    directory.mkdir()
    data = directory / "data"
    data.write_text("before\n")
    data.chmod(0o666)
    directory.chmod(0o755)  # root's directory: uid 65534 cannot write it, only the file
    result = run_pyjail(
        "--no-namespaces", "--read-only", str(directory), "--",
        "sh", "-c", f"echo after > {data}", user=UNPRIVILEGED_UID,
    )
    assert result.returncode != 0
    assert data.read_text() == "before\n"
