/* plots/plot: the one way text reaches gnuplot (a private folder of files we name, a variables file
 * of quoted literals), running it there, and the labelled image grid. */
#define _DEFAULT_SOURCE   /* realpath */
#include "plots/plot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/escape.h"
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

/* The gnuplot running now and the private folder of the figure being made, with the files in it,
 * for plot_abandon (a signal handler: it may only kill, unlink and rmdir). */
#define LIVE_FILES 32
static volatile pid_t running_child;
static char live_dir[PATH_MAX];
static char live_files[LIVE_FILES][PATH_MAX + 80];
static volatile int n_live_files;

static void note_live_file(const char *path)
{
    if (n_live_files < LIVE_FILES) {
        snprintf(live_files[n_live_files], sizeof live_files[0], "%s", path);
        n_live_files++;
    }
}

void plot_abandon(void)
{
    pid_t child = running_child;
    if (child > 0)
        kill(child, SIGTERM);
    for (int i = 0; i < n_live_files; i++)
        unlink(live_files[i]);
    if (live_dir[0])
        rmdir(live_dir);
}

/* Run gnuplot with argv in the folder cwd, stderr into errpath; returns the exit status, or -1 with *killed_by set
 * to the signal that ended it (0 when it could not be run or waited for). */
static int run_gnuplot(char *const argv[], const char *cwd, const char *errpath, int *killed_by)
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
        if (chdir(cwd) != 0)
            _exit(126);
        execvp(argv[0], argv);
        _exit(127);
    }
    running_child = pid;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            running_child = 0;
            return -1;
        }
    running_child = 0;
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

/* ==== the private folder: every name gnuplot sees is one we made ==== */

/* A gnuplot variable name: the C code chooses them, but one that is not an identifier would be
 * code, so it is refused. */
static int is_identifier(const char *v)
{
    if (!v || !((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || *v == '_'))
        return 0;
    for (; *v; v++)
        if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
              *v == '_'))
            return 0;
    return 1;
}

static int plot_bad_name(Plot *p, const char *what, const char *v)
{
    if (!p->rc)
        p->rc = mnl_fail(MNL_ERR_PLOT, "plot: %s \"%s\" is not a gnuplot identifier", what,
                         v ? v : "(null)");
    return p->rc;
}

