# Learning curves of one run: training loss (blue), test loss (green), test accuracy (red, right
# axis); validation curves dashed when present; the lowest held-out loss marked; chance dotted.
# Inputs: in (metrics.csv), out, title, has_valid (0|1), chance, best_epoch, best_loss,
#         best_label (text for the marker), last_epoch, acc_min (bottom of the accuracy axis),
#         log_loss (1: logarithmic loss axis).
set datafile separator ','
set datafile missing ''
set terminal pngcairo size 960,600 font "Sans,11"
set output out
set title title font "Sans,13"
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
set lmargin 10; set rmargin 10
set key outside below horizontal center box
set bmargin 6
set arrow 1 from best_epoch, graph 0 to best_epoch, graph 1 nohead dt 3 lw 1.5 lc rgb "#666666"
if (last_epoch <= 20) set xtics 1
# Losses that span decades (a fast first epoch, then slow gains) read best on a log axis, where
# the late turn of the held-out loss is as visible as the early drop.
if (exists("log_loss") && log_loss) {
    set logscale y
    set yrange [*:*]
    set ylabel "loss (cross-entropy, log scale)"
}
# The marker's text sits in the upper right, with an arrow to the point, clear of the curves.
set label 1 best_label at graph 0.97, graph 0.80 right front tc rgb "#006600"
set arrow 2 from graph 0.80, graph 0.77 to best_epoch, best_loss lc rgb "#006600" lw 1.2 front
set label 2 "" at best_epoch, best_loss point pt 7 ps 1.6 lc rgb "#006600" front
cmd = "plot in using 1:2 with linespoints pt 7 ps 0.5 lw 2 lc rgb 'blue' title 'train loss', " . \
      "in using 1:6 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#009900' title 'test loss', " . \
      "in using 1:7 axes x1y2 with linespoints pt 7 ps 0.5 lw 2 lc rgb 'red' title 'test accuracy'"
if (has_valid) cmd = cmd . ", in using 1:4 with lines dt 2 lw 2 lc rgb '#009900' title 'validation loss'" . \
                           ", in using 1:5 axes x1y2 with lines dt 2 lw 2 lc rgb 'red' title 'validation accuracy'"
cmd = cmd . sprintf(", %g axes x1y2 with lines dt 3 lw 1.5 lc rgb '#888888' title 'chance (%g)'", chance, chance)
eval cmd
