"""pyjail: run a program in a sandbox described by a TOML profile."""

__version__ = "0.1.0"
