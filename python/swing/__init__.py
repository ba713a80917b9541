# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""swing: copy-on-write snapshots of memory handed between processes by token.

An :class:`Area` is memory of this process that other processes can *hook*:
they get a snapshot of it, writable copy-on-write, and neither side ever
sees the other's later writes.  It speaks the buffer protocol, so
``memoryview(area)``, ``numpy.frombuffer(area, ...)`` and ``area.ndarray()``
see its memory without a copy.  Areas can publish consistent versions
(:meth:`Area.publish`, :func:`wait`, :func:`watch`) and travel through
message queues (:class:`Queue`).  :func:`dumps` and :func:`loads` pickle
objects whose large buffers (numpy arrays, bytes) travel as snapshots.

It needs the swing kernel module (``modprobe swing``): see swing(7).
"""
import collections
import errno
import io
import os
import pickle
import select
import struct
import threading
import time
import weakref

from . import _swing

__all__ = [
    "Area", "Queue", "Watch", "ModuleVersion", "create", "hook", "wait",
    "watch", "dumps", "loads", "version", "status", "PAGESIZE",
    "DUMPS_THRESHOLD",
]

#: The page size: areas are whole pages.
PAGESIZE = _swing.PAGESIZE
#: The release of swing this package was built for.
__version__ = _swing.RELEASE
#: dumps() sends buffers of this many bytes or more as areas.
DUMPS_THRESHOLD = 256 * 1024

ModuleVersion = collections.namedtuple("ModuleVersion", "abi major minor patch")

# This process's live areas, by token, for dumps() to find the area a buffer
# lies in.  Only this process's: a fork child starts with none.
_areas = weakref.WeakValueDictionary()
_areas_lock = threading.Lock()


def _register(area):
    with _areas_lock:
        _areas[area.token] = area
    return area


class Area(_swing.Area):
    """Memory of this process that other processes can hook as snapshots.

    Made by :func:`create` (an area of its own), :func:`hook` (a snapshot of
    another's) or :meth:`Queue.recv`.  ``len(area)`` and ``area.size`` are
    its length in bytes (whole pages); ``area.buf`` is a writable
    memoryview; ``area.token`` names it to other processes.

    :meth:`release` (or ``close()``, or leaving a ``with`` block) frees it.
    While buffers taken from it (memoryviews, numpy arrays) are alive, the
    area is closed at once (no new hook, no method works) but stays mapped
    until the last of them is released, so they never point at unmapped
    memory.  An area is also released when it is garbage collected and when
    this process exits.

    A child made by :func:`os.fork` does not inherit areas (their memory is
    not mapped there): in the child an inherited Area is closed, and a
    memoryview or numpy array over one must not be touched (it points at
    unmapped memory).  Pass the token instead and hook it.

    Pickled (with :mod:`pickle`, :mod:`multiprocessing`, ...) an area
    travels as its token: unpickling hooks a snapshot of it, which needs the
    area still alive then.
    """

    __slots__ = ()

    def ndarray(self, dtype="uint8", shape=None, offset=0):
        """A numpy array over the area's memory, without a copy.

        *shape* None means as many items of *dtype* as fit after *offset*.
        The array is writable and keeps the area's mapping alive.
        """
        import numpy

        dt = numpy.dtype(dtype)
        if offset < 0 or offset > self.size:
            raise ValueError("offset out of the area")
        if shape is None:
            return numpy.frombuffer(self, dt, (self.size - offset) // dt.itemsize, offset)
        if isinstance(shape, int):
            shape = (shape,)
        n = 1
        for d in shape:
            n *= d
        if n * dt.itemsize > self.size - offset:
            raise ValueError("shape %r of %s does not fit in %d bytes after offset %d"
                             % (tuple(shape), dt, self.size, offset))
        return numpy.frombuffer(self, dt, n, offset).reshape(shape)

    def setperm(self, uid=None, gid=None, mode=None):
        """Change who may hook the area (swing_setperm(3)); None keeps a field."""
        u, g, m = self.getperm()
        self._setperm(u if uid is None else uid, g if gid is None else gid,
                      m if mode is None else mode)

    def _check(self):
        if self.closed:
            raise ValueError("operation on a released area")

    def __reduce__(self):
        self._check()
        return (hook, (self.token,))

    def __repr__(self):
        if self.closed:
            return "<swing.Area token=%d closed>" % self.token
        return "<swing.Area token=%d size=%d%s>" % (
            self.token, self.size,
            "" if self.version is None else " version=%d" % self.version)


def create(size):
    """A new area of at least *size* bytes (whole pages), zero-filled, writable."""
    return _register(Area._create(size))


def hook(token, populate=False):
    """A snapshot of area *token*: an Area of this process, writable copy-on-write.

    If the area was published, the snapshot holds its latest version
    (``.version``).  *populate* maps it before returning, so that reading
    takes no page fault (best effort: a signal cuts it short).
    """
    return _register(Area._hook(token, populate))


def wait(token, after=0, timeout=None):
    """Sleep until area *token* has a published version above *after*; return it.

    *timeout* in seconds (None: no limit, 0: just test); on expiry
    :class:`TimeoutError`.  Released meanwhile: ``OSError(EIDRM)``.
    """
    return _swing.wait(token, after, timeout)


def version():
    """The loaded module's ABI version and release, as a ModuleVersion."""
    return ModuleVersion(*_swing.version())


class Watch:
    """A descriptor reporting an area's new versions or a queue's messages.

    :meth:`fileno` works with :mod:`select`, :mod:`selectors` and asyncio
    (``loop.add_reader``).  :meth:`read` returns the area's latest version
    (or the number of messages waiting in a queue), blocking until there is
    something new, and None at end of file: once the area or queue is
    released and nothing new is left.  See swing_watch(3).
    """

    def __init__(self, token):
        self._fd = -1           # closed, should watch() raise
        self._pid = os.getpid()
        self.token = token
        self._fd = _swing.watch(token)

    def fileno(self):
        self._check()
        return self._fd

    @property
    def closed(self):
        return self._fd < 0 or self._pid != os.getpid()

    def _check(self):
        if self.closed:
            raise ValueError("I/O operation on a closed watch")

    def setblocking(self, flag):
        """Non-blocking: read() raises BlockingIOError when nothing is new."""
        self._check()
        os.set_blocking(self._fd, flag)

    def read(self):
        """The latest version (or queue count), or None at end of file."""
        self._check()
        data = os.read(self._fd, 8)
        if not data:
            return None
        return struct.unpack("=Q", data)[0]

    def close(self):
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            if self._pid == os.getpid():
                os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def __repr__(self):
        return "<swing.Watch token=%d%s>" % (self.token, " closed" if self.closed else "")


def watch(token):
    """A :class:`Watch` of area or queue *token*."""
    return Watch(token)


def _poll(fd, events, deadline):
    """Wait for *events* on *fd* until *deadline* (monotonic); False on expiry."""
    p = select.poll()
    p.register(fd, events)
    while True:
        left = max(0.0, deadline - time.monotonic())
        if p.poll(min(left * 1000, 2 ** 31 - 1)):
            return True
        if time.monotonic() >= deadline:
            return False


class Queue:
    """A message queue of area snapshots (swing_queue_create(3)).

    ``Queue(depth)`` creates one, owned by this process; ``Queue(token=T)``
    attaches to another process's.  :meth:`send` queues a snapshot of an
    area (or gives the area away, *move*); :meth:`recv` takes the oldest
    message as a new Area.  Pickled, a queue travels as its token.
    """

    def __init__(self, depth=16, *, token=None):
        self._pid = os.getpid()
        self._watch = None
        self._lock = threading.Lock()
        if token is None:
            self._token = _swing.queue_create(depth)
            self._owned = True
            self.depth = depth
        else:
            if not isinstance(token, int) or token <= 0:
                raise ValueError("token must be a positive int")
            self._token = token
            self._owned = False
            self.depth = None
        self._closed = False

    @property
    def token(self):
        return self._token

    @property
    def closed(self):
        return self._closed or self._pid != os.getpid()

    def _check(self):
        if self.closed:
            raise ValueError("operation on a released queue")

    def _watch_fd(self):
        with self._lock:
            if self._watch is None:
                self._watch = Watch(self._token)
            return self._watch.fileno()

    def send(self, area, move=False, timeout=None):
        """Queue a snapshot of *area* (one of this process's).

        *move* gives the area away instead: its pages go to the receiver
        uncopied and *area* is closed; an area with exported buffers alive
        cannot move (BufferError).  A full queue blocks; *timeout* in
        seconds bounds that (0: BlockingIOError at once, else TimeoutError).
        """
        self._check()
        if not isinstance(area, _swing.Area):
            raise TypeError("send() needs a swing.Area, not %s" % type(area).__name__)
        if timeout is None:
            area._send(self._token, move, False)
            return
        deadline = time.monotonic() + _seconds(timeout)
        while True:
            try:
                area._send(self._token, move, True)
                return
            except BlockingIOError:
                if timeout == 0:
                    raise
                if not _poll(self._watch_fd(), select.POLLOUT, deadline):
                    raise TimeoutError(errno.ETIMEDOUT,
                                       "send: " + os.strerror(errno.ETIMEDOUT)) from None

    def recv(self, timeout=None):
        """The oldest message, as a new Area of this process.

        An empty queue blocks; *timeout* in seconds bounds that (0:
        BlockingIOError at once, else TimeoutError).
        """
        self._check()
        if timeout is None:
            return _register(Area._recv(self._token, False))
        deadline = time.monotonic() + _seconds(timeout)
        while True:
            try:
                return _register(Area._recv(self._token, True))
            except BlockingIOError:
                if timeout == 0:
                    raise
                if not _poll(self._watch_fd(), select.POLLIN, deadline):
                    raise TimeoutError(errno.ETIMEDOUT,
                                       "recv: " + os.strerror(errno.ETIMEDOUT)) from None

    def release(self):
        """Release the queue if this process owns it (its messages are freed),
        else only detach.  Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._watch is not None:
            self._watch.close()
        if self._owned and self._pid == os.getpid():
            try:
                _swing.release(self._token)
            except FileNotFoundError:
                pass

    close = release

    def __enter__(self):
        self._check()
        return self

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        try:
            self.release()
        except Exception:
            pass

    def __reduce__(self):
        self._check()
        return (_attach_queue, (self._token,))

    def __repr__(self):
        return "<swing.Queue token=%d%s%s>" % (
            self._token, "" if self.depth is None else " depth=%d" % self.depth,
            " closed" if self.closed else "")


def _seconds(timeout):
    t = float(timeout)
    if not t >= 0:
        raise ValueError("timeout must be non-negative or None")
    return t


def _attach_queue(token):
    return Queue(token=token)


# dumps/loads: pickle protocol 5 with large buffers as area messages.
#
# A payload is MAGIC, a header (queue token, number of messages, number of
# buffers, how many of them are bytes objects), one (message, offset,
# length) triple per buffer, then the pickle.  The buffers are first the
# pickle's out-of-band ones, then those of large bytes and bytearrays: the
# C pickler writes exact bytes and bytearrays itself, before any
# reducer_override, so they leave the pickle through persistent_id (and
# arrive as bytes and bytearrays again, a copy each, for they own their
# memory).  The messages wait in a queue of the sender's made for
# this payload: a buffer lying in one of the sender's areas travels as a
# snapshot of that area (no copy), the others are copied into one new area
# that is given away (SWING_SEND_MOVE).  loads() receives them, so a payload
# is loaded once.  The sender releases a payload's queue once it is drained,
# at its next dumps(); one never loaded lives until the sender exits.

_MAGIC = b"SWINGPK1"
_HEAD = struct.Struct("<iIII")
_BUF = struct.Struct("<IQQ")
_sent = []
_sent_lock = threading.Lock()


def _drained(q):
    """True if payload queue *q* holds no message any more."""
    try:
        fd = _swing.watch(q.token)
    except OSError as e:
        # Gone already; or cannot tell now (EMFILE, ...): keep it.
        return e.errno in (errno.ENOENT, errno.EIDRM)
    try:
        os.set_blocking(fd, False)
        os.read(fd, 8)
        return False            # messages still wait
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _collect():
    """Release this process's payload queues that were drained.  No lock is
    held while it looks (a __del__ or signal handler may call dumps)."""
    with _sent_lock:
        pending = list(_sent)
    done = [q for q in pending if _drained(q)]
    if done:
        with _sent_lock:
            _sent[:] = [q for q in _sent if not any(q is d for d in done)]
        for q in done:
            q.release()
    return len(pending) - len(done)


def _forget(q):
    """Drop payload queue *q* (its payload will never be loaded)."""
    with _sent_lock:
        _sent[:] = [x for x in _sent if x is not q]
    q.release()


def _wait_pending(limit, deadline=None, alive=None):
    """Wait until fewer than *limit* payloads of this process wait to be
    loaded (limit 1: none), until *deadline* (monotonic) if given and while
    *alive()* is true; True if so."""
    while True:
        n = _collect()
        if n < limit:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if alive is not None and not alive():
            return False
        # Woken by a message taken from any of them (POLLOUT: room again).
        with _sent_lock:
            pending = list(_sent)
        p = select.poll()
        for q in pending:
            try:
                p.register(q._watch_fd(), select.POLLOUT)
            except (OSError, ValueError):
                pass
        p.poll(100)


def _forget_after_fork():
    # The parent's queues and areas are not the child's, and another thread
    # of the parent may have held a lock at the fork.
    global _sent_lock, _areas_lock
    _sent_lock = threading.Lock()
    _areas_lock = threading.Lock()
    del _sent[:]
    _areas.clear()


class _Pickler(pickle.Pickler):
    def __init__(self, file, protocol, buffer_callback, threshold):
        super().__init__(file, protocol, buffer_callback=buffer_callback)
        self._threshold = max(threshold, 1)
        self.owned = []         # large bytes and bytearrays, as memoryviews

    def persistent_id(self, obj):
        t = type(obj)
        if (t is bytes or t is bytearray) and len(obj) >= self._threshold:
            self.owned.append(memoryview(obj))
            return (_PERSISTENT, len(self.owned) - 1, t is bytes)
        return None


_PERSISTENT = "swing.buffer"


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, buffers, owned):
        super().__init__(file, buffers=buffers)
        self._owned = owned

    def persistent_load(self, pid):
        try:
            tag, i, is_bytes = pid
            buf = self._owned[i]
        except (TypeError, ValueError, IndexError):
            raise pickle.UnpicklingError("bad swing.dumps buffer reference %r" % (pid,)) from None
        if tag != _PERSISTENT:
            raise pickle.UnpicklingError("bad swing.dumps buffer reference %r" % (pid,))
        return bytes(buf) if is_bytes else bytearray(buf)


def _find_area(addr, length):
    with _areas_lock:
        areas = list(_areas.values())
    for a in areas:
        if not a.closed and a.address <= addr and addr + length <= a.address + a.size:
            return a
    return None


def dumps(obj, *, threshold=None, protocol=5):
    """Pickle *obj*; buffers of *threshold* bytes or more travel as areas.

    Numpy arrays, bytes, bytearrays and PickleBuffers that large are not
    copied into the pickle: one lying in an area of this process is sent as
    a snapshot of it, the others are copied once into a new area.  The
    result, passed to another process by any means, gives the object back
    through :func:`loads` (once), with those buffers arriving as writable
    copy-on-write memory.  The payload needs this process alive until then;
    one never loaded holds its memory until this process exits.
    """
    return _dumps(obj, threshold, protocol, None)


def _dumps(obj, threshold, protocol, queue_out):
    if protocol < 5:
        raise ValueError("dumps needs pickle protocol 5 or later")
    threshold = DUMPS_THRESHOLD if threshold is None else threshold
    big = []

    def take(pb):
        raw = pb.raw()
        if raw.nbytes == 0 or raw.nbytes < threshold or not raw.contiguous:
            return True         # in band
        big.append(raw)
        return False

    f = io.BytesIO()
    pickler = _Pickler(f, protocol, take, threshold)
    pickler.dump(obj)
    data = f.getvalue()
    nowned = len(pickler.owned)
    big += pickler.owned
    if not big:
        return _MAGIC + _HEAD.pack(0, 0, 0, 0) + data

    _collect()
    # Where each buffer goes: (area, offset) for one inside an area of this
    # process, (None, offset in the pack) for a copy.
    spans = []
    for raw in big:
        addr, length = _swing.buffer_span(raw)
        a = _find_area(addr, length)
        spans.append((a, addr - a.address if a is not None else 0, length))
    # Depth: one message per area found and one for the copies (if a found
    # area is released before it is sent, its buffers take the copies' slot).
    found = {id(a): a for a, _, _ in spans if a is not None}
    q = Queue(len(found) + any(a is None for a, _, _ in spans))
    try:
        msgs = []
        for a in found.values():
            try:
                q.send(a)
                msgs.append(a)
            except ValueError:
                pass            # released meanwhile: its buffers are copied
        table, copies, pos = [], [], 0
        for (a, off, n), raw in zip(spans, big):
            if a is not None and any(m is a for m in msgs):
                table.append((next(i for i, m in enumerate(msgs) if m is a), off, n))
            else:
                table.append((len(msgs), pos, n))
                copies.append((pos, raw))
                pos += (n + 63) & ~63
        if copies:
            pack = Area._create(pos)
            try:
                for off, raw in copies:
                    _swing.copy_into(pack, off, raw)
                q.send(pack, move=True)
            finally:
                pack.release()  # no-op once moved
    except BaseException:
        q.release()
        raise
    with _sent_lock:
        _sent.append(q)
    if queue_out is not None:
        queue_out.append(q)
    head = _HEAD.pack(q.token, len(msgs) + (1 if copies else 0), len(table), nowned)
    return b"".join([_MAGIC, head] + [_BUF.pack(*t) for t in table] + [data])


def loads(data):
    """The object a :func:`dumps` payload holds; its large buffers are writable
    copy-on-write views of areas of this process.

    Like :func:`pickle.loads`, only for data from a trusted sender: a
    pickle can run any code.
    """
    view = memoryview(data).cast("B")
    if bytes(view[:len(_MAGIC)]) != _MAGIC:
        raise ValueError("not a swing.dumps payload")
    pos = len(_MAGIC)
    try:
        qtoken, nmsg, nbuf, nowned = _HEAD.unpack_from(view, pos)
        pos += _HEAD.size
        table = [_BUF.unpack_from(view, pos + i * _BUF.size) for i in range(nbuf)]
    except struct.error:
        raise ValueError("truncated swing.dumps payload") from None
    pos += nbuf * _BUF.size
    if nowned > nbuf or nbuf and (nmsg == 0 or qtoken <= 0 or
                                  any(i >= nmsg for i, _, _ in table)):
        raise ValueError("corrupt swing.dumps payload")
    buffers = None
    if nmsg:
        q = Queue(token=qtoken)
        areas = []
        try:
            for _ in range(nmsg):
                areas.append(_register(Area._recv(qtoken, True)))
        except (BlockingIOError, FileNotFoundError):
            # Taken already, or the sender released them or exited.
            for a in areas:
                a.release()
            raise FileNotFoundError(
                errno.ENOENT, "loads: the payload's buffers are gone "
                "(loaded already, or its sender exited?)") from None
        finally:
            q.close()
        for i, off, n in table:
            if off + n > areas[i].size:
                raise ValueError("corrupt swing.dumps payload")
        bufs = [a.buf for a in areas]
        buffers = [bufs[i][off:off + n] for i, off, n in table]
    owned = buffers[nbuf - nowned:] if buffers else []
    oob = buffers[:nbuf - nowned] if buffers else None
    return _Unpickler(io.BytesIO(view[pos:]), oob, owned).load()


def status():
    """What ``swingctl status`` prints, from sysfs: the module, its version,
    the device, its limits and totals."""
    out = []
    mod = "/sys/module/swing"
    dev = "/sys/class/misc/swing"

    def line(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return None

    if not os.path.isdir(mod):
        return "module:      not loaded (modprobe swing)\n"
    out.append("module:      %s, version %s" % (line(mod + "/initstate") or "live",
                                                 line(mod + "/version") or "?"))
    abi = line(dev + "/abi_version")
    if abi is not None:
        out.append("abi:         %s (library %d)" % (abi, _swing.ABI_VERSION))
    try:
        st = os.stat(_swing.DEVICE)
        out.append("device:      %s, mode %03o" % (_swing.DEVICE, st.st_mode & 0o777))
    except OSError as e:
        out.append("device:      %s missing (%s)" % (_swing.DEVICE, e.strerror))
    try:
        v = version()
        out.append("speaks:      ABI %d, release %d.%d.%d" % v)
    except OSError:
        pass
    p = mod + "/parameters/"
    if line(p + "max_area_size") is not None:
        out.append("max area:    %s bytes" % line(p + "max_area_size"))
    if line(p + "max_areas_per_user") is not None:
        out.append("per user:    %s areas (0: no limit), %s pages (0: no limit)"
                   % (line(p + "max_areas_per_user"), line(p + "max_pages_per_user")))
    out.append("page size:   %d bytes" % PAGESIZE)
    for name in ("areas", "pages", "shared_pages", "nodes", "cow_copies", "faults",
                 "messages", "versions"):
        v = line(dev + "/" + name)
        if v is not None:
            out.append("%-12s %s" % (name, v))
    return "\n".join(out) + "\n"
