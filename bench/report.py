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


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(x, digits=2):
    return "n/a" if x is None else f"{x:.{digits}f}"


verdicts = []


def target(what, value, op, goal):
    ok = None if value is None else (value >= goal if op == ">=" else value <= goal)
    verdicts.append((what, fmt(value), f"{op} {goal}",
                     "n/a" if ok is None else ("met" if ok else "**missed**")))


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
  "`make bench BENCH_ARGS='-s 1,64 -r 5 -m swing,fork handoff'`)")
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
mechs = []
for r in handoff:
    if r["mechanism"] not in mechs:
        mechs.append(r["mechanism"])
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
p("## Reading these numbers")
p("")
sys.stdout.write("\n".join(out) + "\n")
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")) as f:
    sys.stdout.write(f.read())
