/* tests/test_report: what a learner reads to compare runs. Every finished run under a results
 * folder has its row, named by its folder, with what its settings change from the experiment file;
 * runs are grouped by task, one table and one chart each; "best" is the epoch of lowest held-out
 * loss, with the test accuracy there; overfitting is named only where the held-out loss really
 * rose; the curves show training accuracy and a zoomed held-out loss; a rerun never destroys a run
 * with other settings; a finished run refreshes REPORT.md; Fashion runs name their classes. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "common/config.h"
#include "common/error.h"
#include "common/fileio.h"
#include "experiments/report.h"
#include "experiments/roc.h"
#include "tests/test_util.h"

#define QUICK "train experiments/cnn-4v9.conf --set train.epochs=2"

static int run_cli(const char *args)
{
    return test_run_program(NULL, args, 0, test_path("report.out"), test_path("report.err"));
}

static const char *in_dir(const char *dir, const char *name)
{
    static char bufs[4][2400];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fprintf(stderr, "\n    expected \"%s\" in:\n%.1500s", part, text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, part));
}

/* The manifest and the completion mark a finished run ends with (their format: experiments/rundir.h),
 * naming the files fake_run wrote. */
static void mark_finished(const char *run)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", run);         /* in_dir's buffers rotate */
    static const char *const files[] = {"config.used", "summary.txt", "metrics.csv", NULL};
    char manifest[512] = "mnistlab run folder manifest 1\n", mark[1024] = "mnistlab run finished 1\n";
    for (int i = 0; files[i]; i++) {
        unsigned char *data;
        size_t n;
        CU_ASSERT_FATAL(file_read_all(in_dir(dir, files[i]), 1 << 20, &data, &n) == MNL_OK);
        unsigned long crc = crc32(crc32(0L, Z_NULL, 0), data, (uInt)n);
        unsigned long adler = adler32(adler32(0L, Z_NULL, 0), data, (uInt)n);
        free(data);
        snprintf(manifest + strlen(manifest), sizeof manifest - strlen(manifest), "%s\n", files[i]);
        snprintf(mark + strlen(mark), sizeof mark - strlen(mark), "%s %zu %08lx %08lx\n", files[i], n,
                 crc, adler);
    }
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "manifest.txt"), manifest, strlen(manifest)) == 0);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "finished.txt"), mark, strlen(mark)) == 0);
}

/* A finished run's files as the runner writes them: config.used (the experiment file with the
 * given --set), summary.txt and a two-epoch metrics.csv ending at final_acc; finished (its manifest
 * and completion mark). */
static void fake_run(const char *dir, const char *conf, const char *set, unsigned long seed,
                     double final_acc)
{
    CU_ASSERT_FATAL(make_dirs(dir) == MNL_OK);
    ExpConfig c;
    char seed_set[64];
    snprintf(seed_set, sizeof seed_set, "train.seed=%lu", seed);
    CU_ASSERT_FATAL(config_load(conf, &c) == MNL_OK);
    CU_ASSERT_FATAL(config_set(&c, seed_set) == MNL_OK);
    if (set)
        CU_ASSERT_FATAL(config_set(&c, set) == MNL_OK);
    char *used = config_to_text(&c);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "config.used"), used, strlen(used)) == 0);
    free(used);
    char classes[40] = "all";
    if (c.n_classes)
        snprintf(classes, sizeof classes, "%d %d", c.classes[0], c.classes[1]);
    char text[2048];
    int n = snprintf(text, sizeof text,
                     "experiment = %s\nfamily = %s\ndataset = %s\nclasses = %s\nseed = %lu\n"
                     "test_images = %d\nparameters = 100\nmflops_per_image = 0.5\nepochs = 2\n"
                     "epochs_planned = 2\ntotal_seconds = 1.0\nseconds_per_epoch = 0.5\n"
                     "final_test_loss = 0.1\nfinal_test_acc = %.6f\nbest_epoch = 2\n"
                     "best_epoch_chosen_on = test loss\nbest_loss = 0.1\nbest_epoch_test_acc = %.6f\n"
                     "end_over_best_loss = 1.000\noverfitting_from_epoch = none\n",
                     c.name, c.family, c.dataset, classes, seed, c.n_classes ? 500 : 10000, final_acc,
                     final_acc);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "summary.txt"), text, (size_t)n) == 0);
    n = snprintf(text, sizeof text,
                 "epoch,train_loss,train_acc,valid_loss,valid_acc,test_loss,test_acc,seconds,"
                 "images_per_s\n1,0.5,0.8,,,0.4,0.85,0.5,100\n2,0.3,0.9,,,0.1,%.6f,0.5,100\n",
                 final_acc);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "metrics.csv"), text, (size_t)n) == 0);
    mark_finished(dir);
}

static const char *compare(const char *root)
{
    char args[1200];
    snprintf(args, sizeof args, "compare %s", root);
    CU_ASSERT_EQUAL(run_cli(args), 0);
    return test_slurp(in_dir(root, "REPORT.md"));
}

/* compare with $MNISTLAB_KEEP_PLOT_DATA: a copy of each chart's series beside it, to read. */
static void compare_keeping_data(const char *root)
{
    char args[1200];
    snprintf(args, sizeof args, "compare %s", root);
    CU_ASSERT_EQUAL(test_run_program("MNISTLAB_KEEP_PLOT_DATA=1", args, 0, test_path("report.out"),
                                     test_path("report.err")), 0);
}

/* ---- REPORT.md: every run, named, grouped ---- */

/* Seeds 1, 2 and 10 of one experiment: one row with mean +- standard deviation, the seeds listed
 * in numeric order (2 before 10). */
static void test_report_seeds_are_one_row_with_mean_and_std(void)
{
    const char *root = test_path("seeds");
    const int seeds[] = {10, 1, 2};
    const double accs[] = {0.97, 0.98, 0.99};
    for (int i = 0; i < 3; i++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/mlp/seed%d", root, seeds[i]);
        fake_run(dir, "experiments/mlp.conf", NULL, (unsigned long)seeds[i], accs[i]);
    }
    const char *report = compare(root);
    assert_contains(report, "| mlp/seed* | mlp | – |");
    assert_contains(report, "98.00\u00b11.00%");
    assert_contains(report, "3: [1](./mlp/seed1/) [2](./mlp/seed2/) [10](./mlp/seed10/)");
}

/* A lone run's final test accuracy carries its 95% Wilson interval: 9800 of 10000 right is
 * 97.71% to 98.26% (centre (k + z^2/2)/(n + z^2), half-width z sqrt(k(n-k)/n + z^2/4)/(n + z^2)). */
static void test_report_gives_a_lone_run_its_wilson_interval(void)
{
    const char *root = test_path("wilson");
    fake_run(in_dir(root, "mlp"), "experiments/mlp.conf", NULL, 1, 0.98);
    assert_contains(compare(root), "| 98.00% (97.71\u201398.26) |");
}

/* Two seed groups of one task: the weaker is compared with the better by Welch's t-test. mlp at
 * 97, 98, 99% against mlp-lr at 95, 95.5, 96%: t = -3.87 on 2.9 degrees of freedom, p = 0.032. */
static void test_report_compares_seed_groups_by_welch_t_test(void)
{
    const char *root = test_path("welch");
    const double good[] = {0.97, 0.98, 0.99}, worse[] = {0.95, 0.955, 0.96};
    for (int s = 1; s <= 3; s++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/mlp/seed%d", root, s);
        fake_run(dir, "experiments/mlp.conf", NULL, (unsigned long)s, good[s - 1]);
        snprintf(dir, sizeof dir, "%s/mlp-lr/seed%d", root, s);
        fake_run(dir, "experiments/mlp.conf", "train.lr=0.01", (unsigned long)s, worse[s - 1]);
    }
    const char *report = compare(root);
    assert_contains(report, "Welch's t-test");
    assert_contains(report, "- mlp-lr/seed* (3 seeds, 95.50\u00b10.50%) against mlp/seed* (3 seeds, "
                            "98.00\u00b11.00%): t = -3.87, df = 2.9, p = 0.03");
    assert_contains(report, ": mlp/seed* is better\n");
}

/* ---- the comparison at scale: groups drawn once, sweeps in sections of their own ---- */

/* The number of data blocks of a gnuplot file (blocks end with two blank lines). */
static int count_blocks(const char *text)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, "\n\n\n")); p += 3)
        n++;
    return n;
}

/* A seed group is one line of the chart, its mean with the band of its seeds (their number in
 * the fourth column), not one line per seed; the epoch axis is linear. */
