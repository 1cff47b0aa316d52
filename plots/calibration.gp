# Reliability diagram of a run's test images: binned by the model's top probability (its
# confidence), each bar the test accuracy of the images in that bin (red, the colour of test
# accuracy), the diagonal where accuracy equals confidence (a calibrated model's bars reach it),
# each bar's image count at its foot. Bars below the diagonal: the model is more sure than right.
# Left as trained; right after temperature scaling (every logit divided by one T fitted on the
# validation split), when there was a validation split.
# Inputs: in (calibration.dat: block 0 as trained, block 1 after scaling, each row "bin_lo bin_hi
#         mean_confidence accuracy images"), out, title, ece, fitted (0 or 1), after_text.
set terminal pngcairo noenhanced size (fitted ? 1100 : 700),(fitted ? 600 : 640) font "Sans,11"
set output out
set style fill solid 0.6 border lc rgb "#880000"
set xrange [0:1]; set yrange [0:1.02]
set xtics 0.2; set ytics 0.2
set grid lc rgb "#dddddd"
set xlabel "confidence (the top class probability)"
set ylabel "test accuracy in the bin"
set key below Left reverse samplen 2
set size ratio -1
bar(lo, hi, n) = n > 0 ? (lo + hi) / 2 : NaN
if (fitted) set multiplot layout 1,2 title title font "Sans,13"; \
    else set title sprintf("%s\nas trained: ECE %.4f\n%s", title, ece, after_text) font "Sans,11"
if (fitted) set title sprintf("as trained: ECE %.4f", ece) font "Sans,11"
plot in index 0 using (bar($1, $2, $5)):4:($2 - $1) with boxes lc rgb "red" title "test accuracy of the bin's images", \
     x with lines dt 2 lw 1.5 lc rgb "#444444" title "calibrated: accuracy = confidence", \
     in index 0 using (bar($1, $2, $5)):(0.015):(sprintf("%d", $5)) with labels font "Sans,8" \
        rotate by 90 left tc rgb "#000000" notitle
if (fitted) {
    set title after_text font "Sans,11"
    plot in index 1 using (bar($1, $2, $5)):4:($2 - $1) with boxes lc rgb "red" title "test accuracy of the bin's images", \
         x with lines dt 2 lw 1.5 lc rgb "#444444" title "calibrated: accuracy = confidence", \
         in index 1 using (bar($1, $2, $5)):(0.015):(sprintf("%d", $5)) with labels font "Sans,8" \
            rotate by 90 left tc rgb "#000000" notitle
    unset multiplot
}
