# The held-out loss per epoch of every run of a sweep. The colour language of every chart: a
# held-out loss is green (validation dashed); here each value of the sweep (or pair of values) has
# its own shade of green, from light (the first value) to dark (the last), and its own marker, and
# the key says so. The first seed of each value carries its name in the key; further seeds are
# thinner lines of the same shade.
# Inputs: files (metrics.csv paths), titles (name per file, "-" for a further seed), colours
#         (the value's number, 1.., per file), title, column (4 validation loss | 6 test loss),
#         logy, held, out.
set datafile separator ','
set datafile missing ''
set terminal pngcairo size 1000,600 font "Sans,11"
set output out
set title title font "Sans,13"
set xlabel "epoch"
set ylabel sprintf("%s loss (cross-entropy)%s", held, logy ? ", log scale" : "")
set grid lc rgb "#dddddd"
if (logy) { set logscale y }
set key outside right top noenhanced font "Sans,10" title sprintf("%s loss (green%s):\nshade and marker\nname the value", held, column == 4 ? ", dashed" : "")
ncells = 1
do for [i=1:words(colours)] { c = word(colours, i) + 0; if (c > ncells) { ncells = c } }
# light green #a1d99b (161,217,155) to dark green #00441b (0,68,27)
t(i) = ncells > 1 ? (i - 1.0) / (ncells - 1) : 1.0
shade(i) = sprintf("#%02x%02x%02x", int(161 - 161 * t(i)), int(217 - 149 * t(i)), int(155 - 128 * t(i)))
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
dtv = column == 4 ? 2 : 1
first(i) = word(titles, i) ne "-"
cell(i) = word(colours, i) + 0
plot for [i=1:words(files)] word(files, i) using 1:column with linespoints \
     pt marker(cell(i)) pi 4 ps (first(i) ? 1.0 : 0.6) lw (first(i) ? 2.2 : 1.0) \
     dt dtv lc rgb shade(cell(i)) title (first(i) ? word(titles, i) : "")
