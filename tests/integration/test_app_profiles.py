"""Smoke tests of the bundled application profiles with the real programs.

Each test lets the application do real work on input the test makes, under
the profile pyjail picks by the program's name, and then has the same
application try one thing its profile forbids: read a planted key in a
hidden directory, or open a network socket. Every forbidden attempt
succeeds without pyjail, so each test fails if the sandbox is off.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from conftest import (
    PYJAIL,
    TEST_TEMP_ROOT,
    UNPRIVILEGED_UID,
    as_user,
    require,
    run_pyjail,
)

SECRET = "SECRET-KEY-3141592653"
NO_NETWORK = "Address family not supported by protocol"


@pytest.fixture
def home(world_tmp) -> Path:
    """A HOME with a planted key in each directory profiles hide."""
    home = world_tmp / "home"
    for directory in (".ssh", ".gnupg", ".aws"):
        (home / directory).mkdir(parents=True, mode=0o700)
        (home / directory / "id_test").write_text(SECRET + "\n")
    return home


def jailed(home: Path, *command, user=None, cwd=None, env=None, timeout=60):
    """Run `pyjail COMMAND` with HOME=home, the profile chosen by name."""
    environment = dict(os.environ, HOME=str(home), **(env or {}))
    return run_pyjail(*command, env=environment, user=user, cwd=cwd, timeout=timeout)


def assert_ok(result) -> None:
    assert result.returncode == 0, (
        f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    )


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; fails if it is not a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def secret_hidden(result) -> None:
    """The program failed to show the planted key."""
    assert SECRET not in result.stdout + result.stderr
    assert result.returncode != 0


# --- browsers ----------------------------------------------------------------


def give_to_user(*paths: Path) -> None:
    for path in paths:
        for item in [path, *path.rglob("*")]:
            os.chown(item, UNPRIVILEGED_UID, UNPRIVILEGED_UID)


PAGE = '<html><body style="background:#c00"><h1>pyjail smoke test</h1></body></html>'


@pytest.fixture
def page(world_tmp) -> Path:
    path = world_tmp / "page.html"
    path.write_text(PAGE)
    path.chmod(0o644)
    return path


@pytest.mark.slow
@pytest.mark.unprivileged
def test_firefox_screenshots_a_local_page(home, page, world_tmp):
    require("firefox-esr")
    give_to_user(home)
    shot = home / "out.png"
    result = jailed(
        home,
        "firefox-esr",
        "--headless",
        "--screenshot",
        str(shot),
        page.as_uri(),
        user=UNPRIVILEGED_UID,
        timeout=120,
    )
    assert_ok(result)
    assert png_size(shot)[0] > 100


@pytest.mark.slow
@pytest.mark.unprivileged
def test_firefox_as_root_needs_moz_assume_user_ns(home, page):
    """The documented root work-around: Firefox keeps its seccomp sandbox."""
    require("firefox-esr")
    shot = home / "root.png"
    result = jailed(
        home,
        "firefox-esr",
        "--headless",
        "--screenshot",
        str(shot),
        page.as_uri(),
        env={"MOZ_ASSUME_USER_NS": "0"},
        timeout=120,
    )
    assert_ok(result)
    assert png_size(shot)[0] > 100


@pytest.mark.slow
@pytest.mark.unprivileged
def test_chromium_screenshots_a_local_page_and_cannot_read_ssh(home, page):
    require("chromium")
    give_to_user(home)
    shot = home / "out.png"
    result = jailed(
        home,
        "chromium",
        "--headless",
        f"--screenshot={shot}",
        page.as_uri(),
        user=UNPRIVILEGED_UID,
        timeout=120,
    )
    assert_ok(result)
    assert png_size(shot)[0] > 100

    key = home / ".ssh" / "id_test"
    result = jailed(
        home,
        "chromium",
        "--headless",
        "--dump-dom",
        key.as_uri(),
        user=UNPRIVILEGED_UID,
        timeout=120,
    )
    assert SECRET not in result.stdout


BROWSERS = {
    "firefox": (["firefox-esr", "--headless"], "-contentproc", "firefox-esr"),
    "chromium": (
        ["chromium", "--headless", "--remote-debugging-port=0"],
        "--type=renderer",
        "chromium",
    ),
}


@pytest.mark.slow
@pytest.mark.unprivileged
@pytest.mark.parametrize("browser", BROWSERS)
def test_browser_sandbox_starts_inside_pyjail(browser, home, page):
    """Content processes get the browser's own filter and user namespace,
    and the browser's view of the file system has no ~/.ssh key."""
    command, content_marker, binary = BROWSERS[browser]
    require(command[0])
    give_to_user(home)
    environment = dict(os.environ, HOME=str(home))
    launcher = subprocess.Popen(
        as_user(UNPRIVILEGED_UID, [PYJAIL, *command, page.as_uri()]),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        main, content = _wait_for_content(launcher.pid, content_marker, binary)
        assert _status(content, "Seccomp_filters") > _status(main, "Seccomp_filters")
        assert os.readlink(f"/proc/{content}/ns/user") != os.readlink(
            f"/proc/{main}/ns/user"
        )
        seen_by_browser = f"/proc/{main}/root{home}/.ssh/id_test"
        with pytest.raises(OSError):
            Path(seen_by_browser).read_text()
    finally:
        launcher.send_signal(signal.SIGTERM)
        try:
            launcher.wait(timeout=20)
        except subprocess.TimeoutExpired:
            launcher.kill()
            launcher.wait()


def _wait_for_content(root: int, marker: str, binary: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        main = content = None
        for pid in _descendants(root):
            # Chromium rewrites its argv into one string: compare words.
            words = " ".join(_cmdline(pid)).split()
            if not words or not os.path.basename(words[0]).startswith(binary):
                continue
            if marker in words:
                content = pid
            elif not any(w.startswith(("-contentproc", "--type=")) for w in words):
                main = pid
        if (
            main
            and content
            and _status(content, "Seccomp_filters") > _status(main, "Seccomp_filters")
        ):
            return main, content
        time.sleep(0.2)
    raise AssertionError(f"no sandboxed {marker} process of {binary} appeared")


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        return (
            Path(f"/proc/{pid}/cmdline")
            .read_bytes()
            .decode(errors="replace")
            .split("\0")
        )
    except OSError:
        return []


def _status(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split(":", 1)[1])
    except OSError:
        pass
    return -1


# --- network clients ---------------------------------------------------------


def test_curl_fetches_from_a_local_server_but_not_a_hidden_key(
    home, http_server, tmp_path
):
    require("curl")
    out = tmp_path / "probe.c"
    assert_ok(jailed(home, "curl", "-sSf", "-o", str(out), f"{http_server}/probe.c"))
    assert (
        out.read_bytes()
        == (Path(__file__).parent.parent / "helpers" / "probe.c").read_bytes()
    )

    secret_hidden(jailed(home, "curl", "-sS", (home / ".ssh" / "id_test").as_uri()))


def test_wget_fetches_from_a_local_server_but_not_a_hidden_key(
    home, http_server, tmp_path
):
    require("wget")
    out = tmp_path / "probe.c"
    assert_ok(jailed(home, "wget", "-q", "-O", str(out), f"{http_server}/probe.c"))
    assert b"int main" in out.read_bytes()

    # -i reads the URLs to fetch from a file: an open key would show up in
    # wget's complaint that it is not a URL.
    result = jailed(home, "wget", "-O", "-", "-i", str(home / ".ssh" / "id_test"))
    assert SECRET not in result.stdout + result.stderr
    assert "id_test" in result.stderr


def _git_env() -> dict:
    return {
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_NOSYSTEM": "1",
    }  # fmt: skip


def test_git_clones_a_local_repository_but_cannot_read_aws_keys(home, tmp_path):
    require("git")
    origin = tmp_path / "origin"
    env = dict(os.environ, HOME=str(home), **_git_env())
    subprocess.run(["git", "init", "-q", str(origin)], check=True, env=env)
    (origin / "README").write_text("cloned under pyjail\n")
    subprocess.run(["git", "-C", str(origin), "add", "README"], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(origin), "commit", "-qm", "one"], check=True, env=env
    )

    clone = tmp_path / "clone"
    assert_ok(
        jailed(home, "git", "clone", "-q", str(origin), str(clone), env=_git_env())
    )
    assert (clone / "README").read_text() == "cloned under pyjail\n"

    result = jailed(home, "git", "hash-object", str(home / ".aws" / "id_test"))
    assert result.returncode != 0 and "id_test" in result.stderr


def test_ssh_reads_its_own_config_but_not_gnupg(home):
    require("ssh")
    # ssh finds ~ in the password database, not in $HOME: name the file.
    config = home / ".ssh" / "config"
    config.write_text("Host planted\n    HostName 127.0.0.9\n    Port 2222\n")
    result = jailed(home, "ssh", "-F", str(config), "-G", "planted")
    assert_ok(result)
    assert "hostname 127.0.0.9" in result.stdout and "port 2222" in result.stdout

    result = jailed(
        home, "ssh", "-F", str(home / ".gnupg" / "id_test"), "-G", "planted"
    )
    assert result.returncode != 0 and "Can't open user config file" in result.stderr


def test_rsync_copies_a_tree_but_not_gnupg(home, tmp_path):
    require("rsync")
    source = tmp_path / "src"
    (source / "a" / "b").mkdir(parents=True)
    (source / "a" / "b" / "file").write_text("deep\n")
    target = tmp_path / "dst"
    assert_ok(jailed(home, "rsync", "-a", f"{source}/", str(target)))
    assert (target / "a" / "b" / "file").read_text() == "deep\n"

    stolen = tmp_path / "stolen"
    result = jailed(home, "rsync", "-a", f"{home}/.gnupg/", str(stolen))
    assert result.returncode != 0
    assert not (stolen / "id_test").exists()


# --- keys and archives -------------------------------------------------------


@pytest.fixture
def short_home():
    """A HOME short enough for gpg-agent's socket path (108 bytes at most)."""
    home = Path(tempfile.mkdtemp(prefix="g", dir=TEST_TEMP_ROOT))
    for directory in (".ssh", ".gnupg"):
        (home / directory).mkdir(mode=0o700)
        (home / directory / "id_test").write_text(SECRET + "\n")
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_gpg_encrypts_and_decrypts_but_cannot_read_ssh(short_home, tmp_path):
    require("gpg")
    home = short_home
    plain = tmp_path / "plain.txt"
    plain.write_text("attack at dawn\n")
    secret_box = tmp_path / "plain.gpg"
    gpg = [
        "gpg",
        "--batch",
        "--yes",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "pw",
    ]
    assert_ok(jailed(home, *gpg, "--symmetric", "-o", str(secret_box), str(plain)))
    assert secret_box.read_bytes() != plain.read_bytes()
    result = jailed(home, *gpg, "--decrypt", str(secret_box))
    assert_ok(result)
    assert result.stdout == "attack at dawn\n"

    stolen = tmp_path / "key.gpg"
    result = jailed(
        home, *gpg, "--symmetric", "-o", str(stolen), str(home / ".ssh" / "id_test")
    )
    assert result.returncode != 0 and not stolen.exists()


def _tree(root: Path) -> None:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("alpha\n")
    (root / "b.txt").write_text("beta\n")


def test_tar_unpacks_an_archive_but_cannot_open_a_socket(home, tmp_path, http_server):
    require("tar")
    _tree(tmp_path / "in")
    archive = tmp_path / "in.tar.gz"
    subprocess.run(
        ["tar", "-czf", str(archive), "-C", str(tmp_path / "in"), "."], check=True
    )
    out = tmp_path / "out"
    out.mkdir()
    assert_ok(jailed(home, "tar", "-xzf", str(archive), "-C", str(out)))
    assert (out / "docs" / "a.txt").read_text() == "alpha\n"

    # --to-command runs a program per member: it inherits tar's sandbox.
    port = http_server.rsplit(":", 1)[1]
    connect = f'bash -c "exec 3<>/dev/tcp/127.0.0.1/{port}"'
    result = jailed(
        home, "tar", "-xzf", str(archive), "-C", str(out), f"--to-command={connect}"
    )
    assert result.returncode != 0
    assert NO_NETWORK in result.stderr


def test_unzip_unpacks_an_archive_but_cannot_write_into_ssh(home, tmp_path):
    require("unzip")
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("docs/a.txt", "alpha\n")
        handle.writestr("b.txt", "beta\n")
    out = tmp_path / "out"
    assert_ok(jailed(home, "unzip", "-q", str(archive), "-d", str(out)))
    assert (out / "docs" / "a.txt").read_text() == "alpha\n"

    result = jailed(home, "unzip", "-q", "-o", str(archive), "-d", str(home / ".ssh"))
    assert result.returncode != 0
    assert not (home / ".ssh" / "b.txt").exists()


def test_zip_packs_files_but_not_a_hidden_key(home, tmp_path):
    require("zip")
    _tree(tmp_path / "in")
    archive = tmp_path / "out.zip"
    assert_ok(jailed(home, "zip", "-qr", str(archive), ".", cwd=str(tmp_path / "in")))
    with zipfile.ZipFile(archive) as handle:
        assert handle.read("docs/a.txt") == b"alpha\n"

    stolen = tmp_path / "stolen.zip"
    jailed(home, "zip", "-q", str(stolen), str(home / ".ssh" / "id_test"))
    assert not stolen.exists()


def test_7z_unpacks_an_archive_but_cannot_pack_a_hidden_key(home, tmp_path):
    require("7z")
    _tree(tmp_path / "in")
    archive = tmp_path / "in.7z"
    subprocess.run(
        ["7z", "a", "-bd", str(archive), "."],
        cwd=tmp_path / "in",
        check=True,
        capture_output=True,
    )
    out = tmp_path / "out"
    assert_ok(jailed(home, "7z", "x", "-bd", f"-o{out}", str(archive)))
    assert (out / "docs" / "a.txt").read_text() == "alpha\n"

    stolen = tmp_path / "stolen.7z"
    result = jailed(home, "7z", "a", "-bd", str(stolen), str(home / ".ssh" / "id_test"))
    assert result.returncode != 0
    assert not stolen.exists() or SECRET.encode() not in _7z_listing(stolen)


def _7z_listing(archive: Path) -> bytes:
    return subprocess.run(["7z", "x", "-so", str(archive)], capture_output=True).stdout


@pytest.mark.parametrize("program", ["gzip", "xz", "bzip2", "zstd"])
def test_compressor_round_trip_but_not_a_hidden_key(program, home, tmp_path):
    require(program)
    data = tmp_path / "data.txt"
    data.write_text("pyjail " * 1000)
    result = subprocess.run(
        [PYJAIL, program, "-c", str(data)],
        capture_output=True,
        env=dict(os.environ, HOME=str(home)),
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) < 1000
    unpacked = subprocess.run(
        [program, "-dc"], input=result.stdout, capture_output=True, check=True
    )
    assert unpacked.stdout == data.read_bytes()

    secret_hidden(jailed(home, program, "-c", str(home / ".ssh" / "id_test")))


# --- media, data and documents -------------------------------------------------


def test_ffmpeg_transcodes_a_clip_but_cannot_open_a_stream(home, tmp_path, http_server):
    require("ffmpeg")
    clip = tmp_path / "clip.mkv"
    assert_ok(jailed(
        home, "ffmpeg", "-v", "error", "-f", "lavfi",
        "-i", "testsrc=duration=1:size=96x64:rate=10", "-c:v", "ffv1", str(clip),
    ))  # fmt: skip
    out = tmp_path / "clip.avi"
    assert_ok(
        jailed(
            home, "ffmpeg", "-v", "error", "-i", str(clip), "-c:v", "mpeg4", str(out)
        )
    )
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames",
         "-of", "json", str(out)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream["codec_name"] == "mpeg4" and stream["nb_read_frames"] == "10"

    result = jailed(
        home,
        "ffmpeg",
        "-v",
        "error",
        "-i",
        f"{http_server}/clip.mkv",
        "-f",
        "null",
        "-",
    )
    assert result.returncode != 0
    assert NO_NETWORK in result.stderr


def test_convert_resizes_an_image_but_not_one_in_gnupg(home, tmp_path):
    require("convert-im6.q16")
    # ImageMagick's own convert by path, whatever else PATH may put first.
    convert = "/usr/bin/convert"
    image = tmp_path / "in.ppm"
    image.write_bytes(b"P6\n40 30\n255\n" + bytes([200, 10, 10]) * 1200)
    out = tmp_path / "out.png"
    assert_ok(jailed(home, convert, str(image), "-resize", "50%", str(out)))
    assert png_size(out) == (20, 15)

    shutil.copy(image, home / ".gnupg" / "photo.ppm")
    stolen = tmp_path / "stolen.png"
    result = jailed(home, convert, str(home / ".gnupg" / "photo.ppm"), str(stolen))
    assert result.returncode != 0 and not stolen.exists()


def test_sqlite3_runs_a_query_but_cannot_read_a_hidden_key(home, tmp_path):
    require("sqlite3")
    database = tmp_path / "shop.db"
    with sqlite3.connect(database) as connection:
        connection.execute("create table fruit (name text, price int)")
        connection.executemany(
            "insert into fruit values (?, ?)", [("apple", 3), ("pear", 5), ("fig", 7)]
        )
    connection.close()
    result = jailed(
        home, "sqlite3", str(database), "select sum(price), max(name) from fruit"
    )
    assert_ok(result)
    assert result.stdout.strip() == "15|pear"

    result = jailed(home, "sqlite3", ":memory:", f".read {home}/.ssh/id_test")
    assert SECRET not in result.stdout + result.stderr
    assert "cannot open" in result.stderr


def test_jq_transforms_json_but_cannot_read_a_hidden_key(home, tmp_path):
    require("jq")
    data = tmp_path / "in.json"
    data.write_text(json.dumps({"items": [{"n": 1}, {"n": 2}, {"n": 39}]}))
    result = jailed(home, "jq", "-c", "[.items[].n] | add", str(data))
    assert_ok(result)
    assert result.stdout.strip() == "42"

    secret_hidden(
        jailed(home, "jq", "-n", "--rawfile", "k", str(home / ".ssh" / "id_test"), "$k")
    )


def test_file_identifies_a_png_but_cannot_open_a_hidden_key(home, tmp_path):
    """file(1) loads its own seccomp filter: that must work inside pyjail's."""
    require("file")
    image = tmp_path / "x.png"
    image.write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        + struct.pack(">II", 3, 2)
        + b"\x08\x02\x00\x00\x00"
    )
    result = jailed(home, "file", "-b", str(image))
    assert_ok(result)
    assert result.stdout.startswith("PNG image data, 3 x 2")

    result = jailed(home, "file", "-b", str(home / ".ssh" / "id_test"))
    assert "ASCII text" not in result.stdout


