# One prediction: the 28x28 image the model saw, drawn large (ink dark on white), with
# "pred: 7 (98.1%)" and, when known, the true label in its upper right; the class probabilities
# as bars beside it.
# Inputs: img (matrix file: 28 rows of 28 pixels in 0..1, ink 1), probs (file: class "name" p rgb),
#         k (number of classes), pred_text, true_text ('' when unknown),
#         ok (1 correct, 0 wrong, -1 no label), title, out.
if (!exists("title")) title = ""
W = 1000; H = 620
set terminal pngcairo noenhanced size W, H font "Sans,11"
set output out
verdict_rgb = ok == 1 ? "#1b7a2e" : (ok == 0 ? "#c0392b" : "#1f4e99")
set multiplot title title font "Sans,13"

# ---- left: the image, one screen square per pixel (476 x 476 screen pixels) ----
set lmargin at screen 40.0 / W
set rmargin at screen (40.0 + 476) / W
set bmargin at screen 70.0 / H
set tmargin at screen (70.0 + 476) / H
unset key
unset colorbox
set palette gray negative
set cbrange [0 : 1]
set xrange [-0.5 : 27.5]
set yrange [27.5 : -0.5]
set xtics 0, 7, 27 out nomirror scale 0.6 font "Sans,9"
set ytics 0, 7, 27 out nomirror scale 0.6 font "Sans,9"
set xlabel "28 x 28 pixels, as the model sees them" font "Sans,10"
set style textbox 1 opaque fillcolor rgb "white" border lc rgb verdict_rgb lw 2 margins 6, 4
set label 1 pred_text at graph 0.93, graph 0.94 right front boxed bs 1 font "Sans,17" \
    tc rgb verdict_rgb
if (strlen(true_text) > 0) {
    set label 2 true_text at graph 0.93, graph 0.85 right front font "Sans,13" tc rgb "#333333"
}
plot img matrix with image

# ---- right: the probability of every class ----
unset label 1
unset label 2
set lmargin at screen 620.0 / W
set rmargin at screen 960.0 / W
set bmargin at screen 110.0 / H
set tmargin at screen (70.0 + 476) / H
set xrange [0 : 124]
# fewer than ten classes keep the bars of a ten-class chart, centred
pad = k < 10 ? (10 - k) / 2.0 : 0
set yrange [k - 0.5 + pad : -0.5 - pad]
set xtics 0, 25, 100 out nomirror scale 0.6 font "Sans,9"
set ytics out nomirror scale 0 font "Sans,11"
set xlabel "probability (%)" font "Sans,10"
set grid xtics lc rgb "#dddddd"
set style fill solid 0.9 noborder
if (ok >= 0) {
    set label 3 "green: true class   orange: a wrong prediction" at screen 790.0 / W, screen 40.0 / H \
        center font "Sans,9" tc rgb "#555555"
}
plot probs using ($3 * 50):1:($3 * 50):(0.36):4:ytic(2) with boxxyerror lc rgb variable, \
     probs using ($3 * 100):1:(sprintf(" %.1f%%", $3 * 100)) with labels left font "Sans,9"
unset multiplot
