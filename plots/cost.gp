# What each run paid for its accuracy: final test accuracy (red, as in every chart) against the
# model's size in bytes (left: a network's float32 weights, a fitted model's saved form, each point
# labelled with its size in its own unit: parameters, stored images, support vectors, tree nodes),
# against training seconds (middle: a fitted model's fit) and against the milliseconds predicting
# 1,000 test images took (right), all on log axes: k-NN fits in no time and predicts slowly, a
# network the other way round.
# Inputs: in (cost-TASK.dat: bytes seconds accuracy predict_ms "label" "label with size"), title, out,
# have_predict (0 when no run has a prediction time: runs from before they were measured; then
# the right panel is left out).
set terminal pngcairo noenhanced size (have_predict ? 1650 : 1200),580 font "Sans,11"
set output out
set logscale x
set grid lc rgb "#dddddd"
set format y "%.3f"
set ylabel "final test accuracy"
set offsets graph 0.12, graph 0.30, 0, graph 0.06
# a name beside each point while they can be read; past 12 runs the names would run into each
# other, and the table above the chart names every run
stats in using 3 nooutput
named = STATS_records <= 12
# an accuracy is at most 1: the axis stops there
set yrange [*:1.0]
if (!named) title = title . sprintf(" (%d runs: the table names them)", STATS_records)
unset key
set multiplot layout 1,(have_predict ? 3 : 2) title title font "Sans,13"
set xlabel "model size in bytes (log scale)"
set format x "%.0s%cB"
plot in using 1:3 with points pt 7 ps 1.1 lc rgb "#d62728", \
     in using 1:(named ? $3 : NaN):6 with labels left offset 0.7,0.5 font "Sans,8" tc rgb "#333333"
set xlabel "training (fit) seconds (log scale)"
set format x "%g"
plot in using 2:3 with points pt 7 ps 1.1 lc rgb "#d62728", \
     in using 2:(named ? $3 : NaN):5 with labels left offset 0.7,0.5 font "Sans,8" tc rgb "#333333"
if (!have_predict) { unset multiplot; exit }
set xlabel "prediction: milliseconds per 1,000 test images (log scale)"
plot in using 4:3 with points pt 7 ps 1.1 lc rgb "#d62728", \
     in using 4:(named ? $3 : NaN):5 with labels left offset 0.7,0.5 font "Sans,8" tc rgb "#333333"
unset multiplot
