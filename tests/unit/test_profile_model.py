"""Profile parsing and merging: values, conditions, includes, specificity.

These check what pyjail decides from a profile; the integration tests check
that the kernel then enforces it.
"""

from __future__ import annotations

import pytest

from jail import profiles, seccomp_compiler
from jail.errors import ProfileError
from jail.profile import Action, Condition, parse_action, parse_condition, parse_number


def load(tmp_path, text: str, name: str = "p"):
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return profiles.load_path(path)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("allow", Action("allow")),
        ("kill", Action("kill-thread")),
        ("kill-process", Action("kill-process")),
        ("errno", Action("errno", 1)),
        ("errno:EACCES", Action("errno", 13)),
        ("errno:enosys", Action("errno", 38)),
        ("errno:97", Action("errno", 97)),
        ("trap", Action("trap")),
        ("log", Action("log")),
    ],
)
def test_actions(text, expected):
    assert parse_action(text, "f", "k") == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("arg1 == TIOCSTI", Condition(1, "==", 0x5412)),
        ("arg0 != AF_UNIX", Condition(0, "!=", 1)),
        ("arg2 <= 0x10", Condition(2, "<=", 16)),
        ("arg0 & CLONE_NEWUSER == CLONE_NEWUSER", Condition(0, "==", 0x10000000, 0x10000000)),
        ("arg0 == CLONE_NEWNS|CLONE_NEWPID", Condition(0, "==", 0x20000 | 0x20000000)),
    ],
)
def test_conditions(text, expected):
    assert parse_condition(text, "f", "k") == expected


def test_number_out_of_range():
    with pytest.raises(ProfileError, match="does not fit in 64 bits"):
        parse_number("0x1ffffffffffffffff", "f", "k")


def test_condition_on_arg6_is_refused():
    with pytest.raises(ProfileError, match="arg6 does not exist"):
        parse_condition("arg6 == 1", "f", "k")


@pytest.mark.parametrize(
    "value, expected",
    [(1024, 1024), ("512M", 512 << 20), ("4G", 4 << 30), ("64k", 64 << 10), ("unlimited", -1)],
)
def test_sizes(value, expected):
    assert profiles.parse_size(value, "f", "k") == expected


@pytest.mark.parametrize("value, expected", [(30, 30.0), ("1.5s", 1.5), ("10m", 600.0), ("250ms", 0.25)])
def test_durations(value, expected):
    assert profiles.parse_duration(value, "f", "k") == expected


def test_lists_join_and_scalars_are_overridden_by_the_includer(tmp_path):
    (tmp_path / "base.toml").write_text(
        'description = "base"\n[seccomp]\ndeny_action = "errno:EACCES"\ndeny = ["ptrace"]\n'
    )
    profile = load(
        tmp_path,
        'include = ["./base.toml"]\ndescription = "top"\n[seccomp]\ndeny = ["bpf"]\n',
    )
    assert profile.description == "top"
    assert set(profile.seccomp.deny) == {"ptrace", "bpf"}
    assert profile.seccomp.deny_action == Action("errno", 13)


def test_a_syscall_named_alone_beats_the_same_syscall_in_a_group(tmp_path):
    profile = load(tmp_path, '[seccomp]\ndeny = ["@debug"]\nallow = ["ptrace"]\n')
    decisions = seccomp_compiler.compile_profile(profile).decisions
    assert decisions["ptrace"][0] == Action("allow")
    assert decisions["pidfd_getfd"][0].denies


def test_allowlist_default_is_enosys(tmp_path):
    profile = load(tmp_path, '[seccomp]\nallow = ["read"]\n')
    assert profile.seccomp.default_action == Action("errno", 38)


def test_deny_action_must_deny(tmp_path):
    with pytest.raises(ProfileError, match="does not deny anything"):
        load(tmp_path, '[seccomp]\ndeny_action = "allow"\n')


def test_conditional_rule_shadowed_by_a_whole_decision_is_refused(tmp_path):
    text = (
        '[seccomp]\ndefault_action = "errno:EPERM"\ndeny = ["ioctl"]\n'
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "allow"\nwhen = ["arg1 == FIONREAD"]\n'
    )
    with pytest.raises(ProfileError, match="can never apply"):
        seccomp_compiler.compile_profile(load(tmp_path, text))


def test_conditions_on_seccomp_itself_are_refused(tmp_path):
    text = '[[seccomp.rules]]\nsyscalls = ["seccomp"]\naction = "errno"\nwhen = ["arg0 == 1"]\n'
    with pytest.raises(ProfileError, match="cannot take conditions or exceptions on it"):
        seccomp_compiler.compile_profile(load(tmp_path, text))


