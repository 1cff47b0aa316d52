# ROC of a binary run: true-positive against false-positive rate as the threshold on p(positive)
# moves from 1 down to 0, the thresholds of the summary marked with their test accuracy. Left the
# whole square, right the top-left corner, where a good model's curve lives; a label sits right of
# its point, or left of it in the right part of the panel, so none is cut at the border.
# Inputs: in (roc.dat: block 0 "threshold fpr tpr", block 1 "threshold fpr tpr accuracy% "label"", one
#         row per distinct point, its label naming every threshold that lands there),
#         out, title, positive, negative (class names).
# svg = 1: the same figure as SVG for the results page (plots/plot.h: plot_draw_svg)
if (exists("svg")) { set terminal svg mouse standalone dynamic noenhanced size 1100,560 font "Sans,11" } else {
    set terminal pngcairo noenhanced size 1100,560 font "Sans,11" }
set output out
stats in index 1 using 2:3 nooutput
zx = STATS_max_x < 0.02 ? 0.02 : STATS_max_x * 1.4
zx = zx > 1 ? 1 : zx
zy = STATS_min_y > 0.98 ? 0.98 : 1 - (1 - STATS_min_y) * 1.4
zy = zy < 0 ? 0 : zy
set multiplot layout 1,2 title title font "Sans,13"
set xlabel sprintf("false-positive rate (%s called %s)", negative, positive)
set ylabel sprintf("true-positive rate (%s found)", positive)
set grid lc rgb "#dddddd"
set key bottom right box opaque
set size ratio -1
set xrange [0:1]; set yrange [0:1]
set title "the whole curve"
plot in index 0 using 2:3 with lines lw 2 lc rgb "#1f77b4" title "ROC", \
     x with lines dt 3 lc rgb "#888888" title "chance", \
     in index 1 using 2:3 with points pt 7 ps 1.2 lc rgb "#aa0000" title "threshold: test accuracy"
set size noratio
set xrange [0:zx]; set yrange [zy:1.0]
set title "the top-left corner, enlarged"
# a label right of its point in the left part of the panel, else left of it; above a point near
# the bottom border, else below it
left_of(x) = x < 0.6 * zx
low(y) = y < zy + 0.1 * (1 - zy)
set key off
plot in index 0 using 2:3 with lines lw 2 lc rgb "#1f77b4", \
     in index 1 using 2:3 with points pt 7 ps 1.2 lc rgb "#aa0000", \
     in index 1 using (left_of($2) && !low($3) ? $2 : NaN):3:5 with labels left offset 1,-0.8 font "Sans,9" tc rgb "#aa0000", \
     in index 1 using (left_of($2) && low($3) ? $2 : NaN):3:5 with labels left offset 1,0.8 font "Sans,9" tc rgb "#aa0000", \
     in index 1 using (!left_of($2) && !low($3) ? $2 : NaN):3:5 with labels right offset -1,-0.8 font "Sans,9" tc rgb "#aa0000", \
     in index 1 using (!left_of($2) && low($3) ? $2 : NaN):3:5 with labels right offset -1,0.8 font "Sans,9" tc rgb "#aa0000"
unset multiplot
