#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The SWING paper's pipeline in Python, continuous, on numpy data.

    A --\\                    /--> D
         >-- C (combines) --<         both follow C's versions, and share
    B --/                    \\--> E   C's work items through a queue

A and B each own an area holding a numpy array and publish a new version
of it every --interval ms (B half as often again, out of step).  C waits
for a new version of each (swing.wait), hooks both snapshots, checks them,
combines them (a + 2 b) into its own area and publishes that; it also
sends every result through a swing.Queue as a work item: the odd ones a
snapshot of C's area, the even ones a fresh area given away whole
(move=True, no page copied).  D and E wait on C's area and on the queue
with selectors (Watch.fileno()), hook each new version of C, check it and
scribble on their snapshot (copy-on-write: nobody else sees that), and
race to receive the work items, each of which reaches exactly one of them.

Every stage is a separate process: this file run by sys.executable with
--stage.  All five start at once; the coordinator writes each the tokens
it needs (A's and B's to C, C's to D and E, the queue's) as the first line
on its stdin, as soon as it has them: nothing is inherited through fork.  Each stage reports JSON lines on its stdout; this process
(the coordinator) owns the queue, prints a progress line each second,
stops A and B after --seconds, lets the others drain, and then checks:
every snapshot was consistent (every element follows from the versions in
its header), every work item reached exactly one consumer, and the
module's totals (areas, pages, messages, versions) are back to what they
were.  Exit status 0 when all held, 1 when not, 2 on misuse.

    PYTHONPATH=python python3 examples/pipeline.py --seconds 5
