# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Large numpy arrays through multiprocessing as swing snapshots.

:func:`install` registers a reducer with multiprocessing's pickler
(``multiprocessing.reduction.ForkingPickler``): from then on a numpy array
of *threshold* bytes or more that this process sends through a
``multiprocessing`` Queue, Pipe or Pool (arguments and results) travels as
a :func:`swing.dumps` payload: its memory is copied at most once (not at
all when it lies in a swing area) and the receiver gets it writable,
copy-on-write.  Smaller arrays, arrays of Python objects and arrays that
are not contiguous pickle as usual, and so does everything when the swing
module is not loaded.  :func:`Pool` is ``multiprocessing.Pool`` with the
reducer installed in the parent and in every worker.

A payload needs its sender alive until it is received: a child process
(a Pool worker) that sent some waits for them to be received when it
exits, for up to :data:`DRAIN_TIMEOUT` seconds.
"""
import multiprocessing as _mp
import multiprocessing.util as _util
import os as _os
from multiprocessing.reduction import ForkingPickler as _ForkingPickler

import swing as _swing

__all__ = ["install", "Pool", "DRAIN_TIMEOUT"]

#: How long an exiting child process waits for its payloads to be received.
DRAIN_TIMEOUT = 60.0

_threshold = None
_drain_pid = None


def _drain_at_exit():
    # A worker's result is unpickled by the parent after the worker may have
    # exited (maxtasksperchild, Pool.close()): keep its payloads until then.
    if _mp.parent_process() is not None:
        _swing._drain(DRAIN_TIMEOUT)


def _reduce_ndarray(arr):
    global _drain_pid
    if (arr.nbytes >= _threshold and not arr.dtype.hasobject
            and (arr.flags.c_contiguous or arr.flags.f_contiguous)):
        try:
            payload = _swing.dumps(arr, threshold=_threshold)
        except OSError:
            return arr.__reduce__()     # no swing here: pickle as usual
        if _drain_pid != _os.getpid():
            _drain_pid = _os.getpid()
            _util.Finalize(None, _drain_at_exit, exitpriority=10)
        return (_swing.loads, (payload,))
    # multiprocessing pickles with protocol 4: no out-of-band buffers.
    return arr.__reduce__()


def install(threshold=None):
    """Send numpy arrays of *threshold* bytes or more (default
    swing.DUMPS_THRESHOLD) through multiprocessing as snapshots."""
    global _threshold
    import numpy

    _threshold = _swing.DUMPS_THRESHOLD if threshold is None else threshold
    _ForkingPickler.register(numpy.ndarray, _reduce_ndarray)


def _init(threshold, initializer, initargs):
    install(threshold)
    if initializer is not None:
        initializer(*initargs)


def Pool(processes=None, initializer=None, initargs=(), *args, threshold=None,
         context=None, **kwargs):
    """multiprocessing.Pool whose tasks and results pass large numpy arrays
    as swing snapshots (any start method)."""
    install(threshold)
    ctx = context if context is not None else _mp.get_context()
    return ctx.Pool(processes, _init, (threshold, initializer, initargs), *args, **kwargs)