static void test_report_chart_draws_a_seed_group_once_as_its_mean(void)
{
    const char *root = test_path("chart-group");
    const double accs[] = {0.97, 0.98, 0.99};
    for (int i = 0; i < 3; i++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/mlp/seed%d", root, i + 1);
        fake_run(dir, "experiments/mlp.conf", NULL, (unsigned long)i + 1, accs[i]);
    }
    fake_run(in_dir(root, "cnn"), "experiments/cnn.conf", NULL, 1, 0.99);
    compare_keeping_data(root);
    const char *dat = test_slurp(in_dir(root, "compare-mnist-10-classes-10000-test-images.dat"));
    CU_ASSERT_EQUAL(count_blocks(dat), 2);                 /* cnn, and mlp's three seeds */
    assert_contains(dat, "2 0.980000 0.010000 3\n");       /* epoch 2: mean, std, seeds */
}

/* A sweep's runs are a section of their own after the experiments, linking its SWEEP.md, and each
 * value's seeds are one row whatever the order of the values' names (0.0001 before 0.001). */
static void test_report_sweep_is_a_section_linking_its_sweep_md(void)
{
    const char *root = test_path("chart-sweep");
    const char *values[] = {"0.001", "0.0001", "0.02"};
    for (int v = 0; v < 3; v++)
        for (int s = 1; s <= 2; s++) {
            char dir[1100], set[64];
            snprintf(dir, sizeof dir, "%s/lesson-lr/lr=%s/seed%d", root, values[v], s);
            snprintf(set, sizeof set, "train.lr=%s", values[v]);
            fake_run(dir, "experiments/cnn-4v9.conf", set, (unsigned long)s, 0.98);
        }
    CU_ASSERT_FATAL(test_write_file(in_dir(root, "lesson-lr/SWEEP.md"), "# sweep\n", 8) == 0);
    fake_run(in_dir(root, "cnn-4v9"), "experiments/cnn-4v9.conf", NULL, 1, 0.99);
    const char *report = compare(root);
    const char *plain = strstr(report, "| [cnn-4v9](./cnn-4v9/)");
    const char *section = strstr(report, "### Sweep lesson-lr: [SWEEP.md](./lesson-lr/SWEEP.md)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
    CU_ASSERT_PTR_NOT_NULL_FATAL(section);
    CU_ASSERT(plain < section);
    const char *a = strstr(section, "| lesson-lr/lr=0.0001/seed* |");
    const char *b = strstr(section, "| lesson-lr/lr=0.001/seed* |");
    const char *c = strstr(section, "| lesson-lr/lr=0.02/seed* |");
    CU_ASSERT(a && b && c && a < b && b < c);
}

/* A lesson's folder (TABLE.md, as make lesson-overfitting writes it): its runs are a section of
 * REPORT.md of their own, after the experiments, linking its table; on the page it has a section
 * with that table and every chart of the folder, the SVG where there is one. */
static void test_report_lesson_is_a_section_with_its_table_and_charts(void)
{
    const char *root = test_path("lesson");
    for (int s = 1; s <= 2; s++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/lesson-overfitting/overfit-adamw/seed%d", root, s);
        fake_run(dir, "experiments/cnn-4v9.conf", NULL, (unsigned long)s, 0.98);
    }
    const char *table = "| remedy | final test accuracy |\n|---|---|\n| AdamW <b> | 99.08 ± 0.44 % |\n";
    CU_ASSERT_FATAL(test_write_file(in_dir(root, "lesson-overfitting/TABLE.md"), table,
                                    strlen(table)) == 0);
    CU_ASSERT_FATAL(test_write_file(in_dir(root, "lesson-overfitting/remedies.png"), "x", 1) == 0);
    const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    CU_ASSERT_FATAL(test_write_file(in_dir(root, "lesson-overfitting/remedies.svg"), svg,
                                    strlen(svg)) == 0);
    fake_run(in_dir(root, "cnn-4v9"), "experiments/cnn-4v9.conf", NULL, 1, 0.99);
    const char *report = compare(root);
    const char *plain = strstr(report, "| [cnn-4v9](./cnn-4v9/)");
    const char *section = strstr(report, "### Lesson lesson-overfitting: [TABLE.md](./lesson-overfitting/TABLE.md)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
    CU_ASSERT_PTR_NOT_NULL_FATAL(section);
    CU_ASSERT(plain < section);
    CU_ASSERT_PTR_NOT_NULL(strstr(section, "| lesson-overfitting/overfit-adamw/seed* |"));
    const char *page = test_slurp(in_dir(root, "index.html"));
    assert_contains(page, "<h2 id=\"lessons\">Lessons</h2>");
    assert_contains(page, "<td>AdamW &lt;b&gt;</td><td>99.08 ± 0.44 %</td>");
    assert_contains(page, "<object type=\"image/svg+xml\" data=\"./lesson-overfitting/remedies.svg\">"
                          "<img src=\"./lesson-overfitting/remedies.png\"");
}

/* make lesson-overfitting's table and chart from runs already made (TRAIN=0): TABLE.md has a row
 * per remedy with runs, remedies.png and remedies.svg are drawn. (Its `set -f`, there for SEEDS'
 * words, once kept the seed folders from being found, and the script failed after training.) */
static void test_report_lesson_overfitting_draws_its_table_and_chart(void)
{
    const char *out = test_path("lesson-script");
    for (int s = 1; s <= 2; s++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/overfit-baseline/seed%d", out, s);
        fake_run(dir, "experiments/cnn-4v9.conf", NULL, (unsigned long)s, 0.98);
        snprintf(dir, sizeof dir, "%s/overfit-adamw/seed%d", out, s);
        fake_run(dir, "experiments/overfitting/overfit-adamw.conf", NULL, (unsigned long)s, 0.99);
    }
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "TRAIN=0 OUT='%s' SEEDS='1 2' sh experiments/overfitting/lesson.sh "
             "> '%s' 2>&1", out, test_path("lesson-script.log"));
    int rc = system(cmd);
    if (rc)
        fprintf(stderr, "\n%s", test_slurp(test_path("lesson-script.log")));
    CU_ASSERT_EQUAL(rc, 0);
    const char *table = test_slurp(in_dir(out, "TABLE.md"));
    assert_contains(table, "| baseline (cnn-4v9) | 98.00 ± 0.00 % |");
    assert_contains(table, "| AdamW, decoupled decay 0.05 | 99.00 ± 0.00 % |");
    unsigned w, h;
    CU_ASSERT_EQUAL(test_png_size(in_dir(out, "remedies.png"), &w, &h), 0);
    assert_contains(test_slurp(in_dir(out, "remedies.svg")), "</svg>");
}

/* 31 runs of one task: the chart draws the 10 of the highest final accuracy and says so. */
static void test_report_chart_of_31_runs_draws_the_best_10(void)
{
    const char *root = test_path("chart-31");
    for (int i = 0; i < 31; i++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/run-%02d", root, i);
        fake_run(dir, "experiments/cnn-4v9.conf", NULL, 1, 0.90 + 0.003 * i);
    }
    compare_keeping_data(root);
    const char *dat = test_slurp(in_dir(root, "compare-mnist-classes-4-9-500-test-images.dat"));
    CU_ASSERT_EQUAL(count_blocks(dat), 10);
    assert_contains(dat, "2 0.990000 ");                   /* the best, run-30, is drawn */
    CU_ASSERT_PTR_NULL(strstr(dat, "2 0.900000 "));        /* run-00 is not */
    unsigned w, h;
    CU_ASSERT_EQUAL(test_png_size(in_dir(root, "compare-mnist-classes-4-9-500-test-images.png"), &w, &h), 0);
}

/* A booster's rounds beside a network's epochs: one axis of steps, named for both and log-scaled
 * (200 rounds would squash 2 epochs into the left edge), and the key says the booster's unit. */
static void test_report_chart_of_epochs_and_boosting_rounds_names_each_unit(void)
{
    const char *root = test_path("chart-units");
    char net[1100], booster[1100];
    snprintf(net, sizeof net, "%s/net", root);
    snprintf(booster, sizeof booster, "%s/booster", root);
    fake_run(net, "experiments/mlp.conf", NULL, 1, 0.97);
    fake_run(booster, "experiments/boosted-trees.conf", NULL, 1, 0.98);
    char rows[8192] = "epoch,train_loss,train_acc,valid_loss,valid_acc,test_loss,test_acc,seconds,"
                      "images_per_s\n";
    for (int e = 1; e <= 40; e++)
        snprintf(rows + strlen(rows), sizeof rows - strlen(rows), "%d,0.3,0.9,,,0.1,%.6f,0.5,100\n",
                 e, 0.90 + 0.002 * e);
    CU_ASSERT_FATAL(test_write_file(in_dir(booster, "metrics.csv"), rows, strlen(rows)) == 0);
    mark_finished(booster);
    compare(root);
    const char *svg = test_slurp(in_dir(root, "compare-mnist-10-classes-10000-test-images.svg"));
    assert_contains(svg, "booster (per round)");
    assert_contains(svg, "epoch / boosting round (log scale)");
    assert_contains(svg, "Test accuracy per step");
    CU_ASSERT_PTR_NULL(strstr(svg, "net (per"));          /* a network's steps are epochs */
}

/* The page shows a run's curves large, links its config.used and log.txt, and shows what predict
 * and features drew into its folder. */
static void test_report_page_shows_a_runs_files_and_explorations(void)
{
    const char *root = test_path("page");
    const char *dir = test_path("page/cnn");
    fake_run(dir, "experiments/cnn.conf", NULL, 1, 0.99);
    const char *files[] = {"curves.png", "log.txt", "predict.png", "features-01-conv1.png"};
    for (int i = 0; i < 4; i++)
        CU_ASSERT_FATAL(test_write_file(in_dir(dir, files[i]), "x", 1) == 0);
    compare(root);
    const char *page = test_slurp(in_dir(root, "index.html"));
    assert_contains(page, "href=\"./cnn/config.used\">config.used</a>");
    assert_contains(page, "href=\"./cnn/log.txt\">log.txt</a>");
    assert_contains(page, "<img src=\"./cnn/curves.png\" class=\"curves\"");
    assert_contains(page, "<img src=\"./cnn/predict.png\"");
    assert_contains(page, "<img src=\"./cnn/features-01-conv1.png\"");
}

/* ---- the page in a browser: Debian's chromium, headless ---- */

/* The harness the browser loads: the page in a frame; once every chart (an <object> of gnuplot's
 * SVG) has its SVG document, laid out larger than 100x100, it clicks each chart's first key entry
 * and counts the charts whose curve became hidden; the counts are written into the harness, which
 * chromium --dump-dom prints. File URLs read each other only with --allow-file-access-from-files. */
static const char page_harness[] =
    "<!DOCTYPE html><html><body><pre id=\"result\">not run</pre>"
    "<iframe id=\"page\" src=\"index.html\" style=\"width:1300px;height:4000px\"></iframe><script>"
    "var tries = 0;"
    "function charts() { var d = document.getElementById('page').contentDocument;"
    "  return d ? d.querySelectorAll('object[type=\"image/svg+xml\"]') : []; }"
    "function svgOf(o) { var s = o.contentDocument;"
    "  return s && s.documentElement && s.documentElement.localName == 'svg' ? s : null; }"
    "function check() {"
    "  var objs = charts(), rendered = 0, toggled = 0;"
    "  for (var i = 0; i < objs.length; i++) { var r = objs[i].getBoundingClientRect();"
    "    if (svgOf(objs[i]) && r.width > 100 && r.height > 100) rendered++; }"
    "  if ((objs.length == 0 || rendered < objs.length) && ++tries < 150) { setTimeout(check, 100); return; }"
    "  for (var i = 0; i < objs.length; i++) { var s = svgOf(objs[i]); if (!s) continue;"
    "    var key = s.querySelector('g[id$=\"_keyentry\"]'); if (!key) continue;"
    "    var plot = s.getElementById(key.id.replace('_keyentry', ''));"
    "    key.dispatchEvent(new MouseEvent('click', {bubbles: true}));"
    "    if (plot && plot.getAttribute('visibility') == 'hidden') toggled++; }"
    "  document.getElementById('result').textContent = 'charts ' + objs.length + ' rendered ' +"
    "    rendered + ' toggled ' + toggled + ' end'; }"
    "window.onload = function () { setTimeout(check, 100); };"
    "</script></body></html>\n";

/* A run's curves and ROC and a sweep's charts on the page are gnuplot's SVG, and in Chromium each
 * renders (an SVG document laid out at size) and hides a curve when its key entry is clicked. A
 * missing chromium is a skip (a failure under CI). */
static void test_report_page_charts_render_and_hide_a_curve_in_chromium(void)
{
    if (!test_need_mnist())
        return;
    if (system("command -v chromium > /dev/null 2>&1") != 0) {
        test_skip("chromium is not installed (apt-get install chromium; make test installs it as root)");
        return;
    }
    const char *root = test_path("chromium");
    char args[1400];
    snprintf(args, sizeof args, QUICK " --out %s/run --no-live", root);
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    snprintf(args, sizeof args, "sweep experiments/cnn-4v9.conf --vary train.lr=0.001,0.01 "
             "--set train.epochs=1 --out %s/sweep", root);
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    compare(root);
    const char *page = test_slurp(in_dir(root, "index.html"));
    assert_contains(page, "<object type=\"image/svg+xml\" data=\"./run/curves.svg\">");
    assert_contains(page, "<object type=\"image/svg+xml\" data=\"./sweep/sweep.svg\">");
    CU_ASSERT_FATAL(test_write_file(in_dir(root, "harness.html"), page_harness,
                                    strlen(page_harness)) == 0);
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
             "--allow-file-access-from-files --user-data-dir=%s/profile --virtual-time-budget=20000 "
             "--dump-dom file://%s/harness.html > %s/dom.html 2> %s/chromium.err", root, root, root,
             root);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    const char *dom = test_slurp(in_dir(root, "dom.html"));
    int charts = -1, rendered = -1, toggled = -1;
    const char *r = strstr(dom, "charts ");
    if (!r || sscanf(r, "charts %d rendered %d toggled %d end", &charts, &rendered, &toggled) != 3)
        fprintf(stderr, "\n    chromium printed no result:\n%.800s", dom);
    /* the run's curves and ROC, each sweep run's, the sweep's two charts, compare and cost */
    CU_ASSERT(charts >= 8);
    CU_ASSERT_EQUAL(rendered, charts);
    CU_ASSERT_EQUAL(toggled, charts);
}

