# What each run paid for its accuracy: final test accuracy against parameters (left) and against
# training seconds (right), both on log axes, one point per run labelled with its name; test
# accuracy is red, as in every chart.
# Inputs: in (cost-TASK.dat: parameters seconds accuracy "label"), title, out.
set terminal pngcairo size 1200,560 font "Sans,11"
set output out
set logscale x
set grid lc rgb "#dddddd"
set format y "%.3f"
set ylabel "final test accuracy"
set offsets graph 0.12, graph 0.12, graph 0.06, graph 0.06
unset key
set multiplot layout 1,2 title title font "Sans,13"
set xlabel "parameters (log scale)"
set format x "%.0s%c"
plot in using 1:3 with points pt 7 ps 1.1 lc rgb "#d62728", \
     in using 1:3:4 with labels left offset 0.7,0.5 font "Sans,8" tc rgb "#333333"
set xlabel "training seconds (log scale)"
set format x "%g"
plot in using 2:3 with points pt 7 ps 1.1 lc rgb "#d62728", \
     in using 2:3:4 with labels left offset 0.7,0.5 font "Sans,8" tc rgb "#333333"
unset multiplot
