# Learning curves of one run, in two panels.
# Top: training loss (blue), test loss (green), test accuracy (red, right axis), training accuracy
# (orange, right axis, open triangles); validation curves dashed when present; the lowest held-out
# loss marked; chance a grey tick on the accuracy axis, outside the panel. Bottom: the held-out
# loss alone on a linear axis zoomed to the epochs after the first steep drop, with its lowest
# value and the mean of the last epochs drawn across, so a rise of a few hundredths (the overfitting turn) is seen at a glance.
# Inputs: in (metrics.csv), out, title, has_valid (0|1), chance, best_epoch, best_loss,
#         best_label (text for the marker), last_epoch, acc_min (bottom of the accuracy axis),
#         show_chance (1: draw the chance line, when an accuracy comes near it),
#         log_loss (1: logarithmic loss axis on top), zoom_from (first epoch of the zoom),
#         zoom_lo, zoom_hi (its loss range), end_from (first of the epochs averaged for the end),
#         end_loss (their mean), zoom_label (the bottom panel's title), stuck ("" or the verdict on
#         a stuck model, "no better than always answering 9, the commonest class ...", drawn in
#         red under the title),
#         layout (optional: a file for the panels' and text lines' places, see below).
set datafile separator ','
set datafile missing ''
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 960,860 font "Sans,11" } else {
    set terminal pngcairo noenhanced size 960,860 font "Sans,11" }
set output out
held = has_valid ? 4 : 6
held_name = has_valid ? "validation loss" : "test loss"
if (!exists("stuck")) stuck = ""
set multiplot title title font "Sans,13"

# ---- top: every curve ----
# No text inside a panel: where a curve will pass is not known before it is drawn, so the verdicts
# take lines of their own between the title and the panel (the best epoch in green, a stuck model's
# verdict in red above it), and the zoom panel's explanation is its title.
top = strlen(stuck) > 0 ? 0.545 : 0.575
stuck_y = 0.948
best_y = 0.36 + top + 0.012
if (strlen(stuck) > 0) \
    set label 90 "STUCK: " . stuck at screen 0.5, screen stuck_y center front noenhanced \
        tc rgb "#cc0000" font "Sans,11"
set label 1 best_label at screen 0.5, screen best_y center front noenhanced \
    tc rgb "#006600" font "Sans,11"
set origin 0, 0.36
set size 1, top
set xlabel "epoch"
set ylabel "loss (cross-entropy)"
set y2label "accuracy"
set ytics nomirror
set y2tics
set format y2 "%.2f"
set grid xtics ytics lc rgb "#dddddd"
set xrange [0.5 : last_epoch + 0.5]
set yrange [0 : *]
set y2range [acc_min : 1.0]
set lmargin 12; set rmargin 10   # room for "0.0001" and "0.06177" beside the axis label
set tmargin 1
# The key under the panel, without a box (gnuplot 5.4 set a box's top edge on the x label) and with
# a line of room above it; as many rows as its entries need (the chance entry is long).
set key outside below horizontal center nobox maxrows 2 height 1 noenhanced
set arrow 1 from best_epoch, graph 0 to best_epoch, graph 1 nohead dt 3 lw 1.5 lc rgb "#666666"
if (last_epoch <= 20) set xtics 1
# Losses that span decades (a fast first epoch, then slow gains) read best on a log axis; the
# panel below shows the late turn of the held-out loss on a linear one.
if (log_loss) {
    set logscale y
    set yrange [*:*]
    set ylabel "loss (cross-entropy, log scale)"
}
set label 2 "" at best_epoch, best_loss point pt 7 ps 1.6 lc rgb "#006600" front
cmd = "plot in using 1:2 with linespoints pt 7 ps 0.5 lw 2 lc rgb 'blue' title 'train loss', " . \
      "in using 1:6 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#009900' title 'test loss', " . \
      "in using 1:7 axes x1y2 with linespoints pt 7 ps 0.5 lw 2 lc rgb 'red' title 'test accuracy', " . \
      "in using 1:3 axes x1y2 with linespoints pt 8 ps 0.7 lw 1.5 lc rgb '#ff8c00' title 'train accuracy'"