/* make exp-cnn-4v9 SEEDS="1 2 3", then a run with another lr into results/cnn-4v9 itself: both
 * the seed group and the lone run have a row. */
static void test_report_lone_run_beside_its_seed_runs_has_its_own_row(void)
{
    const char *root = test_path("lone");
    for (int s = 1; s <= 3; s++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/cnn-4v9/seed%d", root, s);
        fake_run(dir, "experiments/cnn-4v9.conf", NULL, (unsigned long)s, 0.98);
    }
    fake_run(in_dir(root, "cnn-4v9"), "experiments/cnn-4v9.conf", "train.lr=0.001", 1, 0.97);
    const char *report = compare(root);
    assert_contains(report, "(4 runs)");
    assert_contains(report, "| cnn-4v9/seed* | cnn | – |");
    assert_contains(report, "| [cnn-4v9](./cnn-4v9/) | cnn | lr=0.001 |");
    assert_contains(test_slurp(test_path("report.out")), "(4 runs)");
}

/* Two mlp runs with other learning rates in folders of their own: each named by its folder, with
 * the changed setting in its own column. */
static void test_report_runs_are_named_by_folder_with_their_changed_settings(void)
{
    const char *root = test_path("cmp");
    fake_run(in_dir(root, "mlp-lr0.01"), "experiments/mlp.conf", "train.lr=0.01", 1, 0.97);
    fake_run(in_dir(root, "mlp-lr0.001"), "experiments/mlp.conf", "train.lr=0.001", 1, 0.98);
    const char *report = compare(root);
    assert_contains(report, "| [mlp-lr0.01](./mlp-lr0.01/) | mlp | lr=0.01 |");
    assert_contains(report, "| [mlp-lr0.001](./mlp-lr0.001/) | mlp | – |");   /* mlp.conf's own lr */
    RunSummary *runs;
    int n = report_list_runs(root, &runs);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(runs[0].name, "mlp-lr0.001");
    CU_ASSERT_STRING_EQUAL(runs[1].name, "mlp-lr0.01");
    CU_ASSERT_STRING_EQUAL(runs[1].differs, "lr=0.01");
    free(runs);
}

/* compare run from another folder than the runs were started in (cd / && mnistlab compare ROOT):
 * config.used names "experiments/mlp.conf" relative to the project, which holds the results
 * folder, so the changed setting is still found, not "(experiment file ... not found)". */
static void test_report_settings_changed_do_not_depend_on_the_working_folder(void)
{
    char project[1100], conf_dir[1200], root[1200], here[4096];
    snprintf(project, sizeof project, "%s", test_path("cwd-project"));
    snprintf(conf_dir, sizeof conf_dir, "%s/experiments", project);
    snprintf(root, sizeof root, "%s/results", project);
    CU_ASSERT_FATAL(make_dirs(conf_dir) == MNL_OK);
    const char *conf = test_slurp("experiments/mlp.conf");
    CU_ASSERT_FATAL(strlen(conf) > 0);
    CU_ASSERT_FATAL(test_write_file(in_dir(conf_dir, "mlp.conf"), conf, strlen(conf)) == 0);
    fake_run(in_dir(root, "mlp-lr0.01"), "experiments/mlp.conf", "train.lr=0.01", 1, 0.97);
    CU_ASSERT_FATAL(getcwd(here, sizeof here) != NULL);
    CU_ASSERT_FATAL(chdir("/") == 0);
    RunSummary *runs;
    int n = report_list_runs(root, &runs);
    CU_ASSERT_FATAL(chdir(here) == 0);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_STRING_EQUAL(runs[0].differs, "lr=0.01");
    free(runs);
}

