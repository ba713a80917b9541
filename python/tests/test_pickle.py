# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Objects through swing.dumps/loads and multiprocessing: large buffers as
snapshots (writable, copy-on-write), a 256 MiB array with its contents
checked, Areas through multiprocessing queues and pipes."""
import multiprocessing as mp
import pickle

import pytest

import swing
import swing.multiprocessing as smp
import _helpers

np = pytest.importorskip("numpy")

BIG = 256 << 20


def test_small_objects_in_band(no_leak):
    obj = {"a": [1, 2.5, "x"], "b": b"small", "c": np.arange(10)}
    p = swing.dumps(obj)
    got = swing.loads(p)
    assert got["a"] == obj["a"] and got["b"] == b"small"
    assert np.array_equal(got["c"], obj["c"])
    assert swing.loads(p)["b"] == b"small"      # nothing out of band: loads again


def test_large_buffers_out_of_band(peer, no_leak):
    arr = np.arange(1 << 17, dtype=np.float64)          # 1 MiB
    obj = {"arr": arr, "b": bytes(range(256)) * 2048, "ba": bytearray(b"z") * (1 << 19),
           "pb": pickle.PickleBuffer(bytearray(b"q") * (1 << 19)), "n": 5}
    p = swing.dumps(obj)
    assert len(p) < 4096                                # buffers are not in it
    got = peer.call("""
        o = swing.loads(p)
        a = o["arr"]
        result = (a.flags.writeable, float(a.sum()), type(o["b"]).__name__, o["b"][:4],
                  type(o["ba"]).__name__, len(o["ba"]), bytes(o["pb"][:2]), o["n"])
        a[:] = -1                                       # copy-on-write, private
    """, p=p)
    assert got == (True, float(arr.sum()), "bytes", bytes(range(4)), "bytearray",
                   1 << 19, b"qq", 5)
    assert arr[0] == 0
    with pytest.raises(FileNotFoundError):              # loaded once
        peer.call("swing.loads(p)", p=p)
    peer.call("del a, o")


def test_array_in_area_sent_without_copy(peer, no_leak):
    a = swing.create(1 << 20)
    x = a.ndarray("int32")
    x[:] = 3
    p = swing.dumps(x[1000:2000 + (1 << 17)])
    x[:] = 4                                            # after dumps: a snapshot
    assert peer.call("y = swing.loads(p); result = (int(y.min()), int(y.max()), y.size)",
                     p=p) == (3, 3, 1000 + (1 << 17))
    peer.call("del y")
    del x
    a.release()


def test_loads_rejects_garbage():
    for data in (b"", b"not a payload", b"SWINGPK1", b"SWINGPK1" + b"\xff" * 20):
        with pytest.raises((ValueError, pickle.UnpicklingError, EOFError)):
            swing.loads(data)
    with pytest.raises(ValueError):
        swing.dumps(1, protocol=4)


@pytest.mark.slow
def test_256mib_through_dumps(peer, no_leak):
    arr = np.empty(BIG // 8, np.uint64)
    _helpers.fill(arr, 77)
    p = swing.dumps(arr)
    del arr
    assert peer.call("""
        y = swing.loads(p)
        bad = h.check(y, 77)
        h.fill(y[:1 << 20], 78)                         # writable, copy-on-write
        result = (bad, y.nbytes, y.flags.writeable)
        del y
    """, p=p, timeout=600) == (-1, BIG, True)


@pytest.mark.slow
def test_256mib_through_pool(no_leak):
    arr = np.empty(BIG // 8, np.uint64)
    _helpers.fill(arr, 5)
    with smp.Pool(1, context=mp.get_context("spawn")) as pool:
        pid, bad, writable, back = pool.apply(_helpers.pool_check_and_modify,
                                              (arr, 5, 6, 1 << 20), )
        assert (bad, writable) == (-1, True)
        # the result came back as a snapshot: the worker's writes, then ours
        assert _helpers.check(back[:1 << 20], 6) == -1
        assert _helpers.check(arr, 5) == -1               # ours untouched
        assert pool.map(_helpers.pool_square, range(5)) == [0, 1, 4, 9, 16]
        small = pool.apply(_helpers.pool_sum, (np.arange(10),))
        assert small == (45, np.arange(10).dtype.str, (10,))
    del back, arr


def test_pool_fork_and_results(no_leak):
    with smp.Pool(2, context=mp.get_context("fork"), maxtasksperchild=1) as pool:
        arrs = [np.full(1 << 17, i, np.int64) for i in range(4)]
        got = pool.map(_helpers.pool_sum, arrs)
    assert [g[0] for g in got] == [i * (1 << 17) for i in range(4)]


def test_area_through_multiprocessing(no_leak):
    ctx = mp.get_context("spawn")
    a = swing.create(4096)
    a.buf[:8] = b"parent!!"
    a.enable()
    q = ctx.Queue()
    here, there = ctx.Pipe()
    p = ctx.Process(target=_helpers.mp_hook_child, args=(there, q))
    p.start()
    q.put(a)                                    # pickled as its token
    kind, got, tok, wrote = here.recv()
    assert (kind, got, wrote) == ("Area", b"parent!!", b"childwr!") and tok != a.token
    assert bytes(a.buf[:8]) == b"parent!!"
    sq = swing.Queue(2)
    here.send(sq)
    assert here.recv() == sq.token
    r = sq.recv(timeout=30)
    assert bytes(r.buf[:5]) == b"reply"
    here.send("done")
    p.join(60)
    assert p.exitcode == 0
    r.release()
    sq.release()
    a.release()
