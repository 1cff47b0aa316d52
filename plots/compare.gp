# Test accuracy per epoch of every run on one chart.
# Inputs: files (metrics.csv paths, space separated), names (run names, same order), out, title.
set datafile separator ','
set datafile missing ''
set terminal pngcairo size 1000,620 font "Sans,11"
set output out
set title title font "Sans,13"
set xlabel "epoch"
set ylabel "test accuracy"
set format y "%.3f"
set grid lc rgb "#dddddd"
set logscale x 2
set key outside right top
plot for [i=1:words(files)] word(files, i) using 1:7 with linespoints pt 7 ps 0.5 lw 2 lc i dt ((i - 1) / 8 + 1) title word(names, i)