int plot_begin(Plot *p)
{
    memset(p, 0, sizeof *p);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > PATH_MAX - 32)
        tmp = "/tmp";
    snprintf(p->dir, sizeof p->dir, "%s/mnistlab-plot-XXXXXX", tmp);
    if (!mkdtemp(p->dir)) {
        int e = errno;
        p->dir[0] = '\0';
        return p->rc = mnl_fail(MNL_ERR_IO, "%s: cannot make a private folder for gnuplot: %s",
                                tmp, strerror(e));
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/vars.gp", p->dir);
    snprintf(live_dir, sizeof live_dir, "%s", p->dir);
    n_live_files = 0;
    note_live_file(path);
    p->vars = fopen(path, "w");
    if (!p->vars) {
        int e = errno;
        plot_discard(p);
        return p->rc = mnl_fail(MNL_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    fputs("# the variables of one figure, written by mnistlab (every text a quoted literal)\n",
          p->vars);
    return MNL_OK;
}

void plot_set_str(Plot *p, const char *var, const char *text)
{
    if (p->rc || !is_identifier(var)) {
        plot_bad_name(p, "variable", var);
        return;
    }
    fprintf(p->vars, "%s = ", var);
    esc_gnuplot_string(p->vars, text ? text : "");
    fputc('\n', p->vars);
}

void plot_set_num(Plot *p, const char *var, double v)
{
    if (p->rc || !is_identifier(var)) {
        plot_bad_name(p, "variable", var);
        return;
    }
    if (isfinite(v))
        fprintf(p->vars, "%s = %.17g\n", var, v);
    else
        fprintf(p->vars, "%s = NaN\n", var);
}

void plot_set_layout(Plot *p, const char *script)
{
    const char *lay = getenv("MNISTLAB_PLOT_LAYOUT");
    if (!lay || !*lay)
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s.%s", lay, script);
    plot_set_str(p, "layout", path);
}

void plot_set_int(Plot *p, const char *var, long v)
{
    if (p->rc || !is_identifier(var)) {
        plot_bad_name(p, "variable", var);
        return;
    }
    fprintf(p->vars, "%s = %ld\n", var, v);
}

void plot_set_str_array(Plot *p, const char *var, const char *const *texts, int n)
{
    if (p->rc || !is_identifier(var)) {
        plot_bad_name(p, "array", var);
        return;
    }
    /* gnuplot refuses an array of size 0: one empty entry, and the size in VAR_n */
    fprintf(p->vars, "array %s[%d]\n%s_n = %d\n", var, n > 0 ? n : 1, var, n);
    for (int i = 0; i < n; i++) {
        fprintf(p->vars, "%s[%d] = ", var, i + 1);
        esc_gnuplot_string(p->vars, texts[i] ? texts[i] : "");
        fputc('\n', p->vars);
    }
}

void plot_set_int_array(Plot *p, const char *var, const long *v, int n)
{
    if (p->rc || !is_identifier(var)) {
        plot_bad_name(p, "array", var);
        return;
    }
    fprintf(p->vars, "array %s[%d]\n%s_n = %d\n", var, n > 0 ? n : 1, var, n);
    for (int i = 0; i < n; i++)
        fprintf(p->vars, "%s[%d] = %ld\n", var, i + 1, v[i]);
}

FILE *plot_open_data(Plot *p, const char *name)
{
    if (p->rc || !is_identifier(name)) {
        plot_bad_name(p, "data file", name);
        return NULL;
    }
    char path[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s.dat", p->dir, name);
    note_live_file(path);
    FILE *f = fopen(path, "w");
    if (!f) {
        p->rc = mnl_fail(MNL_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        return NULL;
    }
    fprintf(p->vars, "%s = '%s.dat'\n", name, name);
    return f;
}

int plot_close_data(Plot *p, FILE *f)
{
    if (!f)
        return p->rc ? p->rc : mnl_fail(MNL_ERR_PLOT, "plot: no data file");
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        if (!p->rc)
            p->rc = mnl_fail(MNL_ERR_IO, "%s: cannot write a plot's data: %s", p->dir,
                             strerror(errno ? errno : EIO));
    }
    return p->rc;
}

/* Largest data file a figure copies (a grid of 40 digits is about 100 KB). */
#define PLOT_MAX_COPY ((long long)256 << 20)

void plot_add_file(Plot *p, const char *name, const char *path)
{
    if (p->rc)
        return;
    FILE *in;
    long long size;
    if (file_open_regular(path, &in, &size) != MNL_OK) {   /* never a FIFO gnuplot would block on */
        p->rc = MNL_ERR_IO;
        return;
    }
    if (size > PLOT_MAX_COPY) {
        fclose(in);
        p->rc = mnl_fail(MNL_ERR_IO, "%s: %lld bytes, too large to plot", path, size);
        return;
    }
    FILE *out = plot_open_data(p, name);
    char buf[65536];
    size_t n;
    while (out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            break;
    if (ferror(in) && !p->rc)
        p->rc = mnl_fail(MNL_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    fclose(in);
    plot_close_data(p, out);
}

void plot_discard(Plot *p)
{
    if (p->vars)
        fclose(p->vars);
    p->vars = NULL;
    if (!p->dir[0])
        return;
    DIR *d = opendir(p->dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", p->dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(p->dir);
    p->dir[0] = '\0';
    live_dir[0] = '\0';
    n_live_files = 0;
}

/* The script's absolute path (gnuplot runs in the private folder), or an error naming it. */
static int script_path_of(const char *script, char *abs, size_t n)
{
    char path[PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s.gp", plot_script_dir(), script);
    if (access(path, R_OK) != 0 || !realpath(path, abs) || strlen(abs) >= n) {
        const char *env = getenv("MNISTLAB_PLOTS");
        if (env && *env)      /* the variable chose the folder: name it, as a setting would be */
            return mnl_fail(MNL_ERR_PLOT, "MNISTLAB_PLOTS=%s: no %s.gp there (it names the folder of "
                            "mnistlab's gnuplot scripts; unset it to use the suite's own)", env, script);
        return mnl_fail(MNL_ERR_PLOT, "%s: gnuplot script not found (set MNISTLAB_PLOTS)", path);
    }
    return MNL_OK;
}

/* The PNG gnuplot left in the private folder, checked whole, copied into place atomically. */
static int put_in_place(const char *png, const char *out_png, const char *script)
{
    int rc = plot_check_written(png, out_png, script);
    if (rc)
        return rc;
    unsigned char *bytes;
    size_t n;
    if ((rc = file_read_all(png, (size_t)1 << 30, &bytes, &n)))
        return rc;
    rc = atomic_write_file(out_png, bytes, n);
    free(bytes);
    return rc;
}

/* gnuplot's SVG, made well-formed XML: its svg terminal escapes & and < in a text but not >, so a
 * title holding "]]>" would end the document's well-formedness (a CDATA end outside a CDATA
 * section). Every > in character data (outside tags, comments and CDATA sections) becomes &gt;;
 * the rest is copied as it is. Texts reach gnuplot through esc_gnuplot_string, so they are valid
 * UTF-8 with no control byte already. */
static void svg_escape_text_gt(FILE *o, const unsigned char *s, size_t n)
{
    enum { DATA, TAG, CDATA, COMMENT } state = DATA;
    char quote = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = (const char *)s + i;
        size_t left = n - i;
        switch (state) {
        case DATA:
            if (left >= 9 && !memcmp(c, "<![CDATA[", 9))
                state = CDATA;
            else if (left >= 4 && !memcmp(c, "<!--", 4))
                state = COMMENT;
            else if (*c == '<')
                state = TAG, quote = 0;
            else if (*c == '>') {
                fputs("&gt;", o);
                continue;
            }
            break;
        case TAG:
            if (quote && *c == quote)
                quote = 0;
            else if (!quote && (*c == '"' || *c == '\''))
                quote = *c;
            else if (!quote && *c == '>')
                state = DATA;
            break;
        case CDATA:
            if (left >= 3 && !memcmp(c, "]]>", 3)) {
                fputs("]]>", o);
                i += 2;
                state = DATA;
                continue;
            }
            break;
        case COMMENT:
            if (left >= 3 && !memcmp(c, "-->", 3)) {
                fputs("-->", o);
                i += 2;
                state = DATA;
                continue;
            }
            break;
        }
        fputc(*c, o);
    }
}

/* gnuplot finished the document: its closing tag is near the end (a cut file has none). */
static int ends_svg(const unsigned char *s, size_t n)
{
    for (size_t i = n > 64 ? n - 64 : 0; i + 6 <= n; i++)
        if (!memcmp(s + i, "</svg>", 6))
            return 1;
    return 0;
}

/* The SVG pass of plot_draw_svg: the same variables and script again, with svg = 1 and out =
 * 'out.svg' (the script picks gnuplot's svg terminal with its mouse option for it), then made
 * well-formed and put at out_svg atomically. */
static int draw_svg_pass(Plot *p, const char *script, const char *script_abs, const char *out_svg)
{
    char path[PATH_MAX + 16], svg[PATH_MAX + 16], errpath[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/svg.gp", p->dir);
    snprintf(svg, sizeof svg, "%s/out.svg", p->dir);
    snprintf(errpath, sizeof errpath, "%s/gnuplot-svg.log", p->dir);
    note_live_file(path);
    note_live_file(svg);
    note_live_file(errpath);
    static const char svg_vars[] = "svg = 1\nout = 'out.svg'\nundefine layout\n";
    if (atomic_write_file(path, svg_vars, strlen(svg_vars)) != MNL_OK)
        return MNL_ERR_IO;
    char *argv[] = {"gnuplot", "vars.gp", "svg.gp", (char *)script_abs, NULL};
    int killed_by;
    int rc = run_gnuplot(argv, p->dir, errpath, &killed_by);
    unsigned char *bytes = NULL;
    size_t n = 0;
    if (rc != 0 || file_read_all(svg, (size_t)64 << 20, &bytes, &n) != MNL_OK || n == 0 ||
        !ends_svg(bytes, n)) {
        char why[400];
        first_line(errpath, why, sizeof why);
        free(bytes);
        mnl_clear_error();
        return mnl_fail(MNL_ERR_PLOT, "%s: gnuplot %s (svg) failed: %s", out_svg, script,
                        why[0] ? why : killed_by ? strsignal(killed_by) : "no whole output");
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        free(bytes);
        return mnl_fail(MNL_ERR_NOMEM, "%s", out_svg);
    }
    svg_escape_text_gt(m, bytes, n);
    free(bytes);
    if (fclose(m) != 0) {
        free(text);
        return mnl_fail(MNL_ERR_NOMEM, "%s", out_svg);
    }
    rc = atomic_write_file(out_svg, text, len);
    free(text);
    return rc;
}

static int plot_draw_impl(Plot *p, const char *script, const char *out_png, const char *out_svg);

int plot_draw(Plot *p, const char *script, const char *out_png)
{
    return plot_draw_impl(p, script, out_png, NULL);
}

int plot_draw_svg(Plot *p, const char *script, const char *out_png)
{
    char out_svg[PATH_MAX];
    if (path_sibling(out_png, ".png", ".svg", out_svg, sizeof out_svg) != 0) {
        int rc = p->rc ? p->rc : mnl_fail(MNL_ERR_ARG, "%s: no room for the .svg beside it", out_png);
        plot_discard(p);
        return rc;
    }
    return plot_draw_impl(p, script, out_png, out_svg);
}

static int plot_draw_impl(Plot *p, const char *script, const char *out_png, const char *out_svg)
{
    char script_abs[PATH_MAX], png[PATH_MAX + 16], errpath[PATH_MAX + 16];
    int rc = p->rc;
    if (!rc && !p->vars)
        rc = mnl_fail(MNL_ERR_PLOT, "plot: plot_begin was not called");
    if (!rc)
        rc = script_path_of(script, script_abs, sizeof script_abs);
    if (!rc) {
        fputs("out = 'out.png'\n", p->vars);
        int bad = ferror(p->vars);
        if (fclose(p->vars) != 0 || bad)
            rc = mnl_fail(MNL_ERR_IO, "%s/vars.gp: cannot write: %s", p->dir, strerror(errno));
        p->vars = NULL;
    }
    if (rc) {
        plot_discard(p);
        return rc;
    }
    snprintf(png, sizeof png, "%s/out.png", p->dir);
    snprintf(errpath, sizeof errpath, "%s/gnuplot.log", p->dir);
    note_live_file(png);
    note_live_file(errpath);
    /* only our names: the variables file, then the script, run inside the private folder */
    char *argv[] = {"gnuplot", "vars.gp", script_abs, NULL};
    int killed_by;
    rc = run_gnuplot(argv, p->dir, errpath, &killed_by);
    struct stat st;
    if (rc != 0 || stat(png, &st) != 0 || st.st_size == 0) {
        char why[400];
        char full[600];
        disk_full_note(p->dir, full, sizeof full);
        first_line(errpath, why, sizeof why);
        plot_discard(p);
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
    rc = put_in_place(png, out_png, script);
    if (!rc && out_svg)
        rc = draw_svg_pass(p, script, script_abs, out_svg);
    plot_discard(p);
    return rc;
}

int plot_keep_data(Plot *p, const char *name, const char *path)
{
    const char *keep = getenv("MNISTLAB_KEEP_PLOT_DATA");
    if (p->rc || !keep || !*keep)
        return p->rc;
    if (!is_identifier(name))
        return plot_bad_name(p, "data file", name);
    char own[PATH_MAX + 80];
    snprintf(own, sizeof own, "%s/%s.dat", p->dir, name);
    unsigned char *bytes;
    size_t n;
    int rc = file_read_all(own, PLOT_MAX_COPY, &bytes, &n);
    if (!rc) {
        rc = atomic_write_file(path, bytes, n);
        free(bytes);
    }
    return rc;
}

void plot_discard_data(const char *path)
{
    const char *keep = getenv("MNISTLAB_KEEP_PLOT_DATA");
    if (!keep || !*keep)
        remove(path);
}

/* OUT.png -> OUT.SUFFIX beside it; -1 when it does not fit (a cut name would be another file). */
static int sibling_path(const char *out_png, const char *suffix, char *buf, size_t n)
{
    char dot_suffix[64];
    snprintf(dot_suffix, sizeof dot_suffix, ".%s", suffix);
    return path_sibling(out_png, ".png", dot_suffix, buf, n);
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
        char cut[160];
        fprintf(a.f, "%.1f %.1f ", x, y);
        esc_gnuplot_datafield(a.f, esc_shorten(labels[i], 24, cut, sizeof cut));
        fprintf(a.f, " %d\n", bad && bad[i] ? 0xCC0000 : 0x202020);
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
    char grid[PATH_MAX], lab[PATH_MAX];
    if (sibling_path(out_png, "grid.dat", grid, sizeof grid) ||
        sibling_path(out_png, "labels.dat", lab, sizeof lab))
        return mnl_fail(MNL_ERR_IO, "%s: path too long", out_png);
    int rc = write_grid_matrix(grid, images, n, h, w, cols, rows);
    if (!rc)
        rc = write_grid_labels(lab, n, h, w, cols, labels, bad);
    if (rc)
        return rc;
    /* Wide enough that the longest label (about 7 screen pixels a character) fits its cell. */
    size_t longest = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(labels[i]) < 24 ? strlen(labels[i]) : 24;
        longest = len > longest ? len : longest;
    }
    int scale = (int)((longest * 7 + 8 + w + 1) / (size_t)(w + 2));
    /* ... and wide enough for the title (about 10 pixels a character at 13 points). */
    while (scale < 8 && (size_t)(cols * (w + 2) * scale + 40) < strlen(title) * 10)
        scale++;
    scale = scale < 3 ? 3 : scale > 8 ? 8 : scale;
    Plot p;
    if ((rc = plot_begin(&p)))
        return rc;
    plot_add_file(&p, "grid", grid);
    plot_add_file(&p, "labels", lab);
    plot_set_int(&p, "cols", cols);
    plot_set_int(&p, "rows", rows);
    plot_set_int(&p, "cell_w", w + 2);
    plot_set_int(&p, "cell_h", h + LABEL_BAND);
    plot_set_int(&p, "scale", scale);
    plot_set_str(&p, "title", title);
    rc = plot_draw(&p, "grid", out_png);
    plot_discard_data(grid);
    plot_discard_data(lab);
    return rc;
}
