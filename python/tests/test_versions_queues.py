# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Published versions (wait, watch with selectors and asyncio) and queues
from Python, between separate interpreters; blocking calls interrupted by
signals."""
import asyncio
import errno
import selectors
import time

import pytest

import swing

np = pytest.importorskip("numpy")


def test_wait_wakes_on_publish(peer, no_leak):
    a = swing.create(1 << 16)
    v1 = a.publish()
    peer.start("result = swing.wait(tok, after, 60)", tok=a.token, after=v1)
    time.sleep(0.3)
    assert not peer.ready()                 # asleep in wait
    a.ndarray()[0] = 1
    v2 = a.publish()
    assert peer.finish(60) == v2
    assert peer.call("s = swing.hook(tok); result = (s.version, int(s.ndarray()[0]))",
                     tok=a.token) == (v2, 1)
    peer.call("s.release()")
    a.release()


def test_wait_on_released_area(peer, no_leak):
    a = swing.create(4096)
    v = a.publish()
    peer.start("""
        try:
            swing.wait(tok, after, 60)
            result = None
        except OSError as e:
            result = e.errno
    """, tok=a.token, after=v)
    time.sleep(0.2)
    a.release()
    assert peer.finish(60) in (errno.EIDRM, errno.ENOENT)


def test_watch_selectors(no_leak):
    a = swing.create(4096)
    w = swing.watch(a.token)
    sel = selectors.DefaultSelector()
    sel.register(w, selectors.EVENT_READ)
    assert sel.select(0) == []
    v = a.publish()
    events = sel.select(5)
    assert events and events[0][0].fileobj is w
    assert w.read() == v
    w.setblocking(False)
    with pytest.raises(BlockingIOError):
        w.read()
    sel.unregister(w)
    a.release()
    w.setblocking(True)
    assert w.read() is None             # end of file once released
    w.close()
    assert w.closed
    with pytest.raises(ValueError):
        w.fileno()


def test_watch_asyncio(peer, no_leak):
    a = swing.create(4096)
    w = swing.watch(a.token)

    async def main():
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        loop.add_reader(w.fileno(), lambda: fut.done() or fut.set_result(w.read()))
        # another process publishes? only the owner can: the owner publishes
        # from a thread after the loop is waiting
        loop.call_later(0.05, a.publish)
        try:
            return await asyncio.wait_for(fut, 10)
        finally:
            loop.remove_reader(w.fileno())

    v = asyncio.run(main())
    assert v == a.version
    # a watch of another process's area, from the peer
    assert peer.call("""
        import selectors
        w = swing.watch(tok)
        sel = selectors.DefaultSelector(); sel.register(w, selectors.EVENT_READ)
        result = bool(sel.select(10)) and w.read()
        w.close()
    """, tok=a.token) == v
    w.close()
    a.release()


def test_watch_errors():
    with pytest.raises(FileNotFoundError):
        swing.watch(2 ** 31 - 1)
    with pytest.raises(ValueError):
        swing.watch(0)


def test_queue_between_processes(peer, no_leak):
    q = swing.Queue(4)
    assert q.depth == 4 and q.token > 0
    a = swing.create(1 << 16)
    a.ndarray("uint32")[:] = 11
    q.send(a)                                   # a snapshot: a stays ours
    a.ndarray("uint32")[:] = 12
    b = swing.create(1 << 16)
    b.ndarray("uint32")[:] = 13
    q.send(b, move=True)                        # given away
    assert b.closed
    got = peer.call("""
        q = swing.Queue(token=qt)
        r1 = q.recv(timeout=10); r2 = q.recv(timeout=10)
        result = (int(r1.ndarray('uint32').max()), int(r2.ndarray('uint32').max()))
        r1.ndarray('uint32')[:] = 99
        r1.release(); r2.release(); q.close()
    """, qt=q.token)
    assert got == (11, 13)
    assert int(a.ndarray("uint32").max()) == 12
    a.release()
    q.release()


def test_queue_timeouts_and_errors(no_leak):
    q = swing.Queue(1)
    with pytest.raises(BlockingIOError):
        q.recv(timeout=0)
    t = time.monotonic()
    with pytest.raises(TimeoutError) as e:
        q.recv(timeout=0.2)
    assert e.value.errno == errno.ETIMEDOUT and time.monotonic() - t >= 0.19
    a = swing.create(4096)
    q.send(a)
    with pytest.raises(BlockingIOError):
        q.send(a, timeout=0)                    # full
    with pytest.raises(TimeoutError):
        q.send(a, timeout=0.1)
    q.recv().release()
    m = a.buf
    with pytest.raises(BufferError):
        q.send(a, move=True)                    # exported view: no move
    assert not a.closed
    del m
    with pytest.raises(TypeError):
        q.send(b"not an area")
    with pytest.raises(ValueError):
        swing.Queue(0)
    with pytest.raises(ValueError):
        q.recv(timeout=-1)
    a.release()
    q.release()
    assert q.closed
    with pytest.raises(ValueError):
        q.recv()


def test_queue_recv_blocks_until_send(peer, no_leak):
    q = swing.Queue(2)
    peer.start("q = swing.Queue(token=qt); r = q.recv(); result = bytes(r.buf[:3]); r.release()",
               qt=q.token)
    time.sleep(0.3)
    assert not peer.ready()
    a = swing.create(4096)
    a.buf[:3] = b"abc"
    q.send(a, move=True)
    assert peer.finish(30) == b"abc"
    q.release()


def test_pickled_queue_and_area(no_leak):
    import pickle
    q = swing.Queue(2)
    q2 = pickle.loads(pickle.dumps(q))
    assert q2.token == q.token and q2.depth is None
    a = swing.create(4096)
    a.buf[:2] = b"hi"
    a.enable()
    s = pickle.loads(pickle.dumps(a))           # an Area pickles as its token
    assert isinstance(s, swing.Area) and s.token != a.token and bytes(s.buf[:2]) == b"hi"
    s.release()
    a.release()
    with pytest.raises(ValueError):
        pickle.dumps(a)
    q2.close()
    q.release()


@pytest.mark.parametrize("call", [
    "swing.wait(a.token, a.publish(), None)",
    "swing.Queue(1).recv()",
    "swing.Queue(1).recv(timeout=1e9)",
])
def test_keyboard_interrupt(run_py, call):
    p = run_py("""
        import signal, sys, time, swing
        a = swing.create(4096)
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        t = time.monotonic()
        try:
            %s
            print("returned")
        except KeyboardInterrupt:
            print("interrupted %%.1f" %% (time.monotonic() - t))
    """ % call, timeout=60)
    assert p.stdout.startswith("interrupted"), p.stdout + p.stderr
    assert float(p.stdout.split()[1]) < 10


def test_populating_hook_interrupted(run_py, no_leak):
    p = run_py("""
        import signal, time, swing
        a = swing.create(512 << 20); x = a.ndarray(); x[::4096] = 1; a.enable()
        t = time.monotonic(); swing.hook(a.token, populate=True).release()
        full = time.monotonic() - t
        signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        signal.setitimer(signal.ITIMER_REAL, full / 20)
        t = time.monotonic()
        try:
            swing.hook(a.token, populate=True)
            print("returned", full, time.monotonic() - t)
        except KeyboardInterrupt:
            print("interrupted", full, time.monotonic() - t)
    """, timeout=300)
    words = p.stdout.split()
    assert words[0] == "interrupted", p.stdout
    assert float(words[2]) < float(words[1])