if (has_valid) cmd = cmd . ", in using 1:4 with lines dt 2 lw 2 lc rgb '#009900' title 'validation loss'" . \
                           ", in using 1:5 axes x1y2 with lines dt 2 lw 2 lc rgb 'red' title 'validation accuracy'"
if (!exists("show_chance")) show_chance = 1
# chance is a grey tick on the accuracy axis, outside the panel: a line across it would run
# through the loss curves, which share the panel on the left axis
if (show_chance) set arrow 6 from graph 1, second chance to graph 1.03, second chance nohead lw 4 lc rgb '#888888' front
if (show_chance) cmd = cmd . sprintf(", NaN with lines lw 4 lc rgb '#888888' title 'chance (%g): the grey tick on the accuracy axis'", chance)
eval cmd
# layout (optional): where the panel and the text lines are, in pixels from the bottom left as
# gnuplot placed them, for the test that no text lies over a panel (where the curves are drawn)
if (exists("layout")) {
    set print layout
    px = GPVAL_TERM_SCALE
    print sprintf("canvas %g %g", GPVAL_TERM_XSIZE / px, GPVAL_TERM_YSIZE / px)
    print sprintf("char %g %g", GPVAL_TERM_HCHAR / px, GPVAL_TERM_VCHAR / px)
    print sprintf("panel top %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    print sprintf("text best %g %d", best_y * GPVAL_TERM_YSIZE / px, strlen(best_label))
    if (show_chance) {
        print sprintf("mark chance %g %g", GPVAL_TERM_XMAX, GPVAL_TERM_XMAX + 0.03 * (GPVAL_TERM_XMAX - GPVAL_TERM_XMIN))
    }
    if (strlen(stuck) > 0) {
        print sprintf("text stuck %g %d", stuck_y * GPVAL_TERM_YSIZE / px, strlen(stuck) + 7)
    }
    unset print
}

# ---- bottom: the held-out loss, zoomed, linear ----
unset label; unset arrow; unset logscale y; unset y2tics; unset y2label
set origin 0, 0.0
set size 1, 0.36
set tmargin 2; set bmargin 3
set title zoom_label font "Sans,10" noenhanced
set xlabel "epoch"
set ylabel held_name . " (linear)"
set xrange [zoom_from - 0.5 : last_epoch + 0.5]
set yrange [zoom_lo : zoom_hi]
# ticks with as many decimals as the zoomed range needs (0.6955 and 0.6960, not 0.696 twice)
zoom_decimals = int(ceil(-log10((zoom_hi - zoom_lo) / 5.0)))
zoom_decimals = zoom_decimals < 1 ? 1 : (zoom_decimals > 8 ? 8 : zoom_decimals)
set format y sprintf("%%.%df", zoom_decimals)
unset key
set arrow 3 from best_epoch, graph 0 to best_epoch, graph 1 nohead dt 3 lw 1.5 lc rgb "#666666"
set arrow 4 from zoom_from - 0.5, best_loss to last_epoch + 0.5, best_loss nohead dt 3 lw 1.2 lc rgb "#006600"
if (end_from < last_epoch || end_loss != best_loss) \
    set arrow 5 from end_from - 0.3, end_loss to last_epoch + 0.3, end_loss nohead lw 3 lc rgb "#aa0000" front
set label 3 "" at best_epoch, best_loss point pt 7 ps 1.4 lc rgb "#006600" front
held_dt = has_valid ? 2 : 1
plot in using 1:held with linespoints pt 7 ps 0.6 lw 2 lc rgb '#009900' dt held_dt
if (exists("layout")) {
    set print layout append
    print sprintf("panel zoom %g %g %g %g", GPVAL_TERM_XMIN, GPVAL_TERM_XMAX, GPVAL_TERM_YMIN, GPVAL_TERM_YMAX)
    unset print
}
unset multiplot
