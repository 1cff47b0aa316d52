# The held-out loss per epoch of every run of a sweep, one colour per value (or pair of values);
# the first seed of each value carries its name in the key, further seeds are thinner lines.
# Inputs: run1.dat .. runN.dat (each run's metrics.csv), titles (array: name per run, "" for a
#         further seed; titles_n = N), colours (array: colour number per run), title, column
#         (4 validation loss | 6 test loss), logy, held, out.
set datafile separator ','
set datafile missing ''
set terminal pngcairo noenhanced size 1000,600 font "Sans,11"
set output out
set title title font "Sans,13"
set xlabel "epoch"
set ylabel sprintf("%s loss (cross-entropy)%s", held, logy ? ", log scale" : "")
set grid lc rgb "#dddddd"
if (logy) { set logscale y }
set key outside right top font "Sans,10"
palette = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #000000 #aec7e8"
col(i) = word(palette, (i - 1) % 12 + 1)
first(i) = titles[i] ne ""
plot for [i=1:titles_n] sprintf("run%d.dat", i) using 1:column with lines \
     lw (first(i) ? 2.2 : 1.0) lc rgb col(colours[i]) \
     title titles[i]