@pytest.mark.parametrize(
    "action, condition",
    [("errno", "arg1 < 5"), ("errno", "arg1 <= 5"), ("allow", "arg1 != 5"), ("allow", "arg1 > 5")],
)
def test_dodgeable_comparisons_on_32_bit_arguments_are_refused(tmp_path, action, condition):
    default = 'default_action = "errno:EPERM"\n' if action == "allow" else ""
    text = (
        f"[seccomp]\n{default}"
        f'[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "{action}"\nwhen = ["{condition}"]\n'
    )
    with pytest.raises(ProfileError, match="could be dodged"):
        seccomp_compiler.compile_profile(load(tmp_path, text))


def test_safe_comparisons_on_32_bit_arguments_compile_masked(tmp_path):
    text = '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 == TIOCSTI"]\n'
    pfc = seccomp_compiler.compile_profile(load(tmp_path, text)).pfc()
    assert "$a1.lo32 & 0xffffffff) == 21522" in pfc or "0x5412" in pfc.lower() or "21522" in pfc


def test_two_comparisons_of_one_argument_are_refused(tmp_path):
    text = '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 == 1", "arg1 == 2"]\n'
    with pytest.raises(ProfileError, match="compared twice in one rule"):
        load(tmp_path, text)


def test_every_bundled_profile_loads_and_compiles():
    from jail import paths

    for path in sorted(paths.bundled_profile_dir().glob("*.toml")):
        if path.stem.endswith(".local"):
            continue
        profile = profiles.load_path(path)
        assert seccomp_compiler.compile_profile(profile).programs, path


@pytest.mark.parametrize("text", ["arg1 === FOO", "arg1 <== 5", "arg1 !== 5", "arg0 & 3 === 1"])
def test_a_mistyped_operator_is_not_read_as_a_constant(text):
    with pytest.raises(ProfileError, match="cannot read condition") as caught:
        parse_condition(text, "f", "k")
    assert caught.value.problem == f"cannot read condition {text!r}"


@pytest.mark.parametrize(
    "value",
    [
        2**63,
        10**23,
        pytest.param("9" * 400, id="400 digits"),
        pytest.param("9" * 5000, id="more digits than Python reads"),
        "8388608T",
    ],
)
def test_sizes_beyond_64_bits_are_refused(value):
    with pytest.raises(ProfileError, match="is too large"):
        profiles.parse_size(value, "f", "k")


def test_the_largest_size_is_accepted():
    assert profiles.parse_size(2**63 - 1, "f", "k") == 2**63 - 1
    assert profiles.parse_size("8388607T", "f", "k") == 8388607 << 40


@pytest.mark.parametrize("value, expected", [(2, 2.0), (1.5, 1.5), ("8760h", 31536000.0)])
def test_durations_as_numbers_and_up_to_a_year(value, expected):
    assert profiles.parse_duration(value, "f", "k") == expected


@pytest.mark.parametrize(
    "value",
    [31536001, pytest.param(10**400, id="10**400"), float("inf"), "9999999999", "8761h"],
)
def test_durations_beyond_a_year_are_refused(value):
    with pytest.raises(ProfileError, match="longer than one year"):
        profiles.parse_duration(value, "f", "k")


@pytest.mark.parametrize("value", [0, -1, float("nan"), "-5", "soon"])
def test_durations_that_are_not_positive_are_refused(value):
    with pytest.raises(ProfileError, match="cannot read duration"):
        profiles.parse_duration(value, "f", "k")


def test_rules_keep_the_key_and_file_that_wrote_them(tmp_path):
    (tmp_path / "base.toml").write_text(
        '[seccomp]\ndeny = ["bpf", "ptrace"]\n'
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 == 1"]\n'
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 == 2"]\n'
    )
    profile = load(
        tmp_path,
        'include = ["./base.toml"]\n[seccomp]\ndeny = ["ptrace", "keyctl"]\n'
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno"\nwhen = ["arg1 == 3"]\n',
        name="top",
    )
    base, second, mine = profile.seccomp.rules
    assert (base.origin, second.origin) == ("base.toml [seccomp].rules[0]", "base.toml [seccomp].rules[1]")
    assert mine.origin == "top.toml [seccomp].rules[0]"


def test_a_bad_entry_after_a_joined_duplicate_is_counted_in_its_own_file(tmp_path):
    (tmp_path / "base.toml").write_text('[seccomp]\ndeny = ["bpf", "ptrace"]\n')
    with pytest.raises(ProfileError) as caught:
        load(tmp_path, 'include = ["./base.toml"]\n[seccomp]\ndeny = ["ptrace", "ptrac"]\n', name="top")
    assert caught.value.key == "[seccomp].deny[1]"
    assert caught.value.source.endswith("top.toml")
