# lesson-diagnose: one step of the walkthrough's diagnosis, its broken runs beside their fix, the
# mean over the seeds per epoch. Left the losses: training loss blue, test loss green; right the
# accuracies: test accuracy red, training accuracy orange (the colours of every chart). The runs
# are told apart by shade and marker: the broken runs light and thin with open markers, the fix (or
# fixes) dark and thick with filled ones; the chance level dotted gray.
# Inputs: in (curves.dat: one block per run of "epoch train_loss test_loss train_acc test_acc"),
#         titles (array: the step's title, then one label per block), step, chance, logy (0|1), out.
set terminal pngcairo noenhanced size 1300,740 font "Sans,11"
set output out
n = |titles| - 1
label(i) = titles[i + 1]
broken(i) = strstrt(label(i), "broken") == 1
t(i) = n > 1 ? (i - 1.0) / (n - 1) : 1.0
blue(i) = broken(i) ? "#8fa8f0" : (i == n ? "#1f3fcc" : "#3355dd")
green(i) = broken(i) ? "#8fd68f" : sprintf("#00%02x00", int(153 - 80 * t(i)))
red(i) = broken(i) ? "#f4a0a0" : sprintf("#%02x0000", int(214 - 90 * t(i)))
orange(i) = broken(i) ? "#ffc98a" : "#ff8c00"
markers_open = "6 4 8 10 12"
markers_full = "7 5 9 11 13"
marker(i) = broken(i) ? word(markers_open, (i - 1) % 5 + 1) + 0 : word(markers_full, (i - 1) % 5 + 1) + 0
lw(i) = broken(i) ? 1.5 : 2.5
set multiplot layout 1,2 title titles[1] font "Sans,13"
set grid lc rgb "#dddddd"
set xlabel "epoch"
set key below font "Sans,9"
set ylabel "loss (cross-entropy)"
if (logy) { set logscale y; set ylabel "loss (cross-entropy, log scale)" }
if (step == 4) {
    set title "test loss (green)"
    plot for [i=1:n] in index (i-1) using 1:3 with linespoints lw lw(i) pt marker(i) ps 0.9 pi 4 lc rgb green(i) title label(i)
} else {
    set title "training loss (blue), test loss (green)"
    plot for [i=1:n] in index (i-1) using 1:2 with linespoints lw lw(i) pt marker(i) ps 0.9 pi 4 lc rgb blue(i) title sprintf("%s: training", label(i)), \
         for [i=1:n] in index (i-1) using 1:3 with linespoints lw lw(i) pt marker(i) ps 0.9 pi 4 lc rgb green(i) title sprintf("%s: test", label(i))
}
unset logscale y
set ylabel "accuracy"
set yrange [0:1.02]
if (step == 4) {
    set title "test accuracy (red)"
    set yrange [0.85:1.0]
    plot for [i=1:n] in index (i-1) using 1:5 with linespoints lw lw(i) pt marker(i) ps 0.9 pi 4 lc rgb red(i) title label(i)
} else {
    set title "training accuracy (orange), test accuracy (red); chance dotted"
    plot for [i=1:n] in index (i-1) using 1:4 with linespoints lw lw(i) pt marker(i) ps 0.9 pi 4 lc rgb orange(i) title sprintf("%s: training", label(i)), \
         for [i=1:n] in index (i-1) using 1:5 with linespoints lw lw(i) pt marker(i) ps 0.9 pi 4 lc rgb red(i) title sprintf("%s: test", label(i)), \
         chance with lines dt 3 lw 1.5 lc rgb "#888888" title sprintf("chance (%g)", chance)
}
unset multiplot