/* cnn-4v9 (two classes, 500 test images) and the ten-class runs: one table and one chart each. */
static void test_report_groups_runs_by_task_with_a_chart_each(void)
{
    const char *root = test_path("tasks");
    fake_run(in_dir(root, "mlp"), "experiments/mlp.conf", NULL, 1, 0.98);
    fake_run(in_dir(root, "cnn"), "experiments/cnn.conf", NULL, 1, 0.99);
    fake_run(in_dir(root, "cnn-4v9"), "experiments/cnn-4v9.conf", NULL, 1, 0.99);
    const char *report = compare(root);
    const char *ten = strstr(report, "## mnist, 10 classes, 10000 test images (2 runs)");
    const char *two = strstr(report, "## mnist, classes 4 9, 500 test images (1 run)");
    CU_ASSERT_PTR_NOT_NULL(ten);
    CU_ASSERT_PTR_NOT_NULL(two);
    CU_ASSERT(ten && two && ten < two && !strstr(ten, "cnn-4v9") == 0);
    CU_ASSERT(two && !strstr(two, "[mlp]"));
    CU_ASSERT(access(in_dir(root, "compare-mnist-10-classes-10000-test-images.png"), R_OK) == 0);
    CU_ASSERT(access(in_dir(root, "compare-mnist-classes-4-9-500-test-images.png"), R_OK) == 0);
}

static void test_report_root_of_a_run_is_the_results_folder_above_it(void)
{
    char root[1100];
    CU_ASSERT_EQUAL(report_root_of("results/cnn-4v9/seed3", root, sizeof root), 1);
    CU_ASSERT_STRING_EQUAL(root, "results");
    CU_ASSERT_EQUAL(report_root_of("results/cnn-4v9", root, sizeof root), 1);
    CU_ASSERT_STRING_EQUAL(root, "results");
    CU_ASSERT_EQUAL(report_root_of("/home/me/results/sweeps/lr/0.01/", root, sizeof root), 1);
    CU_ASSERT_STRING_EQUAL(root, "/home/me/results");
    /* no results folder above: only a parent that already holds a REPORT.md */
    char run[1100];
    snprintf(run, sizeof run, "%s/mlp-lr0.01", test_path("cmp-root"));
    CU_ASSERT_FATAL(make_dirs(run) == MNL_OK);
    CU_ASSERT_EQUAL(report_root_of(run, root, sizeof root), 0);
    CU_ASSERT_STRING_EQUAL(root, test_path("cmp-root"));
    CU_ASSERT_FATAL(test_write_file(in_dir(test_path("cmp-root"), "REPORT.md"), "x", 1) == 0);
    CU_ASSERT_EQUAL(report_root_of(run, root, sizeof root), 1);
    CU_ASSERT_STRING_EQUAL(root, test_path("cmp-root"));
}

/* ---- the best epoch and overfitting ---- */

static void records_from(EpochRecord *r, int n, const double *test_loss, const double *train_loss,
                         const double *test_acc)
{
    memset(r, 0, sizeof *r * (size_t)n);
    for (int i = 0; i < n; i++) {
        r[i].epoch = i + 1;
        r[i].valid_loss = r[i].valid_acc = 0.0 / 0.0;
        r[i].test_loss = test_loss[i];
        r[i].train_loss = train_loss ? train_loss[i] : 1.0 / (i + 1);
        r[i].test_acc = test_acc ? test_acc[i] : 0.9;
        r[i].train_acc = 0.9;
    }
}

/* cnn-4v9, seed 1, as it ran (test loss per epoch). */
static const double cnn4v9_test[40] = {
    0.6266, 0.2822, 0.1055, 0.0848, 0.0900, 0.0546, 0.0544, 0.0504, 0.0570, 0.0419,
    0.0444, 0.0382, 0.0363, 0.0469, 0.0455, 0.0347, 0.0323, 0.0326, 0.0306, 0.0296,
    0.0307, 0.0308, 0.0355, 0.0291, 0.0286, 0.0263, 0.0298, 0.0326, 0.0290, 0.0290,
    0.0338, 0.0285, 0.0332, 0.0313, 0.0280, 0.0287, 0.0314, 0.0300, 0.0316, 0.0330};

static void test_report_rising_held_out_loss_is_overfitting(void)
{
    EpochRecord r[40];
    records_from(r, 40, cnn4v9_test, NULL, NULL);
    Judgement j;
    report_judge(r, 40, &j);
    CU_ASSERT_EQUAL(r[j.best].epoch, 26);
    CU_ASSERT_EQUAL(j.on_validation, 0);
    CU_ASSERT_EQUAL(j.tail, 5);
    CU_ASSERT_DOUBLE_EQUAL(j.end_loss, (0.0287 + 0.0314 + 0.0300 + 0.0316 + 0.0330) / 5, 1e-9);
    CU_ASSERT(j.overfits);
}

/* softmax's 200 epochs: the lowest validation loss at epoch 87, the end 1.008 times it, the curve
 * wandering by noise around it: the lowest loss, not overfitting. */
static void test_report_flat_noisy_curve_is_not_overfitting(void)
{
    enum { N = 200 };
    double loss[N];
    for (int i = 0; i < N; i++)
        loss[i] = i < 87 ? 0.2873 + 0.002 * (86 - i) / 86.0 + 0.0006 * ((i * 7) % 3 - 1)
                         : 0.2873 * 1.008 + 0.0006 * ((i * 7) % 3 - 1);
    loss[86] = 0.2860;
    EpochRecord r[N];
    records_from(r, N, loss, NULL, NULL);
    Judgement j;
    report_judge(r, N, &j);
    CU_ASSERT_EQUAL(r[j.best].epoch, 87);
    CU_ASSERT(!j.overfits);
}

/* A run stuck at chance: both losses wander, the held-out one ends above its best; the training
 * loss did not fall, so this is no overfitting. */
static void test_report_run_at_chance_is_not_overfitting(void)
{
    const double test[6] = {2.30, 2.31, 2.29, 2.35, 2.40, 2.42};
    const double train[6] = {2.30, 2.31, 2.30, 2.36, 2.41, 2.43};
    EpochRecord r[6];
    records_from(r, 6, test, train, NULL);
    Judgement j;
    report_judge(r, 6, &j);
    CU_ASSERT(!j.overfits);
}

static RunFiles run_files(const char *dir, const ExpConfig *c, DataSplits *d, const EpochRecord *r,
                          int n)
{
    memset(d, 0, sizeof *d);
    d->num_classes = 2;
    d->class_names[0] = 4, d->class_names[1] = 9;
    d->train.n = 2000, d->test.n = 500;
    RunFiles f = {.dir = dir, .cfg = c, .data = d, .records = r, .n_records = n, .params = 1521,
                  .mflops = 0.14, .threads = 1, .total_seconds = 4.0};
    return f;
}

/* summary.txt: the best epoch by held-out loss with the test accuracy there; the highest test
 * accuracy over the epochs (picked on the test set) is not given as a result. */
static void test_report_summary_gives_test_accuracy_at_the_best_epoch_only(void)
{
    const char *dir = test_path("best");
    CU_ASSERT_FATAL(make_dirs(dir) == MNL_OK);
    double acc[40];
    for (int i = 0; i < 40; i++)
        acc[i] = 0.980;
    acc[25] = 0.9846;   /* at the lowest loss, epoch 26 */
    acc[33] = 0.9927;   /* the highest, epoch 34 */
    EpochRecord r[40];
    records_from(r, 40, cnn4v9_test, NULL, acc);
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "metrics.csv"), "", 0) == 0);
    FILE *m = fopen(in_dir(dir, "metrics.csv"), "w");
    metrics_csv_header(m);
    for (int i = 0; i < 40; i++)
        metrics_csv_row(m, &r[i]);
    fclose(m);
    ExpConfig c;
    CU_ASSERT_FATAL(config_load("experiments/cnn-4v9.conf", &c) == MNL_OK);
    DataSplits d;
    RunFiles f = run_files(dir, &c, &d, r, 40);
    CU_ASSERT_EQUAL_FATAL(report_write_run(&f), MNL_OK);
    const char *summary = test_slurp(in_dir(dir, "summary.txt"));
    assert_contains(summary, "best_epoch = 26\n");
    assert_contains(summary, "best_epoch_chosen_on = test loss (no validation split");
    assert_contains(summary, "best_epoch_test_acc = 0.984600\n");
    assert_contains(summary, "final_test_acc = 0.980000\n");
    assert_contains(summary, "overfitting_from_epoch = 26\n");
    CU_ASSERT_PTR_NULL(strstr(summary, "0.9927"));
    CU_ASSERT_PTR_NULL(strstr(summary, "best_test_acc"));
    assert_contains(summary, "class_names = 4 9\n");
}

