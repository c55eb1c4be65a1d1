"""Sums that give exactly the float64 result of ``np.sum`` without building the array.

``np.sum`` of a contiguous float64 array uses pairwise summation: blocks of up to 128
elements summed in 8 interleaved lanes, halves split at a multiple of 8 and added. The
result depends on where each value sits in the array. A fused kernel that computes, say,
every person's leave pay in one pass holds only the few non-zero values and their
positions; ``pairwise_sum_sparse`` walks numpy's summation tree over those positions
alone (a block without values is 0, and x + 0 = x exactly), so the kernel's total equals
``np.sum`` of the full-length array bit for bit (the tests check it against ``np.sum``).
"""

import numpy as np

from agents.jit import kernel

_BLOCK = 128        # numpy's PW_BLOCKSIZE
_LANES = 8


@kernel
def pairwise_sum_sparse(pos, val, m, n):
    """pos (m,) strictly increasing positions in [0, n), val (m,) float64 (only the first m
    entries of each are read), n the length of the virtual array that holds val[j] at
    pos[j] and 0 elsewhere → np.sum of that array, bit for bit (no array of length n is made).

    Zeros may be left out of (pos, val) or kept: adding 0 changes no sum here, except that a
    sum of nothing but −0.0 is −0.0 in numpy and 0.0 here. The tree is walked with an explicit
    stack (numba's on-disk cache does not hold recursive functions reliably)."""
    if m == 0:
        return 0.0
    depth = 72
    f_lo = np.empty(depth, np.int64)        # block start
    f_n = np.empty(depth, np.int64)         # block length
    f_jlo = np.empty(depth, np.int64)       # its values: val[jlo:jhi]
    f_jhi = np.empty(depth, np.int64)
    f_mid = np.empty(depth, np.int64)       # first value of the right half
    f_state = np.empty(depth, np.int64)     # 0 new, 1 left running, 2 left done, 3 right running
    f_left = np.empty(depth, np.float64)
    lanes = np.empty(_LANES)
    top = 0
    f_lo[0], f_n[0], f_jlo[0], f_jhi[0], f_state[0] = 0, n, 0, m, 0
    result = 0.0
    while top >= 0:
        lo, nb, jlo, jhi, state = f_lo[top], f_n[top], f_jlo[top], f_jhi[top], f_state[top]
        if state == 0 and (jlo == jhi or nb <= _BLOCK):
            v = _leaf_sum(pos, val, jlo, jhi, lo, nb, lanes)
        elif state == 0:
            n2 = nb // 2
            n2 -= n2 % _LANES
            a, b = jlo, jhi
            while a < b:
                mid = (a + b) // 2
                if pos[mid] < lo + n2:
                    a = mid + 1
                else:
                    b = mid
            f_mid[top] = a
            f_state[top] = 1
            top += 1
            f_lo[top], f_n[top], f_jlo[top], f_jhi[top], f_state[top] = lo, n2, jlo, a, 0
            continue
        elif state == 2:
            n2 = nb // 2
            n2 -= n2 % _LANES
            f_state[top] = 3
            top += 1
            f_lo[top], f_n[top], f_jlo[top], f_jhi[top], f_state[top] = lo + n2, nb - n2, f_mid[top - 1], jhi, 0
            continue
        else:
            raise RuntimeError("pairwise_sum_sparse: bad state")
        # v is the sum of frame `top`: hand it to the parent
        top -= 1
        while top >= 0:
            if f_state[top] == 1:
                f_left[top] = v
                f_state[top] = 2
                break
            v = f_left[top] + v          # state 3: the right half is done
            top -= 1
        if top < 0:
            result = v
    return result


@kernel
def _leaf_sum(pos, val, jlo, jhi, lo, n, lanes):
    """numpy's sum of a block of at most 128 elements [lo, lo + n) holding val[jlo:jhi]."""
    if jlo == jhi:
        return 0.0
    if n < _LANES:
        res = 0.0
        for j in range(jlo, jhi):
            res += val[j]
        return res
    # lane k sums the block's elements k, k+8, ... in order; a lane with no value is 0
    end = lo + n - n % _LANES
    for k in range(_LANES):
        lanes[k] = 0.0
    seen = 0
    j = jlo
    while j < jhi and pos[j] < end:
        k = (pos[j] - lo) % _LANES
        if seen & (1 << k):
            lanes[k] += val[j]
        else:
            lanes[k] = val[j]
            seen |= 1 << k
        j += 1
    res = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
    while j < jhi:
        res += val[j]
        j += 1
    return res
