"""`pyjail profile list | show | check | edit`, and the linter behind check,
run as the real command with a HOME of the test's own."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import REPO, run_pyjail

BUNDLED = REPO / "profiles.d"
SCORE_LINE = re.compile(r"^exposure score (\d+\.\d)/10 \(0 = least exposed\)")
FINDING_LINE = re.compile(r"^  \+(\d+\.\d)  ([\w-]+): (.*)$")


@pytest.fixture
def env(tmp_path) -> dict:
    """HOME is a fresh directory: no user profiles unless a test writes some."""
    environment = dict(os.environ, HOME=str(tmp_path / "home"))
    environment.pop("XDG_CONFIG_HOME", None)
    (tmp_path / "home").mkdir()
    return environment


def user_dir(env: dict) -> Path:
    directory = Path(env["HOME"]) / ".config" / "pyjail" / "profiles"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def profile(tmp_path: Path, text: str, name: str = "p.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- list --------------------------------------------------------------------


def test_list_shows_at_least_40_bundled_profiles_each_with_a_description(env):
    result = run_pyjail("profile", "list", env=env)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    bundled = [row for row in rows if row.endswith(f"[{BUNDLED}]")]
    assert len(bundled) >= 42  # 40 applications, default and strict
    for row in bundled:
        assert "(no description)" not in row and "(not valid" not in row, row
    names = {row.split()[0] for row in rows}
    for name in ("firefox", "chromium", "curl", "wget", "git", "ssh", "gpg", "python3", "node",
                 "perl", "tar", "unzip", "7z", "zip", "sqlite3", "jq", "ffmpeg", "convert", "mpv",
                 "vlc", "libreoffice", "evince", "gimp", "thunderbird", "transmission-gtk",
                 "wireshark", "vim", "less", "man", "pandoc"):  # fmt: skip
        assert name in names, name


def test_list_row_has_name_description_and_origin(env):
    result = run_pyjail("profile", "list", env=env)
    row = next(r for r in result.stdout.splitlines() if r.startswith("jq "))
    assert re.fullmatch(
        rf"jq +jq JSON processor: local input only, no network  \[{re.escape(str(BUNDLED))}\]",
        row,
    )


def test_list_shows_a_user_profile_that_shadows_a_bundled_one(env):
    mine = user_dir(env)
    (mine / "jq.toml").write_text('description = "my own jq"\ninclude = ["default"]\n')
    (mine / "jq.local.toml").write_text("[limits]\nnofile = 64\n")
    result = run_pyjail("profile", "list", env=env)
    rows = [r for r in result.stdout.splitlines() if r.split()[0] in ("jq", "jq.local")]
    assert len(rows) == 1
    assert re.fullmatch(rf"jq +my own jq  \[{re.escape(str(mine))}\]", rows[0])


def test_list_names_only(env):
    result = run_pyjail("profile", "list", "--names", env=env)
    assert result.returncode == 0
    assert "firefox" in result.stdout.splitlines()


# --- show --------------------------------------------------------------------


def _value_line(output: str, start: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(start))


def test_show_names_the_file_each_value_came_from(env):
    result = run_pyjail("profile", "show", "firefox-esr", env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# profile firefox-esr, merged from:\n")
    assert (
        f"#   {BUNDLED}/default.toml\n#   {BUNDLED}/firefox.toml\n#   {BUNDLED}/firefox-esr.toml\n"
        in out
    )
    assert re.fullmatch(
        r'description = "Firefox ESR.*" +# firefox-esr\.toml',
        _value_line(out, "description"),
    )
    assert re.fullmatch(
        r' +"chroot", +# firefox\.toml', _value_line(out, '    "chroot"')
    )
    assert re.fullmatch(
        r' +"@mount", +# default\.toml', _value_line(out, '    "@mount"')
    )
    assert re.fullmatch(
        r"default_action = \"allow\" +# default\.toml",
        _value_line(out, "default_action"),
    )
    assert re.fullmatch(
        r"\[\[seccomp\.rules\]\] +# default\.toml",
        _value_line(out, "[[seccomp.rules]]"),
    )


def test_show_includes_a_local_override_with_its_file(env):
    (user_dir(env) / "curl.local.toml").write_text("[limits]\nnofile = 64\n")
    result = run_pyjail("profile", "show", "curl", env=env)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"nofile = 64 +# curl\.local\.toml", _value_line(result.stdout, "nofile")
    )


def test_show_output_is_toml_that_loads_as_the_same_profile(env, tmp_path):
    """Comments aside, show prints a profile: check accepts it as it is."""
    result = run_pyjail("profile", "show", "strict", env=env)
    copy = profile(tmp_path, result.stdout, "copy.toml")
    check = run_pyjail("profile", "check", copy, env=env)
    assert check.returncode == 0, check.stderr
    assert SCORE_LINE.match(check.stdout.splitlines()[1]).group(1) == "0.0"


def test_show_unknown_profile(env):
    result = run_pyjail("profile", "show", "firefx", env=env)
    assert result.returncode == 125
    assert (
        result.stderr
        == "pyjail: firefx: no profile of that name (did you mean firefox?)\n"
    )


# --- check: validation -------------------------------------------------------


def test_check_valid_profile_exits_0(env):
    result = run_pyjail("profile", "check", "default", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{BUNDLED}/default.toml: valid"


def test_check_unknown_key_exits_1_with_the_key(env, tmp_path):
    path = profile(tmp_path, '[seccomp]\nalow = ["read"]\n')
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 1
    assert (
        result.stderr
        == f"pyjail: {path}: [seccomp].alow: unknown key (did you mean allow?)\n"
    )
    assert result.stdout == ""


def test_check_unknown_syscall_exits_1(env, tmp_path):
    path = profile(
        tmp_path, '[seccomp]\ndefault_action = "allow"\ndeny = ["bpf", "ptrac"]\n'
    )
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 1
    assert (
        result.stderr
        == f"pyjail: {path}: [seccomp].deny[1]: unknown syscall 'ptrac' (did you mean ptrace?)\n"
    )


def test_check_bad_toml_exits_1(env, tmp_path):
    path = profile(tmp_path, "[seccomp\n")
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"pyjail: {path}: not valid TOML: ")
    assert len(result.stderr.splitlines()) == 1


def test_check_unknown_name_exits_1(env):
    result = run_pyjail("profile", "check", "firefx", env=env)
    assert result.returncode == 1
    assert (
        result.stderr
        == "pyjail: firefx: no profile of that name (did you mean firefox?)\n"
    )


def test_check_several_profiles_fails_if_one_is_bad(env, tmp_path):
    bad = profile(tmp_path, "nonsense = 1\n")
    result = run_pyjail("profile", "check", "curl", bad, "jq", env=env)
    assert result.returncode == 1
    assert result.stdout.count(": valid\n") == 2
    assert result.stderr.startswith(f"pyjail: {bad}: nonsense: unknown key")


# --- check: the linter --------------------------------------------------------


def findings(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        match = FINDING_LINE.match(line)
        if match:
            found[match.group(2)] = match.group(3)
    return found


def score(output: str) -> float:
    return float(
        next(
            SCORE_LINE.match(x) for x in output.splitlines() if SCORE_LINE.match(x)
        ).group(1)
    )


def test_lint_allowlist_that_admits_dangerous_calls(env, tmp_path):
    path = profile(
        tmp_path,
        '[seccomp]\nallow = ["@default", "@basic-io", "@file-system", "ptrace", "mount", "bpf", '
        '"unshare", "setns", "ioctl"]\n',
    )
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{path}: valid",
        "exposure score 7.5/10 (0 = least exposed), made up of:",
        "  +1.5  ptrace: ptrace allowed without conditions: the program can read and write other processes",
        "  +1.5  mount: mount allowed without conditions: the program can change the mount table it sees",
        "  +1.0  bpf: bpf allowed without conditions: eBPF programs run in the kernel",
        "  +1.0  namespaces: unshare, setns allowed: new namespaces widen the kernel surface "
        "(user namespaces reach code meant for root)",
        "  +1.0  ioctl: ioctl allowed for every request: raw device and terminal control",
        "  +1.0  tiocsti: ioctl TIOCSTI not denied: can push keystrokes into the terminal that started it",
        "  +0.5  tioclinux: ioctl TIOCLINUX not denied: can paste into a Linux console",
    ]


def test_lint_conditions_on_ioctl_and_clone_satisfy_it(env, tmp_path):
    path = profile(
        tmp_path,
        '[seccomp]\nallow = ["@default", "@basic-io", "ioctl", "clone"]\n'
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno:EPERM"\nwhen = ["arg1 == TIOCSTI"]\n'
        '[[seccomp.rules]]\nsyscalls = ["ioctl"]\naction = "errno:EPERM"\nwhen = ["arg1 == TIOCLINUX"]\n'
        '[[seccomp.rules]]\nsyscalls = ["clone"]\naction = "errno:EPERM"\n'
        'when = ["arg0 & CLONE_NEWUSER == CLONE_NEWUSER"]\n',
    )
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 0, result.stderr
    assert findings(result.stdout) == {}
    assert (
        "exposure score 0.0/10 (0 = least exposed), no openings found" in result.stdout
    )


def test_lint_deny_list_that_misses_io_uring_mount_api_and_tiocsti(env, tmp_path):
    path = profile(
        tmp_path,
        '[seccomp]\ndefault_action = "allow"\ndeny = ["ptrace", "process_vm_readv", '
        '"process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "bpf", "unshare", '
        '"setns", "clone3"]\n'
        '[[seccomp.rules]]\nsyscalls = ["clone"]\naction = "errno:EPERM"\n'
        'when = ["arg0 & CLONE_NEWUSER == CLONE_NEWUSER"]\n',
    )
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "exposure score 3.5/10 (0 = least exposed), made up of:",
        "  +1.0  tiocsti: ioctl TIOCSTI not denied: can push keystrokes into the terminal that started it",
        "  +0.5  tioclinux: ioctl TIOCLINUX not denied: can paste into a Linux console",
        "  +1.0  io_uring: io_uring_setup, io_uring_enter, io_uring_register allowed without "
        "conditions: io_uring performs calls the filter never sees",
        "  +1.0  mount-api: fsopen, fsmount, move_mount, open_tree, fspick, fsconfig, "
        "mount_setattr, open_tree_attr allowed without conditions: the new mount API mounts "
        "without mount()",
    ]


def test_lint_secondary_architecture(env, tmp_path):
    path = profile(
        tmp_path,
        'include = ["default"]\n[seccomp]\narchitectures = ["native", "x86"]\n',
    )
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 0, result.stderr
    found = findings(result.stdout)
    assert found["foreign-arch"] == (
        "x86 system calls admitted: a second syscall table, with multiplexers "
        "(socketcall, ipc) that hide arguments from rules"
    )
    assert found["uncovered-arch"].startswith("libseccomp cannot filter ")


@pytest.mark.parametrize(
    "writable, relation",
    [("~", "holds"), ("~/.config", "holds"), ("${HOME}/.config/pyjail", "holds"),
     ("~/.config/pyjail/profiles", "is inside")],
)  # fmt: skip
def test_lint_writable_path_holding_the_profile_directory(
    writable, relation, env, tmp_path
):
    path = profile(
        tmp_path, f'include = ["default"]\n[filesystem]\nread_write = ["{writable}"]\n'
    )
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 0, result.stderr
    own = (Path(env["HOME"]) / ".config" / "pyjail").resolve()
    assert findings(result.stdout)["profile-dir-writable"] == (
        f"{writable} is writable and {relation} {own}: the program can rewrite its own profile"
    )


def test_lint_writable_path_elsewhere_is_fine(env, tmp_path):
    path = profile(
        tmp_path, 'include = ["default"]\n[filesystem]\nread_write = ["~/Downloads"]\n'
    )
    result = run_pyjail("profile", "check", path, env=env)
    assert "profile-dir-writable" not in findings(result.stdout)


def test_lint_exception_comment_is_shown_with_its_reason(env, tmp_path):
    path = profile(
        tmp_path,
        "# lint-exception: chroot: the renderer sandbox chroots into an empty dir\n"
        'include = ["default"]\n[seccomp]\nallow = ["chroot"]\n',
    )
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 0, result.stderr
    assert findings(result.stdout)["chroot"] == (
        "chroot allowed without conditions: the program can change its root directory "
        "(accepted: the renderer sandbox chroots into an empty dir)"
    )
    assert score(result.stdout) == 1.5  # accepted still counts


def test_lint_exception_with_an_unknown_check_is_an_error(env, tmp_path):
    path = profile(tmp_path, '# lint-exception: chrot: needed\ninclude = ["default"]\n')
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 1
    assert result.stderr == (
        f"pyjail: {path}: line 1: lint-exception: unknown check 'chrot' (did you mean chroot?)\n"
    )


def test_lint_exception_without_a_reason_is_an_error(env, tmp_path):
    path = profile(tmp_path, 'include = ["default"]\n# lint-exception: chroot:\n')
    result = run_pyjail("profile", "check", path, env=env)
    assert result.returncode == 1
    assert result.stderr == (
        f"pyjail: {path}: line 2: lint-exception: no reason given for chroot "
        "(# lint-exception: chroot: why it is needed)\n"
    )


def test_check_max_score(env):
    result = run_pyjail("profile", "check", "--max-score", "0", "strict", env=env)
    assert result.returncode == 0, result.stderr
    result = run_pyjail(
        "profile", "check", "--quiet", "--max-score", "0.5", "chromium", env=env
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr
        == f"pyjail: {BUNDLED}/chromium.toml: exposure score 1.5 is above 0.5\n"
    )


def test_every_bundled_profile_checks_and_is_no_worse_than_default_without_a_reason(
    env,
):
    names = sorted(p.stem for p in BUNDLED.glob("*.toml"))
    result = run_pyjail("profile", "check", *names, env=env)
    assert result.returncode == 0, result.stderr
    reports = _split_reports(result.stdout)
    assert len(reports) == len(names)

    baseline = reports["default"]
    for name, lines in reports.items():
        text = "\n".join(lines)
        if score(text) <= score("\n".join(baseline)):
            continue
        extra = {
            c: m
            for c, m in findings(text).items()
            if c not in findings("\n".join(baseline))
        }
        unexplained = [c for c, m in extra.items() if "(accepted: " not in m]
        assert not unexplained, (
            f"{name} scores worse than default because of {unexplained}"
        )


def _split_reports(output: str) -> dict[str, list[str]]:
    reports: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        if line.endswith(": valid"):
            current = Path(line[: -len(": valid")]).stem
            reports[current] = []
        elif current:
            reports[current].append(line)
    return reports


# --- edit --------------------------------------------------------------------


def editor(tmp_path: Path, append: str) -> str:
    """An $EDITOR that appends text to the file it is given, as a person would."""
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s' '{append}' >> \"$1\"\n")
    script.chmod(0o755)
    return str(script)


def test_edit_creates_the_local_file_and_show_uses_it(env, tmp_path):
    env = dict(env, EDITOR=editor(tmp_path, "[limits]\nnofile = 77\n"))
    env.pop("VISUAL", None)
    result = run_pyjail("profile", "edit", "curl", env=env)
    assert result.returncode == 0, result.stderr
    local = user_dir(env) / "curl.local.toml"
    text = local.read_text()
    assert text.startswith(
        "# Local changes to the curl profile: pyjail merges this file after\n"
    )
    assert text.endswith("[limits]\nnofile = 77\n")

    show = run_pyjail("profile", "show", "curl", env=env)
    assert re.fullmatch(
        r"nofile = 77 +# curl\.local\.toml", _value_line(show.stdout, "nofile")
    )


def test_edit_keeps_an_existing_local_file(env, tmp_path):
    local = user_dir(env) / "jq.local.toml"
    local.write_text("# mine\n")
    env = dict(env, EDITOR=editor(tmp_path, "[limits]\nnofile = 5\n"))
    env.pop("VISUAL", None)
    assert run_pyjail("profile", "edit", "jq", env=env).returncode == 0
    assert local.read_text() == "# mine\n[limits]\nnofile = 5\n"


def test_edit_reports_a_mistake_made_in_the_editor(env, tmp_path):
    env = dict(env, EDITOR=editor(tmp_path, "[limits]\nnofiles = 5\n"))
    env.pop("VISUAL", None)
    result = run_pyjail("profile", "edit", "jq", env=env)
    assert result.returncode == 1
    local = user_dir(env) / "jq.local.toml"
    assert (
        result.stderr
        == f"pyjail: {local}: [limits].nofiles: unknown key (did you mean nofile?)\n"
    )


def test_edit_with_a_failing_editor_exits_1_and_creates_nothing(env):
    env = dict(env, EDITOR="false")
    env.pop("VISUAL", None)
    result = run_pyjail("profile", "edit", "curl", env=env)
    assert result.returncode == 1
    assert result.stderr == (
        "pyjail: profile edit: editor 'false' exited with status 1; "
        "curl.local.toml left as it was\n"
    )
    assert not (user_dir(env) / "curl.local.toml").exists()


def test_edit_with_an_editor_that_fails_after_writing_keeps_the_old_file(env, tmp_path):
    local = user_dir(env) / "jq.local.toml"
    local.write_text("# mine\n")
    script = tmp_path / "broken-editor.sh"
    script.write_text("#!/bin/sh\nprintf '[limits]\\nnofile = 5\\n' >> \"$1\"\nexit 3\n")
    script.chmod(0o755)
    env = dict(env, EDITOR=str(script))
    env.pop("VISUAL", None)
    result = run_pyjail("profile", "edit", "jq", env=env)
    assert result.returncode == 1
    assert result.stderr == (
        f"pyjail: profile edit: editor {str(script)!r} exited with status 3; "
        "jq.local.toml left as it was\n"
    )
    assert local.read_text() == "# mine\n"


def test_edit_unknown_profile_and_missing_editor(env):
    result = run_pyjail("profile", "edit", "firefx", env=env)
    assert result.returncode == 125
    assert (
        result.stderr
        == "pyjail: firefx: no profile of that name (did you mean firefox?)\n"
    )

    env = dict(env, EDITOR="/nonexistent/editor")
    env.pop("VISUAL", None)
    result = run_pyjail("profile", "edit", "jq", env=env)
    assert result.returncode == 125
    assert result.stderr == (
        "pyjail: profile edit: cannot run editor '/nonexistent/editor': "
        "No such file or directory (set $EDITOR)\n"
    )


# --- the command itself -------------------------------------------------------


def test_profile_without_a_command_prints_usage(env):
    result = run_pyjail("profile", env=env)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: pyjail profile COMMAND [ARGS...]\n")
    for name in ("list", "show", "check", "edit"):
        assert f"\n  {name} " in result.stdout


def test_profile_unknown_command(env):
    result = run_pyjail("profile", "lst", env=env)
    assert result.returncode == 125
    assert result.stderr.startswith(
        "pyjail: profile: unknown command 'lst' (expected one of: list, show, check, edit"
    )
