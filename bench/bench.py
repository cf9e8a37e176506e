"""pyjail benchmarks: launch time, syscall cost, filter compile time, memory.

Run from the repository after `sh .ci/setup`:

    .venv/bin/python bench/bench.py [--runs N] [--rounds N] [--only launch,syscalls,compile,memory]

Every comparison is measured in this one run, alternating the variants, and
reported as medians and ratios against a baseline measured alongside. The
script installs nothing: a comparison whose tool is missing (firejail, bwrap)
is skipped with a line saying so. It is not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYJAIL = str(Path(sys.executable).with_name("pyjail"))
CONTAINERS_PROFILE = REPO.parent / "shared" / "real-profiles" / "containers-default.json"
TRUE = "/bin/true"
RUNS_SYSCALLS = 9
KERNEL_FLOOR = "1-instruction filter (kernel floor)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="launches per variant")
    parser.add_argument("--rounds", type=int, default=1_000_000, help="syscall loop rounds")
    parser.add_argument("--only", default="launch,syscalls,compile,memory")
    options = parser.parse_args()
    sections = set(options.only.split(","))

    print(f"pyjail benchmark  python {sys.version.split()[0]}  kernel {os.uname().release}")
    if "launch" in sections:
        bench_launch(options.runs)
    if "syscalls" in sections:
        bench_syscalls(options.rounds)
    if "compile" in sections:
        bench_compile()
    if "memory" in sections:
        bench_memory()
    return 0


def timed_run(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{result.stderr.decode()}")
    return elapsed


def loop_cpu_time(command: list[str]) -> float:
    """The CPU time syscall_loop reports for its own loop, in seconds."""
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{result.stderr.decode()}")
    return int(result.stdout.split()[-1]) / 1e9


def compare(title: str, variants: dict[str, list[str]], runs: int, baseline: str,
            measure=timed_run, what: str = "median wall time",
            summary=statistics.median) -> dict[str, float]:
    """Run the variants alternately `runs` times; print `summary` of each and ratios."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for name, command in variants.items():
        measure(command)  # warm caches once, unmeasured
    for _ in range(runs):
        for name, command in variants.items():
            samples[name].append(measure(command))

    medians = {name: summary(values) for name, values in samples.items()}
    print(f"\n{title}  ({runs} alternating runs each, {what})")
    for name, median in medians.items():
        ratio = median / medians[baseline]
        print(f"  {name:34} {median * 1000:9.2f} ms   x{ratio:6.3f} vs {baseline}")
    return medians


def bench_launch(runs: int) -> None:
    variants = {
        "bare /bin/true": [TRUE],
        "pyjail --profile default": [PYJAIL, "--profile", "default", TRUE],
    }
    if shutil.which("firejail"):
        variants["firejail --quiet"] = ["firejail", "--quiet", TRUE]
    else:
        print("launch: firejail not installed, skipped (apt-get install firejail)")
    if shutil.which("bwrap"):
        variants["bwrap --unshare-all"] = ["bwrap", "--ro-bind", "/", "/", "--unshare-all", TRUE]
    else:
        print("launch: bwrap not installed, skipped (apt-get install bubblewrap)")

    medians = compare("launch", variants, runs, "bare /bin/true")
    if "firejail --quiet" in medians:
        ratio = medians["pyjail --profile default"] / medians["firejail --quiet"]
        print(f"  pyjail / firejail = {ratio:.3f}  (target <= 0.4)")


def build_syscall_loop(directory: str) -> str:
    binary = os.path.join(directory, "syscall_loop")
    subprocess.run(
        ["gcc", "-O2", "-o", binary, str(REPO / "bench" / "syscall_loop.c")], check=True
    )
    return binary


