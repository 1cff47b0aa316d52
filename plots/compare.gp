# Test accuracy per epoch of every run on one chart.
# Inputs: run1.dat .. runN.dat (each run's metrics.csv), names (array of the N run names, in the
#         same order; names_n = N), out, title. Text is drawn as it is (enhanced text off).
set datafile separator ','
set datafile missing ''
# Short names sit in a key on the right; long ones (a learner's descriptive folders) in one column
# below the chart, where they have the whole width and the chart keeps its own.
longest = 0
do for [i=1:names_n] { if (strlen(names[i]) > longest) { longest = strlen(names[i]) } }
below = longest > 30
set terminal pngcairo noenhanced size (below ? 1100 : 1000), (below ? 560 + 19 * names_n : 620) font "Sans,11"
set output out
set title title font "Sans,13"
set xlabel "epoch"
set ylabel "test accuracy"
set format y "%.3f"
set grid lc rgb "#dddddd"
set logscale x 2
set autoscale xfix          # the axis ends at the last epoch, not at the next power of two
if (below) { set key outside below left Left reverse maxcols 1 noenhanced } else { set key outside right top noenhanced }
# Twelve distinct colours (gnuplot's default eight repeat), dashed for runs past the twelfth.
colours = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #000000 #aec7e8"
do for [i=1:24] {
    if (i <= 12) { set linetype i lc rgb word(colours, i) dt 1 } else { set linetype i lc rgb word(colours, i - 12) dt 2 }
}
plot for [i=1:names_n] sprintf("run%d.dat", i) using 1:7 with linespoints pt 7 ps 0.5 lw 2 lt i title names[i]
