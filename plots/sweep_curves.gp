# The held-out loss per epoch of every run of a sweep. The colour language of every chart: a
# held-out loss is green (validation dashed); here each value of the sweep (or pair of values) has
# its own shade of green, from light (the first value) to dark (the last), and its own marker, and
# the key says so. The first seed of each value carries its name in the key; further seeds are
# thinner lines of the same shade.
# Inputs: run1.dat .. runN.dat (each run's metrics.csv), titles (array: name per run, "" for a
#         further seed; titles_n = N), colours (array: the value's number, 1.., per run), title,
#         column (4 validation loss | 6 test loss), logy, held, out.
set datafile separator ','
set datafile missing ''
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 1000,600 font "Sans,11" } else {
    set terminal pngcairo noenhanced size 1000,600 font "Sans,11" }
set output out
set title title font "Sans,13"
set xlabel "epoch"
# the key has no title (gnuplot drew a three-line one over its first entries): the axis label
# says what its shades and markers mean
set ylabel sprintf("%s loss (green%s, cross-entropy%s; shade and marker name the value)", held, \
                   column == 4 ? ", dashed" : "", logy ? ", log scale" : "")
set grid lc rgb "#dddddd"
if (logy) { set logscale y }
# whole epochs: a tick each up to 20 (not 1.2, 1.4, ...)
stats "run1.dat" using 1 nooutput
if (STATS_max <= 20) { set xtics 1 }
set key outside right top noenhanced font "Sans,10"
ncells = 1
do for [i=1:titles_n] { if (colours[i] > ncells) { ncells = colours[i] } }
# light green #a1d99b (161,217,155) to dark green #00441b (0,68,27)
t(i) = ncells > 1 ? (i - 1.0) / (ncells - 1) : 1.0
shade(i) = sprintf("#%02x%02x%02x", int(161 - 161 * t(i)), int(217 - 149 * t(i)), int(155 - 128 * t(i)))
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
dtv = column == 4 ? 2 : 1
first(i) = titles[i] ne ""
plot for [i=1:titles_n] sprintf("run%d.dat", i) using 1:column with linespoints \
     pt marker(colours[i]) pi 4 ps (first(i) ? 1.0 : 0.6) lw (first(i) ? 2.2 : 1.0) \
     dt dtv lc rgb shade(colours[i]) title titles[i]
