# SPDX-License-Identifier: GPL-2.0-only
# Plots of one swingbench run; run in bench/results/ by bench/run.
set datafile separator ","
set terminal pngcairo size 900,560 font ",10" noenhanced
set key outside right
set grid
set logscale xy
set xlabel "snapshot size (MiB)"

# A run may have done only some experiments (swingbench -m, or names).
have(f) = system("[ -s ".f." ] && echo 1 || echo 0") + 0
# ... and some rows of it: those that begin with what.
has(f, what) = system("grep -q '^".what."' ".f." && echo 1 || echo 0") + 0

if (have("handoff.csv")) {
	set output "handoff-hold.png"
	set title "handoff: until the consumer holds the snapshot (median, TCG guest)"
	set ylabel "ms"
	plot for [m in "swing swing-populate pipe unix-socket memfd-copy memfd-give process_vm_readv vmsplice fork fork-thp"] \
		"< grep '^".m.",' handoff.csv" using 2:3 with linespoints title m
}

if (have("handoff.csv")) {
	set output "handoff-read.png"
	set title "handoff: until the consumer has read every page (median, TCG guest)"
	plot for [m in "swing swing-populate pipe unix-socket memfd-copy memfd-give process_vm_readv vmsplice fork fork-thp"] \
		"< grep '^".m.",' handoff.csv" using 2:4 with linespoints title m
}

if (have("stream.csv")) {
	set output "stream.png"
	set title "stream: one round (dirty 1%, new snapshot, read 1%), median"
	set ylabel "ms"
	plot for [p in "spread clustered"] for [m in "swing memfd-copy fork fork-thp"] \
		"< grep '^".p.",".m.",' stream.csv" using 3:4 with linespoints title p." ".m
}

if (have("scale_size.csv")) {
	set output "scale-size.png"
	set title "hook latency against area size (enabled area, every page written)"
	set ylabel "us"
	set yrange [1:*]
	plot "scale_size.csv" using 1:2 with linespoints title "hook"
}

if (have("scale_hookers.csv")) {
	set output "scale-hookers.png"
	set title "hook latency against concurrent hookers (64 MiB area)"
	set xlabel "concurrent hookers"
	set logscale x 2
	unset logscale y
	set yrange [0:*]
	plot "scale_hookers.csv" using 1:3 with linespoints title "hook, median per hooker"
}

if (have("wakeup.csv")) {
	set output "wakeup.png"
	set title "publish to reader: wakeup latency against readers (TCG guest)"
	set xlabel "readers woken"
	set ylabel "us"
	set logscale xy
	set logscale x 2
	set yrange [*:*]
	plot for [m in "swing-wait swing-watch pipe"] \
		"< grep '^".m.",' wakeup.csv" using 2:3 with linespoints title m." median", \
	     for [m in "swing-wait swing-watch pipe"] \
		"< grep '^".m.",' wakeup.csv" using 2:4 with linespoints dashtype 2 title m." p99"
}

# One plot per rule of the queue experiment (its first column).
if (have("queue.csv")) {
	set xlabel "message size (KiB)"
	set ylabel "messages/s"
	set logscale xy
	set yrange [*:*]
	do for [rule in "transport produce"] { if (has("queue.csv", rule.",")) {
		set output "queue-".rule.".png"
		set title "messages per second, ".rule." rule (median round, TCG guest)"
		plot for [m in "swing-queue swing-queue-move pipe unix-socket memfd-sealed posix-mq"] \
			"< grep '^".rule.",".m.",' queue.csv" using 3:4 with linespoints title m
	} }
}

if (have("publish.csv")) {
	# nothing written since the last publish is drawn at x = 0.5
	set output "publish.png"
	set title "swing_publish against pages written since the last publish"
	set xlabel "pages written since the last publish"
	set ylabel "us"
	set logscale xy
	set xtics add ("0" 0.5)
	set xrange [0.35:*]
	set yrange [*:*]
	plot for [s in "1 64 1024"] \
		"< grep '^".s.",' publish.csv" using ($2 == 0 ? 0.5 : $2):3 with linespoints title s." MiB area"
}
