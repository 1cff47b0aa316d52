# A sweep: accuracy (left) and loss (right) against the swept value; with several seeds the line
# is the mean and the band mean ± std. One axis: final test accuracy (solid), test accuracy at the
# best epoch (dashed) and final training accuracy (dotted); final and lowest held-out loss and
# final training loss. Two axes: one line per value of the second (test accuracy, lowest loss).
# Inputs: in (sweep.dat), fails (sweep.fail.dat), out, title, xlabel, logx (0|1), xmin, xmax,
#         series (blocks in sweep.dat), names (array: the blocks' names), chance, show_chance (0|1),
#         held (validation|test), against_params (0|1: x is the parameter count).
# Columns of sweep.dat: 1 x, 2 label, 3 n_ok, 4 n_fail, 5/6 final test acc, 7/8 best-epoch test
#   acc, 9/10 final held-out loss, 11/12 lowest held-out loss, 13 params, 14 seconds,
#   15/16 final training acc, 17/18 final training loss (mean/std pairs), 19 the value itself.
set terminal pngcairo noenhanced size 1200,560 font "Sans,11"
set output out
set datafile missing "NaN"
colours = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf"
col(i) = word(colours, (i - 1) % 10 + 1)
# bands clipped to what the quantity can be: accuracy in [0, 1], loss >= 0
alo(m, s) = m - s < 0 ? 0 : m - s
ahi(m, s) = m + s > 1 ? 1 : m + s
if (logx) { set logscale x }
set xrange [xmin : xmax]
set grid lc rgb "#dddddd"
set xlabel xlabel offset 0,0.4
set bmargin 8
set key outside below center box font "Sans,10" maxrows 2
set multiplot layout 1,2 title title font "Sans,13"
# ---- accuracy ----
set ylabel "accuracy"
set format y "%.3f"
ch = show_chance ? chance : NaN
if (series == 1) {
    plot in using 1:(alo($5,$6)):(ahi($5,$6)) with filledcurves fc rgb col(1) fs transparent solid 0.18 noborder notitle, \
         in using 1:5:xtic(2) with linespoints pt 7 ps 0.9 lw 2 lc rgb col(1) title "final test accuracy", \
         in using 1:7 with linespoints pt 6 ps 0.9 lw 2 dt 2 lc rgb col(2) title sprintf("test accuracy at the lowest %s loss", held), \
         in using 1:15 with linespoints pt 4 ps 0.7 lw 1.5 dt 3 lc rgb col(4) title "final training accuracy", \
         in using 1:5:(against_params ? stringcolumn(19) : "") with labels offset 0,-1.2 font "Sans,9" tc rgb col(1) notitle, \
         ch with lines dt 3 lc rgb "#888888" title (show_chance ? sprintf("chance (%g)", chance) : ""), \
         fails using 1:2 with points pt 2 ps 2 lw 2 lc rgb "#cc0000" title "failed runs (drawn at chance)", \
         fails using 1:2:3 with labels offset 0,1.2 tc rgb "#cc0000" font "Sans,9" notitle
} else {
    plot for [i=1:series] in index (i-1) using 1:(alo($5,$6)):(ahi($5,$6)) with filledcurves fc rgb col(i) fs transparent solid 0.15 noborder notitle, \
         for [i=1:series] in index (i-1) using 1:5:xtic(2) with linespoints pt 7 ps 0.9 lw 2 lc rgb col(i) title sprintf("test, %s", names[i]), \
         ch with lines dt 3 lc rgb "#888888" title (show_chance ? sprintf("chance (%g)", chance) : ""), \
         fails using 1:2 with points pt 2 ps 2 lw 2 lc rgb "#cc0000" title "failed runs (drawn at chance)"
}
# ---- loss ----
set ylabel "loss (cross-entropy)"
set format y "%.3g"
set yrange [0:*]
if (series == 1) {
    plot in using 1:(alo($9,$10)):($9+$10) with filledcurves fc rgb col(1) fs transparent solid 0.18 noborder notitle, \
         in using 1:(alo($11,$12)):($11+$12) with filledcurves fc rgb col(3) fs transparent solid 0.18 noborder notitle, \
         in using 1:9:xtic(2) with linespoints pt 7 ps 0.9 lw 2 lc rgb col(1) title sprintf("final %s loss", held), \
         in using 1:11 with linespoints pt 6 ps 0.9 lw 2 dt 2 lc rgb col(3) title sprintf("lowest %s loss", held), \
         in using 1:17 with linespoints pt 4 ps 0.7 lw 1.5 dt 3 lc rgb col(4) title "final training loss"
} else {
    plot for [i=1:series] in index (i-1) using 1:(alo($11,$12)):($11+$12) with filledcurves fc rgb col(i) fs transparent solid 0.15 noborder notitle, \
         for [i=1:series] in index (i-1) using 1:11:xtic(2) with linespoints pt 7 ps 0.9 lw 2 lc rgb col(i) title sprintf("lowest %s loss, %s", held, names[i])
}
unset multiplot