def test_less_pages_a_file_but_not_a_hidden_key(home, tmp_path):
    require("less")
    text = tmp_path / "notes.txt"
    text.write_text("first line\nsecond line\n")
    result = jailed(home, "less", "-F", str(text))
    assert_ok(result)
    assert result.stdout == "first line\nsecond line\n"

    result = jailed(home, "less", "-F", str(home / ".ssh" / "id_test"))
    assert SECRET not in result.stdout + result.stderr


# --- build tools and interpreters ----------------------------------------------


def test_make_builds_a_target_but_a_recipe_cannot_reach_the_network(
    home, tmp_path, http_server
):
    require("make")
    port = http_server.rsplit(":", 1)[1]
    (tmp_path / "Makefile").write_text(
        "out.txt: in.txt\n\ttr a-z A-Z < in.txt > out.txt\n"
        f"fetch:\n\tbash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}'\n"
    )
    (tmp_path / "in.txt").write_text("built\n")
    assert_ok(jailed(home, "make", "-s", "out.txt", cwd=str(tmp_path)))
    assert (tmp_path / "out.txt").read_text() == "BUILT\n"

    result = jailed(home, "make", "-s", "fetch", cwd=str(tmp_path))
    assert result.returncode != 0
    assert NO_NETWORK in result.stderr


