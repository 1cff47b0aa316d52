# Two settings swept at once: the final test accuracy (mean over seeds) of every pair of values,
# written in each cell; a cell where every run failed is left blank.
# Inputs: in (heatmap.dat: i j accuracy%), title, xtics_list, ytics_list (gnuplot tic lists),
#         xlabel, ylabel, nx, ny, lo, hi (colour range), out.
set terminal pngcairo size (260 + 110 * nx), (220 + 70 * ny) font "Sans,11"
set output out
set title title font "Sans,13"
set datafile missing "NaN"
set xlabel xlabel
set ylabel ylabel
eval "set xtics (" . xtics_list . ")"
eval "set ytics (" . ytics_list . ")"
set xrange [-0.5 : nx - 0.5]
set yrange [-0.5 : ny - 0.5]
set cbrange [lo : hi]
set cblabel "final test accuracy (%)"
# test accuracy is red in every chart: light (low) to dark red (high)
set palette defined (0 "#fff5f0", 0.5 "#fb6a4a", 1 "#67000d")
set tics scale 0
unset key
plot in using 1:2:3 with image, \
     in using 1:2:(sprintf("%.2f", $3)):($3 > (lo + hi) / 2 ? 0xffffff : 0x000000) with labels tc rgb variable font "Sans,11"
