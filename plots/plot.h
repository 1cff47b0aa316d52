/* plots/plot: the C side of every figure, and the only way text reaches gnuplot. The data files a
 * script reads are written beside the PNG (so a learner can rerun or edit the plot) and copied into
 * a private folder under names the C code chose; gnuplot runs there on plots/NAME.gp. */
#ifndef MNL_PLOT_H
#define MNL_PLOT_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* Directory holding the *.gp scripts: $MNISTLAB_PLOTS, else the nearest plots/ above the program,
 * else ./plots. */
const char *plot_script_dir(void);

/* A figure in the making. gnuplot is also a shell (a data-file name starting with '<' or '|' runs
 * a command, and so do backticks and system()), so no name, path or title ever reaches it as code:
 * plot_begin makes a private folder (mkdtemp under $TMPDIR or /tmp); every series goes into a file
 * there whose name the C code chose ("in.dat"); every text becomes a single-quoted literal in
 * vars.gp (common/escape: esc_gnuplot_string); gnuplot runs in that folder as
 * `gnuplot vars.gp /abs/plots/SCRIPT.gp`, writes out.png there, and the PNG is checked whole and
 * copied into place atomically. The scripts draw with enhanced text off. Any number of series and
 * any path length fit: nothing is joined into one command line.
 * Usage: plot_begin, then plot_set_* / plot_add_file / plot_open_data, then plot_draw (which always
 * removes the folder) or plot_discard. Errors are kept in rc and returned by plot_draw. */
typedef struct {
    char dir[PATH_MAX];     /* the private folder */
    FILE *vars;             /* DIR/vars.gp */
    int rc;                 /* the first error, MNL_OK while none */
} Plot;

int plot_begin(Plot *p);
/* VAR = 'text' (var: a gnuplot identifier chosen by the C code; text: any bytes). */
void plot_set_str(Plot *p, const char *var, const char *text);
void plot_set_num(Plot *p, const char *var, double v);
void plot_set_int(Plot *p, const char *var, long v);
/* array VAR[n] of quoted texts (VAR[1] .. VAR[n]), and VAR_n = n. */
void plot_set_str_array(Plot *p, const char *var, const char *const *texts, int n);
void plot_set_int_array(Plot *p, const char *var, const long *v, int n);
/* Copy the file at path (a regular file: a FIFO is refused) to DIR/NAME.dat and set NAME =
 * 'NAME.dat'. The caller's copy beside the PNG lets a learner rerun the plot by hand. */
void plot_add_file(Plot *p, const char *name, const char *path);
/* Open DIR/NAME.dat for writing and set NAME = 'NAME.dat'; close with plot_close_data. */
FILE *plot_open_data(Plot *p, const char *name);
int plot_close_data(Plot *p, FILE *f);
/* Run plots/SCRIPT.gp on it and put the PNG at out_png (atomically); removes the folder.
 * MNL_ERR_PLOT names the script and gnuplot's first error line. */
int plot_draw(Plot *p, const char *script, const char *out_png);
/* When $MNISTLAB_PLOT_LAYOUT is set: layout = '$MNISTLAB_PLOT_LAYOUT.SCRIPT', a file where the
 * script writes where gnuplot put its panels, keys and lines of text (canvas, char, panel, key,
 * text lines), for the tests that no text lies over a drawn point. Nothing otherwise. */
void plot_set_layout(Plot *p, const char *script);
/* plot_draw, and the same figure as SVG beside the PNG (OUT.svg for OUT.png) for the results page:
 * the script is run again with svg = 1 and out = 'out.svg' and picks gnuplot's svg terminal with
 * its mouse option, standalone (the script inside the file: clicking a key entry hides its curve,
 * the pointer's coordinates are shown; no other file or library). gnuplot leaves a '>' of a text
 * unescaped; every one in character data becomes &gt;, so the SVG is well-formed XML whatever the
 * names in it. */
int plot_draw_svg(Plot *p, const char *script, const char *out_png);
/* The most a picture's path grows while it is written: its temp name ("OUT.png.tmp.PID.old") or a
 * data file beside it ("OUT.labels.dat"). A picture's path leaves this much under PATH_MAX. */
#define PLOT_FILE_ROOM 32
void plot_discard(Plot *p);

/* A labelled grid of images. images: [n, h, w], any range (each image is scaled to its own
 * min..max for display). labels[i]: text above image i; bad[i] != 0 draws it in red (may be NULL).
 * Its data files OUT_BASE.grid.dat and OUT_BASE.labels.dat go once drawn (plot_discard_data). */
int plot_image_grid(const char *out_png, const char *title, const float *images, int n, int h, int w,
                    int cols, const char *const *labels, const int *bad);

/* Remove a data file gnuplot has read, unless $MNISTLAB_KEEP_PLOT_DATA is set (to rerun or edit a
 * picture by hand, or for a test to read its labels): a picture's folder holds the picture. */
void plot_discard_data(const char *path);

/* With $MNISTLAB_KEEP_PLOT_DATA set, a copy of the figure's data file NAME (plot_open_data) at path,
 * to rerun or edit the picture by hand or for a test to read; without it nothing is written (a
 * chart's folder holds the chart). Call after plot_close_data. */
int plot_keep_data(Plot *p, const char *name, const char *path);

/* For a signal handler: end the gnuplot that is drawing now (if any) and remove its private
 * folder's files; the plot_draw waiting on it then fails with the signal named. Async-signal-safe. */
void plot_abandon(void);

#endif