"""
import argparse
import json
import os
import selectors
import subprocess
import sys
import time

try:
    import swing
except ImportError:     # run from a checkout: the package built in place
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    os.pardir, "python"))
    import swing

np = None   # numpy, imported by the stages only: the coordinator starts faster

HEADER = 64                 # bytes of header before the data
H_VERSION, H_LAST, H_A, H_B, H_SEQ, H_MOVED = range(6)      # int64 words
QUEUE_DEPTH = 8
TIMEOUT = 30.0              # no stage waits longer for another
REPORT_EVERY = 0.25         # seconds between a stage's progress reports


# -- the data ---------------------------------------------------------------
#
# A's version v is base(0) + v * n, B's base(1) + v * n: every element
# names its producer and version, so a torn snapshot (pages of two
# versions) or a stray write shows.  C's result is a + 2 b.

def base(who, n):
    i = np.arange(n, dtype=np.int64)
    return i if who == 0 else 3 * (n - i)


def produced(who, v, n):
    return base(who, n) + np.int64(v) * n


def combined(va, vb, n):
    return produced(0, va, n) + 2 * produced(1, vb, n)


def views(area, n):
    """The header and the data of an area, as numpy arrays (no copy)."""
    return area.ndarray("int64", 8), area.ndarray("int64", n, HEADER)


class Stage:
    """What every stage has: its counters, reported as JSON lines."""

    def __init__(self, role):
        self.role = role
        self.stats = {"role": role, "failures": 0, "failure": None}
        self.next_report = 0.0

    def fail(self, why):
        self.stats["failures"] += 1
        if self.stats["failure"] is None:
            self.stats["failure"] = why

    def report(self, final=False, **extra):
        now = time.monotonic()
        if final or extra or now >= self.next_report:
            self.next_report = now + REPORT_EVERY
            print(json.dumps(dict(self.stats, final=final, **extra)), flush=True)


def wait_for_eof(f):
    """Keep our areas alive until the coordinator closes our stdin."""
    while f.readline():
        pass


# -- A and B ----------------------------------------------------------------

def producer(args):
    who = 0 if args.stage == "A" else 1
    st = Stage(args.stage)
    st.stats.update(version=0, published=0)
    n = args.size // 8
    interval = args.interval / 1000.0 * (1.5 if who else 1.0)
    sel = selectors.DefaultSelector()
    sel.register(sys.stdin, selectors.EVENT_READ)
    with swing.create(HEADER + args.size) as area:
        head, data = views(area, n)
        st.report(token=area.token)             # for C
        last = False
        while not last:
            # the pace, and the coordinator's "stop" (or its end)
            last = bool(sel.select(interval))
            v = st.stats["version"] + 1
            data[:] = produced(who, v, n)       # the live content
            head[H_VERSION] = v
            head[H_LAST] = last
            got = area.publish()                # readers now get this
            if got != v:
                st.fail("published v%d after v%d" % (got, v - 1))
            st.stats["version"] = got
            st.stats["published"] += 1
            st.report()
        del head, data
        st.report(final=True)
        wait_for_eof(sys.stdin)                 # C may still hook our last
    return 1 if st.stats["failures"] else 0


# -- C ----------------------------------------------------------------------

def hook_checked(st, name, token, seen, n):
    """Hook the latest version of A or B and check it: (snapshot, data, version, last)."""
    snap = swing.hook(token)
    head, data = views(snap, n)
    v = snap.version
    if v is None or v < seen:
        st.fail("%s: hooked version %s, older than v%d" % (name, v, seen))
    elif head[H_VERSION] != v:
        st.fail("%s: snapshot of v%d says v%d" % (name, v, head[H_VERSION]))
    elif not np.array_equal(data, produced(0 if name == "A" else 1, v, n)):
        st.fail("%s: v%d is torn" % (name, v))
    return snap, data, v, bool(head[H_LAST])


def read_tokens(args):
    """The tokens this stage needs: the first line on stdin."""
    vars(args).update(json.loads(sys.stdin.readline()))


def combiner(args):
    read_tokens(args)
    st = Stage("C")
    st.stats.update(version=0, sent=0, moved=0, a=0, b=0)
    n = args.size // 8
    q = swing.Queue(token=args.queue)           # the coordinator's
    tokens = {"A": args.a, "B": args.b}
    seen = {"A": 0, "B": 0}
    done = {"A": False, "B": False}
    out = swing.create(HEADER + args.size)
    head, data = views(out, n)
    st.report(token=out.token)                  # for D and E
    while not all(done.values()):
        # a new version of each input that has not finished
        for name in ("A", "B"):
            if not done[name]:
                swing.wait(tokens[name], after=seen[name], timeout=TIMEOUT)
        sa, da, seen["A"], done["A"] = hook_checked(st, "A", tokens["A"], seen["A"], n)
        sb, db, seen["B"], done["B"] = hook_checked(st, "B", tokens["B"], seen["B"], n)
        np.add(da, 2 * db, out=data)            # C's next version: a + 2 b
        del da, db
        sa.release()
        sb.release()
        v = st.stats["version"] + 1
        if args.fault and v == 1:
            data[n // 2] += 1               # a wrong result: D or E must see it
        head[H_VERSION] = v
        head[H_LAST] = all(done.values())
        head[H_A], head[H_B] = seen["A"], seen["B"]
        head[H_SEQ] = v
        head[H_MOVED] = 0
        got = out.publish()
        if got != v:
            st.fail("published v%d after v%d" % (got, v - 1))
        st.stats.update(version=got, a=seen["A"], b=seen["B"])
        send_item(st, q, out, head, data, n, v)
        st.report()
    # one end marker for each consumer
    for _ in range(2):
        end = swing.create(HEADER)
        end.ndarray("int64", 8)[H_SEQ] = -1
        q.send(end, move=True, timeout=TIMEOUT)
    del head, data
    st.report(final=True)
    wait_for_eof(sys.stdin)                     # D and E may still hook
    out.release()
    q.close()
    return 1 if st.stats["failures"] else 0


def send_item(st, q, out, head, data, n, seq):
    """Work item @seq: odd, a snapshot of C's area; even, a fresh area moved."""
    if seq % 2:
        q.send(out, timeout=TIMEOUT)            # a snapshot: C goes on writing
        st.stats["sent"] += 1
        return
    item = swing.create(HEADER + n * 8)
    ih, idata = views(item, n)
    ih[:] = head
    ih[H_MOVED] = 1
    idata[:] = data
    del ih, idata           # a move needs no buffer exported (BufferError)
    q.send(item, move=True, timeout=TIMEOUT)    # item is closed now
    st.stats["sent"] += 1
    st.stats["moved"] += 1


# -- D and E ----------------------------------------------------------------

def check_result(st, what, area, n):
    """An area of C's (a version or a work item) follows from its header."""
    head, data = views(area, n)
    va, vb = int(head[H_A]), int(head[H_B])
    if not np.array_equal(data, combined(va, vb, n)):
        st.fail("%s: not a + 2 b of A v%d and B v%d" % (what, va, vb))
    del data
    return head