/* ---- no label over a curve: curves.png's text lies outside its panels ---- */

/* Draw curves.png of the records (and confusion, or NULL) with $MNISTLAB_PLOT_LAYOUT set, then check
 * gnuplot's own account of where it put things: every line of text lies between the top panel and
 * the canvas's top edge, clear of both panels and of each other, and fits the canvas's width. */
static void assert_text_clear_of_panels(const char *name, const EpochRecord *r, int n,
                                        const Confusion *confusion)
{
    const char *dir = test_path(name);
    CU_ASSERT_FATAL(make_dirs(dir) == MNL_OK);
    FILE *m = fopen(in_dir(dir, "metrics.csv"), "w");
    CU_ASSERT_FATAL(m != NULL);
    metrics_csv_header(m);
    for (int i = 0; i < n; i++)
        metrics_csv_row(m, &r[i]);
    fclose(m);
    ExpConfig c;
    CU_ASSERT_FATAL(config_load("experiments/cnn-4v9.conf", &c) == MNL_OK);
    DataSplits d;
    RunFiles f = run_files(dir, &c, &d, r, n);
    f.confusion = confusion;
    char layout[1100];
    snprintf(layout, sizeof layout, "%s", in_dir(dir, "layout"));
    setenv("MNISTLAB_PLOT_LAYOUT", layout, 1);
    int rc = report_write_curves(&f);
    unsetenv("MNISTLAB_PLOT_LAYOUT");
    snprintf(layout, sizeof layout, "%s", in_dir(dir, "layout.curves"));
    CU_ASSERT_EQUAL_FATAL(rc, MNL_OK);
    double cw = 0, ch = 0, hchar = 0, vchar = 0, top[4] = {0}, zoom[4] = {0}, ty[4];
    int tlen[4], nt = 0, panels = 0, marks = 0;
    double mark_x0 = 0;
    FILE *l = fopen(layout, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    char line[256], what[32];
    while (fgets(line, sizeof line, l)) {
        double a, b, c2, d2;
        int len;
        if (sscanf(line, "canvas %lf %lf", &a, &b) == 2)
            cw = a, ch = b;
        else if (sscanf(line, "char %lf %lf", &a, &b) == 2)
            hchar = a, vchar = b;
        else if (sscanf(line, "panel %31s %lf %lf %lf %lf", what, &a, &b, &c2, &d2) == 5) {
            double *p = !strcmp(what, "top") ? top : zoom;
            p[0] = a, p[1] = b, p[2] = c2, p[3] = d2;
            panels++;
        } else if (sscanf(line, "text %31s %lf %d", what, &a, &len) == 3 && nt < 4)
            ty[nt] = a, tlen[nt++] = len;
        else if (sscanf(line, "mark %31s %lf %lf", what, &a, &b) == 3)
            mark_x0 = a, marks++;
    }
    /* chance is a tick right of the panel, not a line across the loss curves */
    for (int i = 0; i < marks; i++)
        CU_ASSERT(mark_x0 >= top[1] - 0.5);
    fclose(l);
    CU_ASSERT_EQUAL(panels, 2);
    CU_ASSERT(nt >= 1);
    CU_ASSERT(cw > 0 && vchar > 0);
    for (int i = 0; i < nt; i++) {
        double lo = ty[i] - vchar / 2, hi = ty[i] + vchar / 2;
        int clear = lo > top[3] && lo > zoom[3] && hi < ch && tlen[i] * hchar <= cw;
        for (int j = 0; j < i; j++)
            clear &= fabs(ty[i] - ty[j]) >= vchar;
        if (!clear)
            fprintf(stderr, "\n    %s: text %d at y %.0f (height %.0f) against the top panel's top %.0f"
                    " (canvas %.0f x %.0f)", name, i, ty[i], vchar, top[3], cw, ch);
        CU_ASSERT(clear);
    }
}

static EpochRecord record(int epoch, double train_loss, double test_loss, double test_acc)
{
    return (EpochRecord){.epoch = epoch, .train_loss = train_loss, .train_acc = test_acc + 0.01,
                         .valid_loss = NAN, .valid_acc = NAN, .test_loss = test_loss,
                         .test_acc = test_acc, .seconds = 0.1, .images_per_s = 1000, .lr = 0.004};
}

static void test_report_curves_text_is_clear_of_a_one_epoch_run(void)
{
    EpochRecord r[1] = {record(1, 0.68, 0.63, 0.68)};
    assert_text_clear_of_panels("lay-one", r, 1, NULL);
}

static void test_report_curves_text_is_clear_when_the_best_is_the_last_epoch(void)
{
    EpochRecord r[20];
    for (int i = 0; i < 20; i++)
        r[i] = record(i + 1, 0.5 / (i + 1), 0.4 / (i + 1), 0.90 + 0.004 * i);
    assert_text_clear_of_panels("lay-falling", r, 20, NULL);
}

static void test_report_curves_text_is_clear_of_a_flat_curve(void)
{
    EpochRecord r[10];
    for (int i = 0; i < 10; i++)
        r[i] = record(i + 1, 0.3, 0.3, 0.9);
    assert_text_clear_of_panels("lay-flat", r, 10, NULL);
}

/* mlp's shape: test accuracy flat near the top from epoch 4 while training accuracy climbs, where
 * the best-epoch box used to sit. */
static void test_report_curves_text_is_clear_of_a_high_accuracy_plateau(void)
{
    EpochRecord r[10];
    for (int i = 0; i < 10; i++)
        r[i] = record(i + 1, 0.2 / (i + 1), i < 3 ? 0.1 - 0.02 * i : 0.07 + 0.003 * i, 0.978);
    assert_text_clear_of_panels("lay-plateau", r, 10, NULL);
}

/* A stuck model: two lines of text (the verdict and the best epoch), clear of each other too. */
static void test_report_curves_text_is_clear_for_a_stuck_model(void)
{
    EpochRecord r[5];
    for (int i = 0; i < 5; i++)
        r[i] = record(i + 1, 0.69, 0.69 + 0.001 * (i % 2), 0.53);
    Confusion c;
    confusion_reset(&c, 2);
    for (int i = 0; i < 500; i++)
        confusion_add(&c, i < 265 ? 1 : 0, 1);
    assert_text_clear_of_panels("lay-stuck", r, 5, &c);
    assert_contains(test_slurp(in_dir(test_path("lay-stuck"), "layout.curves")), "text stuck ");
    assert_contains(test_slurp(in_dir(test_path("lay-stuck"), "layout.curves")), "mark chance ");
}

/* ---- no text over a drawn point: ROC, compare, cost and sweep charts ---- */

/* Read the layout file a script wrote (plots/plot.h: plot_set_layout) and check it: every panel
 * lies within the canvas; no key lies inside a panel: a key below its panel fits between the
 * panel's bottom edge and the canvas's (its rows, and the tic labels and axis label above them), a
 * key right of it fits between the panel's right edge and the canvas's; a mark (chance's tick)
 * lies right of the panel. An accuracy axis ends at 1 at most. Returns the number of keys. */
static int assert_layout_clear(const char *path, const char *what, int want_panels)
{
    FILE *l = fopen(path, "r");
    if (!l)
        fprintf(stderr, "\n    %s: no layout file %s", what, path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    double cw = 0, ch = 0, hc = 0, vc = 0, px[8][4];
    char names[8][32], line[300], a[32], b[32];
    int np = 0, keys = 0;
    while (fgets(line, sizeof line, l)) {
        double v[4];
        int rows;
        if (sscanf(line, "canvas %lf %lf", &v[0], &v[1]) == 2)
            cw = v[0], ch = v[1];
        else if (sscanf(line, "char %lf %lf", &v[0], &v[1]) == 2)
            hc = v[0], vc = v[1];
        else if (sscanf(line, "panel %31s %lf %lf %lf %lf", a, &v[0], &v[1], &v[2], &v[3]) == 5 &&
                 np < 8) {
            snprintf(names[np], sizeof names[0], "%s", a);
            memcpy(px[np++], v, sizeof v);
            int inside = v[0] >= 0 && v[1] <= cw && v[2] >= 0 && v[3] <= ch && v[0] < v[1] && v[2] < v[3];
            if (!inside)
                fprintf(stderr, "\n    %s: panel %s (%g-%g x %g-%g) is not within the canvas %gx%g",
                        what, a, v[0], v[1], v[2], v[3], cw, ch);
            CU_ASSERT(inside);
        } else if (sscanf(line, "key %31s %31s %d", a, b, &rows) == 3) {
            int k = -1;
            for (int i = 0; i < np; i++)
                if (!strcmp(names[i], a))
                    k = i;
            CU_ASSERT_FATAL(k >= 0);
            int fits = !strcmp(b, "below") ? px[k][2] >= 0.9 * rows * vc + 2.0 * vc
                     : !strcmp(b, "right") ? px[k][1] + 0.9 * rows * hc <= cw : 0;
            if (!fits)
                fprintf(stderr, "\n    %s: the key %s panel %s (%d rows or characters) does not fit "
                        "outside it (panel %g-%g x %g-%g, canvas %gx%g)", what, b, a, rows,
                        px[k][0], px[k][1], px[k][2], px[k][3], cw, ch);
            CU_ASSERT(fits);
            keys++;
        } else if (sscanf(line, "yaxis %31s %lf %lf", a, &v[0], &v[1]) == 3) {
            if (v[1] > 1.0 + 1e-9)
                fprintf(stderr, "\n    %s: the accuracy axis of %s runs to %g", what, a, v[1]);
            CU_ASSERT(v[1] <= 1.0 + 1e-9);
        }
    }
    fclose(l);
    if (np != want_panels)
        fprintf(stderr, "\n    %s: %d panels in the layout, %d expected", what, np, want_panels);
    CU_ASSERT_EQUAL(np, want_panels);
    CU_ASSERT(cw > 0 && vc > 0 && hc > 0);
    return keys;
}

/* roc.png of n test images, half positive, scored by score(i, positive) */
static void draw_roc(const char *name, float (*score)(int i, int positive), int n)
{
    const char *dir = test_path(name);
    CU_ASSERT_FATAL(make_dirs(dir) == MNL_OK);
    Predictions p;
    CU_ASSERT_FATAL(predictions_alloc(&p, n, 2) == MNL_OK);
    p.class_names[0] = 4, p.class_names[1] = 9;
    for (int i = 0; i < n; i++) {
        p.truth[i] = i % 2;
        p.p_positive[i] = score(i, p.truth[i]);
        p.pred[i] = p.p_positive[i] >= 0.5f;
        p.confidence[i] = p.pred[i] ? p.p_positive[i] : 1 - p.p_positive[i];
        p.source_index[i] = i;
    }
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "summary.txt"), "", 0) == 0);   /* ROC adds to it */
    char layout[1100];
    snprintf(layout, sizeof layout, "%s", in_dir(dir, "layout"));
    setenv("MNISTLAB_PLOT_LAYOUT", layout, 1);
    int rc = roc_write_run(dir, name, &p, NULL, 0);
    if (rc)
        fprintf(stderr, "\n    %s: %s", name, mnl_last_error());
    CU_ASSERT_EQUAL(rc, MNL_OK);
    unsetenv("MNISTLAB_PLOT_LAYOUT");
    predictions_free(&p);
}

