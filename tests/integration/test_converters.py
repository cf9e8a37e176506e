"""Converters: OCI seccomp JSON in and out, Firejail profiles in.

Converted profiles are checked the way a user would use them: real
programs run under them, and the calls they forbid really fail inside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import require, run_pyjail

CONTAINERS_DEFAULT = Path("/work/shared/real-profiles/containers-default.json")
if not CONTAINERS_DEFAULT.exists():
    CONTAINERS_DEFAULT = (
        Path(__file__).resolve().parents[2].parent
        / "shared/real-profiles/containers-default.json"
    )
BUNDLED = Path(__file__).resolve().parents[2] / "profiles.d"
FIREJAIL_DIR = Path("/etc/firejail")

# Prints "name errno" for each call, 0 meaning it succeeded.
ERRNO_PROBE = r"""
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
def call(label, name, *args):
    ctypes.set_errno(0)
    result = getattr(libc, name)(*args)
    print(label, ctypes.get_errno() if result == -1 else 0)
for name in sys.argv[1:]:
    if name == "add_key":  # to the process keyring, gone with the process
        call(name, "syscall", 248, b"user", b"pyjail-test", b"x", 1, -2)  # add_key on x86_64
    elif name == "audit_socket":
        try:
            socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9).close(); print(name, 0)
        except OSError as error:
            print(name, error.errno)
    elif name == "personality_aslr_off":
        call(name, "personality", 0x0040000)
    elif name == "personality_query":
        result = libc.personality(0xffffffff); print(name, 0 if result != -1 else ctypes.get_errno())
"""


def probe(profile: str, *calls: str) -> dict[str, int]:
    result = run_pyjail(
        "--quiet", "--profile", profile, "--", sys.executable, "-c", ERRNO_PROBE, *calls
    )
    assert result.returncode == 0, result.stderr
    return {
        name: int(code)
        for name, code in (line.split() for line in result.stdout.splitlines())
    }


# ------------------------------------------------------------------- OCI


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("oci") / "containers.toml"
    result = run_pyjail("profile", "import", str(CONTAINERS_DEFAULT), "-o", str(output))
    assert result.returncode == 0, result.stderr
    return output


def test_containers_default_imports_with_its_notes(imported):
    text = imported.read_text()
    assert text.startswith(
        "# Converted by `pyjail profile import` from the OCI seccomp profile"
    )
    assert 'default_action = "errno:ENOSYS"' in text
    # Entries that need a capability pyjail does not keep are listed, not dropped silently.
    assert "left out: needs CAP_SYS_ADMIN, not kept" in text
    assert "only for ppc64le" in text
    check = run_pyjail("profile", "check", str(imported))
    assert "error" not in check.stdout.lower() + check.stderr.lower(), (
        check.stdout + check.stderr
    )


@pytest.mark.parametrize("form", ["toml", "json"])
def test_real_programs_run_under_containers_default(
    form, imported, tmp_path, http_server
):
    require("git")
    require("curl")
    profile = str(imported if form == "toml" else CONTAINERS_DEFAULT)
    python = run_pyjail(
        "--profile",
        profile,
        "--",
        sys.executable,
        "-c",
        "import json; print(json.dumps([1, 2]))",
    )
    assert (python.returncode, python.stdout) == (0, "[1, 2]\n"), python.stderr

    repository = tmp_path / "repo"
    env = dict(os.environ, HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1")
    git = run_pyjail(
        "--profile", profile, "--", "git", "init", "-q", str(repository), env=env
    )
    assert git.returncode == 0 and (repository / ".git" / "HEAD").exists(), git.stderr

    curl = run_pyjail(
        "--profile", profile, "--", "curl", "-sS", f"{http_server}/probe.c"
    )
    assert curl.returncode == 0, curl.stderr
    assert "int main" in curl.stdout


@pytest.mark.parametrize("form", ["toml", "json"])
def test_containers_default_denies_from_inside(form, imported):
    profile = str(imported if form == "toml" else CONTAINERS_DEFAULT)
    outcome = probe(
        profile, "add_key", "audit_socket", "personality_aslr_off", "personality_query"
    )
    assert outcome["add_key"] == 38  # not in the allowlist: the default, ENOSYS
    assert outcome["audit_socket"] == 22  # the socket entry's errnoRet, EINVAL
    assert outcome["personality_aslr_off"] == 38
    assert outcome["personality_query"] == 0


def _compile(profile) -> str:
    from jail import seccomp_compiler

    return seccomp_compiler.compile_profile(profile).pfc()


def _reimport(document: dict):
    from jail import convert_oci, profile_loader, profiles

    converted = convert_oci.import_oci(document, "exported.json")
    raw = profile_loader.RawProfile("exported", "exported.json")
    profile_loader.merge_into(
        raw.data, converted.data, raw.origins, "exported.json", ""
    )
    return profiles.build(raw)


ROUND_TRIP_PROFILE = """
description = "every construct the exporter writes"
[seccomp]
default_action = "errno:EPERM"
deny_action = "errno:EACCES"
architectures = ["native", "x86"]
allow = ["@default", "@basic-io", "@file-system", "@process", "@signal", "ioctl", "mlock"]
deny = ["ptrace"]

