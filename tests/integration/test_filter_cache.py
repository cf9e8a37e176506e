"""The compiled-profile cache: used when valid, never stale, rebuilt when bad."""

from __future__ import annotations

import os

import pytest

from conftest import run_pyjail


@pytest.fixture
def cache_env(tmp_path):
    """An environment with its own, empty cache directory."""
    return dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))


def _entries(env) -> list:
    directory = os.path.join(env["XDG_CACHE_HOME"], "pyjail", "profiles")
    return sorted(os.path.join(directory, name) for name in os.listdir(directory))


def test_second_launch_is_not_compiled(cache_env):
    first = run_pyjail("--debug", "--profile", "strict", "--", "true", env=cache_env)
    second = run_pyjail("--debug", "--profile", "strict", "--", "true", env=cache_env)
    assert first.returncode == second.returncode == 0
    assert "filter: compiled with libseccomp" in first.stderr
    assert "filter: from cache" in second.stderr
    assert "compiled with libseccomp" not in second.stderr


def test_cached_launch_still_applies_the_filter(cache_env, probe):
    for _ in range(3):
        result = run_pyjail("--profile", "strict", "--", probe, "inet", env=cache_env)
        assert "socket_inet errno EAFNOSUPPORT" in result.stdout


def test_changed_profile_is_never_served_stale(cache_env, tmp_path, probe):
    profile = tmp_path / "app.toml"
    profile.write_text('include = ["default"]\n')
    before = run_pyjail("--profile", str(profile), "--", probe, "unix", env=cache_env)
    assert "socket_unix ok" in before.stdout

    profile.write_text('include = ["default"]\n[seccomp]\ndeny = ["socket"]\n')
    after = run_pyjail("--profile", str(profile), "--", probe, "unix", env=cache_env)
    assert "socket_unix errno EPERM" in after.stdout


def test_a_local_override_created_later_takes_effect(cache_env, tmp_path, probe):
    profiles = tmp_path / "config" / "pyjail" / "profiles"
    profiles.mkdir(parents=True)
    env = dict(cache_env, XDG_CONFIG_HOME=str(tmp_path / "config"))
    (profiles / "app.toml").write_text('include = ["default"]\n')
    run_pyjail("--profile", "app", "--", probe, "unix", env=env)

    (profiles / "app.local.toml").write_text('[seccomp]\ndeny = ["socket"]\n')
    result = run_pyjail("--profile", "app", "--", probe, "unix", env=env)
    assert "socket_unix errno EPERM" in result.stdout


@pytest.mark.parametrize("asked", [("--profile", "app"), ()], ids=["by-name", "by-program"])
def test_another_profile_directory_is_another_entry(cache_env, tmp_path, probe, asked):
    """The same name searched through another XDG_CONFIG_HOME finds other
    files: the entry made with the first directory must not answer for it."""
    plain, denying = tmp_path / "plain", tmp_path / "denying"
    for config, extra in ((plain, ""), (denying, '[seccomp]\ndeny = ["socket"]\n')):
        profiles = config / "pyjail" / "profiles"
        profiles.mkdir(parents=True)
        for name in ("app", "probe"):
            (profiles / f"{name}.toml").write_text('include = ["default"]\n' + extra)

    first = run_pyjail(*asked, "--", probe, "unix", env=dict(cache_env, XDG_CONFIG_HOME=str(plain)))
    second = run_pyjail(*asked, "--", probe, "unix", env=dict(cache_env, XDG_CONFIG_HOME=str(denying)))
    assert "socket_unix ok" in first.stdout
    assert "socket_unix errno EPERM" in second.stdout


def test_an_included_symlink_pointed_elsewhere_is_noticed(cache_env, tmp_path, probe):
    (tmp_path / "loose.toml").write_text('include = ["default"]\n')
    (tmp_path / "tight.toml").write_text('include = ["default"]\n[seccomp]\ndeny = ["socket"]\n')
    common = tmp_path / "common.toml"
    common.symlink_to("loose.toml")
    app = tmp_path / "app.toml"
    app.write_text('include = ["./common.toml"]\n')
    before = run_pyjail("--profile", str(app), "--", probe, "unix", env=cache_env)
    assert "socket_unix ok" in before.stdout

    common.unlink()
    common.symlink_to("tight.toml")
    after = run_pyjail("--profile", str(app), "--", probe, "unix", env=cache_env)
    assert "socket_unix errno EPERM" in after.stdout


def test_an_include_under_another_home_is_another_entry(cache_env, tmp_path, probe):
    """`include = ["~/x.toml"]` with XDG_CONFIG_HOME fixed (sudo -E keeps it)."""
    for home, extra in (("plain", ""), ("denying", '[seccomp]\ndeny = ["socket"]\n')):
        (tmp_path / home).mkdir()
        (tmp_path / home / "inc.toml").write_text('include = ["default"]\n' + extra)
    app = tmp_path / "app.toml"
    app.write_text('include = ["~/inc.toml"]\n')
    env = dict(cache_env, XDG_CONFIG_HOME=str(tmp_path / "config"))
    first = run_pyjail("--profile", str(app), "--", probe, "unix", env=dict(env, HOME=str(tmp_path / "plain")))
    second = run_pyjail("--profile", str(app), "--", probe, "unix", env=dict(env, HOME=str(tmp_path / "denying")))
    assert "socket_unix ok" in first.stdout
    assert "socket_unix errno EPERM" in second.stdout


def test_a_cached_profile_made_writable_by_others_is_refused_as_a_fresh_one(cache_env, tmp_path):
    profile = tmp_path / "app.toml"
    profile.write_text('include = ["default"]\n')
    assert run_pyjail("--profile", str(profile), "--", "true", env=cache_env).returncode == 0

    profile.chmod(0o666)
    result = run_pyjail("--profile", str(profile), "--", "true", env=cache_env)
    assert result.returncode == 125
    assert "is writable by group or others: refusing it" in result.stderr


def test_a_corrupt_entry_is_rebuilt(cache_env, probe):
    run_pyjail("--profile", "strict", "--", "true", env=cache_env)
    (entry,) = _entries(cache_env)
    with open(entry, "r+b") as handle:
        handle.seek(100)
        handle.write(b"\xff" * 64)

    result = run_pyjail("--debug", "--profile", "strict", "--", probe, "inet", env=cache_env)
    assert "socket_inet errno EAFNOSUPPORT" in result.stdout
    assert "filter: compiled with libseccomp" in result.stderr
    again = run_pyjail("--debug", "--profile", "strict", "--", "true", env=cache_env)
    assert "filter: from cache" in again.stderr


def test_a_truncated_entry_is_rebuilt(cache_env):
    run_pyjail("--profile", "strict", "--", "true", env=cache_env)
    (entry,) = _entries(cache_env)
    with open(entry, "r+b") as handle:
        handle.truncate(5)
    result = run_pyjail("--debug", "--profile", "strict", "--", "true", env=cache_env)
    assert result.returncode == 0
    assert "filter: compiled with libseccomp" in result.stderr


def test_cache_files_are_private(cache_env):
    run_pyjail("--profile", "strict", "--", "true", env=cache_env)
    (entry,) = _entries(cache_env)
    assert os.stat(entry).st_mode & 0o077 == 0
    assert os.stat(os.path.dirname(entry)).st_mode & 0o077 == 0


def test_unwritable_cache_still_launches(tmp_path, probe):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    env = dict(os.environ, XDG_CACHE_HOME=str(blocked))
    result = run_pyjail("--profile", "strict", "--", probe, "inet", env=env)
    assert "socket_inet errno EAFNOSUPPORT" in result.stdout
