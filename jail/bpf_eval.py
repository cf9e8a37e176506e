"""Run compiled seccomp programs in Python, the way the kernel runs them.

The supervisor asks this module which answer the profile's own filter stack
gives to a call it was notified about, so that the answer it sends back is
exactly the one the kernel would have given. The report filter asks it too,
before any process exists, which syscall numbers the stack denies outright.

Only classic BPF as seccomp admits it is understood: loads from struct
seccomp_data, the scratch memory, ALU on the accumulator, jumps and returns.
"""

from __future__ import annotations

import struct

RET_KILL_PROCESS = 0x80000000
RET_KILL_THREAD = 0x00000000
RET_TRAP = 0x00030000
RET_ERRNO = 0x00050000
RET_USER_NOTIF = 0x7FC00000
RET_TRACE = 0x7FF00000
RET_LOG = 0x7FFC0000
RET_ALLOW = 0x7FFF0000
ACTION_MASK = 0xFFFF0000
DATA_MASK = 0x0000FFFF

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
SECCOMP_DATA = struct.Struct("<iIQ6Q")
ARGUMENTS_START = 8  # instruction_pointer and args follow nr and arch
_INSTRUCTION = struct.Struct("<HBBI")
_WORD = 0xFFFFFFFF


class ArgumentDependent(Exception):
    """The program looked past nr and arch, but only those were given."""


# Decoded programs by their bytes; a launch has only a handful of programs.
# A dict rather than functools.lru_cache: this module is imported on every
# reporting launch, and functools would cost it milliseconds.
_DECODED: dict[bytes, tuple] = {}


def decode(program: bytes) -> tuple:
    """The program as (code, jt, jf, k) tuples."""
    decoded = _DECODED.get(program)
    if decoded is None:
        decoded = _DECODED[program] = tuple(_INSTRUCTION.iter_unpack(program))
    return decoded


def run(program: bytes, nr: int, arch: int, args=None, pointer: int = 0) -> int:
    """The program's return value for one call.

    With args None, only nr and arch are known: a program that reads the
    arguments or the instruction pointer raises ArgumentDependent.
    """
    known = ARGUMENTS_START if args is None else SECCOMP_DATA.size
    data = SECCOMP_DATA.pack(nr, arch, pointer, *(args or (0,) * 6))
    instructions = decode(program)
    a = x = 0
    memory = [0] * 16
    pc = 0
    while True:
        code, jt, jf, k = instructions[pc]
        pc += 1
        kind = code & 0x07
        if kind == 0x00:  # LD
            a = _load(code, k, data, known, memory)
        elif kind == 0x01:  # LDX
            x = k if code & 0xE0 == 0x00 else memory[k] if code & 0xE0 == 0x60 else SECCOMP_DATA.size
        elif kind == 0x02:  # ST
            memory[k] = a
        elif kind == 0x03:  # STX
            memory[k] = x
        elif kind == 0x04:  # ALU
            a = _alu(code, a, x if code & 0x08 else k)
        elif kind == 0x05:  # JMP
            pc += _jump(code, a, x if code & 0x08 else k, jt, jf)
        elif kind == 0x06:  # RET
            return (a if code & 0x18 == 0x10 else k) & _WORD
        else:  # MISC: TAX / TXA
            if code & 0xF8 == 0x00:
                x = a
            else:
                a = x


def _load(code: int, k: int, data: bytes, known: int, memory: list) -> int:
    mode = code & 0xE0
    if mode == 0x00:
        return k
    if mode == 0x60:
        return memory[k]
    if mode == 0x80:
        return SECCOMP_DATA.size
    if mode != 0x20 or code & 0x18 != 0x00:
        raise ValueError(f"BPF load {code:#x} is not valid in a seccomp program")
    if k + 4 > known:
        raise ArgumentDependent(k)
    return int.from_bytes(data[k : k + 4], "little")


def _alu(code: int, a: int, operand: int) -> int:
    op = code & 0xF0
    results = {
        0x00: lambda: a + operand,
        0x10: lambda: a - operand,
        0x20: lambda: a * operand,
        0x30: lambda: a // operand if operand else 0,
        0x40: lambda: a | operand,
        0x50: lambda: a & operand,
        0x60: lambda: a << operand if operand < 32 else 0,
        0x70: lambda: a >> operand if operand < 32 else 0,
        0x80: lambda: -a,
        0x90: lambda: a % operand if operand else 0,
        0xA0: lambda: a ^ operand,
    }
    return results[op]() & _WORD


def _jump(code: int, a: int, operand: int, jt: int, jf: int) -> int:
    op = code & 0xF0
    if op == 0x00:  # JA: k is the offset
        return operand
    if op == 0x10:
        taken = a == operand
    elif op == 0x20:
        taken = a > operand
    elif op == 0x30:
        taken = a >= operand
    else:
        taken = bool(a & operand)
    return jt if taken else jf


def strength(ret: int) -> int:
    """Order of actions as the kernel ranks them: smaller is stronger."""
    action = ret & ACTION_MASK
    return action - (1 << 32) if action & 0x80000000 else action


def stack_answer(programs, nr: int, arch: int, args=None, pointer: int = 0) -> tuple[int, int]:
    """(return value, index of the deciding program) for the whole stack.

    The kernel runs the newest program first and keeps the first of the
    strongest answers, so among equal actions the newest program's data
    (its errno) wins.
    """
    best, deciding = RET_ALLOW, -1
    for index in range(len(programs) - 1, -1, -1):
        ret = run(programs[index], nr, arch, args, pointer)
        if strength(ret) < strength(best):
            best, deciding = ret, index
    return best, deciding


def denies(ret: int) -> bool:
    """Whether the call fails or dies: anything but allow, log and trace."""
    return strength(ret) < strength(RET_USER_NOTIF)
