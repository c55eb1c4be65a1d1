"""One decorator sets the numba options for every kernel.

``kernel``: compiled, cached on disk (__pycache__) so a second process starts fast, and
releasing the GIL. ``parallel_kernel``: the same with numba's ``prange`` spread over the
cores (NUMBA_NUM_THREADS). It is used only where each row's result depends on that row
alone (and counts are integers), so a run gives the same bytes on any number of threads;
tests/test_parallel.py checks that.
"""

import os

import numba

# OpenMP threads that finish a parallel loop sleep instead of spinning: on a machine shared with
# other work a spinning thread takes a core from the serial code that follows (numba loads the
# OpenMP runtime at the first parallel call, after this).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

kernel = numba.njit(cache=True, nogil=True)
parallel_kernel = numba.njit(cache=True, nogil=True, parallel=True)
