"""Sets of argument values as masked-equality blocks, and their complements.

OCI seccomp JSON has no "unless": a call that is denied except for some
argument values can only be written as the *other* values, and libseccomp
compares an argument at most once per rule. A block `arg & mask == value`
is one rule's worth of comparison; a set of blocks is a union. The
complement of a union of blocks is again a union of blocks, found by
splitting on one bit at a time, so "deny personality unless arg0 is one
of five values" becomes a few dozen masked-equality entries that mean
exactly that, and those entries can be read back into the five values.
"""

from __future__ import annotations

import dataclasses

FULL = (1 << 64) - 1
LOW_32 = 0xFFFFFFFF


@dataclasses.dataclass(frozen=True, order=True)
class Block:
    """The values v of one argument with `v & mask == value`."""

    mask: int
    value: int


def width_of(blocks) -> int:
    """The bits the blocks talk about: the low 32, or all 64."""
    return LOW_32 if all(b.mask <= LOW_32 for b in blocks) else FULL


def complement(blocks, width: int) -> list[Block]:
    """Blocks covering every value (within `width`) that no block covers.

    The result is canonical: the same input always gives the same sorted
    list, so an exporter and an importer that both call this agree.
    """
    found: list[Block] = []
    _split(list(blocks), 0, 0, width, found)
    return sorted(found)


def _split(blocks, fixed: int, value: int, width: int, found: list) -> None:
    # Only the blocks that agree with the bits fixed so far can still matter.
    live = [b for b in blocks if (b.value ^ value) & b.mask & fixed == 0]
    if any(b.mask & ~fixed == 0 for b in live):
        return  # some block covers this whole subtree
    if not live:
        found.append(Block(fixed, value))
        return
    undecided = 0
    for block in live:
        undecided |= block.mask & ~fixed & width
    bit = 1 << (undecided.bit_length() - 1)
    _split(live, fixed | bit, value, width, found)
    _split(live, fixed | bit, value | bit, width, found)