[[seccomp.rules]]
syscalls = ["uname"]
action = "log"

[[seccomp.rules]]
syscalls = ["setpriority"]
action = "trap"

[[seccomp.rules]]
syscalls = ["munlock"]
action = "allow"
when = ["arg1 < 4096", "arg0 >= 0x1000"]

[[seccomp.rules]]
syscalls = ["socket", "socketpair"]
action = "errno:EAFNOSUPPORT"
unless = ["arg0 == AF_UNIX", "arg0 == AF_INET"]

[[seccomp.rules]]
syscalls = ["ioctl"]
action = "errno:EPERM"
when = ["arg1 == TIOCSTI"]

[[seccomp.rules]]
syscalls = ["mlock"]
action = "kill-process"
when = ["arg1 & 0xfff == 0x1"]
"""


@pytest.mark.parametrize("name", ["default", "strict", "every-construct"])
def test_oci_round_trip_compiles_to_the_same_filter(name, tmp_path):
    from jail import profiles

    if name == "every-construct":
        path = tmp_path / "every.toml"
        path.write_text(ROUND_TRIP_PROFILE)
        name = str(path)
    exported = tmp_path / "exported.json"
    result = run_pyjail(
        "profile", "export", name, "--format", "oci", "-o", str(exported)
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(exported.read_text())
    assert oci_schema_problems(document) == []
    assert _compile(_reimport(document)) == _compile(profiles.load(name))


def test_every_bundled_profile_round_trips_through_oci():
    from jail import convert_oci, profiles

    names = sorted(
        p.stem for p in BUNDLED.glob("*.toml") if not p.stem.endswith(".local")
    )
    different = []
    for name in names:
        profile = profiles.load(name)
        document = convert_oci.export_oci(profile)
        assert oci_schema_problems(document) == [], name
        if _compile(_reimport(document)) != _compile(profile):
            different.append(name)
    assert different == []


def test_exported_json_is_enforced_when_used_directly(tmp_path):
    exported = tmp_path / "default.json"
    assert (
        run_pyjail("profile", "export", "default", "-o", str(exported)).returncode == 0
    )
    outcome = probe(
        str(exported), "personality_aslr_off", "personality_query", "add_key"
    )
    assert outcome == {"personality_aslr_off": 1, "personality_query": 0, "add_key": 1}


def test_export_refuses_what_one_oci_filter_cannot_say(tmp_path):
    profile = tmp_path / "two-args.toml"
    profile.write_text(
        '[seccomp]\ndefault_action = "allow"\n[[seccomp.rules]]\nsyscalls = ["socket"]\n'
        'action = "errno:EPERM"\nunless = ["arg0 == AF_UNIX && arg1 == 1"]\n'
    )
    result = run_pyjail("profile", "export", str(profile))
    assert result.returncode == 125
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"pyjail: {profile}: [seccomp].rules[0]: OCI seccomp JSON cannot express"
    )


def test_includes_and_excludes_follow_the_documented_semantics(tmp_path):
    from jail import convert_oci

    document = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [
            {
                "names": ["chroot"],
                "action": "SCMP_ACT_ALLOW",
                "includes": {"caps": ["CAP_SYS_CHROOT"]},
            },
            {
                "names": ["chroot"],
                "action": "SCMP_ACT_ERRNO",
                "errnoRet": 13,
                "excludes": {"caps": ["CAP_SYS_CHROOT"]},
            },
            {
                "names": ["getpid"],
                "action": "SCMP_ACT_ALLOW",
                "includes": {"minKernel": "99.0"},
            },
            {
                "names": ["gettid"],
                "action": "SCMP_ACT_ALLOW",
                "excludes": {"minKernel": "3.0"},
            },
            {
                "names": ["uname"],
                "action": "SCMP_ACT_ALLOW",
                "includes": {"arches": ["amd64"]},
            },
            {
                "names": ["getuid"],
                "action": "SCMP_ACT_ALLOW",
                "excludes": {"arches": ["amd64"]},
            },
        ],
    }
    context = convert_oci.Context("x86_64", (6, 1), frozenset())
    plain = convert_oci.import_oci(document, "t.json", context=context).data["seccomp"]
    assert plain["allow"] == ["uname"]
    assert (plain["deny"], plain["deny_action"]) == (["chroot"], "errno:EACCES")
    assert "rules" not in plain

    keeping = convert_oci.Context("x86_64", (6, 1), frozenset({"sys_chroot"}))
    kept = convert_oci.import_oci(document, "t.json", context=keeping).data
    assert kept["seccomp"]["allow"] == ["chroot", "uname"]
    assert kept["capabilities"] == {"keep": ["CAP_SYS_CHROOT"]}

    path = tmp_path / "caps.json"
    path.write_text(json.dumps(document))
    result = run_pyjail("profile", "import", str(path), "--keep-cap", "CAP_SYS_CHROOT")
    assert result.returncode == 0, result.stderr
    assert 'keep = ["CAP_SYS_CHROOT"]' in result.stdout


@pytest.mark.parametrize(
    "document, key",
    [
        (
            {"defaultAction": "SCMP_ACT_MAYBE"},
            "defaultAction: unknown action 'SCMP_ACT_MAYBE'",
        ),
        (
            {
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}],
            },
            "syscalls[0].names: expected a non-empty list",
        ),
        (
            {
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [
                    {
                        "names": ["ioctl"],
                        "action": "SCMP_ACT_ERRNO",
                        "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_SAME"}],
                    }
                ],
            },
            "syscalls[0].args[0].op: unknown op 'SCMP_CMP_SAME'",
        ),
        (
            {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]},
            "architectures: unknown architecture",
        ),
    ],
    ids=["action", "names", "op", "arch"],
)
def test_bad_oci_json_is_one_clear_line(document, key, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    for command in (
        ["profile", "import", str(path)],
        ["--profile", str(path), "--", "true"],
    ):
        result = run_pyjail(*command)
        assert result.returncode == 125
        assert result.stderr.startswith(f"pyjail: {path}: {key}"), result.stderr
        assert result.stderr.count("\n") == 1


# Facts of the OCI runtime spec (config-linux.md, "Seccomp") and of the
# fields Docker adds (archMap, comment, includes, excludes), checked the
# way a runtime reads the file.
OCI_ACTIONS = {
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
}
OCI_OPS = {
    "SCMP_CMP_NE",
    "SCMP_CMP_LT",
    "SCMP_CMP_LE",
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
}
OCI_ARCHES = {
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_RISCV64",
}
TOP_FIELDS = {
    "defaultAction",
    "defaultErrnoRet",
    "architectures",
    "archMap",
    "flags",
    "listenerPath",
    "listenerMetadata",
    "syscalls",
}
SYSCALL_FIELDS = {
    "names",
    "action",
    "errnoRet",
    "args",
    "comment",
    "includes",
    "excludes",
}
ARG_FIELDS = {"index", "value", "valueTwo", "op"}
UINT64 = range(0, 1 << 64)


def oci_schema_problems(document) -> list[str]:
    problems = []
    if not isinstance(document, dict):
        return ["not an object"]
    problems += [f"unknown field {k}" for k in set(document) - TOP_FIELDS]
    if document.get("defaultAction") not in OCI_ACTIONS:
        problems.append(f"defaultAction {document.get('defaultAction')!r}")
    if "defaultErrnoRet" in document:
        if document["defaultAction"] not in ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"):
            problems.append("defaultErrnoRet without an errno action")
        if (
            not isinstance(document["defaultErrnoRet"], int)
            or document["defaultErrnoRet"] not in UINT64
        ):
            problems.append("defaultErrnoRet is not a uint")
    for arch in document.get("architectures", []):
        if arch not in OCI_ARCHES:
            problems.append(f"architecture {arch!r}")
    default = (document.get("defaultAction"), document.get("defaultErrnoRet"))
    for index, entry in enumerate(document.get("syscalls", [])):
        where = f"syscalls[{index}]"
        problems += [f"{where}: unknown field {k}" for k in set(entry) - SYSCALL_FIELDS]
        names = entry.get("names")
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n for n in names)
        ):
            problems.append(f"{where}: names")
        if entry.get("action") not in OCI_ACTIONS:
            problems.append(f"{where}: action {entry.get('action')!r}")
        if "errnoRet" in entry and entry.get("action") not in (
            "SCMP_ACT_ERRNO",
            "SCMP_ACT_TRACE",
        ):
            problems.append(f"{where}: errnoRet without an errno action")
        if (entry.get("action"), entry.get("errnoRet")) == default:
            problems.append(
                f"{where}: the default action again (libseccomp refuses such a rule)"
            )
        seen = set()
        for arg in entry.get("args") or []:
            problems += [f"{where}: arg field {k}" for k in set(arg) - ARG_FIELDS]
            if arg.get("op") not in OCI_OPS:
                problems.append(f"{where}: op {arg.get('op')!r}")
            if arg.get("index") not in range(6) or arg["index"] in seen:
                problems.append(
                    f"{where}: index {arg.get('index')!r} (0..5, once per entry)"
                )
            seen.add(arg.get("index"))
            for key in ("value", "valueTwo"):
                if (
                    not isinstance(arg.get(key, 0), int)
                    or arg.get(key, 0) not in UINT64
                ):
                    problems.append(f"{where}: {key} is not a uint64")
    return problems


def test_the_schema_check_catches_mistakes():
    good = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }
    assert oci_schema_problems(good) == []
    bad = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["x86_64"],
        "syscalls": [
            {
                "names": ["mount"],
                "action": "errno",
                "args": [{"index": 7, "value": -1, "op": "=="}],
            },
            {"names": ["umount2"], "action": "SCMP_ACT_ALLOW"},
        ],
    }
    assert len(oci_schema_problems(bad)) == 6


# -------------------------------------------------------------- Firejail


def test_every_debian_firejail_profile_converts(capsys):
    """Each of them converts, writes valid TOML, and loads as a profile."""
    import tomllib

    from jail import convert_firejail, profile_loader, profiles

    files = sorted(FIREJAIL_DIR.glob("*.profile"))
    if len(files) < 100:
        pytest.fail("firejail-profiles is not installed: .ci/setup --test installs it")
    started = time.monotonic()
    default = profile_loader.load_raw(profile_loader.find_profile("default"))
    unmapped = 0
    for number, path in enumerate(files):
        converted = convert_firejail.convert_file(path)
        unmapped += len(converted.unmapped)
        data = converted.data
        if (
            number % 10 == 0
        ):  # the TOML text itself, for a tenth of them (parsing all takes long)
            data = tomllib.loads(convert_firejail.to_toml(converted))
            assert data == converted.data
        profile_loader.check_schema(data, profile_loader.SCHEMA, str(path), "")
        raw = profile_loader.RawProfile(path.stem, str(path))
        if "default" in data.get("include", []):
            profile_loader.merge_into(
                raw.data,
                json.loads(json.dumps(default.data)),
                raw.origins,
                "default",
                "",
            )
        own = {k: v for k, v in data.items() if k != "include"}
        profile_loader.merge_into(raw.data, own, raw.origins, str(path), "")
        profiles.build(raw)
    with capsys.disabled():
        print(
            f"\nfirejail: {len(files)} profiles converted in {time.monotonic() - started:.1f} s, "
            f"{unmapped} directives without a pyjail counterpart listed in their comments"
        )


FIREJAIL_PROFILE = """\
# a profile using each mapped directive
include extra.inc
include test.local
seccomp.drop mkdir,@swap,no_such_call
caps.drop all
caps.keep net_bind_service
nonewprivs
noroot
net none
noblacklist ${HOME}/public
blacklist ${HOME}/secret
blacklist ${HOME}/public
read-only ${HOME}/readonly
rlimit-nofile 64
hostname jailhost
apparmor
ignore quiet
quiet
whitelist /usr/share/doc
"""


def test_a_converted_firejail_profile_confines_a_real_program(tmp_path, http_server):
    home = tmp_path / "home"
    (home / "readonly").mkdir(parents=True)
    for name in ("secret", "secret2", "public"):
        (home / name).write_text(name)
    (tmp_path / "extra.inc").write_text("blacklist ${HOME}/secret2\n")
    source = tmp_path / "test.profile"
    source.write_text(FIREJAIL_PROFILE)
    output = tmp_path / "test.toml"
    result = run_pyjail(
        "profile", "import", "--format", "firejail", str(source), "-o", str(output)
    )
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    # What has no counterpart is listed; what `ignore` switched off is not.
    for line in (
        "#   apparmor",
        "#   whitelist /usr/share/doc",
        "#   seccomp.drop no_such_call",
    ):
        assert line in text
    assert "#   quiet" not in text

    port = http_server.rsplit(":", 1)[1]
    script = (
        "cat ~/secret; cat ~/secret2; cat ~/public; echo; touch ~/readonly/new; echo touch=$?; "
        "mkdir ~/made; echo mkdir=$?; ulimit -n; hostname; "
        f"curl -s -o /dev/null http://127.0.0.1:{port}/; echo curl=$?"
    )
    env = dict(os.environ, HOME=str(home))
    run = run_pyjail(
        "--quiet", "--profile", str(output), "--", "sh", "-c", script, env=env
    )
    lines = run.stdout.splitlines()
    assert lines[0] == "public", (
        run.stdout + run.stderr
    )  # secret and secret2 are hidden
    assert "touch=1" in lines and "mkdir=1" in lines
    assert not (home / "made").exists() and not (home / "readonly" / "new").exists()
    assert "64" in lines and "jailhost" in lines
    assert "curl=0" not in lines  # net none: the host's 127.0.0.1 is out of reach
    assert (
        subprocess.run(["curl", "-s", "-o", "/dev/null", http_server + "/"]).returncode
        == 0
    )


# Control characters a damaged or hostile profile may hold, in directives
# that are mapped (a path, a hostname) and in ones that are only listed.
GARBAGE_PROFILE = (
    "blacklist ${HOME}/se\x01cret\x7f\n"
    "hostname ja\x02il\n"
    '\x01\x02garbage "quoted" \\back\x7f\x1b[31m\n'
    "rlimit-nofile 6\x034\n"
)


def test_a_firejail_profile_with_control_characters_converts_to_a_profile_that_loads(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "se\x01cret\x7f").write_text("secret\n")
    (home / "public").write_text("public\n")
    source = tmp_path / "garbage.profile"
    source.write_bytes(GARBAGE_PROFILE.encode())
    output = tmp_path / "fj.toml"
    result = run_pyjail("profile", "import", "--format", "firejail", str(source), "-o", str(output))
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert '#   \\x01\\x02garbage "quoted" \\back\\x7f\\x1b[31m' in text  # shown, not dropped

    check = run_pyjail("profile", "check", str(output))
    assert check.returncode == 0, check.stderr
    # The escaped path is the real one: it is hidden inside, the others are not.
    env = dict(os.environ, HOME=str(home))
    run = run_pyjail(
        "--quiet", "--profile", str(output), "--", "sh", "-c",
        'cat ~/public; cat ~/se"$(printf "\\001")"cret"$(printf "\\177")"; echo cat=$?',
        env=env,
    )
    assert run.stdout.splitlines()[0] == "public" and "secret" not in run.stdout, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] != "cat=0"


def test_an_include_of_a_file_that_is_no_firejail_profile_is_listed_once_not_inlined(tmp_path):
    (tmp_path / "passwd-copy.inc").write_bytes(Path("/etc/passwd").read_bytes())
    source = tmp_path / "incl.profile"
    source.write_text(
        "include /etc/passwd\ninclude passwd-copy.inc\ninclude /etc/passwd\nprivate-tmp\n"
    )
    output = tmp_path / "incl.toml"
    result = run_pyjail("profile", "import", "--format", "firejail", str(source), "-o", str(output))
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert "root:" not in text
    assert text.count("#   include /etc/passwd   (not a Firejail profile)") == 1
    assert "#   include passwd-copy.inc   (not a Firejail profile)" in text  # by content
    assert "# and the 0 files it includes." in text
    # What the profile does say still works.
    run = run_pyjail("--quiet", "--profile", str(output), "--", "sh", "-c", "ls -A /tmp | wc -l")
    assert run.returncode == 0 and run.stdout.strip() == "0", run.stdout + run.stderr


def test_a_firejail_path_a_profile_cannot_name_is_left_out_not_altered(tmp_path):
    """Bytes that are not UTF-8, or a NUL, must not become a look-alike path
    that hides (or keeps) another file than the one Firejail meant."""
    source = tmp_path / "odd.profile"
    source.write_bytes(b"blacklist /tmp/\xff\xfe\nblacklist /tmp/a\x00b\nhostname h\x00x\nblacklist /tmp/ok\n")
    output = tmp_path / "odd.toml"
    result = run_pyjail("profile", "import", str(source), "-o", str(output))
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert "#   blacklist /tmp/\\xff\\xfe   (not UTF-8 text, or a NUL" in text
    assert "#   hostname h\\0x   (not UTF-8 text, or a NUL" in text
    assert 'hide = ["/tmp/ok"]' in text
    assert "\ufffd" not in text and "\\u0000" not in text
    assert run_pyjail("profile", "check", str(output)).returncode == 0
