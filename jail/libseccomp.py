"""Load pyseccomp (the ctypes binding of libseccomp) cheaply, on demand.

pyseccomp looks libc and libseccomp up with ctypes.util.find_library, which
starts helper processes and costs about 13 ms each time. The sonames are
fixed on every distribution we run on, so the lookup is answered directly
while the module imports. Nothing here runs on a cached launch.
"""

from __future__ import annotations

import ctypes.util
import functools

SONAMES = {"c": "libc.so.6", "seccomp": "libseccomp.so.2"}


@functools.lru_cache(maxsize=None)
def binding():
    """The pyseccomp module, imported once."""
    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: SONAMES.get(name) or original(name)
    try:
        import pyseccomp
    finally:
        ctypes.util.find_library = original
    return pyseccomp

