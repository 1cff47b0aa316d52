# A labelled grid of images (MNIST digits), ink dark on white.
# Inputs: grid (matrix file: rows of pixel values 0..1), labels (file: x y "text" colour),
#         cols, rows (grid size in images), cell_w, cell_h (pixels per cell), scale (screen
#         pixels per image pixel), title, out.
if (!exists("title")) title = ""
if (!exists("scale")) scale = 3
set terminal pngcairo noenhanced size (cols*cell_w*scale + 40), (rows*cell_h*scale + 70) font "Sans,11"
set output out
set title title font "Sans,13"
unset key
unset border
unset xtics
unset ytics
unset colorbox
set palette gray negative
set cbrange [0:1]
set size ratio -1
set lmargin 1; set rmargin 1; set bmargin 1
set xrange [-0.5 : cols*cell_w - 0.5]
set yrange [rows*cell_h - 0.5 : -0.5]
plot grid matrix with image, \
     labels using 1:2:3:4 with labels textcolor rgb variable font "Sans,10"
