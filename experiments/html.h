/* experiments/html: results/index.html, one static page (no server, no library) to read every
 * result: the report's tables (REPORT.md turned into HTML), every run's pictures grouped by task
 * (data set, classes, test images), the sweeps and the diffs, each linked to the others. Written
 * by `compare` beside REPORT.md. Its charts are gnuplot's own SVG (mouse option, standalone) with
 * the PNG as fallback; a lesson folder (TABLE.md) shows its table and every chart in it. */
#ifndef MNL_HTML_H
#define MNL_HTML_H

#include <stdio.h>

/* Write results_dir/index.html (atomically) from REPORT.md and the runs, sweeps (SWEEP.md) and
 * diffs (DIFF.md) found in the folders under results_dir. */
int html_write_index(const char *results_dir);
/* REPORT.md (experiments/report) and index.html together, as every command that changes a results
 * folder leaves them: *runs_found finished runs. */
int html_refresh_results(const char *results_dir, int *runs_found);
/* After a command changed dir (a sweep, a diff, predict, features), or wrote a file there
 * (show-data's picture): the same for the results folder dir belongs to (report_root_of), saying
 * so on stdout. Nothing when dir is in no results folder, or the folder holds no run yet. */
void html_refresh_around(const char *dir);

/* The small Markdown subset the suite writes (headings, paragraphs, pipe tables, images, links,
 * **bold**, `code`) as XHTML on out. Relative image and link targets get prefix in front; a link
 * to a folder that has a section on the page (anchor_of returns non-zero) becomes that anchor. */
typedef int (*HtmlAnchorFn)(const char *target, char *anchor, size_t n, void *ctx);
void html_from_markdown(FILE *out, const char *md, const char *prefix, HtmlAnchorFn anchor_of,
                        void *ctx);

#endif
