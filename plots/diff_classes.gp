# Two runs' test accuracy per class, side by side, the value over each bar. Test accuracy is red in
# every chart: A light red, B dark red, as the key says.
# Inputs: in (classes.dat: class images accuracy_a accuracy_b), title, name_a, name_b, bottom
#         (bottom of the accuracy axis), out.
set terminal pngcairo noenhanced size 1000,520 font "Sans,11"
set output out
set title title font "Sans,13"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 noborder
set boxwidth 0.9
set yrange [bottom : 1.0 + (1.0 - bottom) * 0.12]
set ytics bottom, (1.0 - bottom) / 5, 1.0
set ylabel "test accuracy of the class"
set xlabel "true class"
set format y "%.2f"
set grid ytics lc rgb "#dddddd"
set key outside below horizontal center
plot in using 3:xtic(1) lc rgb "#fc9272" title sprintf("A (light red): %s", name_a), \
     in using 4 lc rgb "#a50f15" title sprintf("B (dark red): %s", name_b), \
     in using ($0 - 0.17):3:(sprintf("%.3f", $3)) with labels rotate by 90 left offset 0,0.4 font "Sans,8" notitle, \
     in using ($0 + 0.17):4:(sprintf("%.3f", $4)) with labels rotate by 90 left offset 0,0.4 font "Sans,8" notitle
