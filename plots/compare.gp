# Test accuracy per epoch of every run on one chart.
# Inputs: files (metrics.csv paths, space separated), names (run names, each in double quotes, same
#         order), out, title.
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
set key outside right top noenhanced
# Test accuracy is red in every chart: each run a shade of red (light to dark in the order of the
# key) and a marker of its own, as the key's title says.
set key title "test accuracy (red):\nshade and marker\nname the run" font "Sans,10"
nruns = words(files)
t(i) = nruns > 1 ? (i - 1.0) / (nruns - 1) : 1.0
shade(i) = sprintf("#%02x%02x%02x", int(252 - 149 * t(i)), int(146 - 146 * t(i)), int(114 - 101 * t(i)))
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
plot for [i=1:nruns] word(files, i) using 1:7 with linespoints pt marker(i) \
     ps 0.8 lw 2 lc rgb shade(i) title word(names, i)
