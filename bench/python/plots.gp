# SPDX-License-Identifier: GPL-2.0-only
# Plots of one bench/python/pybench.py run; run in bench/results/python-KERNEL/
# by bench/run.
set datafile separator ","
set terminal pngcairo size 900,560 font ",10" noenhanced
set key outside right
set grid
set logscale xy
set autoscale xfix
set xlabel "array size (MiB)"
set ylabel "ms"
mechs = "swing swing-populate swing-dumps-area swing-dumps mp-queue shm-copy1 shm-copy2 pickle5-pipe"

set output "handoff-hold.png"
set title "numpy array to another Python process: until it holds the ndarray (median, TCG guest)"
plot for [m in mechs] "< grep '^".m.",' handoff.csv" using 2:3 with linespoints title m

set output "handoff-read.png"
set title "numpy array to another Python process: until it has read every page (median, TCG guest)"
plot for [m in mechs] "< grep '^".m.",' handoff.csv" using 2:4 with linespoints title m
