# One line per group (a family, or a family with a setting) of test accuracy against a level: a
# test-time change (mnistlab robustness), the training-set size (make lesson-data-size), pixels
# against permuted pixels (make lesson-permuted). Test accuracy is red in every chart: each group is
# a shade of red from light to dark with a marker of its own (the key says so), the band is mean ±
# std over the group's seeds. With seconds = 1 a second panel beside it draws the fit seconds of
# the same groups on a log axis, in the same shades and markers, dashed (time is no accuracy). A
# group whose name says "augmented" (a remedy) is dashed on the accuracy panel too.
# Inputs: in (one block per group, rows "x mean sd runs xtic_label [seconds_mean seconds_sd]"),
#         out, title, xlabel, ylabel, keytitle, series, names (array: the groups), xmin, xmax,
#         logx (0|1), seconds (0|1); optional xtics_from_labels (0|1: the x tics are the labels).
set terminal pngcairo noenhanced size 1200,620 font "Sans,11"
set output out
set datafile missing "NaN"
if (!exists("xtics_from_labels")) { xtics_from_labels = 0 }
t(i) = series > 1 ? (i - 1.0) / (series - 1) : 1.0
red_shade(i) = sprintf("#%02x%02x%02x", int(250 - 150 * t(i)), int(150 - 150 * t(i)), int(120 - 105 * t(i)))
markers = "7 5 9 11 13 15 4 6 8 10 12 14"
marker(i) = word(markers, (i - 1) % 12 + 1) + 0
# a group trained with a remedy ("..., augmented") dashed, beside its family's solid line
dash(i) = strstrt(names[i], "augmented") > 0 ? 2 : 1
alo(m, s) = m - s < 0 ? 0 : m - s
ahi(m, s) = m + s > 1 ? 1 : m + s
if (logx) { set logscale x }
pad = logx ? 0 : (xmax - xmin) * 0.03
if (logx) { set xrange [xmin / 1.15 : xmax * 1.15] } else { set xrange [xmin - pad : xmax + pad] }
set grid lc rgb "#dddddd"
set xlabel xlabel offset 0,0.3
# two panels share the width: shorter key titles
set key outside below center box font "Sans,10" maxrows 3 title (seconds ? "test accuracy (red), mean ± std of the seeds" : keytitle)
set bmargin 8
if (seconds) { set multiplot layout 1,2 title title font "Sans,13" } else { set title title font "Sans,13" }
set ylabel ylabel
set format y "%.2f"
set yrange [*:1]
if (xtics_from_labels) {
    plot for [i=1:series] in index (i-1) using 1:(alo($2,$3)):(ahi($2,$3)) with filledcurves fc rgb red_shade(i) fs transparent solid 0.06 noborder notitle, \
         for [i=1:series] in index (i-1) using 1:2:xtic(5) with linespoints pt marker(i) ps 1.2 lw 2 dt dash(i) lc rgb red_shade(i) title names[i]
} else {
    plot for [i=1:series] in index (i-1) using 1:(alo($2,$3)):(ahi($2,$3)) with filledcurves fc rgb red_shade(i) fs transparent solid 0.06 noborder notitle, \
         for [i=1:series] in index (i-1) using 1:2 with linespoints pt marker(i) ps 1.2 lw 2 dt dash(i) lc rgb red_shade(i) title names[i]
}
if (seconds) {
    set ylabel "fit (training) seconds, log scale"
    set logscale y
    set format y "%g"
    set yrange [*:*]
    set key title "seconds (dashed), shades and markers as on the left"
    plot for [i=1:series] in index (i-1) using 1:6 with linespoints pt marker(i) ps 1.2 lw 2 dt 2 lc rgb red_shade(i) title names[i]
    unset multiplot
}
