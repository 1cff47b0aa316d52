# Fighting overfitting (docs/guide.md): the mean test loss per epoch of each remedy, one line each,
# on a log axis, where the baseline's late rise is as visible as its early fall.
# Inputs: in (curves.dat: one block per remedy of "epoch mean_test_loss seeds"), titles (an array:
#         one label per block), seeds (how many seeds each mean is over), out.
set terminal pngcairo size 1100,650 font "Sans,11" noenhanced
set output out
set title sprintf("Fighting overfitting on cnn-4v9 (2000 images of 4 and 9): test loss, mean of %d seeds", seeds) font "Sans,13"
set xlabel "epoch"
set ylabel "test loss (binary cross-entropy, log scale)"
set logscale y
set autoscale yfix
set ytics (0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.2, 0.3, 0.5, 0.7, 1)
set grid xtics ytics mytics lc rgb "#dddddd"
set key outside right top vertical box font "Sans,10" width -8
set xrange [0.5:40.5]
set xtics 5
n = |titles|
label(i) = titles[i]
# the baseline black and thick; the others in distinct colours; the two all-data rows dashed
colors = "#000000 #e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #a65628 #f781bf #999999"
do for [i=1:n] {
    pattern = (strstrt(label(i), "all 11791") > 0 || strstrt(label(i), "cnn-4v9-full") > 0) ? 2 : 1
    set style line i lc rgb word(colors, i) lw (i == 1 ? 3.5 : 2) dt pattern
}
plot for [i=1:n] in index (i-1) using 1:2 with lines ls i title label(i)
