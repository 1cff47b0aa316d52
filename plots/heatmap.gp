# Two settings swept at once: the final test accuracy (mean over seeds) of every pair of values,
# written in each cell; a cell where every run failed is left blank.
# Inputs: in (heatmap.dat: i j accuracy%), title, xtics_names, ytics_names (arrays: the values of
#         each axis), xlabel, ylabel, nx, ny, lo, hi (colour range), out.
W = 260 + 110 * nx
tw = strlen(title) * 9 + 140     # about 9 pixels a character at 13 points, centred over the cells: never cut
W = W < tw ? tw : W
set terminal pngcairo noenhanced size W, (220 + 70 * ny) font "Sans,11"
set output out
set title title font "Sans,13"
set datafile missing "NaN"
set xlabel xlabel
set ylabel ylabel
set xtics ()
set ytics ()
set for [i=1:nx] xtics add (xtics_names[i] i - 1)
set for [j=1:ny] ytics add (ytics_names[j] j - 1)
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
