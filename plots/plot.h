/* plots/plot: the C side of every figure. Writes the data files a gnuplot script reads (kept beside
 * the PNG, so a learner can rerun or edit the plot without C) and runs gnuplot on plots/NAME.gp with
 * its inputs as variables, writing the PNG atomically (temp name, then rename). */
#ifndef MNL_PLOT_H
#define MNL_PLOT_H

#include <stddef.h>

/* Directory holding the *.gp scripts: $MNISTLAB_PLOTS, else the nearest plots/ above the program,
 * else ./plots. */
const char *plot_script_dir(void);

/* Run `gnuplot -e "VARS; out='OUT.tmp'" plots/SCRIPT.gp`, then rename to out_png. vars is a
 * printf format for gnuplot assignments, e.g. "in='%s'; title='%s'". MNL_ERR_PLOT names the script
 * and gnuplot's first error line. */
int plot_run(const char *script, const char *out_png, const char *vars_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A labelled grid of images. images: [n, h, w], any range (each image is scaled to its own
 * min..max for display). labels[i]: text above image i; bad[i] != 0 draws it in red (may be NULL).
 * Its data files OUT_BASE.grid.dat and OUT_BASE.labels.dat go once drawn (plot_discard_data). */
int plot_image_grid(const char *out_png, const char *title, const float *images, int n, int h, int w,
                    int cols, const char *const *labels, const int *bad);

/* Remove a data file gnuplot has read, unless $MNISTLAB_KEEP_PLOT_DATA is set (to rerun or edit a
 * picture by hand, or for a test to read its labels): a picture's folder holds the picture. */
void plot_discard_data(const char *path);

/* Escape a string for a single-quoted gnuplot string literal (quotes doubled). */
const char *plot_quote(const char *s, char *buf, size_t n);

#endif
