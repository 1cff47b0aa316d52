# A grid of maps with square pixels: a CNN's feature maps after one stage, a dense layer's weight
# templates, or an input image. Each map has its label above it.
# Inputs: grid (matrix file, maps laid out in cells, 0 between them), labels (file: x y "text"
#         map_x map_y half_w half_h: the label's place, then the map's centre and half sizes),
#         cols, rows (maps per row, rows), cell_w, cell_h (map pixels per cell, label band
#         included), scale (screen pixels per map pixel), range (> 0: diverging palette, blue -range
#         .. white 0 .. red +range, with a colour bar; 0: gray, 0..1, ink dark), title, out.
if (!exists("title")) title = ""
signed = range > 0
pw = cols * cell_w * scale
ph = rows * cell_h * scale
cbw = signed ? 100 : 0
W = pw + 40 + cbw
W = W < 720 ? 720 : W
tw = strlen(title) * 8 + 40     # about 8 pixels a character at 12 points: a long title fits
W = W < tw ? tw : W
H = ph + 60 + 20
left = (W - pw - cbw) / 2
set terminal pngcairo noenhanced size W, H font "Sans,11"
set output out
# centred on the canvas, not on the (possibly narrow) grid, so a long title is never cut
set label 100 title at screen 0.5, screen 1.0 - 28.0 / H center font "Sans,12"
set lmargin at screen 1.0 * left / W
set rmargin at screen 1.0 * (left + pw) / W
set tmargin at screen 1.0 - 60.0 / H
set bmargin at screen 20.0 / H
unset key
unset border
unset tics
set xrange [-0.5 : cols * cell_w - 0.5]
set yrange [rows * cell_h - 0.5 : -0.5]
if (signed) {
    set palette defined (-1 "#2166ac", -0.5 "#67a9cf", 0 "#ffffff", 0.5 "#ef8a62", 1 "#b2182b")
    set cbrange [-range : range]
    set colorbox vertical user origin screen 1.0 * (left + pw + 25) / W, screen 20.0 / H \
        size screen 16.0 / W, screen 1.0 * ph / H
    set cbtics (sprintf("%.2g", -range) -range, "0" 0, sprintf("%.2g", range) range) font "Sans,9"
} else {
    set palette gray negative
    set cbrange [0 : 1]
    unset colorbox
}
# values beyond the range (outlying weights) saturate instead of vanishing
plot grid matrix using 1:2:($3 < -range && signed ? -range : ($3 > range && signed ? range : $3)) \
         with image, \
     labels using 4:5:6:7 with boxxyerror fs empty lc rgb "#b0b0b0" lw 1, \
     labels using 1:2:3 with labels font "Sans,9" tc rgb "#202020"