def consumer(args):
    read_tokens(args)
    st = Stage(args.stage)
    st.stats.update(version=0, checked=0, unseen=0, received=0, moved=0, lost=0)
    items = []
    n = args.size // 8
    q = swing.Queue(token=args.queue)
    versions = swing.watch(args.c)              # C's new versions
    messages = swing.watch(args.queue)          # readable while one waits
    sel = selectors.DefaultSelector()
    sel.register(versions, selectors.EVENT_READ, "version")
    sel.register(messages, selectors.EVENT_READ, "item")
    saw_last = got_end = False
    st.report(ready=True)
    while not (saw_last and got_end):
        events = sel.select(TIMEOUT)
        if not events:
            st.fail("nothing from C for %d s" % TIMEOUT)
            break
        for key, _ in events:
            if key.data == "version":
                latest = versions.read()
                if latest is None:
                    st.fail("C's area went before its last version")
                    saw_last = True
                    sel.unregister(versions)
                    continue
                snap = swing.hook(args.c)
                v = snap.version
                if v < latest:
                    st.fail("hooked C v%d, older than v%d the watch read" % (v, latest))
                if v > st.stats["version"] + 1:
                    st.stats["unseen"] += v - st.stats["version"] - 1
                head = check_result(st, "C v%d" % v, snap, n)
                if head[H_VERSION] != v:
                    st.fail("snapshot of C v%d says v%d" % (v, head[H_VERSION]))
                saw_last = saw_last or bool(head[H_LAST])
                head[:] = -7                    # ours alone: copy-on-write
                del head
                snap.release()
                st.stats["version"] = v
                st.stats["checked"] += 1
            else:
                try:
                    item = q.recv(timeout=0)
                except BlockingIOError:
                    st.stats["lost"] += 1       # the other consumer took it
                    continue
                with item:
                    seq = int(item.ndarray("int64", 8)[H_SEQ])
                    if seq == -1:
                        got_end = True
                        sel.unregister(messages)
                        continue
                    head = check_result(st, "item %d" % seq, item, n)
                    st.stats["moved"] += int(head[H_MOVED])
                    del head
                items.append(seq)
                st.stats["received"] += 1
        st.report()
    versions.close()
    messages.close()
    q.close()
    st.report(final=True, items=items)
    return 1 if st.stats["failures"] else 0


# -- the coordinator --------------------------------------------------------

TOTALS = ("areas", "pages", "messages", "versions")


def totals():
    """The module's totals, from swing.status()."""
    t = {}
    for line in swing.status().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in TOTALS:
            t[parts[0]] = int(parts[1])
    return t


class Child:
    def __init__(self, role, args):
        self.role = role
        cmd = [sys.executable, os.path.abspath(__file__), "--stage", role,
               "--size", str(args.size), "--interval", str(args.interval)]
        if args.fault:
            cmd.append("--fault")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        self.buf = b""
        self.last = {}
        self.final = None
        self.token = None
        self.ready = False

    def lines(self):
        """The complete lines read so far."""
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            return None
        self.buf += data
        *done, self.buf = self.buf.split(b"\n")
        return [json.loads(l) for l in done if l]

    def tell(self, **tokens):
        self.proc.stdin.write(json.dumps(tokens).encode() + b"\n")
        self.proc.stdin.flush()

    def close_stdin(self):
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass


class Coordinator:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.children = {}
        self.problems = []

    def start(self, role, args):
        c = Child(role, args)
        self.children[role] = c
        self.sel.register(c.proc.stdout, selectors.EVENT_READ, c)
        return c

    def pump(self, timeout):
        """Read what the stages reported within @timeout seconds."""
        for key, _ in self.sel.select(timeout):
            c = key.data
            got = c.lines()
            if got is None:
                self.sel.unregister(c.proc.stdout)
                if c.final is None:
                    self.problems.append("%s ended without its final report" % c.role)
                continue
            for msg in got:
                c.last = msg
                if "token" in msg:
                    c.token = msg["token"]
                if "token" in msg or "ready" in msg:
                    c.ready = True
                if msg.get("final"):
                    c.final = msg

    def until(self, what, deadline):
        while not what():
            if time.monotonic() > deadline or self.problems:
                return False
            self.pump(0.1)
        return True

    def progress(self, t):
        ch = self.children
        s = lambda r, k: ch[r].last.get(k, 0) if r in ch else 0
        print("%5.1fs  A v%-5d B v%-5d C v%-5d (sent %d)  D v%-5d %d items  E v%-5d %d items"
              % (t, s("A", "version"), s("B", "version"), s("C", "version"), s("C", "sent"),
                 s("D", "version"), s("D", "received"),
                 s("E", "version"), s("E", "received")), flush=True)

    def stop(self):
        for c in self.children.values():
            c.close_stdin()
        for c in self.children.values():
            try:
                c.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.problems.append("%s did not exit: killed" % c.role)
                c.proc.kill()
                c.proc.wait()
            if c.proc.returncode:
                self.problems.append("%s exited with %d" % (c.role, c.proc.returncode))
            c.proc.stdout.close()


