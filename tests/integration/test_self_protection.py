"""A sandboxed program must not be able to weaken the next launch: no planted
filter in the cache, no planted profile, no change to pyjail's code."""

from __future__ import annotations

import os

import pytest

from conftest import REPO, UNPRIVILEGED_UID, run_pyjail

USERS = [pytest.param(None, id="root"), pytest.param(UNPRIVILEGED_UID, id="unprivileged")]


@pytest.fixture
def user_dirs(world_tmp):
    """Cache and config directories of the test's own, owned by the test uid."""
    cache, config = world_tmp / "cache", world_tmp / "config"
    cache.mkdir()
    config.mkdir()
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), XDG_CONFIG_HOME=str(config), HOME=str(world_tmp))
    return env, cache, config


def _chown(path, uid):
    if uid is not None:
        for root, dirs, files in os.walk(path):
            for name in [root, *[os.path.join(root, d) for d in dirs + files]]:
                os.chown(name, uid, uid)


@pytest.mark.parametrize("user", USERS)
def test_the_sandbox_cannot_plant_a_filter_or_a_profile(user_dirs, user, probe):
    env, cache, config = user_dirs
    _chown(cache.parent, user)
    first = run_pyjail("--profile", "strict", "--", probe, "inet", env=env, user=user)
    assert "socket_inet errno EAFNOSUPPORT" in first.stdout
    entries = list((cache / "pyjail" / "profiles").iterdir())
    assert entries, "the first launch should have cached strict"

    attack = (
        f"for f in {cache}/pyjail/profiles/*; do echo broken > $f && echo planted-cache; done; "
        f"mkdir -p {config}/pyjail/profiles && "
        f"printf '[seccomp]\\nallow = [\"socket\"]\\n' > {config}/pyjail/profiles/strict.local.toml "
        "&& echo planted-profile; "
        f"ls {cache}/pyjail >/dev/null 2>&1 && echo cache-visible; true"
    )
    result = run_pyjail("--profile", "default", "--", "sh", "-c", attack, env=env, user=user)
    assert result.returncode == 0, result.stderr
    assert "planted" not in result.stdout
    assert "cache-visible" not in result.stdout

    again = run_pyjail("--profile", "strict", "--", probe, "inet", env=env, user=user)
    assert "socket_inet errno EAFNOSUPPORT" in again.stdout


def test_root_sandbox_cannot_change_pyjail_itself(tmp_path):
    target = REPO / "jail" / "planted_by_sandbox.py"
    result = run_pyjail("--profile", "default", "--", "sh", "-c", f"echo x > {target}")
    assert result.returncode != 0
    assert "Read-only file system" in result.stderr
    assert not target.exists()


def test_root_sandbox_cannot_create_a_system_profile_directory():
    result = run_pyjail("--profile", "default", "--", "mkdir", "-p", "/etc/pyjail/profiles.d")
    assert result.returncode != 0
    assert not os.path.exists("/etc/pyjail")


@pytest.mark.parametrize("user", USERS)
def test_the_sandbox_cannot_move_aside_the_directories_holding_pyjails_own(user_dirs, user):
    """Moving ~/.config aside and making a new ~/.config/pyjail would plant a
    profile for the next launch: the directories on the way are pinned."""
    env, cache, config = user_dirs
    _chown(cache.parent, user)
    run_pyjail("--profile", "strict", "--", "true", env=env, user=user)  # makes both dirs
    attack = (
        f"mv {config} {config}.moved && echo moved-config; "
        f"mv {cache} {cache}.moved && echo moved-cache; "
        f"mv {config}/pyjail {config}/old && echo moved-pyjail; true"
    )
    result = run_pyjail("--", "sh", "-c", attack, env=env, user=user)
    assert "moved" not in result.stdout
    assert "Device or resource busy" in result.stderr
    assert (config / "pyjail").is_dir() and (cache / "pyjail").is_dir()


