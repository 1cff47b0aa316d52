# lesson-adversarial: test accuracy against the FGSM step eps, one line per network family, the
# mean over the seeds with a band of ± one standard deviation. Every line is a test accuracy, so
# every line is red (the colour of test accuracy in every chart): a shade from light to dark and a
# marker per family, the key names them.
# Inputs: in (accuracy.dat: one block per family of "eps mean_% sd_% seeds"), titles (an array:
#         one label per block), seeds, out.
set terminal pngcairo noenhanced size 1000,600 font "Sans,11"
set output out
set title sprintf("FGSM: test accuracy against the step eps (pixels run 0..1), mean ± std of %d seeds", seeds) font "Sans,13"
set xlabel "eps: every pixel moved by eps in the direction that raises its image's loss"
set ylabel "test accuracy (%)"
set xrange [-0.005:0.305]
set yrange [0:100]
set xtics 0.05
set ytics 10
set grid xtics ytics lc rgb "#dddddd"
set key top right box opaque title "test accuracy (red): shade and marker name the family"
set style fill transparent solid 0.18 noborder
n = |titles|
t(i) = n > 1 ? (i - 1.0) / (n - 1) : 1.0
shade(i) = sprintf("#%02x%02x%02x", int(252 - 149 * t(i)), int(146 - 146 * t(i)), int(114 - 101 * t(i)))
markers = "7 5 9 11 13"
marker(i) = word(markers, (i - 1) % 5 + 1) + 0
lo(m, s) = m - s < 0 ? 0 : m - s
hi(m, s) = m + s > 100 ? 100 : m + s
plot for [i=1:n] in index (i-1) using 1:(lo($2, $3)):(hi($2, $3)) with filledcurves lc rgb shade(i) notitle, \
     for [i=1:n] in index (i-1) using 1:2 with linespoints lw 2.5 pt marker(i) ps 1.3 lc rgb shade(i) title titles[i]
