# What each run paid for its accuracy: final test accuracy (red, as in every chart) against the
# model's size in bytes (left: a network's float32 weights, a fitted model's saved form), against
# training seconds (middle: a fitted model's fit) and against the milliseconds predicting 1,000 test
# images took (right), all on log axes: k-NN fits in no time and predicts slowly, a network the
# other way round. No text lies inside a panel: each run, or seed folder, has a shade of red and a
# marker of its own, named in the key below the left panel with its size in its own unit
# (parameters, stored images, support vectors, tree nodes); past 12 the table above the chart names
# them and the key is left out.
# Inputs: in (cost-TASK.dat: bytes seconds accuracy predict_ms "label" group), names (array: the
#         groups' key entries, group i is names[i]), title, out, have_predict (0 when no run has a
#         prediction time: runs from before they were measured; then the right panel is left out),
#         layout (optional: where the panels and key are).
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
panels = have_predict ? 3 : 2
named = names_n <= 12
height = named ? 600 + 19 * names_n : 560
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size (panels * 550),height font "Sans,11" } else {
    set terminal pngcairo noenhanced size (panels * 550),height font "Sans,11" }
set output out
set logscale x
set grid lc rgb "#dddddd"
set format y "%.3f"
set offsets graph 0.08, graph 0.08, 0, graph 0.05     # no point on the bottom border
# an accuracy is at most 1: the axis stops there (a margin above the best point, never past 1)
stats in using 3 nooutput
top = STATS_max + 0.1 * (STATS_max - STATS_min + 0.01)
set yrange [*:(top > 1.0 ? 1.0 : top)]
if (!named) title = title . sprintf(" (%d runs: the table names them)", STATS_records)
t(i) = names_n > 1 ? (i - 1.0) / (names_n - 1) : 1.0
shade(i) = sprintf("#%02x%02x%02x", int(252 - 149 * t(i)), int(146 - 146 * t(i)), int(114 - 101 * t(i)))
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
key_rows = names_n
if (named) {
    set ylabel "final test accuracy (red; the key: shade and marker of each run)"
    set bmargin key_rows + 4.5     # every panel the same height: room for the tics, label and key
} else {
    set ylabel "final test accuracy"
}
# one panel: x column COL, its name NAME; the key (when named) only below the first
panel_x(col) = column(col)
set multiplot layout 1,panels title title font "Sans,13"
do for [pn=1:panels] {
    col = pn == 1 ? 1 : (pn == 2 ? 2 : 4)
    pname = pn == 1 ? "bytes" : (pn == 2 ? "seconds" : "predict")
    if (pn == 1) { set xlabel "model size in bytes (log scale)"; set format x "%.0s%cB" }
    if (pn == 2) { set xlabel "training (fit) seconds (log scale)"; set format x "%g" }
    if (pn == 3) { set xlabel "prediction: ms per 1,000 test images (log scale)"; set format x "%g" }
    if (named && pn == 1) {
        set key outside below left Left reverse maxcols 1 noenhanced font "Sans,9" height 1
    } else {
        unset key
    }
    if (named) {
        plot for [g=1:names_n] in using (panel_x(col)):($6 == g ? $3 : NaN) with points pt marker(g) ps 1.3 lc rgb shade(g) title names[g]
    } else {
        plot in using (panel_x(col)):3 with points pt 7 ps 1.1 lc rgb "#d62728" notitle
    }
    if (exists("layout")) {
        if (pn == 1) { set print layout } else { set print layout append }
        px = GPVAL_TERM_SCALE
        if (pn == 1) {
            print sprintf("canvas %g %g", GPVAL_TERM_XSIZE / px, GPVAL_TERM_YSIZE / px)
            print sprintf("char %g %g", GPVAL_TERM_HCHAR / px, GPVAL_TERM_VCHAR / px)
        }
        print sprintf("panel %s %g %g %g %g", pname, GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
        print sprintf("key %s below %d", pname, (named && pn == 1) ? key_rows : 0)
        print sprintf("yaxis %s %g %g", pname, GPVAL_Y_MIN, GPVAL_Y_MAX)
        unset print
    }
}
unset multiplot
