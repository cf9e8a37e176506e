"""Does reporting denials slow down the calls a profile allows?

Runs a syscall-heavy workload (bench/syscall_loop.c: getppid plus a
one-byte write and read on a pipe, N times) under a profile, with denial
reports on (the default: the report filters and a supervisor) and off
(--quiet: the profile's plain filter stack), alternating, and prints the
median wall time of each and their ratio. Only denied calls take the
detour through the supervisor, so the ratio should stay at or below 1.02.

    .venv/bin/python bench/bench_reports.py [--rounds N] [--runs K] [--profile P]

A benchmark, not a test: it prints numbers and asserts nothing.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1_000_000, help="loop rounds (3 syscalls each)")
    parser.add_argument("--runs", type=int, default=7, help="runs per mode")
    parser.add_argument("--profile", default="default")
    options = parser.parse_args()

    # Outside /tmp: the default profile gives the sandbox a private /tmp.
    directory = tempfile.mkdtemp(prefix=".bench-reports-", dir=str(REPO / "bench"))
    try:
        loop = os.path.join(directory, "syscall_loop")
        subprocess.run(["gcc", "-O2", "-o", loop, str(REPO / "bench" / "syscall_loop.c")], check=True)
        command = ["--profile", options.profile, "--", loop, str(options.rounds)]
        modes = {"reports on": command, "reports off (--quiet)": ["--quiet", *command]}
        times = {mode: [] for mode in modes}
        for arguments in modes.values():
            _run(arguments)  # warm the filter cache
        for _ in range(options.runs):
            for mode, arguments in modes.items():
                times[mode].append(_run(arguments))
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    calls = 3 * options.rounds
    print(f"profile {options.profile}, {calls} allowed syscalls per run, {options.runs} runs per mode")
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    for mode, median in medians.items():
        print(f"  {mode:24} median {median:.3f} s  ({median / calls * 1e9:.1f} ns per call)")
    ratio = medians["reports on"] / medians["reports off (--quiet)"]
    print(f"  ratio on/off: {ratio:.3f} (target: <= 1.02)")


def _run(arguments: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run([PYJAIL, *arguments], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"pyjail {' '.join(arguments)} failed: {result.stderr.strip()}")
    return elapsed


if __name__ == "__main__":
    main()
