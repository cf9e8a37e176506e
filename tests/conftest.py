"""Shared fixtures: the real pyjail command, C probes, an unprivileged uid,
and a local HTTP server. Nothing here imitates the kernel."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HELPERS = Path(__file__).resolve().parent / "helpers"
PYJAIL = str(Path(sys.executable).with_name("pyjail"))
UNPRIVILEGED_UID = 65534

# The default profile gives the target a private /tmp, so the files tests
# make for the target (probes, scripts, repositories) must live elsewhere.
# One root per run: pytest makes its pytest-of-USER directory private at
# every start, which would lock the unprivileged uid out of a concurrent run.
#
# Not inside the checkout either: it may sit below a directory other users
# cannot list (a 0711 /root), and Landlock alone cannot restrict part of
# such a directory for the unprivileged uid. /srv is world-listable on
# Debian; the checkout is the fallback where /srv cannot be written.
def _test_temp_base() -> Path:
    for base in (Path("/srv/pyjail-tests"), REPO / ".pytest-tmp"):
        try:
            base.mkdir(mode=0o755, parents=True, exist_ok=True)
            base.chmod(0o755)
            return base
        except OSError:
            continue
    raise RuntimeError("no directory for the tests' temporary files")


TEST_TEMP_BASE = _test_temp_base()
TEST_TEMP_ROOT = TEST_TEMP_BASE / f"run-{os.getpid()}"
TEST_TEMP_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
os.environ["PYTEST_DEBUG_TEMPROOT"] = str(TEST_TEMP_ROOT)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(TEST_TEMP_ROOT, ignore_errors=True)


def run_pyjail(*args, env=None, timeout=60, input=None, user=None, cwd=None):
    """Run the installed pyjail command; `user` drops to that uid first."""
    command = [PYJAIL, *args]
    if user is not None:
        command = as_user(user, command)
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        input=input,
        cwd=cwd,
    )


def as_user(uid: int, command: list[str]) -> list[str]:
    """Prefix a command so it runs as a real unprivileged uid, no caps."""
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
        *command,
    ]


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("build")
    _open_to_everyone(directory, 0o755)
    return directory


@functools.lru_cache(maxsize=None)
def _compile(source: str, output: str) -> str:
    subprocess.run(
        ["gcc", "-O1", "-no-pie", "-pthread", "-o", output, source],
        check=True,
        capture_output=True,
    )
    os.chmod(output, 0o755)
    return output


@pytest.fixture(scope="session")
def probe(build_dir) -> str:
    """The C probe that tries forbidden calls and prints the outcome."""
    return _compile(str(HELPERS / "probe.c"), str(build_dir / "probe"))


@pytest.fixture
def world_tmp(tmp_path) -> Path:
    """A temporary directory an unprivileged uid can use too."""
    _open_to_everyone(tmp_path, 0o777)
    return tmp_path


def _open_to_everyone(path: Path, mode: int) -> None:
    """pytest's base temp is private to root; let other uids traverse it."""
    for parent in path.parents:
        if parent in (Path("/tmp"), Path("/"), REPO, TEST_TEMP_BASE):
            break
        parent.chmod(parent.stat().st_mode | 0o755)
    path.chmod(mode)


@pytest.fixture(scope="session")
def http_server():
    """A small HTTP server on 127.0.0.1 that the tests themselves start."""
    root = Path(__file__).resolve().parent / "helpers"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.fail(f"{program} is not installed: .ci/setup --test installs it")
    return path
