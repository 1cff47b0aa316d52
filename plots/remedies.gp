# Fighting overfitting (docs/guide.md): the mean test loss per epoch of each remedy, one line each,
# on a log axis, where the baseline's late rise is as visible as its early fall. A test loss is green
# in every chart: the baseline is the darkest green and thickest, each remedy a lighter shade of
# green with a marker of its own (the key says so).
# Inputs: in (curves.dat: one block per remedy of "epoch mean_test_loss seeds"), titles (an array:
#         one label per block), seeds (how many seeds each mean is over), out.
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 1100,650 font "Sans,11" } else {
    set terminal pngcairo size 1100,650 font "Sans,11" noenhanced }
set output out
set title sprintf("Fighting overfitting on cnn-4v9 (2000 images of 4 and 9): test loss, mean of %d seeds", seeds) font "Sans,13"
set xlabel "epoch"
set ylabel "test loss (binary cross-entropy, log scale)"
set logscale y
set autoscale yfix
set ytics (0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.2, 0.3, 0.5, 0.7, 1)
set grid xtics ytics mytics lc rgb "#dddddd"
set key outside right top vertical box font "Sans,10" width -8
set xrange [0.5:40.5]
set xtics 5
n = |titles|
label(i) = titles[i]
# the baseline darkest and thick; the remedies shades of green from dark to light, each with a
# marker of its own every third epoch
set key title "test loss (green): shade and marker name the remedy" font "Sans,10"
t(i) = n > 1 ? (i - 1.0) / (n - 1) : 0.0
shade(i) = sprintf("#%02x%02x%02x", int(0 + 170 * t(i)), int(68 + 150 * t(i)), int(27 + 128 * t(i)))
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
do for [i=1:n] {
    set style line i lc rgb shade(i) lw (i == 1 ? 3.5 : 2) dt 1 pt marker(i) ps 1.1 pi 3
}
plot for [i=1:n] in index (i-1) using 1:2 with linespoints ls i title label(i)
