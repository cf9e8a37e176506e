"""A broken profile: exit 125, one clear line, no traceback, target never run."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import PYJAIL, run_pyjail

BAD_PROFILES = {
    "unknown_syscall": (
        '[seccomp]\ndeny = ["ptrac"]\n',
        "[seccomp].deny[0]: unknown syscall 'ptrac' (did you mean ptrace?)",
    ),
    "misspelt_key": (
        '[seccomp]\ndney = ["ptrace"]\n',
        "[seccomp].dney: unknown key (did you mean deny?)",
    ),
    "misspelt_section": (
        '[secomp]\ndeny = ["ptrace"]\n',
        "secomp: unknown key (did you mean seccomp?)",
    ),
    "wrong_type": (
        '[seccomp]\ndeny = "ptrace"\n',
        "[seccomp].deny: expected a list of strings, found a string 'ptrace'",
    ),
    "unknown_group": (
        '[seccomp]\ndeny = ["@mountt"]\n',
        "[seccomp].deny[0]: unknown syscall group '@mountt' (did you mean @mount?)",
    ),
    "unknown_errno": (
        '[seccomp]\ndeny_action = "errno:EPRM"\ndeny = ["ptrace"]\n',
        "[seccomp].deny_action: unknown errno 'EPRM' (did you mean EPERM?)",
    ),
    "unknown_action": (
        '[seccomp]\ndefault_action = "deny"\n',
        "[seccomp].default_action: unknown action 'deny'",
    ),
    "bad_condition": (
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 = 5"]\n',
        "[seccomp].rules[0].when: cannot read condition 'arg1 = 5'",
    ),
    "unknown_constant": (
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 == TIOCSTII"]\n',
        "[seccomp].rules[0].when: unknown constant 'TIOCSTII' (did you mean TIOCSTI?)",
    ),
    "dodgeable_int_comparison": (
        '[[seccomp.rules]]\nsyscalls = ["socket"]\naction = "allow"\nwhen = ["arg0 != AF_PACKET"]\n'
        '[seccomp]\ndefault_action = "errno:EPERM"\n',
        "could be dodged by setting its upper 32 bits",
    ),
    "toml_syntax": ("[seccomp\n", "not valid TOML"),
    "unknown_capability": (
        '[capabilities]\nkeep = ["CAP_NET_RAWW"]\n',
        "[capabilities].keep[0]: unknown capability 'CAP_NET_RAWW' (did you mean CAP_NET_RAW?)",
    ),
    "bad_size": ('[limits]\nnofile = "lots"\n', "[limits].nofile: cannot read size 'lots'"),
    "conflict": (
        '[seccomp]\nallow = ["ptrace"]\ndeny = ["ptrace"]\n',
        "ptrace is both allowed (via ptrace) and denied (via ptrace)",
    ),
    # Keys count the entries of the file that wrote them, not of the list
    # merged with the included profile's.
    "unknown_syscall_after_include": (
        'include = ["default"]\n[seccomp]\ndeny = ["ptrac"]\n',
        "[seccomp].deny[0]: unknown syscall 'ptrac' (did you mean ptrace?)",
    ),
    "unknown_syscall_after_one_the_include_has": (
        'include = ["default"]\n[seccomp]\ndeny = ["bpf", "ptrac"]\n',
        "[seccomp].deny[1]: unknown syscall 'ptrac'",
    ),
    "bad_rule_after_include": (
        'include = ["default"]\n[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\n'
        'when = ["arg1 == TIOCSTII"]\n',
        "[seccomp].rules[0].when: unknown constant 'TIOCSTII'",
    ),
    "bad_rule_syscall_after_include": (
        'include = ["default"]\n[[seccomp.rules]]\nsyscalls = ["iocttl"]\naction = "errno"\n',
        "[seccomp].rules[0].syscalls[0]: unknown syscall 'iocttl'",
    ),
    "mistyped_operator": (
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 === FOO"]\n',
        "[seccomp].rules[0].when: cannot read condition 'arg1 === FOO'",
    ),
    "size_beyond_64_bits": (
        "[limits]\nnofile = 99999999999999999999999\n",
        "[limits].nofile: 99999999999999999999999 is too large (at most 9223372036854775807)",
    ),
    "size_with_unit_beyond_64_bits": (
        '[limits]\nas = "99999999T"\n',
        "[limits].as: '99999999T' is too large",
    ),
    "integer_with_too_many_digits": (
        "[limits]\nnofile = " + "9" * 5000 + "\n",
        "an integer has too many digits",
    ),
    "timeout_beyond_a_year": (
        '[limits]\ntimeout = "9999999999"\n',
        "[limits].timeout: duration '9999999999' is longer than one year",
    ),
    "integer_timeout_beyond_a_year": (
        "[limits]\ntimeout = 9999999999\n",
        "[limits].timeout: duration 9999999999 is longer than one year",
    ),
    "too_many_conditional_rules": (
        "".join(
            f'[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 == {n}"]\n'
            for n in range(4001)
        ),
        "[seccomp].rules: 4001 conditional rules and exceptions (one per syscall), "
        "more than the 4000 pyjail compiles",
    ),
    # 1000 rules, each comparing two 64-bit arguments: about 6000 instructions.
    "filter_beyond_the_kernel_limit": (
        "".join(
            f'[[seccomp.rules]]\nsyscalls = ["mmap"]\naction = "errno"\n'
            f'when = ["arg1 == {n}", "arg2 == {n}"]\n'
            for n in range(1, 1001)
        ),
        "[seccomp]: the main filter has 6037 BPF instructions, "
        "more than the kernel's limit of 4096",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_bad_profile_is_one_clear_line(case, tmp_path):
    text, expected = BAD_PROFILES[case]
    profile = tmp_path / f"{case}.toml"
    profile.write_text(text)
    marker = tmp_path / "target-ran"

    result = run_pyjail("--profile", str(profile), "--", "touch", str(marker))

    assert result.returncode == 125
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"pyjail: {profile}: ")
    assert expected in lines[0]
    assert not marker.exists()


def test_error_in_an_included_profile_names_that_file(tmp_path):
    (tmp_path / "base.toml").write_text('[seccomp]\ndeny = ["no_such_call"]\n')
    top = tmp_path / "top.toml"
    top.write_text('include = ["./base.toml"]\n')
    result = run_pyjail("--profile", str(top), "--", "true")
    assert result.returncode == 125
    assert result.stderr.startswith(f"pyjail: {tmp_path / 'base.toml'}: [seccomp].deny[0]")


def test_include_cycle_is_reported(tmp_path):
    (tmp_path / "a.toml").write_text('include = ["./b.toml"]\n')
    (tmp_path / "b.toml").write_text('include = ["./a.toml"]\n')
    result = run_pyjail("--profile", str(tmp_path / "a.toml"), "--", "true")
    assert result.returncode == 125
    assert "include cycle: a.toml -> b.toml -> a.toml" in result.stderr


def test_missing_profile_name(tmp_path):
    result = run_pyjail("--profile", "strcit", "--", "true")
    assert result.returncode == 125
    assert result.stderr == "pyjail: strcit: no profile of that name (did you mean strict?)\n"


def test_missing_profile_path(tmp_path):
    result = run_pyjail("--profile", str(tmp_path / "nope.toml"), "--", "true")
    assert result.returncode == 125
    assert result.stderr == f"pyjail: {tmp_path / 'nope.toml'}: no such profile file\n"


def test_profile_path_that_is_a_directory(tmp_path):
    directory = tmp_path / "dir.toml"
    directory.mkdir()
    result = run_pyjail("--profile", str(directory), "--", "true")
    assert result.returncode == 125
    assert result.stderr == f"pyjail: {directory}: is a directory, not a profile file\n"


@pytest.mark.parametrize(
    "option, value, expected",
    [
        (
            "--rlimit-nofile",
            "99999999999999999999999",
            "--rlimit-nofile: '99999999999999999999999' is too large",
        ),
        ("--timeout", "9999999999", "--timeout: duration '9999999999' is longer than one year"),
    ],
)
def test_out_of_range_command_line_limit(option, value, expected, tmp_path):
    marker = tmp_path / "target-ran"
    result = run_pyjail(option, value, "--", "touch", str(marker))
    assert result.returncode == 125
    assert result.stderr.startswith(f"pyjail: command line: {expected}"), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not marker.exists()


@pytest.mark.parametrize("timeout", ["1", "0.5", '"1"'])
def test_timeout_given_as_a_number_kills_the_sandbox(timeout, tmp_path):
    profile = tmp_path / "slow.toml"
    profile.write_text(f'include = ["default"]\n[limits]\ntimeout = {timeout}\n')
    result = run_pyjail("--profile", str(profile), "--", "sleep", "30", timeout=20)
    assert result.returncode == 124, result.stderr


def test_the_longest_timeout_lets_the_program_finish(tmp_path):
    profile = tmp_path / "patient.toml"
    profile.write_text('include = ["default"]\n[limits]\ntimeout = "8760h"\n')
    result = run_pyjail("--profile", str(profile), "--", "sh", "-c", "sleep 1; echo done")
    assert (result.returncode, result.stdout, result.stderr) == (0, "done\n", "")


def test_denial_report_names_the_rule_as_the_user_wrote_it(tmp_path, probe):
    """The user's first rule is rules[0], though default.toml has rules too;
    the second launch comes from the filter cache and must say the same."""
    profile = tmp_path / "app.toml"
    profile.write_text(
        'include = ["default"]\n[[seccomp.rules]]\nsyscalls = ["socket"]\n'
        'action = "errno:EACCES"\nwhen = ["arg0 == AF_INET"]\n'
    )
    for _launch in range(2):
        result = run_pyjail("--profile", str(profile), "--", probe, "inet")
        assert result.stdout == "socket_inet errno EACCES\n"
        assert "profile app.toml, rule [seccomp].rules[0] (socket when" in result.stderr


def test_unknown_option_is_a_usage_error():
    result = run_pyjail("--no-such-option", "--", "true")
    assert result.returncode == 125
    assert result.stderr.startswith("pyjail: unrecognized arguments")
    assert "Traceback" not in result.stderr


def test_local_override_is_merged_last(tmp_path, probe):
    profiles = tmp_path / "pyjail" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "app.toml").write_text('include = ["default"]\n')
    (profiles / "app.local.toml").write_text('[seccomp]\ndeny = ["@network-io"]\n')
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path))
    result = run_pyjail("--profile", "app", "--", probe, "unix", env=env)
    assert "socket_unix errno EPERM" in result.stdout


def test_a_local_override_outside_the_profile_directories_is_refused(tmp_path):
    """A sandboxed program working in that directory could have written it."""
    (tmp_path / "app.toml").write_text('include = ["default"]\n')
    (tmp_path / "app.local.toml").write_text("[namespaces]\nenabled = false\n")
    marker = tmp_path / "ran"
    result = run_pyjail("--profile", str(tmp_path / "app.toml"), "--", "touch", str(marker))
    assert result.returncode == 125
    assert result.stderr.startswith(f"pyjail: {tmp_path / 'app.local.toml'}: a .local.toml is read only")
    assert not marker.exists()


def test_a_profile_another_user_could_write_is_refused(tmp_path):
    profile = tmp_path / "loose.toml"
    profile.write_text('include = ["default"]\n')
    profile.chmod(0o666)
    result = run_pyjail("--profile", str(profile), "--", "true")
    assert result.returncode == 125
    assert result.stderr == (
        f"pyjail: {profile}: is writable by group or others: refusing it (chmod go-w {profile})\n"
    )


def test_user_profile_directory_is_searched_first(tmp_path, probe):
    profiles = tmp_path / "pyjail" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "mine.toml").write_text('include = ["default"]\n[seccomp]\ndeny = ["socket"]\n')
    env = {"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path)}
    result = run_pyjail("--profile", "mine", "--", probe, "unix", env=env)
    assert "socket_unix errno EPERM" in result.stdout


def test_profile_chosen_by_program_name(tmp_path, probe):
    profiles = tmp_path / "pyjail" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "probe.toml").write_text('include = ["default"]\n[seccomp]\ndeny = ["socket"]\n')
    env = {"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path)}
    result = run_pyjail("--", probe, "unix", env=env)
    assert "socket_unix errno EPERM" in result.stdout


@pytest.mark.parametrize(
    "section, line",
    [
        ("filesystem", 'hide = ["/etc/host\\u0000name"]'),
        ("filesystem", 'read_only = ["/usr\\u0000"]'),
        ("namespaces", 'hostname = "ab\\u0000cd"'),
    ],
)
def test_a_nul_character_in_a_profile_string_is_refused(tmp_path, section, line):
    profile = tmp_path / "nul.toml"
    profile.write_text(f'include = ["default"]\n[{section}]\n{line}\n')
    key = line.split(" = ")[0]
    for command in (["--profile", str(profile), "--", "true"], ["profile", "check", str(profile)]):
        result = run_pyjail(*command)
        assert result.returncode != 0
        assert f"pyjail: {profile}: [{section}].{key}: contains a NUL character" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_a_program_whose_name_is_not_utf8_runs(tmp_path):
    program = os.path.join(os.fsencode(tmp_path), b"x\xffy")
    shutil.copy("/bin/echo", program)
    result = subprocess.run([os.fsencode(PYJAIL), b"--no-private-tmp", b"--", program, b"ran"], capture_output=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"ran\n"


@pytest.mark.parametrize(
    "name, text, problem",
    [
        ("deep.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n", "arrays or tables nested too deeply"),
        ("deep.json", "[" * 100000 + "]" * 100000, "not valid JSON: nested too deeply"),
    ],
)
def test_a_profile_nested_too_deeply_is_refused(tmp_path, name, text, problem):
    profile = tmp_path / name
    profile.write_text(text)
    for command in (["--profile", str(profile), "--", "true"], ["profile", "check", str(profile)]):
        result = run_pyjail(*command)
        assert result.returncode != 0
        assert result.stderr == f"pyjail: {profile}: {problem}\n"


def test_an_error_line_shows_control_characters_instead_of_obeying_them(tmp_path):
    result = run_pyjail("--", str(tmp_path / "a\x1b[31mred"))
    assert result.returncode == 127
    assert "\x1b" not in result.stderr
    assert "a\\x1b[31mred" in result.stderr


def test_a_private_home_inside_a_private_tmp_is_refused_clearly():
    home = "/tmp/pyjail-test-home-%d" % os.getpid()
    os.makedirs(home, exist_ok=True)
    try:
        result = run_pyjail("--private-home", "--", "true", env=dict(os.environ, HOME=home))
    finally:
        shutil.rmtree(home)
    assert result.returncode == 125
    assert result.stderr == (
        f"pyjail: default: [filesystem].private_home: the home {home} is under /tmp, "
        "which private_tmp empties (turn one of them off: --no-private-tmp or --no-private-home)\n"
    )
