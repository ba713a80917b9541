#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""docs/benchmarks.md from one run of bench/swingbench (bench/run)."""
import csv
import glob
import os
import re
import sys

res = sys.argv[1] if len(sys.argv) > 1 else "bench/results"


def rows(name):
    path = os.path.join(res, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def text(name, default="?"):
    try:
        with open(os.path.join(res, name)) as f:
            return f.read().strip()
    except OSError:
        return default


# The guest's page size (bench/run records it; older runs were of 4 KiB).
page = int(text("pagesize", "4096"))


def size(b):
    return f"{b >> 20} MiB" if b >= 1 << 20 else f"{b >> 10} KiB"


base = size(page)             # "4 KiB"
ptes = page // 8              # entries of a page table: 512 with 4 KiB pages
pmd = size(page * ptes)       # what one of them maps: 2 MiB with 4 KiB pages

handoff = rows("handoff.csv")
stream = rows("stream.csv")
cow = rows("cow.csv")
fullread = rows("fullread.csv")
ssize = rows("scale_size.csv")
shook = rows("scale_hookers.csv")
wakeup = rows("wakeup.csv")
queue = rows("queue.csv")
publish = rows("publish.csv")

out = []
p = out.append


def table(header, body):
    p("| " + " | ".join(header) + " |")
    p("|" + "---|" * len(header))
    for r in body:
        p("| " + " | ".join(str(x) for x in r) + " |")
    p("")


def get(rs, key, **match):
    for r in rs:
        if all(r.get(k) == str(v) for k, v in match.items()):
            return float(r[key])
    return None


def mechanisms(rs):
    """The mechanisms of a CSV's rows, in their order."""
    return list(dict.fromkeys(r["mechanism"] for r in rs))


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(x, digits=2):
    return "n/a" if x is None else f"{x:.{digits}f}"


verdicts = []      # issue 4's targets
verdicts13 = []    # issue 13's


def target(what, value, op, goal, into=verdicts, why=None):
    """A row of a targets table; why: not judged on this row, and why not."""
    ok = None if value is None else (value >= goal if op == ">=" else value <= goal)
    verdict = "n/a" if ok is None else ("met" if ok else "**missed**")
    if why:
        verdict = f"{verdict.strip('*')}, not judged: {why}"
    into.append((what, fmt(value), f"{op} {goal}", verdict))


host = dict(line.split(": ", 1) for line in text("host", "").splitlines() if ": " in line)
p("# swing benchmarks")
p("")
p("Made by `make bench` (`bench/run`: `bench/swingbench` in a QEMU guest, then "
  "`bench/plots.gp` and `bench/report.py`); every number below comes from the "
  "CSV files of that run in `bench/results/`.")
p("")
p(f"- guest kernel: {text('kernel')}, {text('cpus')} vCPUs, QEMU TCG "
  f"({host.get('qemu', '?')})")
p(f"- host: {host.get('host cpu', '?')}, {host.get('host cores', '?')} cores; "
  f"run on {host.get('date', '?')}, {text('wall_seconds')} s wall in all")
p("- reproduce: `tools/setup && make bench` (sizes, repetitions and mechanisms: "
  "`make bench BENCH_ARGS='-s 1,64 -r 5 -m swing,fork handoff'`; counts of "
  "the wakeup and queue experiments: `SWING_BENCH_PUBLISHES=100 "
  "SWING_BENCH_QUEUE_MS=200 make bench`; one queue rule: "
  "`SWING_BENCH_QUEUE_RULES=transport`)")
p("")
p("**These times are emulated.** Under TCG every instruction is translated, so "
  "a `memcpy` is far slower against a page-table update than on hardware, and "
  "absolute times say little about a real machine. What counts is the ratio "
  "between mechanisms measured side by side in the same run. Each value is the "
  "median of several repetitions (`reps` column), each with a fresh producer "
  "and consumer process; each consumer checks the contents it received.")
p("")

# ---- targets ----
big = sorted({int(r["size_mib"]) for r in handoff if int(r["size_mib"]) >= 256})
sizes = sorted({int(r["size_mib"]) for r in ssize})
if sizes:
    target(f"hook({sizes[-1]} MiB) / hook({sizes[0]} MiB)",
           ratio(get(ssize, "hook_us", size_mib=sizes[-1]),
                 get(ssize, "hook_us", size_mib=sizes[0])), "<=", 1.5)
for s in big:
    sw = get(handoff, "hold_ms", mechanism="swing", size_mib=s)
    target(f"handoff {s} MiB: pipe / swing", ratio(get(handoff, "hold_ms", mechanism="pipe", size_mib=s), sw), ">=", 100)
    target(f"handoff {s} MiB: sealed memfd copy / swing", ratio(get(handoff, "hold_ms", mechanism="memfd-copy", size_mib=s), sw), ">=", 10)
    target(f"handoff {s} MiB: fork ({base} pages) / swing", ratio(get(handoff, "hold_ms", mechanism="fork", size_mib=s), sw), ">=", 1)
for pat in ("spread", "clustered"):
    for s in big:
        sw = get(stream, "round_ms", pattern=pat, mechanism="swing", size_mib=s)
        target(f"stream {pat} {s} MiB: memfd copy / swing", ratio(get(stream, "round_ms", pattern=pat, mechanism="memfd-copy", size_mib=s), sw), ">=", 20)
        target(f"stream {pat} {s} MiB: fork / swing", ratio(get(stream, "round_ms", pattern=pat, mechanism="fork", size_mib=s), sw), ">=", 3)
for r in fullread[:1]:
    s = r["size_mib"]
    target(f"full read {s} MiB: swing / forked child", ratio(get(fullread, "read_ms", mechanism="swing", size_mib=s), get(fullread, "read_ms", mechanism="fork", size_mib=s)), "<=", 1.5)
    target(f"full read {s} MiB: swing-populate / forked child", ratio(get(fullread, "read_ms", mechanism="swing-populate", size_mib=s), get(fullread, "read_ms", mechanism="fork", size_mib=s)), "<=", 1.5)
for s in big:
    def rd(m):
        a, b = get(handoff, "read_ms", mechanism=m, size_mib=s), get(handoff, "hold_ms", mechanism=m, size_mib=s)
        return None if a is None or b is None else a - b
    target(f"handoff {s} MiB, touching every page: swing / forked child", ratio(rd("swing"), rd("fork")), "<=", 1.5)
if cow:
    target("COW fault per page: swing / fork", ratio(get(cow, "cow_ns_per_page", mechanism="swing"), get(cow, "cow_ns_per_page", mechanism="fork")), "<=", 1.5)

p("## Targets (issue 4), ratios of this run")
p("")
table(["ratio", "measured", "target", ""], verdicts)

# ---- issue 13's targets ----
wmechs = ("swing-wait", "swing-watch")
readers = sorted({int(r["readers"]) for r in wakeup})
if publish:
    target("publish, nothing written since the last: 1024 MiB / 1 MiB area",
           ratio(get(publish, "publish_us", size_mib=1024, written_pages=0),
                 get(publish, "publish_us", size_mib=1, written_pages=0)),
           "<=", 1.5, verdicts13)
# The queue's target is judged on the transport rule (the queue's own cost);
# the produce rule's ratio is shown beside it, with what it measures.
qrules = list(dict.fromkeys(r["rule"] for r in queue))
for rule in ("transport", "produce"):
    if rule not in qrules:
        continue
    for m in ("swing-queue", "swing-queue-move"):
        target(f"64 MiB messages per second, {rule} rule: {m} / unix-socket",
               ratio(get(queue, "msgs_per_s", rule=rule, mechanism=m, size_kib=65536),
                     get(queue, "msgs_per_s", rule=rule, mechanism="unix-socket",
                         size_kib=65536)),
               ">=", 20, verdicts13,
               None if rule == "transport" else
               "the sender rewrites every page, one write fault per page after each send (notes)")
for n in readers:
    for m in wmechs:
        target(f"wakeup, {n} reader{'s' if n > 1 else ''}: {m} / pipe (median)",
               ratio(get(wakeup, "median_us", mechanism=m, readers=n),
                     get(wakeup, "median_us", mechanism="pipe", readers=n)),
               "<=", 2, verdicts13)
if verdicts13:
    p("## Targets (issue 13), ratios of this run")
    p("")
    table(["ratio", "measured", "target", ""], verdicts13)
if glob.glob(os.path.join(res, "python-*", "handoff.csv")):
    p("The targets of issue 14 (the Python package) are in "
      "[section 8](#8-python-a-numpy-array-to-another-interpreter-issue-14).")
    p("")

# ---- handoff ----
p("## 1. Handoff")
p("")
p("A producer has just written every page of N bytes of state; a consumer "
  "process is already running. *hold*: from the start of the handoff until the "
  "consumer can read the snapshot. *read*: until it has also read one word of "
  "every page. swing: `enablehook` + `hook` by token (`swing-populate`: with "
  "`SWING_HOOK_POPULATE`). pipe, unix-socket, vmsplice: the bytes through a "
  "pipe or socket into the consumer's buffer. memfd-copy: the producer copies "
  "its state into a new memfd, seals it and passes it with SCM_RIGHTS (it keeps "
  "working on its own copy); memfd-give: its state already is a memfd, which it "
  "unmaps, seals and passes (it gives its memory away). process_vm_readv: the "
  "consumer copies from the producer. fork: the child is the snapshot; `fork` "
  f"uses {base} pages like swing (MADV_NOHUGEPAGE), `fork-thp` the kernel's "
  f"default transparent huge pages, where fork copies one entry per {pmd}.")
p("")
mechs = mechanisms(handoff)
hs = sorted({int(r["size_mib"]) for r in handoff})
table(["MiB"] + [f"{m} hold / read (ms)" for m in mechs],
      [[s] + [f"{fmt(get(handoff, 'hold_ms', mechanism=m, size_mib=s))} / "
              f"{fmt(get(handoff, 'read_ms', mechanism=m, size_mib=s))}" for m in mechs]
       for s in hs])
p("![handoff hold](../bench/results/handoff-hold.png)")
p("![handoff read](../bench/results/handoff-read.png)")
p("")

# ---- stream ----
p("## 2. Stream")
p("")
p("The producer owns N bytes, dirties 1% of its pages, hands a fresh snapshot "
  "over and waits until the consumer has read 1% of it; repeated, the median "
  "round is shown. The previous snapshot is held while the producer writes, so "
  "its writes are copy-on-write faults for swing and fork alike. *spread*: "
  f"every 100th page (every {size(512 * page)} of the state changes: the worst case for "
  "swing's tree, whose 512-page leaves are copied on first write, and for page "
  "tables); *clustered*: runs of 32 pages. *dirty*: the producer's write per "
  "page. *enable*, *take*, *read*: swing's `enablehook`, the consumer's `hook` "
  "plus release of the previous snapshot, and its read of 1%.")
p("")
table(["pattern", "mechanism", "MiB", "round (ms)", "dirty (us/page)", "enable (ms)", "take (ms)", "read (ms)"],
      [[r["pattern"], r["mechanism"], r["size_mib"], r["round_ms"], r["dirty_us_per_page"],
        r["enable_ms"], r["take_ms"], r["read_ms"]] for r in stream])
p("![stream](../bench/results/stream.png)")
p("")

# ---- cow / read ----
p("## 3. Faults")
p("")
p("Producer's write per page to a 256 MiB state: *cow* while a snapshot "
  "(a hooked area, or a forked child) still shares every page; *reuse* after "
  "the snapshot is gone (swing: after `enablehook` removed the PTEs; fork: after "
  "a child came and went).")
p("")
table(["mechanism", "MiB", "cow (ns/page)", "reuse (ns/page)", "reps"],
      [[r["mechanism"], r["size_mib"], r["cow_ns_per_page"], r["reuse_ns_per_page"], r["reps"]] for r in cow])
p("A consumer reading every word of 256 MiB: a hooked area (faults map up to "
  f"{ptes} pages at once), a hooked area with `SWING_HOOK_POPULATE` (mapped at "
  "hook), and a forked child reading inherited memory (PTEs copied by fork).")
p("")
table(["mechanism", "MiB", "read (ms)", "reps"],
      [[r["mechanism"], r["size_mib"], r["read_ms"], r["reps"]] for r in fullread])

# ---- scale ----
p("## 4. Scale")
p("")
p("Median latency of one `hook` call on an enabled area whose every page was "
  "written before `enablehook`, against its size, and against the number of "
  "processes hooking the same 64 MiB area at the same moment.")
p("")
table(["MiB", "hook (us)"], [[r["size_mib"], r["hook_us"]] for r in ssize])
table(["hookers", "hook (us)"], [[r["hookers"], r["hook_us"]] for r in shook])
p("![hook against size](../bench/results/scale-size.png)")
p("![hook against hookers](../bench/results/scale-hookers.png)")
p("")
# ---- wakeup ----
if wakeup:
    p("## 5. Wakeup: publish to reader")
    p("")
    p("A publisher makes a new version of a one-page area every 5 ms; 1, 4 or 16 "
      "reader processes sleep until they learn of it: in `swing_wait`, or in "
      "`epoll_wait` on a `swing_watch` descriptor followed by its `read` "
      "(`swing-watch`), or in `read` of a pipe of their own into which the "
      "writer puts the version, one pipe after the other (`pipe`). Latency: from "
      "just before the waking call (`swing_publish`, or the first pipe write; "
      "CLOCK_MONOTONIC, kept in memory shared with the readers) until the reader "
      "has returned with the version; median and 99th percentile over every "
      "wakeup of every reader, in rounds that take the three mechanisms in turn. "
      "*call*: how long the publisher's waking call(s) took (the pipe: all its "
      "writes). Every swing reader finally hooks the last version and checks "
      "that it names itself.")
    p("")
    table(["readers", "mechanism", "median (us)", "p99 (us)", "/ pipe median", "/ pipe p99",
           "call (us)", "wakeups"],
          [[r["readers"], r["mechanism"], r["median_us"], r["p99_us"],
            fmt(ratio(float(r["median_us"]), get(wakeup, "median_us", mechanism="pipe", readers=r["readers"]))),
            fmt(ratio(float(r["p99_us"]), get(wakeup, "p99_us", mechanism="pipe", readers=r["readers"]))),
            r["call_us"], r["wakeups"]] for r in wakeup])
    p("![wakeup](../bench/results/wakeup.png)")
    p("")

# ---- queue ----
qrule_text = {
    "transport": "**Transport rule**: the content exists already and is sent again as is, "
    "so what is timed is the queue's own cost. *swing-queue*: the sender's one area, "
    "written once before the loop, `swing_send` each time (nothing written since the "
    "last send: O(1)); the receiver `swing_recv`s and `releasearea`s it. "
    "*swing-queue-move*: a pool of 4 areas written once, sent with `SWING_SEND_MOVE`; "
    "the receiver sends each back, moved, through a second queue, and the sender "
    "receives it and sends it again (the rate counts messages to the receiver). "
    "*pipe*, *unix-socket*, *posix-mq*: the same prepared buffer written each time; the "
    "copies into and out of the kernel are the transport. *memfd-sealed*: one memfd "
    "written and sealed once, its descriptor passed each time; the receiver maps it, "
    "reads, unmaps and closes it.",
    "produce": "**Produce rule**: the sender writes each message anew (the first word of "
    "every page) and sends it. *swing-queue*: `swing_send` of the sender's one area, "
    "which write-protects it like a hook: each next write is a fault per page. "
    "*swing-queue-move*: a new area per message, written, sent with "
    "`SWING_SEND_MOVE`. *pipe*, *unix-socket*, *posix-mq*: the buffer rewritten, then "
    "copied. *memfd-sealed*: a new memfd per message, written, sealed and passed.",
}
if queue:
    p("## 6. Queue: messages per second")
    p("")
    p("A sender sends messages of one size to a receiver, which reads the first "
      "word of every page, checks their sum and lets the message go, under two "
      "rules (below). Queues and mq hold 8 messages at most; *unix-socket* is "
      "SOCK_STREAM with 4 MiB buffers; *memfd-sealed* is sealed with `F_SEAL_WRITE` "
      "and the rest and passed with SCM_RIGHTS; *posix-mq* is for 4 and 64 KiB only. "
      "Each round sends for `SWING_BENCH_QUEUE_MS` (1 s unless set; at least 4 "
      "messages); rate = messages received / (the first message to the receiver's "
      "last check); the median of the rounds (`reps`) is shown, in rounds that take "
      "every rule, size and mechanism in turn.")
    p("")
    for rule in qrules:
        rq = [r for r in queue if r["rule"] == rule]
        qm = mechanisms(rq)
        qs = sorted({int(r["size_kib"]) for r in rq})
        p(qrule_text.get(rule, f"**{rule} rule**."))
        p("")
        table(["size"] + [f"{m} (msgs/s)" for m in qm] +
              ["swing-queue / unix-socket", "swing-queue-move / unix-socket"],
              [[size(k << 10)] +
               [fmt(get(rq, "msgs_per_s", mechanism=m, size_kib=k), 1) for m in qm] +
               [fmt(ratio(get(rq, "msgs_per_s", mechanism=m, size_kib=k),
                          get(rq, "msgs_per_s", mechanism="unix-socket", size_kib=k)))
                for m in ("swing-queue", "swing-queue-move")]
               for k in qs])
        p(f"![queue, {rule} rule](../bench/results/queue-{rule}.png)")
        p("")

# ---- publish ----
if publish:
    p("## 7. Publish")
    p("")
    p("An area written whole and published once; then each `swing_publish` "
      "follows writes to N pages spread evenly over it (N = 0: nothing written "
      "since the last publish). Median time of the call "
      "(101 calls with nothing written, 31 up to 256 pages, 5 from 4096 up); the "
      "last version is hooked and checked.")
    p("")
    ps = sorted({int(r["size_mib"]) for r in publish})
    pw = sorted({int(r["written_pages"]) for r in publish})
    table(["pages written"] + [f"{s} MiB area (us)" for s in ps] + [f"{ps[-1]} MiB / {ps[0]} MiB"],
          [[w] + [fmt(get(publish, "publish_us", size_mib=s, written_pages=w), 1) for s in ps] +
           [fmt(ratio(get(publish, "publish_us", size_mib=ps[-1], written_pages=w),
                      get(publish, "publish_us", size_mib=ps[0], written_pages=w)))]
           for w in pw])
    p("![publish](../bench/results/publish.png)")
    p("")

# ---- Python (issue 14): bench/run --python, one directory per kernel ----
def vkey(k):
    return [int(x) for x in re.findall(r"\d+", k)]


pydirs = {}
for d in glob.glob(os.path.join(res, "python-*")):
    if os.path.exists(os.path.join(d, "handoff.csv")):
        k = os.path.basename(d)[len("python-"):]
        pydirs[k] = os.path.join("python-" + k)
if pydirs:
    kernels = sorted(pydirs, key=vkey, reverse=True)
    main_k = text("kernel") if text("kernel") in pydirs else kernels[0]
    kernels.remove(main_k)
    kernels.insert(0, main_k)

    def prows(k, name):
        return rows(os.path.join(pydirs[k], name))

    def ptext(k, name):
        return text(os.path.join(pydirs[k], name))

    def py_targets(k):
        """issue 14's targets on kernel k's run: (what, value, op, goal)."""
        h, hk = prows(k, "handoff.csv"), prows(k, "hook.csv")
        t = []
        sw = get(h, "hold_ms", mechanism="swing", size_mib=256)
        t.append(("256 MiB: multiprocessing.Queue / swing", ratio(get(h, "hold_ms", mechanism="mp-queue", size_mib=256), sw), ">=", 50))
        t.append(("256 MiB: shared_memory + 1 copy / swing", ratio(get(h, "hold_ms", mechanism="shm-copy1", size_mib=256), sw), ">=", 10))
        t.append(("256 MiB: shared_memory + 2 copies / swing", ratio(get(h, "hold_ms", mechanism="shm-copy2", size_mib=256), sw), ">=", 10))
        for s_ in sorted({int(r["size_mib"]) for r in hk}):
            py, c = get(hk, "median_us", size_mib=s_, variant="py"), get(hk, "median_us", size_mib=s_, variant="c")
            t.append((f"hook + release, {s_} MiB area: swing.hook in Python - swing_hook in C (us per call)",
                      None if py is None or c is None else py - c, "<=", 50))
        for s_ in sorted({int(r["size_mib"]) for r in hk}):
            py, c = get(hk, "median_us", size_mib=s_, variant="py"), get(hk, "median_us", size_mib=s_, variant="c-in-py")
            t.append((f"hook + release, {s_} MiB area: swing.hook - the C loop in the same Python process (us per call)",
                      None if py is None or c is None else py - c, "<=", 50,
                      "the Python layer alone (notes)"))
        return t

    def verdict(value, op, goal, why=None):
        if value is None:
            return "n/a"
        v = "met" if (value >= goal if op == ">=" else value <= goal) else "**missed**"
        return f"{v.strip('*')}, not judged: {why}" if why else v

    hd = prows(main_k, "handoff.csv")
    hk = prows(main_k, "hook.csv")
    pm = prows(main_k, "mechanisms.csv")
    p("## 8. Python: a numpy array to another interpreter (issue 14)")
    p("")
    p("Made by `make bench-python` (`bench/run --python`: `bench/python/pybench.py` "
      "in a QEMU guest, `bench/python/plots.gp`, this report); the CSVs are in "
      "`bench/results/python-KERNEL/` (`handoff.csv` medians, `trials.csv` every "
      "trial, `hook.csv`). Reproduce: `tools/setup && make && make bench-python` "
      "(one kernel: `KVER=...`; fewer sizes, repetitions or mechanisms: "
      "`make bench-python PYBENCH_ARGS='-s 1,64 -r 3 -m swing,mp-queue handoff'`).")
    p("")
    for k in kernels:
        hh = dict(line.split(": ", 1) for line in ptext(k, "host").splitlines() if ": " in line)
        p(f"- {k}: {ptext(k, 'cpus')} vCPUs, page size {ptext(k, 'pagesize')}, "
          f"run on {hh.get('date', '?')}, {ptext(k, 'wall_seconds')} s wall for the "
          "whole run (guest boot included)")
    p("")
    p("The producer, this benchmark's main process, holds a `uint64` numpy array "
      "whose every page it has just written (the first word of page i is seed + i, "
      "a new seed per trial); a consumer, a separate interpreter already running "
      "(started with multiprocessing's `spawn` method: fork + exec of "
      "`sys.executable`, no memory inherited, which is also the only way to give a "
      "`multiprocessing.Queue` to another interpreter), gets it. *hold*: from the "
      "producer starting the send until the consumer holds a usable, writable "
      "ndarray of the right dtype and shape; *read*: until it has also read one word "
      "of every page, whose sum it checks. Tokens, names and swing.dumps payloads "
      "go through a `multiprocessing` Pipe (a socket pair) and count in the time. "
      "Trials run in rounds that take every mechanism in turn; each value is the "
      "median of the rounds (`reps`). The copies each mechanism makes of the array's bytes:")
    p("")
    table(["mechanism", "what travels, and the copies"], [[r["mechanism"], r["what"]] for r in pm])

    p(f"**Targets** (issue 14), this run ({main_k})" +
      (" and the other kernels run" if len(kernels) > 1 else "") + ":")
    p("")
    tk = {k: py_targets(k) for k in kernels}
    hdr = ["ratio", "target"]
    for k in kernels:
        hdr += [f"{k}", ""]
    body = []
    for i, (what, _, op, goal, *why) in enumerate(tk[main_k]):
        row = [what, f"{op} {goal}"]
        for k in kernels:
            t = tk[k][i] if i < len(tk[k]) else (None, None, op, goal)
            row += [fmt(t[1]), verdict(t[1], op, goal, *why)]
        body.append(row)
    table(hdr, body)

    pmechs = mechanisms(hd)
    psz = sorted({int(r["size_mib"]) for r in hd})
    p(f"Medians, {main_k}, *hold / read* in ms:")
    p("")
    table(["MiB"] + pmechs + ["reps"],
          [[s_] + [f"{fmt(get(hd, 'hold_ms', mechanism=m, size_mib=s_))} / "
                   f"{fmt(get(hd, 'read_ms', mechanism=m, size_mib=s_))}" for m in pmechs] +
           [next((r["reps"] for r in hd if r["size_mib"] == str(s_)), "?")]
           for s_ in psz])
    others = [m for m in pmechs if m != "swing"]
    p("The same *hold* times as ratios, each mechanism's over swing's (higher: swing is faster):")
    p("")
    table(["MiB"] + [f"{m} / swing" for m in others],
          [[s_] + [fmt(ratio(get(hd, "hold_ms", mechanism=m, size_mib=s_),
                             get(hd, "hold_ms", mechanism="swing", size_mib=s_)), 1)
                   for m in others] for s_ in psz])
    p(f"![python handoff hold](../bench/results/{pydirs[main_k]}/handoff-hold.png)")
    p(f"![python handoff read](../bench/results/{pydirs[main_k]}/handoff-read.png)")
    p("")
    if hk:
        hs_ = sorted({int(r["size_mib"]) for r in hk})
        vs = list(dict.fromkeys(r["variant"] for r in hk))
        calls = hk[0]["calls"]
        rounds_ = hk[0]["rounds"]
        p(f"**The Python layer on a hook** ({main_k}): an enabled area, every page "
          f"written, hooked and the snapshot released {calls} times in a row per round, "
          f"{rounds_} rounds taking the sizes and variants in turn; median us per hook + release "
          "(the median of the rounds' medians; the mean in brackets), and the VMAs "
          "(`/proc/PID/maps` lines) of the process that hooks. *c*: a small C "
          "program (`bench/python/hookloop`: `swing_hook_flags` + `releasearea`); "
          "*c-vmas*: the same program with its address space padded with small "
          "mappings to as many VMAs as the Python process's; "
          "*c-in-py*: the same C loop (`hookloop.so`) called once through ctypes in "
          "the Python process; *py*: `swing.hook(token)` + `Area.release()`; *py-ext*: "
          "the extension's `Area._hook(token, False)` + `release()`, without the "
          "package's wrapper; *py-ndarray*: `swing.hook` + `.ndarray()` + `release()`; "
          "*py-clock*: the timing loop with nothing in it.")
        p("")
        def vmas(v):
            return next((r.get("vmas", "?") for r in hk if r["variant"] == v), "?")
        table(["variant"] + [f"{s_} MiB area (us)" for s_ in hs_] + ["VMAs"],
              [[v] + [f"{fmt(get(hk, 'median_us', size_mib=s_, variant=v))} "
                      f"({fmt(get(hk, 'mean_us', size_mib=s_, variant=v))})" for s_ in hs_] +
               [vmas(v)] for v in vs])

        def diff(a, b, s_):
            x, y = get(hk, "median_us", size_mib=s_, variant=a), get(hk, "median_us", size_mib=s_, variant=b)
            return None if x is None or y is None else x - y
        parts = [("py - c: what a Python hook costs beyond C's (the target)", "py", "c"),
                 ("py - c-in-py: the Python layer alone (same process)", "py", "c-in-py"),
                 ("py-ext - c-in-py: the extension's call", "py-ext", "c-in-py"),
                 ("py - py-ext: the package's wrapper (registering the area)", "py", "py-ext"),
                 ("py-ndarray - py: .ndarray()", "py-ndarray", "py"),
                 ("c-in-py - c: the same C loop in the Python process", "c-in-py", "c"),
                 ("c-vmas - c: the same C program with the Python process's VMA count", "c-vmas", "c")]
        table(["difference of medians (us per call)"] + [f"{s_} MiB" for s_ in hs_],
              [[what] + [fmt(diff(a, b, s_)) for s_ in hs_] for what, a, b in parts
               if a in vs and b in vs])
    npath = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python", "notes.md")
    if os.path.exists(npath):
        with open(npath) as f:
            p(f.read().rstrip("\n"))
        p("")

p("## Reading these numbers")
p("")
sys.stdout.write("\n".join(out) + "\n")
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")) as f:
    sys.stdout.write(f.read())
