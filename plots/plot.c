/* plots/plot: data files for gnuplot, running it, and the labelled image grid. */
#include "plots/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"

static int has_scripts(const char *dir)
{
    char probe[PATH_MAX + 16];
    snprintf(probe, sizeof probe, "%s/grid.gp", dir);
    return access(probe, R_OK) == 0;
}

const char *plot_script_dir(void)
{
    static char dir[PATH_MAX];
    if (dir[0])
        return dir;
    const char *env = getenv("MNISTLAB_PLOTS");
    if (env && *env) {
        snprintf(dir, sizeof dir, "%s", env);
        return dir;
    }
    /* Walk up from the program (bin/, build/san/bin/ ...) to the first plots/ with our scripts. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
            *slash = '\0';
            char cand[PATH_MAX];
            if (snprintf(cand, sizeof cand, "%s/plots", exe) < (int)sizeof cand && has_scripts(cand)) {
                snprintf(dir, sizeof dir, "%s", cand);
                return dir;
            }
        }
    }
    snprintf(dir, sizeof dir, "plots");
    return dir;
}

const char *plot_quote(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    for (; *s && k + 2 < n; s++) {
        if (*s == '\'')
            buf[k++] = '\'';
        buf[k++] = *s;
    }
    buf[k] = '\0';
    return buf;
}

/* First non-empty line of a small file, for error messages. */
static void first_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *p = line;
        while (*p == ' ')
            p++;
        if (*p && *p != '^') {
            snprintf(out, n, "%s", p);
            break;
        }
    }
    fclose(f);
}

/* Run gnuplot with argv, stderr into errpath; returns the exit status, or -1 with *killed_by set
 * to the signal that ended it (0 when it could not be run or waited for). */
static int run_gnuplot(char *const argv[], const char *errpath, int *killed_by)
{
    *killed_by = 0;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* main() ignores SIGXFSZ and an ignored signal stays ignored across exec: restore the
         * default, so a PNG outgrowing `ulimit -f` kills gnuplot (an error we see) instead of
         * leaving it to write a cut file and exit 0. */
        signal(SIGXFSZ, SIG_DFL);
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFSIGNALED(status))
        *killed_by = WTERMSIG(status);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* "no space left on device ..." when the folder of out_png is (nearly) full, else "". */
static void plot_disk_note(const char *out_png, char *buf, size_t n)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", out_png);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    disk_full_note(dir, buf, n);
}

/* gnuplot exits 0 when the disk fills under it, leaving a cut PNG: read the picture to its IEND
 * before it may replace anything, and say what stopped it. */
static int plot_check_written(const char *tmp, const char *out_png, const char *script)
{
    if (png_check_complete(tmp) == MNL_OK)
        return MNL_OK;
    char why[512], full[600];
    const char *detail = mnl_last_error();
    size_t skip = strlen(tmp);           /* the detail starts with the temp file's name */
    snprintf(why, sizeof why, "%s", strncmp(detail, tmp, skip) == 0 && detail[skip] == ':'
                                         ? detail + skip + 2 : detail);
    plot_disk_note(out_png, full, sizeof full);
    remove(tmp);
    if (full[0])
        return mnl_fail(MNL_ERR_IO, "%s: cannot write: %s; gnuplot %s left a cut picture (%s), "
                        "so it was not put in place", out_png, full, script, why);
    return mnl_fail(MNL_ERR_PLOT, "%s: gnuplot %s wrote an incomplete picture (%s), so it was "
                    "not put in place", out_png, script, why);
}

