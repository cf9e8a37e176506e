"""Alias links: typing NAME runs the real NAME inside pyjail, never pyjail
again, whatever the PATH holds; and the completion scripts."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import PYJAIL, require, run_pyjail


def status_field(text: str, field: str) -> str:
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{field} missing from:\n{text}")


def install(directory, *names) -> None:
    result = run_pyjail("alias", "install", *names, "--dir", str(directory))
    assert result.returncode == 0, result.stderr
    for name in names:
        assert os.readlink(directory / name) == PYJAIL


def run_as_typed(command: list[str], path: str, **kwargs):
    """Run a command the way a shell does: looked up in PATH."""
    env = dict(os.environ, PATH=path)
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=30, **kwargs
    )


def test_an_alias_runs_the_real_program_inside_pyjail(tmp_path):
    require("curl")
    links = tmp_path / "bin"
    install(links, "curl", "cat")
    path = f"{links}:{os.environ['PATH']}"

    version = run_as_typed(["curl", "--version"], path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("curl ")

    status = run_as_typed(["cat", "/proc/self/status"], path)
    assert status.returncode == 0, status.stderr
    assert status_field(status.stdout, "Seccomp") == "2"
    assert status_field(status.stdout, "NoNewPrivs") == "1"
    # One pyjail, not pyjail inside pyjail: the same filters as a direct run.
    direct = run_pyjail("--", "cat", "/proc/self/status")
    assert status_field(status.stdout, "Seccomp_filters") == status_field(
        direct.stdout, "Seccomp_filters"
    )


def test_the_alias_chooses_the_profile_of_its_name(tmp_path):
    """A user profile named like the alias is the one that applies."""
    config = tmp_path / "config"
    (config / "pyjail" / "profiles").mkdir(parents=True)
    (config / "pyjail" / "profiles" / "env.toml").write_text(
        'include = ["default"]\n[environment]\nset = { CHOSEN_BY = "env.toml" }\n'
    )
    links = tmp_path / "bin"
    install(links, "env")
    result = subprocess.run(
        ["env"],
        env=dict(
            os.environ,
            PATH=f"{links}:{os.environ['PATH']}",
            XDG_CONFIG_HOME=str(config),
        ),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "CHOSEN_BY=env.toml" in result.stdout.splitlines()


@pytest.mark.parametrize(
    "layout", ["two-dirs", "symlinked-dir", "hard-link", "only-aliases"]
)
def test_an_alias_never_runs_itself(tmp_path, layout):
    first, second = tmp_path / "first", tmp_path / "second"
    install(first, "cat")
    path = [str(first)]
    if layout == "two-dirs":
        install(second, "cat")
        path.append(str(second))
    elif layout == "symlinked-dir":
        (tmp_path / "again").symlink_to(first)
        path.insert(0, str(tmp_path / "again"))
    elif layout == "hard-link":
        second.mkdir()
        os.link(os.path.realpath(PYJAIL), second / "cat")
        path.append(str(second))
    if layout != "only-aliases":
        path.append(os.environ["PATH"])

    result = run_as_typed(["cat", "/proc/self/status"], os.pathsep.join(path))
    if layout == "only-aliases":
        assert result.returncode == 127
        assert result.stderr == "pyjail: cat: command not found\n"
    else:
        assert result.returncode == 0, result.stderr
        assert status_field(result.stdout, "Seccomp") == "2"


def test_alias_list_remove_and_refusals(tmp_path):
    links = tmp_path / "bin"
    install(links, "cat", "curl")
    (links / "mine").write_text("#!/bin/sh\n")

    listing = run_pyjail("alias", "list", "--dir", str(links))
    assert listing.returncode == 0, listing.stderr
    assert [line.split()[0] for line in listing.stdout.splitlines()] == ["cat", "curl"]
    assert shutil.which("cat") in listing.stdout

    refused = run_pyjail("alias", "install", "mine", "--dir", str(links))
    assert refused.returncode == 125
    assert (
        refused.stderr
        == f"pyjail: {links}/mine exists and is not a pyjail alias: remove it first\n"
    )
    refused = run_pyjail("alias", "remove", "mine", "--dir", str(links))
    assert refused.returncode == 125 and (links / "mine").exists()

    removed = run_pyjail("alias", "remove", "curl", "--dir", str(links))
    assert removed.returncode == 0, removed.stderr
    assert not (links / "curl").exists() and (links / "cat").is_symlink()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_alias_shell_prints_lines_the_shell_accepts(shell):
    result = run_pyjail("alias", "shell", shell, "curl", "git")
    assert result.returncode == 0, result.stderr
    quote = " '" if shell == "fish" else "='"
    assert result.stdout.splitlines() == [
        f"alias curl{quote}pyjail curl'",
        f"alias git{quote}pyjail git'",
    ]
    if shell != "fish":
        check = subprocess.run(
            [require(shell), "-n"], input=result.stdout, text=True, capture_output=True
        )
        assert check.returncode == 0, check.stderr


def test_bash_completion_offers_options_subcommands_and_profiles():
    script = run_pyjail("completion", "bash").stdout
    program = (
        f"{script}\n"
        'complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pyjail; echo "${COMPREPLY[*]}"; }\n'
        "complete_words pyjail --prof\n"
        "complete_words pyjail --profile str\n"
        "complete_words pyjail profile ex\n"
        "complete_words pyjail al\n"
    )
    env = dict(os.environ, PATH=f"{os.path.dirname(PYJAIL)}:{os.environ['PATH']}")
    result = subprocess.run(
        ["bash", "-c", program], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    options, profiles, profile_commands, subcommands = result.stdout.splitlines()
    assert options.split() == ["--profile"]
    assert "strict" in profiles.split()
    assert profile_commands.split() == ["export"]
    assert "alias" in subcommands.split()


def test_zsh_completion_is_valid_zsh():
    script = run_pyjail("completion", "zsh").stdout
    assert script.startswith("#compdef pyjail")
    check = subprocess.run(
        [require("zsh"), "-n"], input=script, text=True, capture_output=True
    )
    assert check.returncode == 0, check.stderr
    assert "_pyjail_profiles" in script and "--print-filter" in script
