#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""docs/benchmarks.md from one run of bench/swingbench (bench/run)."""
import csv
import os
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

p("## Reading these numbers")
p("")
sys.stdout.write("\n".join(out) + "\n")
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")) as f:
    sys.stdout.write(f.read())