int plot_run(const char *script, const char *out_png, const char *vars_fmt, ...)
{
    char vars[12288], tmp[PATH_MAX], errpath[PATH_MAX], script_path[PATH_MAX], q[PATH_MAX * 2];
    snprintf(script_path, sizeof script_path, "%s/%s.gp", plot_script_dir(), script);
    if (access(script_path, R_OK) != 0) {
        const char *env = getenv("MNISTLAB_PLOTS");
        if (env && *env)      /* the variable chose the folder: name it, as a setting would be */
            return mnl_fail(MNL_ERR_PLOT, "MNISTLAB_PLOTS=%s: no %s.gp there (it names the folder of "
                            "mnistlab's gnuplot scripts; unset it to use the suite's own)", env, script);
        return mnl_fail(MNL_ERR_PLOT, "%s: gnuplot script not found (set MNISTLAB_PLOTS)", script_path);
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.png", out_png, (long)getpid());
    snprintf(errpath, sizeof errpath, "%s.tmp.%ld.log", out_png, (long)getpid());

    va_list ap;
    va_start(ap, vars_fmt);
    int k = vsnprintf(vars, sizeof vars, vars_fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k + 2 * PATH_MAX + 16 >= sizeof vars)
        return mnl_fail(MNL_ERR_PLOT, "%s: plot variables too long", out_png);
    snprintf(vars + k, sizeof vars - (size_t)k, "%sout='%s'", k ? "; " : "",
             plot_quote(tmp, q, sizeof q));

    char *argv[] = {"gnuplot", "-e", vars, script_path, NULL};
    int killed_by, rc = run_gnuplot(argv, errpath, &killed_by);
    struct stat st;
    if (rc != 0 || stat(tmp, &st) != 0 || st.st_size == 0) {
        char why[400];
        char full[600];                 /* looked at before the temp file frees its space */
        plot_disk_note(out_png, full, sizeof full);
        first_line(errpath, why, sizeof why);
        remove(tmp);
        remove(errpath);
        if (rc == 127)
            return mnl_fail(MNL_ERR_PLOT, "%s: gnuplot is not installed (apt-get install gnuplot-nox)",
                            out_png);
        if (killed_by)
            return mnl_fail(MNL_ERR_PLOT, "%s: gnuplot %s was killed by signal %d (%s)", out_png,
                            script, killed_by, strsignal(killed_by));
        if (full[0])
            return mnl_fail(MNL_ERR_IO, "%s: cannot write: %s (gnuplot %s: %s)", out_png, full,
                            script, why[0] ? why : "no output");
        return mnl_fail(MNL_ERR_PLOT, "%s: gnuplot %s failed: %s", out_png, script,
                        why[0] ? why : "no output");
    }
    remove(errpath);
    if ((rc = plot_check_written(tmp, out_png, script)))
        return rc;
    if (file_rename_into_place(tmp, out_png) != 0) {
        int e = errno;
        remove(tmp);
        return mnl_fail(MNL_ERR_IO, "%s: cannot rename plot into place: %s", out_png, strerror(e));
    }
    return MNL_OK;
}

void plot_discard_data(const char *path)
{
    const char *keep = getenv("MNISTLAB_KEEP_PLOT_DATA");
    if (!keep || !*keep)
        remove(path);
}

/* OUT.png -> OUT.SUFFIX beside it. */
static void sibling_path(const char *out_png, const char *suffix, char *buf, size_t n)
{
    size_t len = strlen(out_png);
    if (len > 4 && strcmp(out_png + len - 4, ".png") == 0)
        len -= 4;
    snprintf(buf, n, "%.*s.%s", (int)len, out_png, suffix);
}

enum { LABEL_BAND = 9 };   /* pixel rows above each image for its label */

static int write_grid_matrix(const char *path, const float *images, int n, int h, int w, int cols,
                             int rows)
{
    const int cell_w = w + 2, cell_h = h + LABEL_BAND;
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    for (int gy = 0; gy < rows * cell_h; gy++) {
        for (int gx = 0; gx < cols * cell_w; gx++) {
            int i = (gy / cell_h) * cols + gx / cell_w;
            int y = gy % cell_h - LABEL_BAND, x = gx % cell_w - 1;
            float v = 0.0f;
            if (i < n && y >= 0 && x >= 0 && x < w) {
                const float *img = images + (size_t)i * h * w;
                float lo = img[0], hi = img[0];
                for (int p = 1; p < h * w; p++) {
                    lo = img[p] < lo ? img[p] : lo;
                    hi = img[p] > hi ? img[p] : hi;
                }
                v = hi > lo ? (img[y * w + x] - lo) / (hi - lo) : 0.0f;
            }
            fprintf(a.f, gx ? " %.3g" : "%.3g", v);
        }
        fputc('\n', a.f);
    }
    return atomic_commit(&a);
}

static int write_grid_labels(const char *path, int n, int h, int w, int cols,
                             const char *const *labels, const int *bad)
{
    const int cell_w = w + 2, cell_h = h + LABEL_BAND;
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    fprintf(a.f, "# x y label rgb\n");
    for (int i = 0; i < n; i++) {
        double x = (i % cols) * cell_w + cell_w / 2.0 - 0.5;
        double y = (i / cols) * cell_h + LABEL_BAND / 2.0 - 0.5;
        char q[128];
        snprintf(q, sizeof q, "%s", labels[i]);
        for (char *p = q; *p; p++)
            if (*p == '"')
                *p = '\'';
        fprintf(a.f, "%.1f %.1f \"%s\" %d\n", x, y, q, bad && bad[i] ? 0xCC0000 : 0x202020);
    }
    return atomic_commit(&a);
}

int plot_image_grid(const char *out_png, const char *title, const float *images, int n, int h, int w,
                    int cols, const char *const *labels, const int *bad)
{
    if (n <= 0 || cols <= 0 || h <= 0 || w <= 0)
        return mnl_fail(MNL_ERR_ARG, "%s: empty image grid", out_png);
    int rows = (n + cols - 1) / cols;
    if (cols > n)
        cols = n;
    char grid[PATH_MAX], lab[PATH_MAX], qg[PATH_MAX * 2], ql[PATH_MAX * 2], qt[512];
    sibling_path(out_png, "grid.dat", grid, sizeof grid);
    sibling_path(out_png, "labels.dat", lab, sizeof lab);
    int rc = write_grid_matrix(grid, images, n, h, w, cols, rows);
    if (!rc)
        rc = write_grid_labels(lab, n, h, w, cols, labels, bad);
    if (rc)
        return rc;
    /* Wide enough that the longest label (about 7 screen pixels a character) fits its cell. */
    size_t longest = 0;
    for (int i = 0; i < n; i++)
        longest = strlen(labels[i]) > longest ? strlen(labels[i]) : longest;
    int scale = (int)((longest * 7 + 8 + w + 1) / (size_t)(w + 2));
    /* ... and wide enough for the title (about 10 pixels a character at 13 points). */
    while (scale < 8 && (size_t)(cols * (w + 2) * scale + 40) < strlen(title) * 10)
        scale++;
    scale = scale < 3 ? 3 : scale > 8 ? 8 : scale;
    rc = plot_run("grid", out_png, "grid='%s'; labels='%s'; cols=%d; rows=%d; cell_w=%d; cell_h=%d; "
                  "scale=%d; title='%s'", plot_quote(grid, qg, sizeof qg),
                  plot_quote(lab, ql, sizeof ql), cols, rows, w + 2, h + LABEL_BAND, scale,
                  plot_quote(title, qt, sizeof qt));
    plot_discard_data(grid);
    plot_discard_data(lab);
    return rc;
}
