"""The man pages: clean roff, and nothing of the interface left out."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, run_pyjail

PAGES = [REPO / "man" / "pyjail.1", REPO / "man" / "pyjail-profile.5"]


def plain_text(page: Path) -> str:
    """The page's source with roff's escaped hyphens and quotes made plain."""
    return page.read_text().replace("\\-", "-").replace("\\(dq", '"')


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_groff_finds_nothing_to_warn_about(page):
    if shutil.which("groff") is None:
        pytest.fail("groff is not installed: .ci/setup --test installs groff-base")
    result = subprocess.run(
        ["groff", "-man", "-ww", "-z", str(page)], capture_output=True, text=True
    )
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_mandoc_lint_is_clean(page):
    if shutil.which("mandoc") is None:
        pytest.fail("mandoc is not installed: .ci/setup --test installs it")
    result = subprocess.run(
        ["mandoc", "-T", "lint", "-W", "warning", str(page)],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_every_option_of_pyjail_help_is_in_pyjail_1():
    help_text = run_pyjail("--help").stdout
    options = set(re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", help_text))
    assert "--profile" in options and "-h" in options
    page = plain_text(PAGES[0])
    missing = sorted(
        o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", page)
    )
    assert missing == []


def test_every_command_is_in_pyjail_1():
    from jail import cli, cmd_profile

    page = plain_text(PAGES[0])
    missing = [
        f"pyjail {name}" for name in cli.SUBCOMMANDS if f"pyjail {name}" not in page
    ]
    missing += [
        f"pyjail profile {name}"
        for name in cmd_profile.COMMANDS
        if f"pyjail profile {name}" not in page
    ]
    assert missing == []


def test_every_profile_key_is_in_pyjail_profile_5():
    from jail.profile_loader import SCHEMA

    page = plain_text(PAGES[1])
    missing = []
    for key, value in SCHEMA.items():
        if isinstance(value, dict):
            if f".SH [{key}]" not in page:
                missing.append(f"[{key}]")
            keys = [k for k in value if not isinstance(value[k], list)]
            for table_key, table in value.items():
                if isinstance(table, list):
                    if f"[[{key}.{table_key}]]" not in page:
                        missing.append(f"[[{key}.{table_key}]]")
                    keys += list(table[0])
        else:
            keys = [key]
        missing += [
            f"{key}.{k}"
            for k in keys
            if not re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", page)
        ]
    assert missing == []


def test_every_limitation_mark_is_listed_in_pyjail_1():
    """Each `# Limitation:` in jail/ has an entry under LIMITATIONS."""
    marks = [
        line
        for path in sorted((REPO / "jail").glob("*.py"))
        for line in path.read_text().splitlines()
        if "# Limitation:" in line
    ]
    page = plain_text(PAGES[0])
    section = page.split(".SH LIMITATIONS", 1)[1].split(".SH ", 1)[0]
    assert section.count(".IP \\(bu") >= len(marks)


def test_pyjail_help_usage_lists_every_command():
    """`pyjail --help` shows each form, as the SYNOPSIS of pyjail.1 does."""
    from jail import cli

    help_text = run_pyjail("--help").stdout
    usage = help_text.split("\n\n", 1)[0]
    assert usage.startswith("usage: pyjail [OPTIONS] [--] PROGRAM [ARGS...]\n")
    missing = [
        name for name in cli.SUBCOMMANDS if not re.search(rf"^\s+pyjail {name}\b", usage, re.M)
    ]
    assert missing == []
