# Confusion matrix as a heatmap with counts: rows are the true class, columns the prediction.
# Inputs: in (matrix file of counts, row = true class), names (array of the class names; names_n
#         of them), maxv (largest count), title, accuracy (percent), out.
k = names_n
set terminal pngcairo noenhanced size (k > 2 ? 720 : 480), (k > 2 ? 660 : 440) font "Sans,11"
set output out
set title sprintf("%s\ntest accuracy %.2f%%", title, accuracy) font "Sans,13"
set xlabel "predicted"
set ylabel "true"
set xrange [-0.5 : k - 0.5]
set yrange [k - 0.5 : -0.5]
set xtics () scale 0
set ytics () scale 0
set for [i=1:k] xtics add (names[i] i - 1)
# Names (Fashion's "Pullover") would run into each other under the columns: slant them.
longest = 0
do for [i=1:k] { if (strlen(names[i]) > longest) { longest = strlen(names[i]) } }
if (longest > 3) set xtics rotate by 35 right
set for [i=1:k] ytics add (names[i] i - 1)
set size ratio -1
unset key
set palette defined (0 "#ffffff", 1 "#c6dbef", 2 "#4292c6", 3 "#08306b")
set cblabel "log10(1 + count)"
plot in matrix using 1:2:(log10($3 + 1)) with image, \
     in matrix using 1:2:(sprintf("%d", $3)):($3 > maxv / 20.0 ? 0xffffff : 0x202020) \
        with labels tc rgb variable font "Sans,10"
