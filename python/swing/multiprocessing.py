# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Large numpy arrays through multiprocessing as swing snapshots.

:func:`install` registers a reducer with multiprocessing's pickler
(``multiprocessing.reduction.ForkingPickler``): from then on a numpy array
of *threshold* bytes or more that this process sends through a
``multiprocessing`` Queue, Pipe or Pool (arguments and results) travels as
a :func:`swing.dumps` payload: its memory is copied at most once (not at
all when it lies in a swing area) and the receiver gets it writable,
copy-on-write.  :func:`Pool` is ``multiprocessing.Pool`` with the reducer
installed in the parent and in every worker.

A payload needs its sender alive until it is received (see swing.dumps).
"""
import multiprocessing as _mp
from multiprocessing.reduction import ForkingPickler as _ForkingPickler

import swing as _swing

__all__ = ["install", "Pool"]

_threshold = None


def _reduce_ndarray(arr):
    if arr.nbytes >= _threshold and (arr.flags.c_contiguous or arr.flags.f_contiguous):
        return (_swing.loads, (_swing.dumps(arr, threshold=_threshold),))
    return arr.__reduce_ex__(5)


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
