"""`pyjail profile import` and `pyjail profile export`: other formats.

Import reads OCI seccomp JSON (Docker, Podman, runc) or a Firejail
profile and writes a pyjail TOML profile; export writes a pyjail profile's
seccomp filter as OCI seccomp JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from jail.errors import UsageError

FIREJAIL_SUFFIXES = (".profile", ".inc", ".local")


def import_main(argv: list[str]) -> int:
    from jail.cli_parser import Parser

    parser = Parser(
        prog="pyjail profile import",
        description="Convert an OCI seccomp JSON file or a Firejail profile "
        "into a pyjail profile.",
    )
    parser.add_argument(
        "file", metavar="FILE", help="FILE.json (OCI) or FILE.profile (Firejail)"
    )
    parser.add_argument(
        "--format",
        choices=("oci", "firejail"),
        help="input format (default: by the file name)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="NAME.toml",
        help="write here (default: standard output)",
    )
    parser.add_argument(
        "--keep-cap",
        action="append",
        default=[],
        metavar="CAP",
        help="OCI: the profile keeps this capability; entries that need it apply",
    )
    options = parser.parse_args(argv)

    path = Path(options.file)
    text = _convert(path, options.format or _guess_format(path), options.keep_cap)
    _write(options.output, text)
    return 0


def _guess_format(path: Path) -> str:
    if path.suffix == ".json":
        return "oci"
    if path.suffix in FIREJAIL_SUFFIXES:
        return "firejail"
    raise UsageError(
        f"{path}: cannot tell the format from the name "
        "(use --format oci or --format firejail)"
    )


def _convert(path: Path, kind: str, keep_caps: list[str]) -> str:
    if kind == "oci":
        from jail import caps, convert_oci

        for name in keep_caps:
            if caps.capability_number(name) is None:
                raise UsageError(f"--keep-cap {name}: unknown capability")
        document = convert_oci.read_file(path)
        return convert_oci.to_toml(
            convert_oci.import_oci(document, str(path), keep_caps)
        )
    from jail import convert_firejail

    if keep_caps:
        raise UsageError(
            "--keep-cap is for OCI input; a Firejail profile says caps.keep itself"
        )
    return convert_firejail.to_toml(convert_firejail.convert_file(path))


def export_main(argv: list[str]) -> int:
    from jail import convert_oci, profiles
    from jail.cli_parser import Parser

    parser = Parser(
        prog="pyjail profile export",
        description="Write a profile's seccomp filter in another format.",
    )
    parser.add_argument("profile", metavar="NAME|PATH", help="the profile to export")
    parser.add_argument(
        "--format", choices=("oci",), default="oci", help="output format (default: oci)"
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write here (default: standard output)"
    )
    options = parser.parse_args(argv)

    document = convert_oci.export_oci(profiles.load(options.profile))
    _write(options.output, json.dumps(document, indent=2) + "\n")
    return 0


def _write(output: str | None, text: str) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    try:
        with open(output + ".tmp", "w") as handle:
            handle.write(text)
        os.replace(output + ".tmp", output)
    except OSError as error:
        raise UsageError(f"{output}: cannot write: {error.strerror}") from None
