#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""bench/python/pybench.py: handing a numpy array to another Python process.

    pybench.py [-o DIR] [-s MiB,...] [-r REPS] [-R BIGREPS] [-m MECH,...]
               [handoff] [hook]

*handoff* (handoff.csv, trials.csv): the producer (this process) holds a
uint64 array of N bytes whose every page it has just written (the first word
of page i is seed + i, a new seed each trial); a consumer, a separate
interpreter that is already running, gets it by one of MECHANISMS below.
*hold*: from the producer starting the send until the consumer holds a
usable ndarray; *read*: until the consumer has also read one word of every
page (and that sum is checked).  Every consumer is a fresh interpreter
started with multiprocessing's "spawn" method (fork + exec of
sys.executable: nothing is inherited but the descriptors it is given), which
is also the only way to hand a multiprocessing.Queue to another
interpreter.  Trials run in rounds that take every mechanism in turn; the
median of REPS rounds is kept (BIGREPS from 1 GiB up).

*hook* (hook.csv): the Python layer's cost on a hook.  An enabled area of
1 MiB and of 256 MiB (every page written) is hooked and the snapshot
released in tight loops, in rounds that take the sizes and variants in
turn: *c*, a small C program (bench/python/hookloop: swing_hook_flags +
releasearea); *c-vmas*, the same program with its address space padded to
as many VMAs as the Python process has; *c-in-py*, the same C loop
(hookloop.so) called once through ctypes inside the Python process; *py*,
swing.hook(token) + Area.release(); *py-ext*, the extension's Area._hook +
release without the package's wrapper; *py-ndarray*, swing.hook +
.ndarray() + release; *py-clock*, the timing loop alone.  The median call
of each round, then the median of the rounds.

