"""Escapes found by trying to break pyjail, each tried again here and
asserted to fail: the processes beside the target, inherited descriptors,
devices that stand in for denied calls, profiles that leave holes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import PYJAIL, UNPRIVILEGED_UID, as_user, run_pyjail

USERS = [pytest.param(None, id="root"), pytest.param(UNPRIVILEGED_UID, id="unprivileged")]
OPEN_MEM = "import sys\ntry:\n open(sys.argv[1], 'r+b')\n print('writable')\nexcept OSError as e:\n print('refused', e.errno)\n"


@pytest.mark.parametrize("user", USERS)
def test_the_target_cannot_write_pid_1s_memory(user):
    result = run_pyjail("--", "/usr/bin/python3", "-c", OPEN_MEM, "/proc/1/mem", user=user)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused")


@pytest.mark.parametrize("user", USERS)
def test_pid_1_is_as_powerless_as_the_target(user):
    result = run_pyjail("--", "cat", "/proc/1/status", user=user)
    status = dict(line.split(":\t", 1) for line in result.stdout.splitlines() if ":\t" in line)
    assert status["NoNewPrivs"].strip() == "1"
    assert int(status["CapBnd"], 16) == 0
    assert int(status["CapEff"], 16) == 0


@pytest.mark.parametrize("user", USERS)
def test_without_a_pid_namespace_the_target_cannot_write_pyjails_memory(user):
    code = OPEN_MEM.replace("sys.argv[1]", "f'/proc/{__import__(\"os\").getppid()}/mem'")
    result = run_pyjail("--no-namespaces", "--", "/usr/bin/python3", "-c", code, user=user)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused")


def test_an_inherited_descriptor_does_not_reach_past_the_view(tmp_path):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_test").write_text("SECRET\n")
    env = dict(os.environ, HOME=str(home))
    directory = os.open(home / ".ssh", os.O_RDONLY | os.O_DIRECTORY)
    try:
        command = [PYJAIL, "--", "cat", f"/proc/self/fd/{directory}/id_test"]
        leaked = subprocess.run(command, pass_fds=(directory,), env=env, capture_output=True, text=True)
        kept = subprocess.run(
            command[:1] + ["--keep-fd", str(directory)] + command[1:],
            pass_fds=(directory,), env=env, capture_output=True, text=True,
        )
    finally:
        os.close(directory)
    assert "SECRET" not in leaked.stdout
    assert leaked.returncode != 0
    assert kept.stdout == "SECRET\n"  # asked for on purpose, it is passed


def test_userfaultfd_through_its_device_is_denied(probe):
    result = run_pyjail("--no-private-dev", "--", probe, "userfaultfd_device")
    assert "userfaultfd_device errno EPERM" in result.stdout
    result = run_pyjail("--profile", "strict", "--no-private-dev", "--", probe, "userfaultfd_device")
    assert "userfaultfd_device errno EPERM" in result.stdout


@pytest.mark.parametrize("user", USERS)
def test_strict_isolates_like_default(world_tmp, user):
    home = world_tmp / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_test").write_text("SECRET\n")
    if user is not None:
        os.chown(home, user, user)
    env = dict(os.environ, HOME=str(home))
    result = run_pyjail(
        "--profile", "strict", "--", "sh", "-c",
        f"cat {home}/.ssh/id_test; ls /proc | grep -c '^[0-9]'", env=env, user=user,
    )
    assert "SECRET" not in result.stdout
    assert int(result.stdout.split()[-1]) < 10  # its own PID namespace


def test_a_built_profile_keeps_the_isolation_of_its_base(world_tmp):
    secret = world_tmp / "home" / ".ssh"
    secret.mkdir(parents=True)
    (secret / "id_test").write_text("SECRET\n")
    env = dict(os.environ, HOME=str(world_tmp / "home"))
    built = world_tmp / "built.toml"
    code = f"print(open('{secret}/id_test').read())"
    run_pyjail("build", "-o", str(built), "--", "/usr/bin/python3", "-c", "print(1)", env=env)
    assert 'include = ["default"]' in built.read_text()
    result = run_pyjail("--profile", str(built), "--", "/usr/bin/python3", "-c", code, env=env)
    assert "SECRET" not in result.stdout


def test_a_process_limit_root_would_ignore_is_refused(tmp_path):
    marker = tmp_path / "ran"
    result = run_pyjail("--rlimit-nproc=5", "--", "touch", str(marker))
    assert result.returncode == 125
    assert result.stderr == (
        "pyjail: default: resource limits: the kernel does not apply RLIMIT_NPROC to root "
        "(run pyjail as an ordinary user to cap processes, or drop [limits].nproc)\n"
    )
    assert not marker.exists()


def test_a_descriptor_limit_too_low_for_pyjail_is_refused():
    result = run_pyjail("--rlimit-nofile=3", "--", "true")
    assert result.returncode == 125
    assert "nofile 3 leaves pyjail no descriptor to start the program (use at least 16)" in result.stderr
    assert run_pyjail("--rlimit-nofile=16", "--", "true").returncode == 0


@pytest.mark.parametrize("option", ["--hide", "--read-only", "--read-write"])
def test_a_misspelt_path_on_the_command_line_is_refused(option, tmp_path):
    marker = tmp_path / "ran"
    result = run_pyjail(f"{option}=/nonexistent/pyjail-typo", "--", "touch", str(marker))
    assert result.returncode == 125
    assert result.stderr == (
        f"pyjail: command line: {option}: '/nonexistent/pyjail-typo' does not exist "
        "(check the spelling)\n"
    )
    assert not marker.exists()


def _under_outer_filter(rule: str, arguments: list[str], user=None):
    """Run pyjail under a seccomp filter of someone else's (a container's),
    loaded just for this run: allow all but `rule` (add_rule's arguments)."""
    outer = (
        "import errno, os, sys\n"
        "from jail.libseccomp import binding\n"
        "seccomp = binding()\n"
        "policy = seccomp.SyscallFilter(seccomp.ALLOW)\n"
        f"policy.add_rule({rule})\n"
        "policy.load()\n"
        "os.execv(sys.argv[1], sys.argv[1:])\n"
    )
    command = [sys.executable, "-c", outer, PYJAIL, *arguments]
    if user is not None:
        command = as_user(user, command)
    return subprocess.run(command, capture_output=True, text=True, cwd="/")


def test_a_refused_bounding_set_drop_stops_the_launch():
    """Something outside pyjail (a container's own filter, here one loaded
    just for this run) answers every PR_CAPBSET_DROP with EINVAL: root's
    target must not start with its capabilities."""
    result = _under_outer_filter(
        "seccomp.ERRNO(errno.EINVAL), 'prctl', seccomp.Arg(0, seccomp.EQ, 24)",
        ["--", "grep", "CapEff", "/proc/self/status"],
    )
    assert result.returncode == 125, result.stdout
    assert "CapEff" not in result.stdout
    # The target or PID 1, whichever reaches the drop first, reports it.
    assert result.stderr.startswith("pyjail: default: capabilities"), result.stderr
    assert result.stderr.endswith(": prctl: Invalid argument\n")
    assert "Traceback" not in result.stderr


def test_a_forged_cache_name_does_not_lend_its_filter(tmp_path, probe, monkeypatch):
    """Two requests whose cache files share a name (crc32 collides easily):
    an entry answers only for the request it was made for."""
    from jail import filter_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    run_pyjail("--profile", "default", "--", probe, "inet")
    default_entry = filter_cache.entry_path(filter_cache.request_key("default", probe), "plain")
    strict_entry = filter_cache.entry_path(filter_cache.request_key("strict", probe), "plain")
    os.replace(default_entry, strict_entry)  # what a colliding name amounts to

    result = run_pyjail("--profile", "strict", "--", probe, "inet")
    assert "socket_inet errno EAFNOSUPPORT" in result.stdout


def test_hiding_the_kernels_capability_count_keeps_no_capability():
    result = run_pyjail(
        "--hide", "/proc/sys/kernel/cap_last_cap", "--", "grep", "^Cap[BPE]", "/proc/self/status"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["CapPrm:", "0" * 16, "CapEff:", "0" * 16, "CapBnd:", "0" * 16]


def test_a_bounding_set_pyjail_cannot_drop_says_why():
    result = subprocess.run(
        ["setpriv", "--bounding-set=-setpcap", "--", PYJAIL, "--", "true"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 125
    assert "cannot drop the bounding set without CAP_SETPCAP: Operation not permitted" in result.stderr


def test_root_without_capabilities_is_told_why_namespaces_fail():
    result = subprocess.run(
        ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", PYJAIL, "--", "true"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 125
    assert result.stderr.startswith("pyjail: default: user namespace: root without CAP_SYS_ADMIN")


@pytest.mark.parametrize("extra", [[], ["--read-write", "/proc/sys"]], ids=["default", "asking-for-it"])
def test_a_root_target_cannot_change_the_machines_kernel_settings(extra):
    """Root without capabilities still owns /proc/sys/kernel/core_pattern,
    whose pipe handler the kernel runs as root on the host. (Opened, never
    written.)"""
    code = (
        "import os\n"
        "for path in ('/proc/sys/kernel/core_pattern', '/proc/sysrq-trigger'):\n"
        "    try:\n"
        "        os.close(os.open(path, os.O_WRONLY))\n"
        "        print(path, 'writable')\n"
        "    except OSError as error:\n"
        "        print(path, error.strerror)\n"
    )
    result = run_pyjail(*extra, "--", sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert "writable" not in result.stdout
    assert "/proc/sys/kernel/core_pattern Read-only file system" in result.stdout
    # Kernels built without magic SysRq have no such file at all.
    assert result.stdout.splitlines()[1] in (
        "/proc/sysrq-trigger Read-only file system",
        "/proc/sysrq-trigger No such file or directory",
    )


def test_a_refused_namespace_is_not_blamed_on_the_user_namespace():
    """All namespaces come in one clone; when the kernel refuses it (here an
    outer filter refuses a new PID namespace), the error must not send an
    unprivileged user to the user-namespace settings."""
    result = _under_outer_filter(
        "seccomp.ERRNO(errno.ENOSPC), 'clone', seccomp.Arg(0, seccomp.MASKED_EQ, 0x20000000, 0x20000000)",
        ["--", "true"],
        user=UNPRIVILEGED_UID,
    )
    assert result.returncode == 125
    assert result.stderr.startswith(
        "pyjail: default: namespaces: the kernel refused new mount, pid, ipc, uts namespaces: "
    ), result.stderr


def test_a_root_target_cannot_change_hardware_or_power_settings():
    """Opened for writing only, never written."""
    code = (
        "import glob, os\n"
        "paths = ['/sys/power/state'] + glob.glob('/proc/irq/*/smp_affinity')[:1]"
        " + glob.glob('/proc/bus/pci/*/*')[:1]\n"
        "for path in paths:\n"
        "    try:\n"
        "        os.close(os.open(path, os.O_WRONLY))\n"
        "        print(path, 'writable')\n"
        "    except OSError as error:\n"
        "        print(path, error.strerror)\n"
    )
    result = run_pyjail("--", sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert "/sys/power/state Read-only file system" in result.stdout
    assert "writable" not in result.stdout
