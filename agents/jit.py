"""One decorator sets the numba options for every kernel."""

import numba

# cache=True keeps compiled kernels on disk (__pycache__) so a second process starts fast.
kernel = numba.njit(cache=True, nogil=True)
