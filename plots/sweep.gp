# A sweep: accuracy (left) and loss (right) against the swept value; with several seeds the line
# is the mean and the band mean ± std. The colours are those of every chart: test accuracy red,
# training accuracy orange, held-out loss green (validation dashed), training loss blue. One axis:
# final test accuracy (red, filled), test accuracy at the best epoch (dark red, dotted, open),
# final training accuracy (orange, open triangles); final held-out loss (green, filled), lowest
# held-out loss (dark green, dotted, open), final training loss (blue, open squares). Two axes: one
# line per value of the second, in shades of red (accuracy) and green (loss) from light to dark,
# each with its own marker; the key says so.
# Inputs: in (sweep.dat), fails (sweep.fail.dat), out, title, xlabel, logx (0|1), xmin, xmax,
#         series (blocks in sweep.dat), names (array: the blocks' names), chance, show_chance (0|1),
#         held (validation|test), against_params (0|1: x is the parameter count; the swept value
#         is then written on the top axis), layout (optional: where the panels and keys are).
# Columns of sweep.dat: 1 x, 2 label, 3 n_ok, 4 n_fail, 5/6 final test acc, 7/8 best-epoch test
#   acc, 9/10 final held-out loss, 11/12 lowest held-out loss, 13 params, 14 seconds,
#   15/16 final training acc, 17/18 final training loss (mean/std pairs), 19 the value itself.
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 1200,560 font "Sans,11" } else {
    set terminal pngcairo noenhanced size 1200,560 font "Sans,11" }
