# What each run paid for its accuracy: final test accuracy against parameters (left) and against
# training seconds (right), both on log axes, one point per run labelled with its name; test
# accuracy is red, as in every chart.
# Inputs: in (cost-TASK.dat: parameters seconds accuracy "label"), title, out.
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 1200,560 font "Sans,11" } else {
    set terminal pngcairo noenhanced size 1200,560 font "Sans,11" }
set output out
set logscale x
set grid lc rgb "#dddddd"
set format y "%.3f"
set ylabel "final test accuracy"
set offsets graph 0.12, graph 0.12, 0, graph 0.06
# a name beside each point while they can be read; past 12 runs the names would run into each
# other, and the table above the chart names every run
stats in using 3 nooutput
named = STATS_records <= 12
# an accuracy is at most 1: the axis stops there
set yrange [*:1.0]
if (!named) title = title . sprintf(" (%d runs: the table names them)", STATS_records)
unset key
set multiplot layout 1,2 title title font "Sans,13"
set xlabel "parameters (log scale)"
set format x "%.0s%c"
plot in using 1:3 with points pt 7 ps 1.1 lc rgb "#d62728", \
     in using 1:(named ? $3 : NaN):4 with labels left offset 0.7,0.5 font "Sans,8" tc rgb "#333333"
set xlabel "training seconds (log scale)"
set format x "%g"
plot in using 2:3 with points pt 7 ps 1.1 lc rgb "#d62728", \
     in using 2:(named ? $3 : NaN):4 with labels left offset 0.7,0.5 font "Sans,8" tc rgb "#333333"
unset multiplot
