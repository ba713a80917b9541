# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Helpers shared by the tests and their peer interpreters (no pytest here:
spawned multiprocessing workers and peers import this module)."""
import os
import time

SYSFS = "/sys/class/misc/swing"
TOTALS = ("areas", "pages", "messages", "versions")


def totals():
    """The module's totals that must come back after a test: areas (and
    queues), pages, messages waiting, versions held."""
    t = {}
    for name in TOTALS:
        with open(os.path.join(SYSFS, name)) as f:
            t[name] = int(f.read())
    return t


def totals_back(before, timeout=10.0):
    """Wait (exits and deferred releases finish) for totals() == before;
    return the last totals read."""
    deadline = time.monotonic() + timeout
    while True:
        now = totals()
        if now == before or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


def proc_swing(token):
    """The /proc/swing line of *token* as a dict by column name, or None."""
    with open("/proc/swing") as f:
        names = f.readline().split()
        for line in f:
            words = line.split()
            if words and int(words[0]) == token:
                return dict(zip(names, words))
    return None


def proc_wait(token, column, want, timeout=20.0):
    """Poll /proc/swing until *token*'s *column* reads *want* (an int); the
    handshake with a peer that must be asleep in the kernel, not a sleep."""
    deadline = time.monotonic() + timeout
    while True:
        row = proc_swing(token)
        v = None if row is None else int(row[column])
        if v == want or time.monotonic() > deadline:
            return v
        time.sleep(0.01)


def mapped(addr):
    """Is an address the start of a mapping of this process?"""
    with open("/proc/self/maps") as f:
        for line in f:
            start = int(line.split("-", 1)[0], 16)
            if start == addr:
                return True
    return False


# Patterns: uint64 element i holds i * MUL + seed, filled and checked a chunk
# at a time (no array-sized temporaries: under TCG, faulting in a second
# 256 MiB costs seconds).
MUL = 0x9E3779B97F4A7C15
CHUNK = 1 << 17


def fill(arr, seed):
    import numpy as np
    flat = arr.reshape(-1).view(np.uint64)
    base = np.arange(min(CHUNK, flat.size), dtype=np.uint64) * np.uint64(MUL)
    for i in range(0, flat.size, CHUNK):
        n = min(CHUNK, flat.size - i)
        np.add(base[:n], np.uint64((i * MUL + seed) % 2**64), out=flat[i:i + n])


def check(arr, seed):
    """The index of the first element not holding the pattern, or -1."""
    import numpy as np
    flat = arr.reshape(-1).view(np.uint64)
    base = np.arange(min(CHUNK, flat.size), dtype=np.uint64) * np.uint64(MUL)
    want = np.empty_like(base)
    for i in range(0, flat.size, CHUNK):
        n = min(CHUNK, flat.size - i)
        np.add(base[:n], np.uint64((i * MUL + seed) % 2**64), out=want[:n])
        if not np.array_equal(flat[i:i + n], want[:n]):
            bad = np.nonzero(flat[i:i + n] != want[:n])[0][0]
            return i + int(bad)
    return -1


# multiprocessing workers (importable by name for any start method).

def pool_check_and_modify(arr, seed, newseed, span):
    """In a Pool worker: check *arr* holds pattern *seed*, then overwrite
    its first *span* elements with pattern *newseed* (a copy-on-write write
    to the snapshot) and send it back with what was seen."""
    import numpy as np
    bad = check(arr, seed)
    writable = arr.flags.writeable
    fill(arr[:span], newseed)
    return os.getpid(), bad, writable, arr


def pool_square(x):
    return x * x


def pool_sum(arr):
    return int(arr.sum()), arr.dtype.str, arr.shape


def mp_hook_child(conn, q):
    """A multiprocessing child: get an Area from *q* (pickled: a token, so
    this hooks a snapshot), report its first bytes, scribble on it, then
    echo a swing.Queue's token back through the pipe."""
    import swing
    a = q.get(timeout=60)
    got = bytes(a.buf[:8])
    a.buf[:8] = b"childwr!"
    conn.send((type(a).__name__, got, a.token, bytes(a.buf[:8])))
    sq = conn.recv()            # a swing.Queue, pickled as its token
    b = swing.create(4096)
    b.buf[:5] = b"reply"
    sq.send(b)
    conn.send(sq.token)
    conn.recv()                 # wait until the test is done with us
