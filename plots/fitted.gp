# curves.png of a model fitted once (k-NN, SVM, linear, one decision tree): there is no curve to
# read, one fit and one evaluation, so no verdict on overfitting either. Bars: training accuracy
# (orange; on the first images of the training set), validation accuracy when there is a split
# (red, hatched), test accuracy (red), each with its number; beneath, what the fit cost.
# Inputs: title, out, train_acc, test_acc, has_valid, valid_acc, cost (one line of text), note.
# The bars stand on zero: an axis cut at 0.70 made a gap of six points look like half the bar.
set terminal pngcairo noenhanced size 900,560 font "Sans,11"
set output out
set title title font "Sans,13"
set style fill solid 0.85 border lc rgb "#555555"
set boxwidth 0.6
unset key
set grid ytics lc rgb "#dddddd"
set ylabel "accuracy"
set yrange [0:1.08]
set ytics nomirror
set format y "%.2f"
set xtics nomirror scale 0
n = has_valid ? 3 : 2
set xrange [-0.6:n - 0.4]
set xtics ("training accuracy" 0, "test accuracy" n - 1)
if (has_valid) set xtics add ("validation accuracy" 1)
set bmargin 6
set label 1 cost at screen 0.5, screen 0.05 center font "Sans,10"
set label 2 note at screen 0.5, screen 0.015 center font "Sans,9" tc rgb "#555555"
# one row per bar: position, accuracy; the validation bar hatched (validation is dashed elsewhere)
set print $bars
print sprintf("0 %.6f", train_acc)
print sprintf("%d %.6f", n - 1, test_acc)
if (has_valid) print sprintf("1 %.6f", valid_acc)
unset print
bar(row) = sprintf("$bars every ::%d::%d using 1:2 with boxes ", row, row)
cmd = "plot " . bar(0) . "fs solid 0.85 lc rgb '#ff8c00', " . bar(1) . "fs solid 0.85 lc rgb '#d62728', "
if (has_valid) cmd = cmd . bar(2) . "fs pattern 4 lc rgb '#d62728', "
cmd = cmd . "$bars using 1:2:(sprintf('%.2f%%', 100 * $2)) with labels offset 0,0.8 font 'Sans,12'"
eval cmd