def coordinate(args):
    before = totals()
    co = Coordinator()
    q = swing.Queue(QUEUE_DEPTH)
    ok = False
    try:
        ok = run(args, co, q)
    finally:
        if not ok:
            for c in co.children.values():
                if c.proc.poll() is None:
                    c.proc.kill()
        co.stop()
        q.release()
    # check what everyone saw
    ch = co.children
    for c in ch.values():
        if c.final and c.final["failures"]:
            co.problems.append("%s: %d failures, the first: %s"
                               % (c.role, c.final["failures"], c.final["failure"]))
    if not co.problems:
        sent = ch["C"].final["sent"]
        items = sorted(ch["D"].final["items"] + ch["E"].final["items"])
        if items != list(range(1, sent + 1)):
            co.problems.append("items: C sent 1..%d, D and E received %d (%s)"
                               % (sent, len(items), "duplicates" if len(set(items)) < len(items)
                                  else "some lost"))
        moved = ch["D"].final["moved"] + ch["E"].final["moved"]
        if moved != ch["C"].final["moved"]:
            co.problems.append("C moved %d items, D and E got %d" % (ch["C"].final["moved"], moved))
    after = totals()
    if after != before:
        co.problems.append("the module's totals were %s, now %s" % (before, after))
    if co.problems:
        for p in co.problems:
            print("pipeline: " + p)
        print("pipeline: FAILED (%d problems)" % len(co.problems))
        return 1
    f = {r: c.final for r, c in ch.items()}
    print("pipeline: OK: A published %d versions, B %d; C combined %d (last: A v%d, B v%d) "
          "and sent %d items (%d moved); D checked %d versions (%d unseen) and %d items, "
          "E %d versions (%d unseen) and %d items; totals back (%s)"
          % (f["A"]["published"], f["B"]["published"], f["C"]["version"], f["C"]["a"],
             f["C"]["b"], f["C"]["sent"], f["C"]["moved"], f["D"]["checked"], f["D"]["unseen"],
             len(f["D"]["items"]), f["E"]["checked"], f["E"]["unseen"], len(f["E"]["items"]),
             ", ".join("%s %d" % kv for kv in sorted(after.items()))))
    return 0


def run(args, co, q):
    start = lambda: time.monotonic() + TIMEOUT
    a, b, c, d, e = (co.start(r, args) for r in "ABCDE")
    if not co.until(lambda: a.token and b.token, start()):
        return False
    c.tell(a=a.token, b=b.token, queue=q.token)
    if not co.until(lambda: c.token, start()):
        return False
    d.tell(c=c.token, queue=q.token)
    e.tell(c=c.token, queue=q.token)
    if not co.until(lambda: d.ready and e.ready, start()):
        return False
    print("pipeline: A %d, B %d, C %d, queue %d; %d KiB arrays, running %g s"
          % (a.token, b.token, c.token, q.token, args.size // 1024, args.seconds), flush=True)
    t1 = time.monotonic()
    end = t1 + args.seconds
    tick = t1 + 1
    while time.monotonic() < end and not co.problems:
        co.pump(min(end, tick) - time.monotonic())
        if time.monotonic() >= tick:
            co.progress(tick - t1)
            tick += 1
    for p in (a, b):
        try:
            p.proc.stdin.write(b"stop\n")
            p.proc.stdin.flush()
        except BrokenPipeError:
            co.problems.append("%s is gone" % p.role)
            return False
    # A and B publish their last; C combines them; D and E drain and end
    done = co.until(lambda: all(x.final for x in (a, b, c, d, e)), time.monotonic() + TIMEOUT)
    co.progress(time.monotonic() - t1)
    if not done and not co.problems:
        co.problems.append("the stages did not finish within %d s" % TIMEOUT)
    return done


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=5.0, help="how long to run (5)")
    p.add_argument("--size", type=int, default=1 << 20,
                   help="bytes of each array (1 MiB; a multiple of 8)")
    p.add_argument("--interval", type=float, default=20.0,
                   help="ms between A's versions (20; B: 1.5 times that)")
    p.add_argument("--fault", action="store_true",
                   help="C computes one wrong element in its version 1: must fail")
    p.add_argument("--stage", choices=["A", "B", "C", "D", "E"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.size <= 0 or args.size % 8 or args.seconds < 0 or args.interval <= 0:
        p.error("--size must be a positive multiple of 8, --seconds >= 0, --interval > 0")
    if args.stage is None:
        try:
            return coordinate(args)
        except OSError as e:                    # no module, say
            print("pipeline: %s" % e, file=sys.stderr)
            return 1
    global np
    import numpy as np
    stage = {"A": producer, "B": producer, "C": combiner, "D": consumer, "E": consumer}
    try:
        return stage[args.stage](args)
    except Exception as e:
        print(json.dumps({"role": args.stage, "final": True, "failures": 1,
                          "failure": "%s: %s" % (type(e).__name__, e)}), flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
