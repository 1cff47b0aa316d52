# ROC of a binary run: true-positive against false-positive rate as the threshold on p(positive)
# moves from 1 down to 0, the thresholds of the summary marked with their test accuracy. Left the
# whole square, right the top-left corner, where a good model's curve lives. No text lies inside a
# panel: the thresholds are named in the key below the right panel, one marker each.
# Inputs: in (roc.dat: block 0 "threshold fpr tpr", block 1 "threshold fpr tpr accuracy% "label"", one
#         row per distinct point, its label naming every threshold that lands there),
#         labels (array: block 1's labels, in its order), out, title, positive, negative (class
#         names), layout (optional: a file for the panels' places and where the keys are).
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 1100,650 font "Sans,11" } else {
    set terminal pngcairo noenhanced size 1100,650 font "Sans,11" }
set output out
stats in index 1 using 2:3 nooutput
zx = STATS_max_x < 0.02 ? 0.02 : STATS_max_x * 1.4
zx = zx > 1 ? 1 : zx
zy = STATS_min_y > 0.98 ? 0.98 : 1 - (1 - STATS_min_y) * 1.4
zy = zy < 0 ? 0 : zy
set multiplot layout 1,2 title title font "Sans,13"
set xlabel sprintf("false-positive rate (%s called %s)", negative, positive)
set ylabel sprintf("true-positive rate (%s found)", positive)
set grid lc rgb "#dddddd"
set key outside below center maxcols 1 noenhanced
set bmargin 7.5         # the same for both panels: tics, axis label and a key of three rows
set size ratio -1
set xrange [0:1]; set yrange [0:1]
set title "the whole curve"
plot in index 0 using 2:3 with lines lw 2 lc rgb "#1f77b4" title "ROC", \
     x with lines dt 3 lc rgb "#888888" title "chance", \
     in index 1 using 2:3 with points pt 7 ps 1.2 lc rgb "#aa0000" title "thresholds (right: which)"
if (exists("layout")) {
    set print layout
    px = GPVAL_TERM_SCALE
    print sprintf("canvas %g %g", GPVAL_TERM_XSIZE / px, GPVAL_TERM_YSIZE / px)
    print sprintf("char %g %g", GPVAL_TERM_HCHAR / px, GPVAL_TERM_VCHAR / px)
    print sprintf("panel whole %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    print "key whole below 3"
    unset print
}
set size noratio
set xrange [0:zx]; set yrange [zy:1.0]
set title "the top-left corner, enlarged (the key: each threshold's accuracy)"
# no text inside the panel, where a curve may pass: each threshold's point has a marker (and
# shade of dark red) of its own, and the key below the panel names it with its test accuracy
set key outside below center Left reverse maxcols 2 noenhanced font "Sans,10"
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
t(i) = labels_n > 1 ? (i - 1.0) / (labels_n - 1) : 0.0
shade(i) = sprintf("#%02x%02x%02x", int(0xd6 - 0x60 * t(i)), int(0x27 - 0x27 * t(i)), int(0x28 - 0x20 * t(i)))
plot in index 0 using 2:3 with lines lw 2 lc rgb "#1f77b4" notitle, \
     for [i=1:labels_n] in index 1 every ::(i - 1)::(i - 1) using 2:3 with points pt marker(i) ps 1.5 \
         lc rgb shade(i) title labels[i]
if (exists("layout")) {
    set print layout append
    print sprintf("panel zoom %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    print sprintf("key zoom below %d", (labels_n + 1) / 2)
    unset print
}
unset multiplot