def test_gcc_compiles_a_program_but_cannot_include_a_hidden_key(home, tmp_path):
    require("gcc")
    source = tmp_path / "hello.c"
    source.write_text(
        '#include <stdio.h>\nint main(void) { puts("hello from gcc"); return 0; }\n'
    )
    binary = tmp_path / "hello"
    assert_ok(jailed(home, "gcc", "-o", str(binary), str(source)))
    assert (
        subprocess.run([str(binary)], capture_output=True, text=True).stdout
        == "hello from gcc\n"
    )

    leak = tmp_path / "leak.c"
    leak.write_text(f'#include "{home}/.ssh/id_test"\n')
    result = jailed(home, "gcc", "-E", str(leak))
    assert result.returncode != 0 and SECRET not in result.stdout


@pytest.mark.parametrize(
    "program, script",
    [
        ("python3", "import sys, hashlib; print(hashlib.sha256(b'pyjail').hexdigest()[:12]); print(open(sys.argv[1]).read())"),
        ("perl", "use Digest::SHA qw(sha256_hex); print substr(sha256_hex('pyjail'),0,12), \"\\n\"; open(F, '<', $ARGV[0]) or die \"cannot open: $!\"; print <F>;"),
        ("lua", "print(string.format('%d', 6*7)); local f = assert(io.open(arg[1])); print(f:read('a'))"),
    ],
)  # fmt: skip
def test_interpreter_runs_a_script_but_cannot_read_a_hidden_key(
    program, script, home, tmp_path
):
    require(program)
    flag = "-e" if program in ("perl", "lua") else "-c"
    data = tmp_path / "data.txt"
    data.write_text("local data\n")
    if program == "lua":
        (tmp_path / "s.lua").write_text(script)
        run = lambda path: jailed(home, "lua", str(tmp_path / "s.lua"), str(path))  # noqa: E731
    else:
        run = lambda path: jailed(home, program, flag, script, str(path))  # noqa: E731
    result = run(data)
    assert_ok(result)
    assert "local data" in result.stdout

    secret_hidden(run(home / ".ssh" / "id_test"))


def test_man_formats_a_page_but_not_a_hidden_file(home):
    """man-db loads its own seccomp filter too: it must start inside pyjail's."""
    require("man")
    page = "/usr/share/man/man1/tar.1.gz"
    result = jailed(home, "man", "-l", page, env={"MANPAGER": "cat", "MANWIDTH": "80"})
    assert_ok(result)
    assert "tar - an archiving utility" in result.stdout

    result = jailed(home, "man", "-l", str(home / ".ssh" / "id_test"), env={"MANPAGER": "cat"})
    assert SECRET not in result.stdout + result.stderr


def test_vim_edits_a_file_but_cannot_read_a_hidden_key(home, tmp_path):
    require("vim")
    text = tmp_path / "text.txt"
    text.write_text("hello world\n")
    assert_ok(jailed(home, "vim", "-Nu", "NONE", "-es", "-c", "%s/hello/bye/", "-c", "wq", str(text)))
    assert text.read_text() == "bye world\n"

    copy = tmp_path / "copy.txt"
    key = home / ".ssh" / "id_test"
    jailed(home, "vim", "-Nu", "NONE", "-es", "-c", f"r {key}", "-c", f"w! {copy}", "-c", "q!")
    assert SECRET not in copy.read_text()
