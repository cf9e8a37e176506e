"""The one C extension; everything else is declared in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("jail._native", sources=["jail/_native.c"])])
