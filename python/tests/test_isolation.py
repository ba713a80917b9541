# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Copy-on-write isolation between separate interpreters, both directions:
after a hook neither side sees the other's later writes (through its
mapping, a numpy view, or bytes it wrote to a pipe from the mapping)."""
import os

import pytest

import swing
import _helpers

np = pytest.importorskip("numpy")


def test_consumer_never_sees_producer_writes(peer, no_leak):
    a = swing.create(1 << 20)
    arr = a.ndarray("uint64")
    _helpers.fill(arr, 1)
    a.enable()
    assert peer.call("s = swing.hook(tok); x = s.ndarray('uint64'); result = h.check(x, 1)",
                     tok=a.token) == -1
    _helpers.fill(arr, 2)                   # the producer goes on writing
    arr[-1] = 0
    assert peer.call("result = h.check(x, 1)") == -1
    assert _helpers.check(arr[:-1], 2) == -1
    peer.call("del x; s.release()")
    a.release()


def test_producer_never_sees_consumer_writes(peer, no_leak):
    a = swing.create(1 << 20)
    arr = a.ndarray("uint64")
    _helpers.fill(arr, 3)
    a.enable()
    peer.call("""
        s = swing.hook(tok)
        x = s.ndarray('uint64')
        ok = h.check(x, 3)
        h.fill(x, 4)                        # the consumer writes all of it
        result = (ok, h.check(x, 4))
    """, tok=a.token)
    assert _helpers.check(arr, 3) == -1
    # and a second snapshot is the producer's, not the first consumer's
    assert peer.call("t = swing.hook(tok); result = h.check(t.ndarray('uint64'), 3)",
                     tok=a.token) == -1
    peer.call("del x; s.release(); t.release()")
    a.release()


def test_two_consumers_isolated(peer, fresh_peer, no_leak):
    a = swing.create(1 << 18)
    a.ndarray("uint64")[:] = 5
    a.enable()
    for p in (peer, fresh_peer):
        p.call("s = swing.hook(tok); x = s.ndarray('uint64')", tok=a.token)
    peer.call("x[:] = 6")
    assert fresh_peer.call("result = int(x.min()), int(x.max())") == (5, 5)
    fresh_peer.call("x[::2] = 7")
    assert peer.call("result = int(x.min()), int(x.max())") == (6, 6)
    assert int(a.ndarray("uint64").max()) == 5
    for p in (peer, fresh_peer):
        p.call("del x; s.release()")
    a.release()


def test_pipe_written_before_producer_write(peer, tmp_path, no_leak):
    """What the consumer wrote into a pipe from its snapshot is what it saw,
    whatever the producer writes afterwards."""
    a = swing.create(1 << 16)
    a.buf[:8] = b"snapshot"
    a.enable()
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    peer.call("""
        s = swing.hook(tok)
        w = os.open(fifo, os.O_WRONLY)
        os.write(w, s.buf[:8])
        os.close(w)
        s.release()
    """, tok=a.token, fifo=fifo)
    a.buf[:8] = b"XXXXXXXX"
    assert os.read(r, 8) == b"snapshot"
    os.close(r)
    a.release()


def test_roundtrip_dtypes_shapes(peer, no_leak):
    cases = [("int8", (4096,)), ("uint16", (64, 64)), ("float32", (8, 16, 32)),
             ("float64", (1000,)), ("complex64", (10, 10))]
    for dtype, shape in cases:
        a = swing.create(1 << 16)
        x = a.ndarray(dtype, shape)
        x[...] = np.arange(x.size).reshape(shape).astype(dtype)
        a.enable()
        got = peer.call("""
            s = swing.hook(tok)
            y = s.ndarray(dt, shape)
            result = (y.copy(), y.dtype.str, y.shape)
            del y
            s.release()
        """, tok=a.token, dt=dtype, shape=shape)
        assert got[1] == np.dtype(dtype).str and got[2] == shape
        assert np.array_equal(got[0], x)
        del x
        a.release()


try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:             # optional
    given = None

if given is not None:
    @settings(max_examples=15, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.integers(0, 255), st.integers(0, 255), st.booleans()),
                    min_size=1, max_size=12))
    def test_property_isolation(peer, writes):
        """Random interleavings of writes on both sides after a hook: each
        side reads exactly its own writes over the hooked contents."""
        a = swing.create(256 * swing.PAGESIZE)
        ours = np.zeros(a.size, np.uint8)
        ours[:] = a.ndarray()[:] = 1
        a.enable()
        peer.call("s = swing.hook(tok); x = s.ndarray()", tok=a.token)
        theirs = ours.copy()
        for page, value, producer in writes:
            off = page * swing.PAGESIZE + value
            if producer:
                a.ndarray()[off] = value
                ours[off] = value
            else:
                peer.call("x[off] = v", off=off, v=value)
                theirs[off] = value
        assert np.array_equal(a.ndarray(), ours)
        assert peer.call("result = x.copy()").tobytes() == theirs.tobytes()
        peer.call("del x; s.release()")
        a.release()