def bench_syscalls(rounds: int) -> None:
    # Under the repository, not /tmp: firejail refuses programs in /tmp.
    build = REPO / "bench" / ".build"
    build.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build) as directory:
        os.chmod(directory, 0o755)
        loop = [build_syscall_loop(directory), str(rounds)]
        # Any seccomp filter at all sends every call through the kernel's
        # slower entry path. Two floors show it: a one-instruction filter
        # the loop loads itself (the kernel's), and pyjail's allow-all.
        floor = os.path.join(directory, "allow-all.toml")
        with open(floor, "w") as handle:
            handle.write('description = "benchmark floor"\n[seccomp]\ndefault_action = "allow"\n')
        variants = {
            "bare": loop,
            KERNEL_FLOOR: [*loop, "self-filter"],
            "pyjail allow-all (seccomp floor)": [
                PYJAIL, "--quiet", "--no-namespaces", "--profile", floor, "--", *loop,
            ],
            "pyjail default": [PYJAIL, "--quiet", "--profile", "default", "--", *loop],
            "pyjail strict": [PYJAIL, "--quiet", "--profile", "strict", "--", *loop],
        }
        if CONTAINERS_PROFILE.exists() and _profile_loads(str(CONTAINERS_PROFILE)):
            variants["pyjail containers-default.json"] = [
                PYJAIL, "--quiet", "--profile", str(CONTAINERS_PROFILE), "--", *loop,
            ]
        else:
            print("syscalls: containers-default.json cannot be loaded here, skipped")
        if shutil.which("firejail"):
            variants["firejail --seccomp"] = ["firejail", "--quiet", "--seccomp", *loop]
        else:
            print("syscalls: firejail not installed, skipped")
        medians = compare(
            f"syscalls: {rounds} x (getppid + pipe write + read)", variants, RUNS_SYSCALLS, "bare",
            # The least CPU time: noise (other work, caches) only ever adds.
            measure=loop_cpu_time, what="least CPU time of the loop", summary=min,
        )
        print(f"  against the kernel's floor ({KERNEL_FLOOR}):")
        for name, median in medians.items():
            if name not in ("bare", KERNEL_FLOOR):
                print(f"  {name:34} x{median / medians[KERNEL_FLOOR]:6.3f}")


def _profile_loads(profile: str) -> bool:
    result = subprocess.run(
        [PYJAIL, "--print-filter", "--profile", profile, TRUE], capture_output=True
    )
    return result.returncode == 0


def bench_compile() -> None:
    sys.path.insert(0, str(REPO))
    from jail import profiles, seccomp_compiler

    print("\nfilter compile time (libseccomp, in this process; median of 5)")
    bundled = sorted((REPO / "profiles.d").glob("*.toml"), key=lambda p: p.stat().st_size)
    largest = max(bundled, key=lambda p: _rule_count(p))
    with tempfile.TemporaryDirectory() as directory:
        big = Path(directory) / "rules400.toml"
        big.write_text(_profile_with_rules(400))
        for label, path in [(f"largest bundled ({largest.name})", largest), ("400 rules", big)]:
            profile = profiles.load_path(path)
            times = []
            for _ in range(5):
                started = time.perf_counter()
                compiled = seccomp_compiler.compile_profile(profile)
                times.append(time.perf_counter() - started)
            size = sum(len(p.bpf) // 8 for p in compiled.programs)
            print(f"  {label:34} {statistics.median(times) * 1000:9.2f} ms   {size} BPF instructions")


def _rule_count(path: Path) -> int:
    text = path.read_text()
    return text.count("[[seccomp.rules]]") * 10 + text.count('"')


def _profile_with_rules(count: int) -> str:
    """A deny-list profile of `count` conditional rules on ioctl and others."""
    lines = ['description = "benchmark: many rules"', "[seccomp]", 'default_action = "allow"']
    calls = ["ioctl", "fcntl", "prctl", "socket", "setsockopt"]
    for index in range(count):
        call = calls[index % len(calls)]
        lines += [
            "[[seccomp.rules]]",
            f'syscalls = ["{call}"]',
            'action = "errno:EPERM"',
            f'when = ["arg1 == {0x7000 + index}"]',
        ]
    return "\n".join(lines) + "\n"


def bench_memory() -> None:
    """Resident memory of the pyjail processes that wait beside the target."""
    process = subprocess.Popen([PYJAIL, "--quiet", "--profile", "default", "--", "sleep", "3"])
    time.sleep(1.0)
    print("\nmemory of pyjail processes beside the target (VmRSS / VmHWM)")
    for pid in _descendants(process.pid, include_self=True):
        status = _status(pid)
        if status.get("Name") == "sleep":
            continue
        print(f"  pid {pid:7} {status.get('Name', '?'):12} "
              f"rss {status.get('VmRSS', '?'):>10}  peak {status.get('VmHWM', '?'):>10}")
    process.wait()


def _descendants(pid: int, include_self: bool = False) -> list[int]:
    found = [pid] if include_self else []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = [int(c) for c in handle.read().split()]
    except OSError:
        return found
    for child in children:
        found += _descendants(child, include_self=True)
    return found


def _status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return {k: v.strip() for k, _, v in (line.partition(":") for line in handle)}
    except OSError:
        return {}


if __name__ == "__main__":
    sys.exit(main())
