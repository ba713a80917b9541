# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Areas from Python: every call, its errors, the buffer protocol, numpy
views, lifetimes (views outliving release), threads."""
import errno
import gc
import mmap
import os
import threading

import pytest

import swing
import _helpers

np = pytest.importorskip("numpy")


def test_create_attributes(no_leak):
    a = swing.create(10000)
    ps = swing.PAGESIZE
    assert a.size == len(a) == (10000 + ps - 1) // ps * ps
    assert a.token > 0 and not a.closed and a.version is None
    m = a.buf
    assert isinstance(m, memoryview) and not m.readonly and m.nbytes == a.size
    assert bytes(m[:16]) == bytes(16)          # zero-filled
    m[:5] = b"hello"
    assert bytes(memoryview(a)[:5]) == b"hello"
    assert _helpers.proc_swing(a.token) is not None
    del m
    a.release()
    assert a.closed
    assert _helpers.proc_swing(a.token) is None
    a.release()                                 # idempotent
    a.close()


def test_context_manager_and_repr(no_leak):
    with swing.create(4096) as a:
        assert "token=%d" % a.token in repr(a)
    assert a.closed and "closed" in repr(a)


@pytest.mark.parametrize("size,exc", [(0, ValueError), (-1, ValueError),
                                      ("x", TypeError), (2 ** 70, OverflowError)])
def test_create_bad_size(size, exc):
    with pytest.raises(exc):
        swing.create(size)


def test_create_too_big():
    limit = int(open("/sys/module/swing/parameters/max_area_size").read())
    with pytest.raises(OSError) as e:
        swing.create(limit + swing.PAGESIZE)
    assert e.value.errno == errno.EFBIG
    assert "createarea" in str(e.value)


def test_no_direct_instances():
    with pytest.raises(TypeError):
        swing.Area()
    with pytest.raises(TypeError):
        swing._swing.Area()


def test_released_area_refuses_everything(no_leak):
    a = swing.create(4096)
    a.release()
    for op in (a.enable, a.disable, a.publish, a.getperm, lambda: a.buf,
               lambda: memoryview(a), lambda: a.ndarray(), lambda: a.grant(1),
               lambda: a.setperm(mode=0o644)):
        with pytest.raises(ValueError, match="released area"):
            op()


def test_hook_errors(no_leak):
    a = swing.create(4096)
    with pytest.raises(BlockingIOError) as e:       # not enabled: EAGAIN
        swing.hook(a.token)
    assert e.value.errno == errno.EAGAIN and "hook" in str(e.value)
    a.enable()
    a.disable()
    with pytest.raises(BlockingIOError):
        swing.hook(a.token)
    tok = a.token
    a.release()
    with pytest.raises(FileNotFoundError) as e:
        swing.hook(tok)
    assert e.value.errno == errno.ENOENT
    for bad in (0, -3, 2 ** 31):
        with pytest.raises((ValueError, OverflowError)):
            swing.hook(bad)
    with pytest.raises(TypeError):
        swing.hook("1")
    q = swing.Queue(2)
    with pytest.raises(OSError) as e:
        swing.hook(q.token)
    assert e.value.errno == errno.EOPNOTSUPP
    q.release()


def test_hook_in_process_is_a_snapshot(no_leak):
    a = swing.create(1 << 16)
    a.buf[:4] = b"one!"
    a.enable()
    s = swing.hook(a.token, populate=True)
    assert s.size == a.size and s.token != a.token
    a.buf[:4] = b"two!"
    assert bytes(s.buf[:4]) == b"one!"
    s.buf[:4] = b"mine"
    assert bytes(a.buf[:4]) == b"two!"
    s.release()
    a.release()


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32", "float64", "complex128",
                                   np.dtype([("x", "<i4"), ("y", "<f8")])])
@pytest.mark.parametrize("shape", [None, 1000, (10, 20), (2, 3, 4)])
def test_ndarray(dtype, shape, no_leak):
    a = swing.create(1 << 16)
    arr = a.ndarray(dtype, shape, offset=64)
    dt = np.dtype(dtype)
    assert arr.dtype == dt and arr.flags.writeable and not arr.flags.owndata
    if shape is None:
        assert arr.size == (a.size - 64) // dt.itemsize
    else:
        assert arr.shape == ((shape,) if isinstance(shape, int) else shape)
    raw = np.frombuffer(a.buf, np.uint8)
    arr.view(np.uint8).reshape(-1)[:] = 7
    assert raw[63] == 0 and raw[64] == 7 and raw[64 + arr.nbytes - 1] == 7
    assert arr.__array_interface__["data"][0] == a.address + 64
    del arr, raw
    a.release()


def test_ndarray_bad_args(no_leak):
    a = swing.create(4096)
    with pytest.raises(ValueError):
        a.ndarray("float64", (a.size // 8 + 1,))     # a page of 16 KiB too
    with pytest.raises(ValueError):
        a.ndarray("float64", (a.size // 8,), offset=8)
    with pytest.raises(ValueError):
        a.ndarray(offset=a.size + 1)
    with pytest.raises(ValueError):
        a.ndarray(offset=-1)
    with pytest.raises(TypeError):
        a.ndarray("no such dtype")
    a.release()


def test_buffer_protocol_users(tmp_path, no_leak):
    a = swing.create(1 << 16)
    path = tmp_path / "data"
    path.write_bytes(os.urandom(a.size))
    with open(path, "rb") as f:
        assert f.readinto(a.buf) == a.size   # readinto the mapping
    assert bytes(a.buf) == path.read_bytes()
    with open(path, "wb") as f:              # write from it
        f.write(a.buf[:100])
    assert path.read_bytes() == bytes(a.buf[:100])
    r, w = os.pipe()
    os.write(w, a.buf[:4096])
    assert os.read(r, 4096) == bytes(a.buf[:4096])
    os.close(r)
    os.close(w)
    assert np.frombuffer(a, np.uint8).sum() == np.frombuffer(bytes(a.buf), np.uint8).sum()
    a.release()


def test_views_outlive_release(no_leak):
    a = swing.create(1 << 16)
    arr = a.ndarray("uint32")
    arr[:] = 0xABCD
    m = a.buf[100:200]
    tok = a.token
    a.release()
    assert a.closed
    with pytest.raises(ValueError):
        a.enable()
    # Still mapped, no new hook possible, but the views read and write.
    with pytest.raises((BlockingIOError, FileNotFoundError)):
        swing.hook(tok)
    assert int(arr.sum()) == 0xABCD * arr.size
    arr[0] = 1
    m[0] = 9
    addr = a.address
    assert _helpers.mapped(addr)
    del arr
    assert _helpers.mapped(addr)     # m still holds it
    del m
    gc.collect()
    assert not _helpers.mapped(addr)  # the last view unmapped it
    assert _helpers.proc_swing(tok) is None


def test_del_releases(no_leak):
    a = swing.create(1 << 20)
    a.ndarray()[:] = 1
    tok = a.token
    del a
    gc.collect()
    assert _helpers.proc_swing(tok) is None


def test_perms(no_leak):
    a = swing.create(4096)
    uid, gid, mode = a.getperm()
    assert (uid, gid) == (os.geteuid(), os.getegid()) and mode == 0o600
    a.setperm(mode=0o640)
    assert a.getperm() == (uid, gid, 0o640)
    a.setperm(gid=1234)
    assert a.getperm() == (uid, 1234, 0o640)
    for bad in (dict(mode=0o10000), dict(mode=-1), dict(uid=2 ** 32), dict(gid=-5)):
        with pytest.raises(OverflowError):
            a.setperm(**bad)
    with pytest.raises(TypeError):
        a.setperm(mode="rw")
    a.setperm(mode=np.int64(0o600))         # __index__ ints
    a.grant(os.getpid())
    a.revoke(os.getpid())
    with pytest.raises(OverflowError):
        a.grant(-1)
    a.release()


def test_publish_versions(no_leak):
    a = swing.create(4096)
    v1 = a.publish()
    assert v1 >= 1 and a.version == v1
    s = swing.hook(a.token)
    assert s.version == v1
    a.buf[0] = 1
    v2 = a.publish()
    assert v2 > v1
    assert swing.wait(a.token, 0, 0) == v2
    with pytest.raises(TimeoutError) as e:
        swing.wait(a.token, v2, 0.05)
    assert e.value.errno == errno.ETIMEDOUT
    with pytest.raises(OverflowError):
        swing.wait(a.token, -1)
    with pytest.raises(ValueError):
        swing.wait(a.token, 0, -1)
    s.release()
    a.release()


def test_threads_concurrently(no_leak):
    a = swing.create(1 << 16)
    a.ndarray("uint64")[:] = 42
    a.enable()
    errors = []

    def worker(n):
        try:
            for i in range(60):
                s = swing.hook(a.token)
                arr = s.ndarray("uint64")
                if int(arr[i]) != 42:
                    errors.append("torn %d" % arr[i])
                arr[i] = n                  # private copy-on-write write
                del arr
                s.release()
                if i % 10 == 0:
                    a.publish()
                b = swing.create(4096)
                b.buf[0] = n
                b.release()
        except Exception as e:              # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert int(a.ndarray("uint64").sum()) == 42 * (a.size // 8)
    a.release()


def test_fork_child_sees_area_closed(no_leak):
    a = swing.create(4096)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(w, b"1" if a.closed else b"0")
        finally:
            os._exit(0)
    os.close(w)
    assert os.read(r, 1) == b"1"
    os.waitpid(pid, 0)
    os.close(r)
    assert not a.closed
    a.release()


def test_mmap_sized_like_pages():
    assert swing.PAGESIZE == mmap.PAGESIZE