static float constant_score(int i, int positive)
{
    (void)i, (void)positive;
    return 0.4f;               /* one answer for every image: the ROC is two corners */
}

static float good_score(int i, int positive)
{
    float noise = (float)((i * 37) % 100) / 100.0f;       /* 0 .. 0.99, fixed */
    return positive ? 0.55f + 0.45f * noise : 0.6f * noise * noise;
}

/* A model that answers one class for every image: every threshold lands on (0,0) or (1,1), where
 * its labels once piled up at the origin; the thresholds are named in a key below the panel. */
static void test_report_roc_of_a_degenerate_model_keeps_text_off_the_panels(void)
{
    draw_roc("roc-degenerate", constant_score, 500);
    const char *dir = test_path("roc-degenerate");
    CU_ASSERT_EQUAL(assert_layout_clear(in_dir(dir, "layout.roc"), "degenerate ROC", 2), 2);
    assert_contains(test_slurp(in_dir(dir, "layout.roc")), "key zoom below 1\n");
    unsigned w, h;
    CU_ASSERT_EQUAL(test_png_size(in_dir(dir, "roc.png"), &w, &h), 0);
}

static void test_report_roc_of_a_good_model_keeps_text_off_the_panels(void)
{
    draw_roc("roc-good", good_score, 500);
    const char *dir = test_path("roc-good");
    CU_ASSERT_EQUAL(assert_layout_clear(in_dir(dir, "layout.roc"), "good ROC", 2), 2);
}

/* 30 runs, 30 groups: the comparison draws the best 10 with the key outside the chart, and the
 * cost chart (too many to name beside points) draws them all unnamed, its axis ending at 1. With
 * long descriptive names the key goes below the chart, one name a row, and still fits. */
static void compare_30_runs(const char *name, const char *stem)
{
    const char *root = test_path(name);
    for (int i = 0; i < 30; i++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/%s%02d", root, stem, i);
        fake_run(dir, "experiments/mlp.conf", NULL, 1, 0.90 + 0.003 * i);
    }
    char env[1200], args[1200];
    snprintf(env, sizeof env, "MNISTLAB_PLOT_LAYOUT=%s", in_dir(root, "layout"));
    snprintf(args, sizeof args, "compare %s", root);
    CU_ASSERT_EQUAL(test_run_program(env, args, 0, test_path("report.out"), test_path("report.err")), 0);
    CU_ASSERT_EQUAL(assert_layout_clear(in_dir(root, "layout.compare"), name, 1), 1);
    assert_layout_clear(in_dir(root, "layout.cost"), name, 2);
    assert_contains(test_slurp(in_dir(root, "REPORT.md")), "The chart draws the 10 of 30 rows");
}

static void test_report_chart_of_30_runs_keeps_its_key_off_the_lines(void)
{
    compare_30_runs("lay-30", "run-");
    assert_contains(test_slurp(in_dir(test_path("lay-30"), "layout.compare")), "key chart right ");
}

static void test_report_chart_of_30_long_names_keeps_its_key_below(void)
{
    compare_30_runs("lay-30-long", "a-learner's-descriptive-folder-name-number-");
    assert_contains(test_slurp(in_dir(test_path("lay-30-long"), "layout.compare")), "key chart below 10\n");
}

/* A sweep against the parameter count (over a decade: a log axis): the swept values once sat as
 * labels under the points, over the other lines; now they are the top axis, and the keys are below
 * the panels. */
