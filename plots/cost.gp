# What each run paid for its accuracy: final test accuracy against parameters (left) and against
# training seconds (right), both on log axes, one point per run; test accuracy is red, as in every
# chart. No text lies inside a panel (names beside points ran into each other): each run, or seed
# folder, has a shade of red and a marker of its own, named in the key below; past 12 the table
# above the chart names them and the key is left out.
# Inputs: in (cost-TASK.dat: parameters seconds accuracy "label" group), names (array: the groups'
#         names, group i is names[i]), title, out, layout (optional: where the panels and key are).
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 1200,(names_n <= 12 ? 600 + 19 * ((names_n + 2) / 3) : 560) font "Sans,11" } else {
    set terminal pngcairo noenhanced size 1200,(names_n <= 12 ? 600 + 19 * ((names_n + 2) / 3) : 560) font "Sans,11" }
set output out
set logscale x
set grid lc rgb "#dddddd"
set format y "%.3f"
set ylabel "final test accuracy"
set offsets graph 0.08, graph 0.08, 0, graph 0.05     # no point on the bottom border
named = names_n <= 12
# an accuracy is at most 1: the axis stops there (a margin above the best point, never past 1)
stats in using 3 nooutput
top = STATS_max + 0.1 * (STATS_max - STATS_min + 0.01)
set yrange [*:(top > 1.0 ? 1.0 : top)]
if (!named) title = title . sprintf(" (%d runs: the table names them)", STATS_records)
t(i) = names_n > 1 ? (i - 1.0) / (names_n - 1) : 1.0
shade(i) = sprintf("#%02x%02x%02x", int(252 - 149 * t(i)), int(146 - 146 * t(i)), int(114 - 101 * t(i)))
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
key_rows = (names_n + 2) / 3
if (named) {
    set key outside below center Left reverse maxcols 3 noenhanced font "Sans,9" height 1
    set ylabel "final test accuracy (red; the key: shade and marker of each run)"
    set bmargin key_rows + 4.5     # room for the tics, the axis label and the key, apart
} else {
    unset key
}
set multiplot layout 1,2 title title font "Sans,13"
set xlabel "parameters (log scale)"
set format x "%.0s%c"
if (named) {
    plot for [g=1:names_n] in using 1:($5 == g ? $3 : NaN) with points pt marker(g) ps 1.3 lc rgb shade(g) title names[g]
} else {
    plot in using 1:3 with points pt 7 ps 1.1 lc rgb "#d62728" notitle
}
if (exists("layout")) {
    set print layout
    px = GPVAL_TERM_SCALE
    print sprintf("canvas %g %g", GPVAL_TERM_XSIZE / px, GPVAL_TERM_YSIZE / px)
    print sprintf("char %g %g", GPVAL_TERM_HCHAR / px, GPVAL_TERM_VCHAR / px)
    print sprintf("panel parameters %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    print sprintf("key parameters below %d", named ? key_rows : 0)
    print sprintf("yaxis parameters %g %g", GPVAL_Y_MIN, GPVAL_Y_MAX)
    unset print
}
set xlabel "training seconds (log scale)"
set format x "%g"
if (named) {
    plot for [g=1:names_n] in using 2:($5 == g ? $3 : NaN) with points pt marker(g) ps 1.3 lc rgb shade(g) title names[g]
} else {
    plot in using 2:3 with points pt 7 ps 1.1 lc rgb "#d62728" notitle
}
if (exists("layout")) {
    set print layout append
    print sprintf("panel seconds %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    print sprintf("key seconds below %d", named ? key_rows : 0)
    print sprintf("yaxis seconds %g %g", GPVAL_Y_MIN, GPVAL_Y_MAX)
    unset print
}
unset multiplot