set output out
set datafile missing "NaN"
red = "#d62728"; dark_red = "#8b0000"; orange = "#ff8c00"
green = "#009900"; dark_green = "#005a00"; blue = "#1f3fcc"
held_dt = held eq "validation" ? 2 : 1
# series i of n: a shade from light to dark, and a marker of its own
t(i) = series > 1 ? (i - 1.0) / (series - 1) : 1.0
red_shade(i) = sprintf("#%02x%02x%02x", int(252 - 149 * t(i)), int(146 - 146 * t(i)), int(114 - 101 * t(i)))
green_shade(i) = sprintf("#%02x%02x%02x", int(161 - 161 * t(i)), int(217 - 149 * t(i)), int(155 - 128 * t(i)))
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
# bands clipped to what the quantity can be: accuracy in [0, 1], loss >= 0
alo(m, s) = m - s < 0 ? 0 : m - s
ahi(m, s) = m + s > 1 ? 1 : m + s
if (logx) { set logscale x }
set xrange [xmin : xmax]
set grid lc rgb "#dddddd"
set xlabel xlabel offset 0,0.4
set bmargin 8
set key outside below center box font "Sans,10" maxrows 2
# against the parameter count, the swept value is written on the top axis above each point (no
# text inside a panel, where a line or band may pass)
if (against_params) {
    # the top axis the same as the bottom one (gnuplot links no log axis: the same range instead)
    set x2range [xmin : xmax]
    if (logx) { set logscale x2 }
    set x2tics nomirror font "Sans,9" textcolor rgb "#333333"
    set x2label "the swept value" offset 0,-0.4
    set xtics nomirror
}
# layout (optional): a file for where each panel is and the rows of the key below it, for the
# test that no text lies over a drawn point
key_rows = series == 1 ? 2 : 3
set multiplot layout 1,2 title title font "Sans,13"
# ---- accuracy ----
set ylabel "accuracy"
# a failed run is drawn at chance: room below it, so its mark is not cut by the border
if (show_chance) { set offsets 0, 0, 0, graph 0.05 }
set format y "%.3f"
ch = show_chance ? chance : NaN
if (series == 1) {
    plot in using 1:(alo($5,$6)):(ahi($5,$6)) with filledcurves fc rgb red fs transparent solid 0.15 noborder notitle, \
         in using 1:5:xtic(2) with linespoints pt 7 ps 0.9 lw 2 lc rgb red title "final test accuracy", \
         in using 1:7 with linespoints pt 6 ps 0.9 lw 2 dt 3 lc rgb dark_red title sprintf("test accuracy at the lowest %s loss", held), \
         in using 1:15 with linespoints pt 8 ps 0.8 lw 1.5 lc rgb orange title "final training accuracy", \
         in using 1:(against_params ? $5 : NaN):x2tic(19) with points ps 0 notitle, \
         in using 1:(against_params ? $5 : NaN):x2tic(19) with points ps 0 notitle, \
         ch with lines dt 3 lc rgb "#888888" title (show_chance ? sprintf("chance (%g)", chance) : ""), \
         fails using 1:2 with points pt 2 ps 2 lw 2 lc rgb "#cc0000" title "failed runs (drawn at chance; SWEEP.md counts them)"
} else {
    set key title "final test accuracy (red): shade and marker name the second setting" font "Sans,10"
    plot for [i=1:series] in index (i-1) using 1:(alo($5,$6)):(ahi($5,$6)) with filledcurves fc rgb red_shade(i) fs transparent solid 0.12 noborder notitle, \
         for [i=1:series] in index (i-1) using 1:5:xtic(2) with linespoints pt marker(i) ps 1.0 lw 2 lc rgb red_shade(i) title names[i], \
         in using 1:(against_params ? $5 : NaN):x2tic(19) with points ps 0 notitle, \
         ch with lines dt 3 lc rgb "#888888" title (show_chance ? sprintf("chance (%g)", chance) : ""), \
         fails using 1:2 with points pt 2 ps 2 lw 2 lc rgb "#cc0000" title "failed runs (drawn at chance; SWEEP.md counts them)"
}
if (exists("layout")) {
    set print layout 
    px = GPVAL_TERM_SCALE
    print sprintf("canvas %g %g", GPVAL_TERM_XSIZE / px, GPVAL_TERM_YSIZE / px)
    print sprintf("char %g %g", GPVAL_TERM_HCHAR / px, GPVAL_TERM_VCHAR / px)
    print sprintf("panel accuracy %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    print sprintf("key accuracy below %d", key_rows)
    unset print
}
# ---- loss ----
set offsets 0, 0, 0, 0
set ylabel "loss (cross-entropy)"
set format y "%.3g"
set yrange [0:*]
if (series == 1) {
    plot in using 1:(alo($9,$10)):($9+$10) with filledcurves fc rgb green fs transparent solid 0.15 noborder notitle, \
         in using 1:(alo($11,$12)):($11+$12) with filledcurves fc rgb dark_green fs transparent solid 0.12 noborder notitle, \
         in using 1:9:xtic(2) with linespoints pt 7 ps 0.9 lw 2 dt held_dt lc rgb green title sprintf("final %s loss", held), \
         in using 1:11 with linespoints pt 6 ps 0.9 lw 2 dt 3 lc rgb dark_green title sprintf("lowest %s loss", held), \
         in using 1:17 with linespoints pt 4 ps 0.7 lw 1.5 lc rgb blue title "final training loss", \
         in using 1:(against_params ? $9 : NaN):x2tic(19) with points ps 0 notitle
} else {
    set key title sprintf("lowest %s loss (green%s): shade and marker name the second setting", held, held_dt == 2 ? ", dashed" : "") font "Sans,10"
    plot for [i=1:series] in index (i-1) using 1:(alo($11,$12)):($11+$12) with filledcurves fc rgb green_shade(i) fs transparent solid 0.12 noborder notitle, \
         for [i=1:series] in index (i-1) using 1:11:xtic(2) with linespoints pt marker(i) ps 1.0 lw 2 dt held_dt lc rgb green_shade(i) title names[i], \
         in using 1:(against_params ? $11 : NaN):x2tic(19) with points ps 0 notitle
}
if (exists("layout")) {
    set print layout append
    px = GPVAL_TERM_SCALE
    print sprintf("canvas %g %g", GPVAL_TERM_XSIZE / px, GPVAL_TERM_YSIZE / px)
    print sprintf("char %g %g", GPVAL_TERM_HCHAR / px, GPVAL_TERM_VCHAR / px)
    print sprintf("panel loss %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    print sprintf("key loss below %d", key_rows)
    unset print
}
unset multiplot