static void test_report_sweep_chart_keeps_text_off_the_panels(void)
{
    if (!test_need_mnist())
        return;
    const char *dir = test_path("lay-sweep");
    char env[1200], args[1400];
    snprintf(env, sizeof env, "MNISTLAB_PLOT_LAYOUT=%s", in_dir(dir, "layout"));
    snprintf(args, sizeof args, "sweep experiments/mlp.conf --vary model.hidden=8,128 --against params "
             "--set train.epochs=1 --set 'data.subset=600 200' --set data.validation=none --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(test_run_program(env, args, 0, test_path("report.out"), test_path("report.err")), 0);
    CU_ASSERT_EQUAL(assert_layout_clear(in_dir(dir, "layout.sweep"), "sweep", 2), 2);
    const char *gp = test_slurp(in_dir(dir, "sweep.dat"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "\"8\""));       /* the values the top axis writes */
}

/* The rise REPORT.md prints is the one curves.png prints: an end 17.47% above the lowest loss is
 * +17% in both (summary.txt once kept three decimals, 1.175, and REPORT.md said +18%). */
static void test_report_rise_rounds_as_the_curves_do(void)
{
    const char *root = test_path("rise"), *dir = test_path("rise/cnn-4v9");
    CU_ASSERT_FATAL(make_dirs(dir) == MNL_OK);
    EpochRecord r[15];
    const double tail[5] = {0.1175, 0.1174, 0.1175, 0.1175, 0.11745};
    for (int i = 0; i < 15; i++) {
        r[i] = (EpochRecord){.epoch = i + 1, .train_loss = 0.5 / (i + 1), .train_acc = 0.9,
                             .valid_loss = NAN, .valid_acc = NAN, .test_acc = 0.98, .seconds = 0.1,
                             .images_per_s = 1000, .lr = 0.004};
        r[i].test_loss = i < 10 ? 0.46 - 0.04 * i : tail[i - 10];
    }
    FILE *m = fopen(in_dir(dir, "metrics.csv"), "w");
    CU_ASSERT_FATAL(m != NULL);
    metrics_csv_header(m);
    for (int i = 0; i < 15; i++)
        metrics_csv_row(m, &r[i]);
    fclose(m);
    ExpConfig c;
    CU_ASSERT_FATAL(config_load("experiments/cnn-4v9.conf", &c) == MNL_OK);
    DataSplits d;
    RunFiles f = run_files(dir, &c, &d, r, 15);
    CU_ASSERT_EQUAL_FATAL(report_write_run(&f), MNL_OK);
    char *used = config_to_text(&c);       /* a finished run: its settings and completion mark */
    CU_ASSERT_FATAL(test_write_file(in_dir(dir, "config.used"), used, strlen(used)) == 0);
    free(used);
    mark_finished(dir);
    Judgement j;
    report_judge(r, 15, &j);
    CU_ASSERT(j.overfits);
    CU_ASSERT_DOUBLE_EQUAL(j.end_loss / j.best_loss, 1.1747, 1e-9);
    const char *report = compare(root);
    assert_contains(report, "from epoch 10 (end +17%)");
    CU_ASSERT_PTR_NULL(strstr(report, "+18%"));
}

/* ---- curves.png ---- */

/* The bottom panel of cnn-4v9's curves: the rise from 0.0263 to the end's mean fills at least a
 * quarter of its height (on the old single log axis it was a sliver of three decades). */
static void test_report_zoom_makes_the_late_rise_a_quarter_of_the_panel(void)
{
    EpochRecord r[40];
    records_from(r, 40, cnn4v9_test, NULL, NULL);
    Judgement j;
    report_judge(r, 40, &j);
    int from;
    double lo, hi;
    report_zoom_range(r, 40, &j, &from, &lo, &hi);
    CU_ASSERT(lo < 0.0263 && hi > 0.0330);
    CU_ASSERT((j.end_loss - j.best_loss) / (hi - lo) >= 0.25);
    CU_ASSERT((0.0330 - 0.0263) / (hi - lo) >= 0.4);
    CU_ASSERT(from > 1 && from < 26);
}

static void test_report_loss_axis_setting_forces_linear_or_log(void)
{
    EpochRecord r[40];
    records_from(r, 40, cnn4v9_test, NULL, NULL);
    CU_ASSERT_EQUAL(report_log_loss_axis("auto", r, 40), 1);   /* 0.63 .. 0.025 with train 1/40 */
    CU_ASSERT_EQUAL(report_log_loss_axis("linear", r, 40), 0);
    CU_ASSERT_EQUAL(report_log_loss_axis("log", r, 3), 1);
    ExpConfig c;
    config_defaults(&c);
    CU_ASSERT_EQUAL(config_set(&c, "plot.loss_axis=linear"), MNL_OK);
    CU_ASSERT_STRING_EQUAL(c.loss_axis, "linear");
    CU_ASSERT_EQUAL(config_set(&c, "plot.loss_axis=semilog"), MNL_ERR_CONFIG);
}

/* Pixels of one colour in a PNG (8-bit RGB or RGBA, as pngcairo writes). */
static long count_colour(const char *path, int red, int green, int blue)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    long count = -1;
    png_bytep *rows = NULL;
    unsigned h = 0;
    if (png && info && !setjmp(png_jmpbuf(png))) {
        png_init_io(png, f);
        png_read_info(png, info);
        png_set_expand(png);
        png_set_strip_16(png);
        png_read_update_info(png, info);
        unsigned w = png_get_image_width(png, info);
        h = png_get_image_height(png, info);
        int ch = png_get_channels(png, info);
        rows = calloc(h, sizeof *rows);
        for (unsigned y = 0; rows && y < h; y++)
            rows[y] = malloc(png_get_rowbytes(png, info));
        png_read_image(png, rows);
        count = 0;
        for (unsigned y = 0; y < h; y++)
            for (unsigned x = 0; x < w; x++) {
                const png_byte *p = rows[y] + (size_t)x * ch;
                count += p[0] == red && p[1] == green && p[2] == blue;
            }
    }
    for (unsigned y = 0; rows && y < h; y++)
        free(rows[y]);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return count;
}

/* Training accuracy is drawn, in its own colour (orange #ff8c00); the zoomed panel draws the end's
 * mean as a dark red bar (#aa0000). */