Writes into DIR (default .); bench/run --python runs it in a guest.
"""
import argparse
import csv
import fcntl
import multiprocessing
import os
import pickle
import statistics
import struct
import subprocess
import sys
import time
from multiprocessing import shared_memory

import numpy as np

import swing

PAGE = swing.PAGESIZE
WPP = PAGE // 8                 # uint64 words per page
MIB = 1 << 20
M64 = (1 << 64) - 1

# name: what travels, the copies made of the array's bytes (docs/benchmarks.md)
MECHANISMS = {
    "swing": "area.enable(), token through the control pipe, consumer "
             "swing.hook(token).ndarray(): no copy",
    "swing-populate": "the same with swing.hook(token, populate=True): no copy, "
                      "the snapshot's page tables filled at hook",
    "swing-dumps-area": "swing.dumps(array lying in an area) through the control pipe, "
                        "swing.loads: a snapshot of the area, no copy",
    "swing-dumps": "swing.dumps(plain numpy array), swing.loads: one copy "
                   "(into a new area, by the producer)",
    "mp-queue": "multiprocessing.Queue put/get (pickle protocol 4, in band): "
                "six copies (tobytes, into the pickle's buffer, into and out of "
                "the pipe, into the receiver's BytesIO, into the bytes the "
                "unpickled array keeps)",
    "shm-copy1": "producer copies into a new SharedMemory, consumer attaches by "
                 "name and views it with np.ndarray: one copy",
    "shm-copy2": "the same, and the consumer copies the view out (.copy()): two "
                 "copies; each side then owns its memory",
    "pickle5-pipe": "pickle protocol 5, its out-of-band buffer written to a pipe, "
                    "read with readinto into a buffer the consumer allocated and "
                    "touched beforehand: the pipe's two copies",
}


def now():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def write_pattern(arr, seed):
    """Write the first word of every page: seed + page number."""
    n = arr.size // WPP
    arr[::WPP] = np.arange(seed, seed + n, dtype=np.uint64)


def expect_sum(nbytes, seed):
    n = nbytes // PAGE
    return (seed * n + n * (n - 1) // 2) & M64


def read_pages(arr):
    """Read one word of every page; return their sum."""
    return int(arr[::WPP].sum(dtype=np.uint64))


def log(*a):
    print("pybench:", *a, file=sys.stderr, flush=True)


# ---- the consumer: a spawned interpreter, one per mechanism ----

def read_exact(fd, view):
    pos = 0
    while pos < len(view):
        n = os.readv(fd, [view[pos:]])
        if n == 0:
            raise EOFError("pickle5 pipe closed")
        pos += n


def consumer(mech, conn, q, rpipe):
    rfd = rpipe.fileno() if rpipe is not None else -1
    while True:
        msg = conn.recv()
        if msg[0] == "quit":
            break
        _, n, seed = msg
        pre = None
        if mech == "pickle5-pipe":
            # a receiver that already runs, its buffer allocated and touched
            pre = np.empty(n, np.uint8)
            pre[::PAGE] = 1
        conn.send("ready")

        shm = s = None
        if mech in ("swing", "swing-populate"):
            s = swing.hook(conn.recv(), populate=mech == "swing-populate")
            arr = s.ndarray(np.uint64, n // 8)
        elif mech.startswith("swing-dumps"):
            arr = swing.loads(conn.recv_bytes())
        elif mech == "mp-queue":
            arr = q.get()
        elif mech.startswith("shm-copy"):
            shm = shared_memory.SharedMemory(name=conn.recv())
            view = np.ndarray((n // 8,), np.uint64, buffer=shm.buf)
            arr = view.copy() if mech == "shm-copy2" else view
            del view
        elif mech == "pickle5-pipe":
            hdr = bytearray(12)
            read_exact(rfd, memoryview(hdr))
            hlen, nbuf = struct.unpack("<QI", hdr)
            rest = bytearray(hlen + 8 * nbuf)
            read_exact(rfd, memoryview(rest))
            lens = struct.unpack_from("<%dQ" % nbuf, rest, 0)
            bufs, left = [], memoryview(pre)
            for ln in lens:     # the preallocated buffer, cut to the buffers
                bufs.append(left[:ln])
                left = left[ln:]
            for b in bufs:
                read_exact(rfd, b)
            arr = pickle.loads(memoryview(rest)[8 * nbuf:], buffers=bufs)
            del bufs, left
        else:
            raise ValueError(mech)
        t1 = now()
        got = read_pages(arr)
        t2 = now()
        ok = (got == expect_sum(n, seed) and arr.dtype == np.uint64
              and arr.shape == (n // 8,) and arr.flags.writeable)
        conn.send((t1, t2, ok))
        del arr, pre
        if shm is not None:
            shm.close()
        if s is not None:
            s.release()
        conn.send("done")


class Consumer:
    def __init__(self, ctx, mech):
        self.mech = mech
        self.conn, child = ctx.Pipe()
        self.q = ctx.Queue() if mech == "mp-queue" else None
        rpipe = None
        self.wfd = -1
        if mech == "pickle5-pipe":
            rpipe, self.wpipe = ctx.Pipe(duplex=False)     # an os.pipe()
            self.wfd = self.wpipe.fileno()
            fcntl.fcntl(self.wfd, fcntl.F_SETPIPE_SZ, MIB)  # as swingbench's pipe
        self.proc = ctx.Process(target=consumer, args=(mech, child, self.q, rpipe),
                                name="pybench-" + mech)
        self.proc.start()
        child.close()
        if rpipe is not None:
            rpipe.close()

    def stop(self):
        self.conn.send(("quit",))
        self.proc.join()
        if self.proc.exitcode:
            raise RuntimeError("consumer %s exited %d" % (self.mech, self.proc.exitcode))


def write_all(fd, data):
    view = memoryview(data).cast("B")
    while view:
        view = view[os.write(fd, view):]


def trial(c, n, seed, plain):
    """One handoff of n bytes to consumer c: (hold ms, read ms)."""
    mech, conn = c.mech, c.conn
    area = arr = shm = None
    if mech in ("swing", "swing-populate", "swing-dumps-area"):
        area = swing.create(n)      # the array lives in an area
        arr = area.ndarray(np.uint64, n // 8)
    else:
        arr = plain
    write_pattern(arr, seed)        # freshly written
    conn.send(("trial", n, seed))
    if conn.recv() != "ready":
        raise RuntimeError("consumer %s not ready" % mech)

    t0 = now()
    if mech in ("swing", "swing-populate"):
        area.enable()
        conn.send(area.token)
    elif mech.startswith("swing-dumps"):
        conn.send_bytes(swing.dumps(arr))
    elif mech == "mp-queue":
        c.q.put(arr)
    elif mech.startswith("shm-copy"):
        shm = shared_memory.SharedMemory(create=True, size=n)
        dst = np.ndarray(arr.shape, arr.dtype, buffer=shm.buf)
        dst[:] = arr
        del dst
        conn.send(shm.name)
    elif mech == "pickle5-pipe":
        bufs = []
        head = pickle.dumps(arr, protocol=5, buffer_callback=bufs.append)
        raws = [b.raw() for b in bufs]
        write_all(c.wfd, struct.pack("<QI", len(head), len(raws)) +
                  struct.pack("<%dQ" % len(raws), *(r.nbytes for r in raws)) + head)
        for r in raws:
            write_all(c.wfd, r)
        del bufs, raws
    t1, t2, ok = conn.recv()
    if conn.recv() != "done":
        raise RuntimeError("consumer %s: no done" % mech)
    if not ok:
        raise RuntimeError("%s %d MiB: the consumer got the wrong contents" % (mech, n >> 20))
    del arr
    if shm is not None:
        shm.close()
        shm.unlink()
    if area is not None:
        area.release()
    return (t1 - t0) / 1e6, (t2 - t0) / 1e6


def bench_handoff(out, sizes, reps, bigreps, mechs):
    ctx = multiprocessing.get_context("spawn")
    cons = [Consumer(ctx, m) for m in mechs]
    seed = 1000
    # warm up: one untimed trial of each at the smallest size
    plain = np.zeros(sizes[0] // 8, np.uint64)
    for c in cons:
        seed += 1
        trial(c, sizes[0], seed, plain)
    del plain
    with open(os.path.join(out, "handoff.csv"), "w", newline="") as f, \
            open(os.path.join(out, "trials.csv"), "w", newline="") as g:
        w = csv.writer(f)
        w.writerow(["mechanism", "size_mib", "hold_ms", "read_ms", "reps"])
        wt = csv.writer(g)
        wt.writerow(["mechanism", "size_mib", "round", "hold_ms", "read_ms"])
        for n in sizes:
            r = bigreps if n >= 1024 * MIB else reps
            plain = np.zeros(n // 8, np.uint64)
            res = {c.mech: [] for c in cons}
            for k in range(r):
                for c in cons:
                    seed += 1
                    hold, read = trial(c, n, seed, plain)
                    res[c.mech].append((hold, read))
                    wt.writerow([c.mech, n >> 20, k, "%.3f" % hold, "%.3f" % read])
                    g.flush()
            del plain
            for c in cons:
                hold = statistics.median(h for h, _ in res[c.mech])
                read = statistics.median(x for _, x in res[c.mech])
                w.writerow([c.mech, n >> 20, "%.3f" % hold, "%.3f" % read, r])
                log("handoff %-16s %5d MiB: hold %10.3f ms, read %10.3f ms (%d reps)"
                    % (c.mech, n >> 20, hold, read, r))
            f.flush()
    for c in cons:
        c.stop()


# ---- hook: the Python layer against the C library ----

def hookloop_py(token):
    """The Python side of the hook experiment: reads "VARIANT N" lines."""
    hook, clock = swing.hook, time.perf_counter_ns  # CLOCK_MONOTONIC on Linux
    for line in sys.stdin:
        variant, n = line.split()
        ts = [0] * int(n)
        if variant == "py":
            for i in range(len(ts)):
                t0 = clock()
                s = hook(token)
                s.release()
                ts[i] = clock() - t0
        elif variant == "py-ext":       # the extension's call alone, no wrapper
            ext = swing.Area._hook
            for i in range(len(ts)):
                t0 = clock()
                s = ext(token, False)
                s.release()
                ts[i] = clock() - t0
        elif variant == "c-in-py":      # hookloop.so's C loop, in this process
            import ctypes
            lib = ctypes.CDLL(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                           "hookloop.so"), use_errno=True)
            lib.hookloop_run.restype = ctypes.c_longlong
            mean = ctypes.c_longlong()
            med = lib.hookloop_run(token, int(n), ctypes.byref(mean))
            if med < 0:
                raise OSError(ctypes.get_errno(), "hookloop_run")
            print(med, mean.value, flush=True)
            continue
        elif variant == "py-clock":     # what the timing itself costs
            for i in range(len(ts)):
                t0 = clock()
                ts[i] = clock() - t0
        elif variant == "py-ndarray":
            for i in range(len(ts)):
                t0 = clock()
                s = hook(token)
                a = s.ndarray("uint64")
                del a
                s.release()
                ts[i] = clock() - t0
        else:
            raise ValueError(variant)
        print(int(statistics.median(ts)), sum(ts) // len(ts), flush=True)


def count_vmas(pid):
    with open("/proc/%d/maps" % pid) as f:
        return sum(1 for _ in f)


class Hooker:
    """A process hooking one area in loops: the C program or a Python one."""

    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)

    def run(self, line):
        self.p.stdin.write(line)
        self.p.stdin.flush()
        out = self.p.stdout.readline().split()
        if len(out) != 2:
            raise RuntimeError("hookloop %s died" % self.p.args)
        return int(out[0]) / 1e3, int(out[1]) / 1e3

    def close(self):
        self.p.stdin.close()
        if self.p.wait():
            raise RuntimeError("hookloop %s exited %d" % (self.p.args, self.p.returncode))


HOOK_VARIANTS = ("c", "c-vmas", "c-in-py", "py", "py-ext", "py-ndarray", "py-clock")


def bench_hook(out, sizes, rounds=25, calls=200):
    here = os.path.dirname(os.path.abspath(__file__))
    cprog = os.path.join(here, "hookloop")
    areas, hookers = {}, {}
    for n in sizes:
        a = areas[n] = swing.create(n)
        write_pattern(a.ndarray(np.uint64), 1)
        a.enable()
        hookers[n, "c"] = Hooker([cprog, str(a.token)])
        hookers[n, "py"] = Hooker([sys.executable, os.path.abspath(__file__),
                                   "--hookloop", str(a.token)])
        hookers[n, "py"].run("py 10\n")        # imported and going
        # the C program again, in an address space of as many VMAs
        hookers[n, "c-vmas"] = Hooker([cprog, str(a.token),
                                       str(count_vmas(hookers[n, "py"].p.pid))])
    med = {(n, v): [] for n in sizes for v in HOOK_VARIANTS}
    mean = {(n, v): [] for n in sizes for v in HOOK_VARIANTS}
    for r in range(rounds + 1):             # round 0: warm-up
        for n in sizes:                     # sizes and variants in turn
            for v in HOOK_VARIANTS:
                h = hookers[n, v if v in ("c", "c-vmas") else "py"]
                m, av = h.run(("%d\n" % calls) if v in ("c", "c-vmas") else ("%s %d\n" % (v, calls)))
                if r:
                    med[n, v].append(m)
                    mean[n, v].append(av)
    vmas = {k: count_vmas(h.p.pid) for k, h in hookers.items()}
    for h in hookers.values():
        h.close()
    for a in areas.values():
        a.release()
    with open(os.path.join(out, "hook.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["size_mib", "variant", "median_us", "mean_us", "calls", "rounds", "vmas"])
        for n in sizes:
            for v in HOOK_VARIANTS:
                m, av = statistics.median(med[n, v]), statistics.median(mean[n, v])
                nv = vmas[n, v if v in ("c", "c-vmas") else "py"]
                w.writerow([n >> 20, v, "%.2f" % m, "%.2f" % av, calls, rounds, nv])
                log("hook %5d MiB %-10s: median %8.2f us, mean %8.2f us (%d VMAs)"
                    % (n >> 20, v, m, av, nv))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", default=".")
    ap.add_argument("-s", "--sizes", default="1,4,16,64,256,1024", help="MiB,...")
    ap.add_argument("-r", "--reps", type=int, default=5)
    ap.add_argument("-R", "--bigreps", type=int, default=3, help="reps from 1 GiB up")
    ap.add_argument("-m", "--mechanisms", default=",".join(MECHANISMS))
    ap.add_argument("--hook-sizes", default="1,256", help="MiB,... of the hook experiment")
    ap.add_argument("--hookloop", type=int, help=argparse.SUPPRESS)
    ap.add_argument("experiments", nargs="*", default=["handoff", "hook"])
    a = ap.parse_args()
    if a.hookloop is not None:
        return hookloop_py(a.hookloop)
    mechs = a.mechanisms.split(",")
    for m in mechs:
        if m not in MECHANISMS:
            ap.error("unknown mechanism %s (%s)" % (m, ", ".join(MECHANISMS)))
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "mechanisms.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["mechanism", "what"])
        w.writerows((m, MECHANISMS[m]) for m in mechs)
    t = time.monotonic()
    for e in a.experiments:
        if e == "handoff":
            bench_handoff(a.out, [int(s) * MIB for s in a.sizes.split(",")],
                          a.reps, a.bigreps, mechs)
        elif e == "hook":
            bench_hook(a.out, [int(s) * MIB for s in a.hook_sizes.split(",")])
        else:
            ap.error("unknown experiment %s (handoff, hook)" % e)
    log("done in %.0f s" % (time.monotonic() - t))


if __name__ == "__main__":
    sys.exit(main())
