"""Counter-based random numbers: a uniform is a pure function of
(seed, stream, person key, month, draw index).

Nothing is carried from one call to the next, so results do not depend on how
work is split over processes or threads, and two scenarios with the same seed
draw the same number for the same person, stream and month (common random numbers).
The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied to each
part of the counter in turn.
"""

import hashlib

import numpy as np
from numba import prange

from agents.jit import kernel
import numba

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def stream_key(name: str) -> int:
    """A stable 63-bit key for a stream name (never Python's salted hash())."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") >> 1


@kernel
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@kernel
def _hash4(a, b, c, d):
    h = _mix(np.uint64(a) + _GOLDEN)
    h = _mix(h ^ (np.uint64(b) + _GOLDEN))
    h = _mix(h ^ (np.uint64(c) + _GOLDEN))
    return _mix(h ^ (np.uint64(d) + _GOLDEN))


@kernel
def uniform_one(seed_stream, key, month, draw):
    """One uniform in [0, 1) for (seed⊕stream, key, month, draw)."""
    return float(_hash4(seed_stream, key, month, draw) >> _S11) * _TO_UNIT


@kernel
def _fill_serial(seed_stream, keys, month, n_draws, out):
    for i in range(keys.shape[0]):
        for j in range(n_draws):
            out[i, j] = float(_hash4(seed_stream, keys[i], month, j) >> _S11) * _TO_UNIT


@numba.njit(cache=True, nogil=True, parallel=True)
def _fill_parallel(seed_stream, keys, month, n_draws, out):
    for i in prange(keys.shape[0]):
        for j in range(n_draws):
            out[i, j] = float(_hash4(seed_stream, keys[i], month, j) >> _S11) * _TO_UNIT


PARALLEL_MIN_DRAWS = 1_000_000  # below this, starting threads costs more than it saves


def uniforms(seed_stream, keys, month, n_draws):
    """(len(keys), n_draws) uniforms; row i belongs to person key keys[i].
    Each entry is a pure function of its counter, so serial and parallel fills are identical."""
    out = np.empty((keys.shape[0], n_draws))
    fill = _fill_parallel if keys.shape[0] * n_draws >= PARALLEL_MIN_DRAWS else _fill_serial
    fill(seed_stream, keys, month, n_draws, out)
    return out


@kernel
def child_keys(mother_keys, birth_order):
    """A child's stream key from its mother's key and its birth order: the same child
    gets the same key in every scenario where that birth happens."""
    out = np.empty(mother_keys.shape[0], np.int64)
    for i in range(mother_keys.shape[0]):
        out[i] = np.int64(_hash4(mother_keys[i], birth_order[i], 0x5EED, 0) >> np.uint64(1))
    return out


class Streams:
    """Random streams of one run: ``streams.uniform("mortality", keys, month)``."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._keys: dict[str, int] = {}

    def seed_stream(self, name: str) -> int:
        """The stream's first counter word: kernels that draw for the rows they reach call
        ``uniform_one(seed_stream, key, month, j)``, the number ``uniform_k`` would give."""
        if name not in self._keys:
            self._keys[name] = int(_hash4(self.seed, stream_key(name), 0, 0) >> np.uint64(1))
        return self._keys[name]

    def uniform(self, name: str, keys: np.ndarray, month: int) -> np.ndarray:
        """One uniform per key."""
        return uniforms(self.seed_stream(name), np.ascontiguousarray(keys, dtype=np.int64), int(month), 1)[:, 0]

    def uniform_k(self, name: str, keys: np.ndarray, month: int, k: int) -> np.ndarray:
        """k uniforms per key, shape (len(keys), k)."""
        return uniforms(self.seed_stream(name), np.ascontiguousarray(keys, dtype=np.int64), int(month), int(k))

    def normal(self, name: str, keys: np.ndarray, month: int) -> np.ndarray:
        """Standard normals by Box–Muller from two uniforms per key."""
        u = self.uniform_k(name, keys, month, 2)
        return np.sqrt(-2.0 * np.log1p(-u[:, 0])) * np.cos(2.0 * np.pi * u[:, 1])