static void test_report_curves_draw_training_accuracy_and_the_zoom(void)
{
    const char *dir = test_path("curves");
    CU_ASSERT_FATAL(make_dirs(dir) == MNL_OK);
    EpochRecord r[40];
    records_from(r, 40, cnn4v9_test, NULL, NULL);
    for (int i = 0; i < 40; i++)
        r[i].train_acc = 0.7 + 0.0075 * i;
    FILE *m = fopen(in_dir(dir, "metrics.csv"), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    metrics_csv_header(m);
    for (int i = 0; i < 40; i++)
        metrics_csv_row(m, &r[i]);
    fclose(m);
    ExpConfig c;
    CU_ASSERT_FATAL(config_load("experiments/cnn-4v9.conf", &c) == MNL_OK);
    DataSplits d;
    RunFiles f = run_files(dir, &c, &d, r, 40);
    CU_ASSERT_EQUAL_FATAL(report_write_run(&f), MNL_OK);
    long orange = count_colour(in_dir(dir, "curves.png"), 0xff, 0x8c, 0x00);
    long bar = count_colour(in_dir(dir, "curves.png"), 0xaa, 0x00, 0x00);
    if (orange < 200 || bar < 50)
        fprintf(stderr, "\n    orange pixels %ld, dark red %ld", orange, bar);
    CU_ASSERT(orange >= 200);
    CU_ASSERT(bar >= 50);
}

/* ---- a rerun keeps what it would destroy; a run refreshes the report ---- */

/* What predict and features draw beside a run's model (predict.png, features-*.png, weights.png). */
static void draw_model_pictures(const char *run)
{
    char args[1400], dir[1100];
    snprintf(dir, sizeof dir, "%s", run);         /* test_path's buffers rotate */
    snprintf(args, sizeof args, "predict %s --index 0", in_dir(dir, "model.ckpt"));
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    snprintf(args, sizeof args, "features %s --index 0", in_dir(dir, "model.ckpt"));
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    snprintf(args, sizeof args, "features %s --weights", in_dir(dir, "model.ckpt"));
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    CU_ASSERT_FATAL(access(in_dir(dir, "features-01-conv1.png"), F_OK) == 0);
    CU_ASSERT_FATAL(access(in_dir(dir, "predict.png"), F_OK) == 0);
    CU_ASSERT_FATAL(access(in_dir(dir, "weights.png"), F_OK) == 0);
}

static void test_report_rerun_with_other_settings_is_refused_and_keeps_the_run(void)
{
    if (!test_need_mnist())
        return;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", test_path("results-rerun/cnn-4v9"));   /* its buffers rotate */
    char args[1400];
    snprintf(args, sizeof args, QUICK " --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    char before[4096];
    snprintf(before, sizeof before, "%s", test_slurp(in_dir(dir, "metrics.csv")));
    snprintf(args, sizeof args, QUICK " --set train.lr=0.001 --out %s", dir);
    CU_ASSERT_EQUAL(run_cli(args), 1);
    const char *err = test_slurp(test_path("report.err"));
    assert_contains(err, "holds a run with other settings (there lr=0.004; here lr=0.001)");
    assert_contains(err, "--overwrite");
    CU_ASSERT(strchr(err, '\n') && strchr(err, '\n')[1] == '\0');
    CU_ASSERT_STRING_EQUAL(test_slurp(in_dir(dir, "metrics.csv")), before);
    /* asked to, it replaces the run, and the old model's pictures go with it */
    draw_model_pictures(dir);
    snprintf(args, sizeof args, QUICK " --set train.lr=0.001 --overwrite --out %s", dir);
    CU_ASSERT_EQUAL(run_cli(args), 0);
    CU_ASSERT(access(in_dir(dir, "features-01-conv1.png"), F_OK) != 0);
    CU_ASSERT(access(in_dir(dir, "predict.png"), F_OK) != 0);
    assert_contains(test_slurp(in_dir(dir, "config.used")), "lr = 0.001\n");
}

static void test_report_rerun_with_the_same_settings_drops_the_old_models_pictures(void)
{
    if (!test_need_mnist())
        return;
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", test_path("results-same/cnn-4v9"));   /* its buffers rotate */
    char args[1400];
    snprintf(args, sizeof args, QUICK " --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    draw_model_pictures(dir);
    CU_ASSERT_FATAL(access(in_dir(dir, "features-03-maxpool1.png"), F_OK) == 0);
    CU_ASSERT_EQUAL(run_cli(args), 0);
    CU_ASSERT(access(in_dir(dir, "features-03-maxpool1.png"), F_OK) != 0);
    CU_ASSERT(access(in_dir(dir, "weights.png"), F_OK) != 0);
}

static void test_report_finished_run_refreshes_its_report(void)
{
    if (!test_need_mnist())
        return;
    const char *root = test_path("refresh/results");
    char args[1400];
    snprintf(args, sizeof args, QUICK " --set train.seed=7 --out %s/cnn-4v9/seed7", root);
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    assert_contains(test_slurp(test_path("report.out")), "refreshed ");
    const char *report = test_slurp(in_dir(root, "REPORT.md"));
    assert_contains(report, "[cnn-4v9/seed7](./cnn-4v9/seed7/) | cnn | epochs=2, seed=7 |");
    /* a folder with no results folder above (the guide's /tmp/mnistlab-try) writes no REPORT.md in
     * its parent, and names no folder to compare when nothing else is there */
    snprintf(args, sizeof args, QUICK " --out %s/try", test_path("elsewhere"));
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    CU_ASSERT_PTR_NULL(strstr(test_slurp(test_path("report.out")), "bin/mnistlab compare"));
    CU_ASSERT(access(in_dir(test_path("elsewhere"), "REPORT.md"), F_OK) != 0);
}

/* The cross-entropy by hand next to model_loss's, for the first test batch, in every fresh run. */
static void test_report_run_prints_the_loss_by_hand_beside_the_librarys(void)
{
    if (!test_need_mnist())
        return;
    char args[1400];
    snprintf(args, sizeof args, QUICK " --out %s", test_path("loss-check"));
    CU_ASSERT_EQUAL_FATAL(run_cli(args), 0);
    const char *out = test_slurp(test_path("report.out"));
    const char *line = strstr(out, "loss check, first 100 test images, untrained: cross-entropy by hand ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    double hand = -1, lib = -2;
    CU_ASSERT_EQUAL(sscanf(strstr(line, "by hand ") + 8, "%lf, model_loss %lf", &hand, &lib), 2);
    CU_ASSERT(hand > 0.3 && hand < 1.5);                 /* about log 2 for an untrained 2-class head */
    CU_ASSERT_DOUBLE_EQUAL(hand, lib, 2e-6);
    assert_contains(line, "(the same)");
    assert_contains(test_slurp(in_dir(test_path("loss-check"), "log.txt")), "loss check");
}

/* docs/guide.md on cnn-4v9 against cnn-4v9-full: the files differ in the data, the rate and the
 * test set, and the guide says all three, never that data is "the whole difference". */
static void test_report_guide_tells_every_difference_of_cnn_4v9_full(void)
{
    ExpConfig a, b;
    CU_ASSERT_FATAL(config_load("experiments/cnn-4v9.conf", &a) == MNL_OK);
    CU_ASSERT_FATAL(config_load("experiments/cnn-4v9-full.conf", &b) == MNL_OK);
    char diff[512];
    config_diff(&a, &b, "threads", diff, sizeof diff);
    CU_ASSERT_STRING_EQUAL(diff, "subset=all, lr=0.001");
    const char *guide = test_slurp("docs/guide.md");
    CU_ASSERT_PTR_NULL(strstr(guide, "whole difference"));
    const char *row = strstr(guide, "| `cnn-4v9-full` |");
    CU_ASSERT_PTR_NOT_NULL_FATAL(row);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(row, "\n"), row);
    assert_contains(line, "11 791 training images");
    assert_contains(line, "0.001");
    assert_contains(line, "1 991 test");
}

/* ---- Fashion-MNIST speaks in names ---- */

static void test_report_fashion_run_names_its_classes(void)
{
    const char *fashion = dataset_default_dir("fashion");
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/t10k-labels-idx1-ubyte.gz", fashion);
    char probe_raw[1100];
    snprintf(probe_raw, sizeof probe_raw, "%s/t10k-labels-idx1-ubyte", fashion);
    if (access(probe, R_OK) != 0 && !test_need_data(probe_raw, "Fashion-MNIST"))
        return;
    const char *dir = test_path("fashion");
    char args[1400];
    snprintf(args, sizeof args, "train experiments/fashion-softmax.conf --set 'data.subset=3000 1000' "
             "--set data.validation=none --set train.epochs=1 --out %s", dir);
    CU_ASSERT_EQUAL_FATAL(test_run_program("MNISTLAB_KEEP_PLOT_DATA=1", args, 0,
                                           test_path("report.out"), test_path("report.err")), 0);
    const char *labels = test_slurp(in_dir(dir, "samples.labels.dat"));
    CU_ASSERT(strstr(labels, "T:Coat") || strstr(labels, "T:Shirt") || strstr(labels, "T:Pullover"));
    CU_ASSERT_PTR_NULL(strstr(labels, "T:4 "));
    assert_contains(test_slurp(in_dir(dir, "confusion.dat")),
                    "T-shirt Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag Boot");
    assert_contains(test_slurp(in_dir(dir, "summary.txt")),
                    "class_names = T-shirt Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag Boot\n");
}

/* The comparison chart's key leaves out what every name shares, cut at a separator so the part that
 * tells the runs apart stays: names with no spaces (a learner's hyphenated folders) included. */
static void test_report_key_keeps_what_tells_hyphenated_names_apart(void)
{
    const char *names[] = {"softmax-on-a-small-subset-lr-0.004-run-01-for-the-comparison-chart",
                           "softmax-on-a-small-subset-lr-0.12-run-29-for-the-comparison-chart",
                           "softmax-on-a-small-subset-lr-0.05-run-07-for-the-comparison-chart"};
    size_t head = report_common_part(names, 3, 0), tail = report_common_part(names, 3, 1);
    CU_ASSERT_EQUAL(head, strlen("softmax-on-a-small-subset-lr-"));
    CU_ASSERT_EQUAL(tail, strlen("-for-the-comparison-chart"));
    /* never cut inside a number: "0.0" of "0.004" and "0.05" stays with them */
    const char *close[] = {"a-long-shared-start-0.004", "a-long-shared-start-0.05"};
    CU_ASSERT_EQUAL(report_common_part(close, 2, 0), strlen("a-long-shared-start-"));
    const char *spaced[] = {"a long shared start lr 0.5000", "a long shared start lr 0.1250"};
    CU_ASSERT_EQUAL(report_common_part(spaced, 2, 0), strlen("a long shared start lr "));
    const char *one[] = {"only-one-name-here-at-all"};
    CU_ASSERT_EQUAL(report_common_part(one, 1, 0), 0);
}

int register_report_tests(void)
{
    CU_pSuite s = CU_add_suite("report", NULL, NULL);
    if (!s)
        return -1;
#define T(name) CU_add_test(s, #name, test_##name)
    if (!T(report_seeds_are_one_row_with_mean_and_std) ||
        !T(report_gives_a_lone_run_its_wilson_interval) ||
        !T(report_compares_seed_groups_by_welch_t_test) ||
        !T(report_lone_run_beside_its_seed_runs_has_its_own_row) ||
        !T(report_runs_are_named_by_folder_with_their_changed_settings) ||
        !T(report_settings_changed_do_not_depend_on_the_working_folder) ||
        !T(report_groups_runs_by_task_with_a_chart_each) ||
        !T(report_root_of_a_run_is_the_results_folder_above_it) ||
        !T(report_rising_held_out_loss_is_overfitting) ||
        !T(report_flat_noisy_curve_is_not_overfitting) ||
        !T(report_run_at_chance_is_not_overfitting) ||
        !T(report_summary_gives_test_accuracy_at_the_best_epoch_only) ||
        !T(report_rise_rounds_as_the_curves_do) ||
        !T(report_chart_draws_a_seed_group_once_as_its_mean) ||
        !T(report_sweep_is_a_section_linking_its_sweep_md) ||
        !T(report_lesson_is_a_section_with_its_table_and_charts) ||
        !T(report_lesson_overfitting_draws_its_table_and_chart) ||
        !T(report_chart_of_31_runs_draws_the_best_10) ||
        !T(report_chart_of_epochs_and_boosting_rounds_names_each_unit) ||
        !T(report_curves_text_is_clear_of_a_one_epoch_run) ||
        !T(report_curves_text_is_clear_when_the_best_is_the_last_epoch) ||
        !T(report_curves_text_is_clear_of_a_flat_curve) ||
        !T(report_curves_text_is_clear_of_a_high_accuracy_plateau) ||
        !T(report_curves_text_is_clear_for_a_stuck_model) ||
        !T(report_roc_of_a_degenerate_model_keeps_text_off_the_panels) ||
        !T(report_roc_of_a_good_model_keeps_text_off_the_panels) ||
        !T(report_chart_of_30_runs_keeps_its_key_off_the_lines) ||
        !T(report_chart_of_30_long_names_keeps_its_key_below) ||
        !T(report_sweep_chart_keeps_text_off_the_panels) ||
        !T(report_page_shows_a_runs_files_and_explorations) ||
        !T(report_page_charts_render_and_hide_a_curve_in_chromium) ||
        !T(report_zoom_makes_the_late_rise_a_quarter_of_the_panel) ||
        !T(report_loss_axis_setting_forces_linear_or_log) ||
        !T(report_curves_draw_training_accuracy_and_the_zoom) ||
        !T(report_rerun_with_other_settings_is_refused_and_keeps_the_run) ||
        !T(report_rerun_with_the_same_settings_drops_the_old_models_pictures) ||
        !T(report_finished_run_refreshes_its_report) ||
        !T(report_run_prints_the_loss_by_hand_beside_the_librarys) ||
        !T(report_guide_tells_every_difference_of_cnn_4v9_full) ||
        !T(report_fashion_run_names_its_classes) ||
        !T(report_key_keeps_what_tells_hyphenated_names_apart))
        return -1;
#undef T
    return 0;
}
