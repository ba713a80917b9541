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

The reducer is registered for this process and the processes it forks;
a process started with the "spawn" or "forkserver" method calls
:func:`install` itself (:func:`Pool` does that for its workers).

A payload needs its sender alive until it is received: a child process
(a Pool worker) that sent some waits for them to be received when it
exits, for up to :data:`DRAIN_TIMEOUT` seconds or until its parent is
gone.  As a pipe would, a sender with :data:`MAX_PENDING` payloads not yet
received waits for one to be before it sends another, and a payload whose
message could not be pickled after all is released at once.
"""
import multiprocessing as _mp
import multiprocessing.util as _util
import os as _os
import threading as _threading
import time as _time
from multiprocessing.reduction import ForkingPickler as _ForkingPickler

import swing as _swing

__all__ = ["install", "Pool", "DRAIN_TIMEOUT", "MAX_PENDING"]

#: How long an exiting child process waits for its payloads to be received.
DRAIN_TIMEOUT = 60.0
#: How many payloads of one process may wait to be received.
MAX_PENDING = 16

_threshold = None
_drain_pid = None
_local = _threading.local()     # .queues: the payloads of this thread's pickling
_plain_dumps = _ForkingPickler.__dict__["dumps"].__func__


def _drain_at_exit():
    # A worker's result (or what a feeder thread put) is unpickled by the
    # parent after the worker may have exited: keep its payloads until then.
    parent = _mp.parent_process()
    if parent is not None:
        _swing._wait_pending(1, _time.monotonic() + DRAIN_TIMEOUT, parent.is_alive)


def _register_drain(_=None):
    # After every thread that may still pickle: a Queue's feeder is joined
    # at exit priority -5.  A child's registry starts empty (after fork).
    global _drain_pid
    if _drain_pid != _os.getpid():
        _drain_pid = _os.getpid()
        _util.Finalize(None, _drain_at_exit, exitpriority=-10)


def _dumps(cls, obj, protocol=None):
    # ForkingPickler.dumps, releasing the payloads it made if it fails.
    outer = getattr(_local, "queues", None)
    _local.queues = mine = []
    try:
        return _plain_dumps(cls, obj, protocol)
    except BaseException:
        for q in mine:
            _swing._forget(q)
        mine = []
        raise
    finally:
        _local.queues = outer
        if outer is not None:
            outer.extend(mine)


def _reduce_ndarray(arr):
    if (arr.nbytes >= _threshold and not arr.dtype.hasobject
            and (arr.flags.c_contiguous or arr.flags.f_contiguous)):
        try:
            _swing._wait_pending(MAX_PENDING)
            payload = _swing._dumps(arr, _threshold, 5, getattr(_local, "queues", None))
        except OSError:
            return arr.__reduce__()     # no swing here: pickle as usual
        return (_swing.loads, (payload,))
    # The pickler's protocol may have no out-of-band buffers (4 before
    # Python 3.14): numpy's own in-band reduction.
    return arr.__reduce__()


def install(threshold=None):
    """Send numpy arrays of *threshold* bytes or more (default
    swing.DUMPS_THRESHOLD) through multiprocessing as snapshots."""
    global _threshold
    import numpy

    _threshold = _swing.DUMPS_THRESHOLD if threshold is None else threshold
    _ForkingPickler.register(numpy.ndarray, _reduce_ndarray)
    if _ForkingPickler.__dict__["dumps"].__func__ is _plain_dumps:
        _ForkingPickler.dumps = classmethod(_dumps)
        _util.register_after_fork(_drain_at_exit, _register_drain)
    _register_drain()


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