def test_root_does_not_trust_another_users_cache_or_profiles(world_tmp):
    """With HOME left pointing at another user's home (sudo keeps it), that
    user's cache and .local.toml must not decide how root's program runs."""
    home = world_tmp / "their-home"
    home.mkdir()
    os.chown(home, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
    theirs = dict(os.environ, HOME=str(home))
    theirs.pop("XDG_CACHE_HOME", None)
    theirs.pop("XDG_CONFIG_HOME", None)
    run_pyjail("--profile", "strict", "--", "true", env=theirs, user=UNPRIVILEGED_UID)
    assert list((home / ".cache" / "pyjail" / "profiles").iterdir())

    result = run_pyjail("--debug", "--profile", "strict", "--", "true", env=theirs)
    assert "filter: compiled with libseccomp" in result.stderr

    local = home / ".config" / "pyjail" / "profiles" / "strict.local.toml"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text("[namespaces]\nenabled = false\n")
    os.chown(local, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
    result = run_pyjail("--profile", "strict", "--", "true", env=theirs)
    assert result.returncode == 125
    assert result.stderr == (
        f"pyjail: {local}: is owned by uid {UNPRIVILEGED_UID}, not by you or root: refusing it "
        "(pyjail reads only profiles their user controls)\n"
    )


EXPOSING_PROFILES = {
    # The directory holding the cache and the config made writable.
    "read-write-parent": '[filesystem]\nread_write = ["{parent}"]\n',
    # A private home that keeps all of the real one.
    "home-kept": '[filesystem]\nprivate_home = true\nhome_keep = ["~"]\n',
    # No mount namespace: Landlock alone, with the parent writable, or with
    # the profile directory itself writable.
    "landlock-read-write-parent": (
        '[namespaces]\nenabled = false\n[filesystem]\nlandlock = "required"\nprivate_tmp = false\n'
        'private_dev = false\nread_write = ["{parent}"]\n'
    ),
    "landlock-read-write-inside": (
        '[namespaces]\nenabled = false\n[filesystem]\nlandlock = "required"\nprivate_tmp = false\n'
        'private_dev = false\nread_write = ["{config}/pyjail/profiles"]\n'
    ),
}


@pytest.mark.parametrize("exposing", sorted(EXPOSING_PROFILES))
@pytest.mark.parametrize("user", USERS)
def test_a_profile_path_above_pyjails_own_does_not_uncover_them(user_dirs, user, exposing, probe):
    """read_write or home_keep over the directory that holds pyjail's cache
    and config: they stay hidden and read-only, and cannot be moved aside."""
    env, cache, config = user_dirs
    (config / "pyjail" / "profiles").mkdir(parents=True)
    profile = cache.parent / "exposing.toml"
    profile.write_text(
        'include = ["default"]\n'
        + EXPOSING_PROFILES[exposing].format(parent=cache.parent, config=config)
    )
    _chown(cache.parent, user)
    run_pyjail("--profile", "strict", "--", "true", env=env, user=user)  # caches strict

    attack = (
        f"for f in {cache}/pyjail/profiles/*; do echo broken > $f && echo planted-cache; done; "
        f"mkdir -p {config}/pyjail/profiles && "
        f"printf '[seccomp]\\nallow = [\"socket\"]\\n' > {config}/pyjail/profiles/strict.local.toml "
        "&& echo planted-profile; "
        f"ls {cache}/pyjail >/dev/null 2>&1 && echo cache-visible; "
        f"mv {config} {config}.moved && echo moved-config; true"
    )
    result = run_pyjail("--profile", str(profile), "--", "sh", "-c", attack, env=env, user=user)
    assert result.returncode == 0, result.stderr
    assert "planted" not in result.stdout
    if not exposing.startswith("landlock"):  # Landlock alone: read-only, see landlock.py
        assert "cache-visible" not in result.stdout
    assert "moved" not in result.stdout

    again = run_pyjail("--profile", "strict", "--", probe, "inet", env=env, user=user)
    assert "socket_inet errno EAFNOSUPPORT" in again.stdout


@pytest.mark.parametrize("namespaces", [True, False], ids=["mount-namespace", "landlock-only"])
def test_a_hidden_directory_above_pyjails_own_stays_hidden(user_dirs, namespaces):
    env, cache, config = user_dirs
    (config / "pyjail").mkdir()
    (config / "pyjail" / "note").write_text("secret\n")
    profile = cache.parent / "hiding.toml"
    isolation = "" if namespaces else (
        '[namespaces]\nenabled = false\n[filesystem]\nlandlock = "required"\n'
        "private_tmp = false\nprivate_dev = false\n"
    )
    profile.write_text(f'include = ["default"]\n{isolation}' + (
        "" if not namespaces else "[filesystem]\n") + f'hide = ["{config}"]\n')
    result = run_pyjail("--profile", str(profile), "--", "cat", f"{config}/pyjail/note", env=env)
    assert result.returncode != 0
    assert "secret" not in result.stdout


def test_root_sandbox_cannot_plant_a_module_where_pyjail_imports_from():
    """An editable install puts the checkout itself on pyjail's sys.path: a
    module planted there would run in the next pyjail, outside any sandbox."""
    target = REPO / "msvcrt.py"
    result = run_pyjail("--", "sh", "-c", f"echo 'print(1)' > {target}")
    assert result.returncode != 0
    assert "Read-only file system" in result.stderr
    assert not target.exists()


def test_landlock_alone_keeps_the_root_and_home_listable(user_dirs):
    env, _cache, _config = user_dirs
    result = run_pyjail("--no-namespaces", "--", "sh", "-c", 'ls / >/dev/null && ls "$HOME" >/dev/null && echo listed', env=env)
    assert result.stdout == "listed\n", result.stderr
