"""The argument parser class shared by pyjail and its subcommands."""

from __future__ import annotations

import argparse

from jail.errors import UsageError


class Parser(argparse.ArgumentParser):
    """argparse that reports mistakes as a UsageError (exit 125), not exit 2."""

    def error(self, message: str):
        raise UsageError(f"{message} (see pyjail --help)")
