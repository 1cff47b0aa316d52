# Test accuracy per epoch of every group of runs of one task: a seed group is its mean over the
# seeds with a band of ± one standard deviation (its members are not drawn again), a lone run its
# own line. Test accuracy is red in every chart: each group a shade of red (light to dark in the
# order of the key, best first) and a marker of its own, as the key's title says. The epoch axis
# is linear and ends at the last epoch; log (and labelled so) only when the epochs span three
# decades.
# Inputs: in (one block per group: "epoch mean std runs"), names (array of the groups' names, in
#         the blocks' order; names_n = their number), logx (0|1), last_epoch, xname (the axis's
#         unit), out, title, layout
#         (optional: a file for where the chart and its key are). Text is drawn as it is (enhanced
#         text off).
# Short names sit in a key on the right; long ones (a learner's descriptive folders) in one column
# below the chart, where they have the whole width and the chart keeps its own.
longest = 0
do for [i=1:names_n] { if (strlen(names[i]) > longest) { longest = strlen(names[i]) } }
below = longest > 30
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 1100, (below ? 600 + 19 * names_n : 640) font "Sans,11" } else {
    set terminal pngcairo noenhanced size 1100, (below ? 600 + 19 * names_n : 640) font "Sans,11" }
set output out
set title title font "Sans,13"
# xname: what a step is ("epoch", or "epoch / boosting round" when a booster's rounds or a forest's
# trees share the axis with a network's epochs; each such line's key says its unit)
if (!exists("xname")) xname = "epoch"
set xlabel logx ? xname . " (log scale)" : xname
set format y "%.3f"
set grid lc rgb "#dddddd"
if (logx) { set logscale x 10 }
if (!logx && last_epoch <= 20) { set xtics 1 }   # whole epochs, never 1.2, 1.4, ...
set autoscale xfix          # the axis ends at the last epoch
set format x "%g"
set datafile missing "NaN"
# no key title (gnuplot set it over the first entries, or over the axis label): the axis label
# says what the key's shades and markers mean
set ylabel "test accuracy\n(red; shade and marker name the group; band: ± 1 std over seeds)" font "Sans,10"
if (below) {
    set key outside below left Left reverse maxcols 1 noenhanced font "Sans,10"
} else {
    set key outside right top noenhanced font "Sans,10"
}
lines = names_n
t(i) = lines > 1 ? (i - 1.0) / (lines - 1) : 1.0
shade(i) = sprintf("#%02x%02x%02x", int(252 - 149 * t(i)), int(146 - 146 * t(i)), int(114 - 101 * t(i)))
markers = "7 5 9 11 13 4 6 8 10 12"
marker(i) = word(markers, (i - 1) % 10 + 1) + 0
# accuracy in [0, 1]: the band is clipped there
lo(m, s) = m - s < 0 ? 0 : m - s
hi(m, s) = m + s > 1 ? 1 : m + s
plot for [i=1:lines] in index (i - 1) using 1:(lo($2, $3)):(hi($2, $3)) with filledcurves \
         fc rgb shade(i) fs transparent solid 0.18 noborder notitle, \
     for [i=1:lines] in index (i - 1) using 1:2 with linespoints pt marker(i) pi -8 ps 0.9 lw 2 \
         lc rgb shade(i) title names[i]
# layout (optional): where the chart and its key are, for the test that no text lies over a line
if (exists("layout")) {
    set print layout
    px = GPVAL_TERM_SCALE
    print sprintf("canvas %g %g", GPVAL_TERM_XSIZE / px, GPVAL_TERM_YSIZE / px)
    print sprintf("char %g %g", GPVAL_TERM_HCHAR / px, GPVAL_TERM_VCHAR / px)
    print sprintf("panel chart %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    if (below) {
        print sprintf("key chart below %d", names_n)
    } else {
        print sprintf("key chart right %d", longest + 6)
    }
    unset print
}
