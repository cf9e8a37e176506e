"""Cache of compiled profiles, so that a repeated launch needs neither TOML
nor libseccomp.

An entry holds the merged profile data and its BPF programs, plus every file
the profile search looked at: its full content, or None where no file was.
An entry is used only if each of those paths still holds exactly that
content (or is still absent), and the pyjail, libseccomp and architecture
it was built with are the running ones. Anything else, including an entry
that cannot be read, means compiling again and replacing it.

The format is marshal of plain values (dicts, lists, str, bytes, ints):
loading it runs no code, unlike pickle, and needs no import. The directory
is the user's own (~/.cache/pyjail, mode 0700), and pyjail hides it inside
every sandbox that has a filesystem view, so that a sandboxed program cannot
plant a filter for the next launch.
"""

from __future__ import annotations

import marshal
import os
import zlib

from jail import __version__, locations

FORMAT = 4
_SOURCES_THAT_SHAPE_FILTERS = (
    "seccomp_compiler.py",
    "syscall_groups.py",
    "syscall_table.py",
    "constants.py",
    "profiles.py",
    "profile.py",
    "profile_loader.py",
    "report_filter.py",
    "bpf_eval.py",
    "convert_oci.py",  # a --profile FILE.json is converted by these two
    "arg_blocks.py",
)


def request_key(profile_option: str | None, program: str) -> str:
    """What the user asked for (a profile path, a profile name, or a
    program), and where names are searched: with another XDG_CONFIG_HOME
    or HOME the same name finds other files, whose absence the entry made
    for the first directories does not record."""
    if profile_option:
        if "/" in profile_option or profile_option.endswith((".toml", ".json")):
            asked = "path:" + os.path.abspath(os.path.expanduser(profile_option))
        else:
            asked = "name:" + profile_option
    else:
        asked = "program:" + os.path.basename(program)
    # HOME too: an include of "~/x.toml" names another file under another HOME.
    home = os.path.expanduser("~")
    return f"{asked}|{locations.user_profile_dir()}|{locations.bundled_profile_dir()}|{home}"


def entry_path(request: str, variant: str) -> str:
    """Where the entry lives. Two requests may share a name (crc32 is easy
    to collide on purpose): an entry is used only for the request it
    records, see lookup()."""
    # surrogateescape: a program or HOME whose name is not UTF-8.
    name = f"{zlib.crc32(f'{request}|{variant}'.encode(errors='surrogateescape')):08x}.bin"
    return os.path.join(locations.cache_dir(), "profiles", name)


_STAMP: list = []


def build_stamp() -> list:
    """What, besides the profile files, decides the compiled result.

    Computed once per process: both lookup and store need it.
    """
    if not _STAMP:
        package = os.path.dirname(os.path.abspath(__file__))
        sources = []
        for name in _SOURCES_THAT_SHAPE_FILTERS:
            try:
                info = os.stat(os.path.join(package, name))
                sources.append((name, info.st_size, info.st_mtime_ns))
            except OSError:
                sources.append((name, 0, 0))
        _STAMP.extend([__version__, _libseccomp_identity(), os.uname().machine, sources])
    return _STAMP


# Where distributions put libseccomp.so.2; the first one found is the one
# the dynamic loader picks on the systems pyjail runs on.
_LIBRARY_DIRS = (
    f"/lib/{os.uname().machine}-linux-gnu",
    f"/usr/lib/{os.uname().machine}-linux-gnu",
    "/usr/lib64",
    "/lib64",
    "/usr/lib",
    "/lib",
)


def _libseccomp_identity() -> str:
    """The installed libseccomp: its file's identity, without loading it.

    A new libseccomp version is a new file (or new contents), so its inode,
    size and modification time change; loading the library to ask its
    version would cost a cached launch a millisecond.
    """
    for directory in _LIBRARY_DIRS:
        try:
            real = os.path.realpath(os.path.join(directory, "libseccomp.so.2"))
            info = os.stat(real)
        except OSError:
            continue
        return f"{real}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"
    return _libseccomp_version()


def _libseccomp_version() -> str:
    import ctypes

    try:
        library = ctypes.CDLL("libseccomp.so.2")
    except OSError:
        return "missing"
    library.seccomp_version.restype = ctypes.POINTER(ctypes.c_uint * 3)
    return ".".join(str(part) for part in library.seccomp_version().contents)


def lookup(request: str, variant: str) -> dict | None:
    """The cached entry for this request, if it is still exactly right."""
    try:
        with open(entry_path(request, variant), "rb") as handle:
            if not (_ours(os.fstat(handle.fileno())) and _ours(os.stat(os.path.dirname(handle.name)))):
                return None  # another user could have written it: never trusted
            blob = handle.read()
        entry = _decode(blob)
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return None
    if entry is None or entry.get("request") != [request, variant]:
        return None
    if entry.get("stamp") != build_stamp() or not isinstance(entry.get("dependencies"), list):
        return None
    if not all(_still_same(path, content) for path, content in entry["dependencies"]):
        return None
    return entry


def _ours(info: os.stat_result) -> bool:
    """Owned by the user running pyjail, and writable by nobody else.

    With HOME pointing at another user's home (sudo keeps it), that user's
    cache must not decide what runs as this one.
    """
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022


def _decode(blob: bytes) -> dict | None:
    if len(blob) < 8 or zlib.crc32(blob[8:]) != int.from_bytes(blob[:8], "little"):
        return None  # torn or damaged: rebuild
    entry = marshal.loads(blob[8:])
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    return entry


def _still_same(path: str, content: bytes | None) -> bool:
    """The same bytes, in a file the loader would still trust (a profile
    made writable by others since is refused by a fresh load, so here too)."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not locations.trusted_profile_owner(info) or locations.writable_by_others(info):
                return False
            return handle.read() == content
    except FileNotFoundError:
        return content is None
    except OSError:
        return False


def store(request: str, variant: str, dependencies: dict, record: dict) -> None:
    """Write an entry; a cache that cannot be written is silently skipped.

    Skipping is safe here: the launch already has its freshly compiled
    filter, and the next launch compiles again.
    """
    entry = dict(record)
    entry["format"] = FORMAT
    entry["request"] = [request, variant]
    entry["stamp"] = build_stamp()
    entry["dependencies"] = sorted(dependencies.items())
    payload = marshal.dumps(entry)
    blob = zlib.crc32(payload).to_bytes(8, "little") + payload

    target = entry_path(request, variant)
    try:
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        if not _ours(os.stat(os.path.dirname(target))):
            return
        temporary = f"{target}.{os.getpid()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(blob)
        os.replace(temporary, target)
    except OSError:
        return
