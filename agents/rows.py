"""Rows of a mask: the compaction step after a parallel decision kernel; and flags as bits.

A parallel kernel writes one byte per row (0 = nothing happens, 1, 2, ... = what happens);
these kernels list the rows of each value in row order. The mask is cut into blocks of
``ROW_BLOCK`` rows: one parallel pass counts each block's rows of each value, a running sum
gives each block's first place in each output, and a second parallel pass writes the rows,
skipping eight zero bytes at a time (a mask where few rows are marked costs little more than
reading it) and writing without a branch on the byte (the next row overwrites a row that is not
marked; a block stops writing when its share of the output is full). The output is the same on
any number of threads.

Flags over households are also held as bits (``as_bits``, ``set_bits``: bit i % 64 of word i // 64),
an eighth of a byte each, so that a lookup by household (``has_bit``) stays in cache.
"""

import numba
import numpy as np
from numba import prange

from agents.jit import kernel, parallel_kernel

ROW_BLOCK = 1 << 16     # rows per block (a multiple of 8): 22 M rows make ~340 blocks to share out


@kernel
def _count_rows(block, two):
    """(rows of ``block`` whose byte is 1, or non-zero if not ``two``; rows whose byte is 2). The
    loops run over a slice from 0, which numba vectorizes (a range from an offset it does not)."""
    c1 = 0
    c2 = 0
    if two:
        for i in range(block.shape[0]):
            c1 += np.int64(block[i] == 1)
            c2 += np.int64(block[i] == 2)
    else:
        for i in range(block.shape[0]):
            c1 += np.int64(block[i] != 0)
    return c1, c2


@kernel
def _write_rows(mask, lo, hi, out1, k1, end1, out2, k2, end2):
    """Rows lo..hi-1 (lo a multiple of 8) whose byte is 1 (or, if ``out2`` is empty, any non-zero
    byte) → ``out1[k1:end1]``; those whose byte is 2 → ``out2[k2:end2]``."""
    two = out2.shape[0] > 0
    words = mask[lo: lo + ((hi - lo) & ~7)].view(np.uint64)
    for w in range(words.shape[0]):
        if words[w] != 0:
            for i in range(lo + 8 * w, lo + 8 * w + 8):
                v = mask[i]
                if k1 < end1:
                    out1[k1] = i
                k1 += (v == 1) if two else (v != 0)
                if two:
                    if k2 < end2:
                        out2[k2] = i
                    k2 += v == 2
    for i in range(lo + 8 * words.shape[0], hi):        # the mask's last rows, less than a word
        v = mask[i]
        if (v == 1) if two else (v != 0):
            out1[k1] = i
            k1 += 1
        elif two and v == 2:
            out2[k2] = i
            k2 += 1


@parallel_kernel
def _rows_of(mask, out1, out2):
    n = mask.shape[0]
    n_blocks = (n + ROW_BLOCK - 1) // ROW_BLOCK
    two = out2.shape[0] > 0
    counts = np.zeros((n_blocks + 1, 2), np.int64)      # row b + 1: block b's rows of value 1 (or non-zero), of 2
    for b in prange(n_blocks):
        counts[b + 1, 0], counts[b + 1, 1] = _count_rows(mask[b * ROW_BLOCK: (b + 1) * ROW_BLOCK], two)
    for b in range(n_blocks):       # running sums: block b writes from counts[b] to counts[b + 1] (scalars:
        counts[b + 1, 0] += counts[b, 0]        # an array expression here would become a parallel loop of its own)
        counts[b + 1, 1] += counts[b, 1]
    for b in prange(n_blocks):
        _write_rows(mask, b * ROW_BLOCK, min((b + 1) * ROW_BLOCK, n),
                    out1, counts[b, 0], counts[b + 1, 0], out2, counts[b, 1], counts[b + 1, 1])
    return counts[n_blocks, 0], counts[n_blocks, 1]


@kernel
def rows_where(mask, out):
    """uint8 mask → rows where mask != 0, in order, into ``out`` → their number."""
    return _rows_of(mask, out, np.empty(0, np.int64))[0]


@kernel
def rows_where_2(mask, out1, out2):
    """uint8 mask of values 0, 1, 2 → (rows where 1, rows where 2), each in order, into
    ``out1`` and ``out2`` → (their numbers)."""
    return _rows_of(mask, out1, out2)


@kernel
def as_bits(flags, bits):
    """bool (n,) → ``bits`` (ceil(n/64),) uint64, bit i%64 of word i//64 set where flags[i]
    (a household flag in an eighth of the bytes, so lookups by household stay in cache)
    → number of flags set."""
    n = flags.shape[0]
    k = 0
    for w in range(bits.shape[0]):
        word = np.uint64(0)
        for b in range(min(64, n - 64 * w)):
            if flags[64 * w + b]:
                word |= np.uint64(1) << np.uint64(b)
                k += 1
        bits[w] = word
    return k


@kernel
def set_bits(bits, indices):
    """In place: the bits of ``indices`` set in ``bits`` (``as_bits``' layout)."""
    for j in range(indices.shape[0]):
        i = indices[j]
        bits[i >> 6] |= np.uint64(1) << np.uint64(i & 63)


@numba.njit(inline="always")
def has_bit(bits, i):
    """Whether bit i is set in ``bits`` (``as_bits``' layout); inlined by numba itself, as it is
    called for every row of parallel kernels (a call with an array argument counts references)."""
    return ((bits[i >> 6] >> np.uint64(i & 63)) & np.uint64(1)) != 0
