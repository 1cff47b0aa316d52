/* experiments/rundir: the run folder's owner; its format is documented once, in rundir.h. */
#include "experiments/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "common/config.h"
#include "common/error.h"
#include "models/registry.h"

#define MANIFEST_HEAD "mnistlab run folder manifest 1\n"
#define FILES_HEAD "mnistlab files 1\n"
#define FINISHED_HEAD "mnistlab run finished 1\n"
#define LOCK_NAME ".mnistlab.lock"

const char *const RUNDIR_RUN_FILES[] = {
    RUNDIR_CONFIG, RUNDIR_CKPT, RUNDIR_BEST, RUNDIR_METRICS, RUNDIR_LOG,
    RUNDIR_CURVES, RUNDIR_SAMPLES, RUNDIR_CONFUSION, "curves.dat", "samples.grid.dat",
    "samples.labels.dat", RUNDIR_CONFUSION_DAT, RUNDIR_SUMMARY, RUNDIR_PREDICTIONS,
    RUNDIR_ROC, RUNDIR_ROC_DAT, RUNDIR_THRESHOLDS, RUNDIR_CALIBRATION, RUNDIR_CALIBRATION_DAT,
    RUNDIR_STOPPED, "curves.svg", "roc.svg", NULL,
};

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcmp(s + n - k, tail);
}

/* Pictures of predict and features that a run folder written before manifests may hold, and the
 * data files gnuplot drew them from (predict.png, predict.probs.dat, features-03-relu1.png,
 * weights.grid.dat, ...): they were the suite's; a manifest names each one from now on. */
static int legacy_model_picture(const char *name)
{
    int ours = !strcmp(name, RUNDIR_PREDICT_PICTURE) || !strcmp(name, RUNDIR_WEIGHTS_PICTURE) ||
               (!strncmp(name, RUNDIR_FEATURES_PREFIX, 9) && ends_with(name, ".png"));
    int data = (!strncmp(name, "predict.", 8) || !strncmp(name, "weights.", 8) ||
                !strncmp(name, "features-", 9)) && ends_with(name, ".dat");
    return ours || data;
}

int rundir_path(const char *dir, const char *name, char *buf, size_t n)
{
    if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n)
        return mnl_fail(MNL_ERR_ARG, "%s/%s: the path is too long", dir, name);
    return MNL_OK;
}

int rundir_choose(const char *out, const ExpConfig *c, char *dir, size_t n)
{
    int rc = out ? path_leaves_room("--out", out, RUNDIR_FILE_ROOM) : MNL_OK;
    if (rc)
        return rc;
    if (!out && (rc = rundir_name_fits(c)))
        return rc;
    if (out && !*out)
        return mnl_fail(MNL_ERR_CONFIG, "--out: the folder name is empty");
    if (out)
        snprintf(dir, n, "%s", out);
    else
        snprintf(dir, n, "results/%s", c->name);
    return MNL_OK;
}

int rundir_name_fits(const ExpConfig *c)
{
    if (c->name_len < sizeof c->name)
        return MNL_OK;
    return mnl_fail(MNL_ERR_CONFIG, "%s: the experiment's name is %zu bytes, more than the %zu a run "
                    "folder is named by (results/NAME): name the folder with --out DIR, or rename "
                    "the file", c->source, c->name_len, sizeof c->name - 1);
}

/* ---- the manifest ---- */

static void forget_names(RunDir *d)
{
    for (int i = 0; i < d->n_names; i++)
        free(d->names[i]);
    d->n_names = 0;
}

int rundir_owns(const RunDir *d, const char *name)
{
    for (int i = 0; i < d->n_names; i++)
        if (strcmp(d->names[i], name) == 0)
            return 1;
    return 0;
}

static int add_name(RunDir *d, const char *name)
{
    if (rundir_owns(d, name))
        return MNL_OK;
    if (d->n_names == RUNDIR_MAX_FILES)
        return mnl_fail(MNL_ERR_ARG, "%s/" RUNDIR_MANIFEST ": more than %d files", d->dir,
                        RUNDIR_MAX_FILES);
    if (!(d->names[d->n_names] = strdup(name)))
        return mnl_fail(MNL_ERR_NOMEM, "manifest entry");
    d->n_names++;
    return MNL_OK;
}

/* A file name as a list may hold it: a name in this folder, not a path. */
static int plain_name(const char *s)
{
    return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/');
}

/* A name as the lists and the mark write it: one word a line, so a space, a control byte, DEL and
 * '%' are written %XX (a learner's "my pic.png", or a name holding a newline, stays one entry). */
static void put_name(FILE *f, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '%')
            fprintf(f, "%%%02X", *p);
        else
            fputc(*p, f);
}

static int hex_digit(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
           c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* put_name's word back into the name, in place; -1 when it holds a byte a word cannot. A '%' not
 * followed by two hex digits is itself (a list of before this encoding may hold one). */
static int take_name(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        int hi, lo;
        if (*r == '%' && (hi = hex_digit(r[1])) >= 0 && (lo = hex_digit(r[2])) >= 0) {
            if (hi == 0 && lo == 0)
                return -1;                      /* a NUL is no name's */
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else if ((unsigned char)*r <= 0x20 || *r == 0x7f) {
            return -1;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return plain_name(s) ? 0 : -1;
}

/* A folder's list of its own files: a run folder's manifest.txt, or the .mnistlab-files of any
 * other folder the suite writes in. */
typedef struct {
    const char *file, *head;
} NameList;
static const NameList RUN_MANIFEST = {RUNDIR_MANIFEST, MANIFEST_HEAD};
static const NameList FILES_LIST = {RUNDIR_FILES_LIST, FILES_HEAD};

/* The list of dir into d (nothing when there is none: *found 0). */
static int read_list(RunDir *d, const NameList *l, int *found)
{
    char path[MNL_PATH_LEN];
    unsigned char *buf = NULL;
    size_t len;
    *found = 0;
    int rc = rundir_path(d->dir, l->file, path, sizeof path);
    if (rc)
        return rc;
    if (!path_present(path))
        return MNL_OK;
    if ((rc = file_read_all(path, (size_t)1 << 20, &buf, &len)))
        return rc;
    const char *text = (const char *)buf;
    if (strncmp(text, l->head, strlen(l->head)) != 0 || memchr(buf, '\0', len)) {
        char first[48];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(text, "\n"), text);
        free(buf);
        return mnl_fail(MNL_ERR_CONFIG, "%s: not a list of mnistlab's files (first line \"%s\"); "
                        "refusing to touch the folder", path, first);
    }
    *found = 1;
    int lineno = 1;
    for (char *line = (char *)text + strlen(l->head); !rc && *line; lineno++) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (take_name(line) != 0)
            rc = mnl_fail(MNL_ERR_CONFIG, "%s:%d: not a file name", path, lineno + 1);
        else
            rc = add_name(d, line);
        line = nl ? nl + 1 : line + strlen(line);
    }
    free(buf);
    return rc;
}

static int write_list(const RunDir *d, const NameList *l)
{
    char path[MNL_PATH_LEN], *text = NULL;
    size_t len = 0;
    int rc = rundir_path(d->dir, l->file, path, sizeof path);
    if (rc)
        return rc;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return mnl_fail(MNL_ERR_NOMEM, "%s", path);
    fputs(l->head, f);
    for (int i = 0; i < d->n_names; i++)
    {
        put_name(f, d->names[i]);
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        free(text);
        return mnl_fail(MNL_ERR_NOMEM, "%s", path);
    }
    rc = atomic_write_file(path, text, len);
    free(text);
    return rc;
}

static int read_manifest(RunDir *d, int *found)
{
    return read_list(d, &RUN_MANIFEST, found);
}

static int write_manifest(const RunDir *d)
{
    return write_list(d, &RUN_MANIFEST);
}

/* ---- taking a folder ---- */

/* The folder's own files, which no manifest lists. */
static int bookkeeping(const char *name)
{
    return !strcmp(name, LOCK_NAME) || !strcmp(name, RUNDIR_MANIFEST) ||
           !strcmp(name, RUNDIR_FINISHED) || !strcmp(name, RUNDIR_FILES_LIST);
}

/* NAME.tmp.PID[.EXT] -> NAME into base; 0 when name is no temporary file. */
static int temp_base(const char *name, char *base, size_t n)
{
    if (file_temp_pid(name) <= 0)
        return 0;
    const char *t = strstr(name, ".tmp."), *next;
    while ((next = strstr(t + 1, ".tmp.")))
        t = next;
    snprintf(base, n, "%.*s", (int)(t - name), name);
    return 1;
}

static int is_run_file(const char *name)
{
    for (int i = 0; RUNDIR_RUN_FILES[i]; i++)
        if (!strcmp(RUNDIR_RUN_FILES[i], name))
            return 1;
    return 0;
}

/* A temporary file of ours whose writer is gone: removed (and counted). */
static void remove_if_dead(RunDir *d, const char *name)
{
    long pid = file_temp_pid(name);
    char path[MNL_PATH_LEN];
    if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH ||
        rundir_path(d->dir, name, path, sizeof path) != MNL_OK)
        return;
    if (unlink(path) == 0)
        d->temps_removed++;
}

/* Every file of the folder is the suite's: listed by its manifest or, without one, a name the
 * suite writes; temporary files of those whose writer is gone are removed. Else MNL_ERR_CONFIG
 * naming (some of) the others. */
static int check_no_foreign_files(RunDir *d, int have_manifest)
{
    char config[MNL_PATH_LEN];
    /* without a manifest, a folder is an earlier run's only when that run's settings are there */
    int legacy_run = !have_manifest && !rundir_path(d->dir, RUNDIR_CONFIG, config, sizeof config) &&
                     file_exists(config);
    DIR *dp = opendir(d->dir);
    if (!dp)
        return mnl_fail(MNL_ERR_IO, "%s: cannot list: %s", d->dir, strerror(errno));
    char foreign[600] = "";
    int n_foreign = 0;
    size_t k = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        const char *n = e->d_name;
        char path[MNL_PATH_LEN];
        struct stat st;
        if (!strcmp(n, ".") || !strcmp(n, "..") || bookkeeping(n) ||
            rundir_path(d->dir, n, path, sizeof path) || lstat(path, &st) != 0 || S_ISDIR(st.st_mode))
            continue;
        char base[512];
        const char *of = temp_base(n, base, sizeof base) ? base : n;   /* a temp file: its target's */
        int ours = bookkeeping(of) ||
                   (have_manifest ? rundir_owns(d, of)
                                  : legacy_run && (is_run_file(of) || legacy_model_picture(of)));
        if (of != n && ours) {
            remove_if_dead(d, n);
            continue;
        }
        if (ours) {
            d->had_files = 1;
            if (!have_manifest && (d->legacy = 1) && add_name(d, n) != MNL_OK)
                break;
            continue;
        }
        if (n_foreign++ < 5 && k < sizeof foreign)
            k += (size_t)snprintf(foreign + k, sizeof foreign - k, "%s\"%.80s\"", k ? ", " : "", n);
    }
    closedir(dp);
    mnl_clear_error();
    if (!n_foreign)
        return MNL_OK;
    return mnl_fail(MNL_ERR_CONFIG, "%s holds %d file%s that mnistlab did not write (%s%s); a run "
                    "replaces only its own files: move them away, or train into another folder "
                    "(--out DIR)", d->dir, n_foreign, n_foreign == 1 ? "" : "s", foreign,
                    n_foreign > 5 ? ", ..." : "");
}

int rundir_take(RunDir *d, const char *dir)
{
    memset(d, 0, sizeof *d);
    d->lock.fd = -1;
    if (snprintf(d->dir, sizeof d->dir, "%s", dir) >= (int)sizeof d->dir)
        return mnl_fail(MNL_ERR_ARG, "%.60s...: the folder name is too long", dir);
    int rc = make_dirs(dir), have_manifest = 0;
    if (!rc)
        rc = dir_lock(&d->lock, dir);
    if (!rc)
        rc = read_manifest(d, &have_manifest);
    if (!rc)
        rc = check_no_foreign_files(d, have_manifest);
    if (have_manifest)
        d->legacy = 0;
    return rc;
}

int rundir_claim(RunDir *d)
{
    for (int i = 0; RUNDIR_RUN_FILES[i]; i++) {
        int rc = add_name(d, RUNDIR_RUN_FILES[i]);
        if (rc)
            return rc;
    }
    int rc = write_manifest(d);
    static const char *const marks[] = {RUNDIR_FINISHED, RUNDIR_STOPPED};
    for (int i = 0; i < 2 && !rc; i++) {
        char mark[MNL_PATH_LEN];
        if (!(rc = rundir_path(d->dir, marks[i], mark, sizeof mark)) && path_present(mark) &&
            file_remove_journaled(mark) != 0)
            rc = mnl_fail(MNL_ERR_IO, "%s: cannot remove: %s", mark, strerror(errno));
    }
    return rc;
}

int rundir_mark_stopped(RunDir *d, const char *why)
{
    char path[1100], line[600];
    int rc = rundir_path(d->dir, RUNDIR_STOPPED, path, sizeof path);
    if (rc)
        return rc;
    int n = snprintf(line, sizeof line, "%.590s\n", why);
    for (char *c = line; *c && c < line + n - 1; c++)    /* one line */
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    return atomic_write_file(path, line, (size_t)n);
}

/* The first line of dir's stop mark into buf; 0, or -1 when there is none. */
static int read_stopped(const char *dir, char *buf, size_t n)
{
    char path[1100];
    unsigned char *text = NULL;
    size_t len = 0;
    if (rundir_path(dir, RUNDIR_STOPPED, path, sizeof path) || !file_exists(path) ||
        file_read_all(path, 4096, &text, &len) != MNL_OK || len == 0) {
        mnl_clear_error();
        free(text);
        return -1;
    }
    size_t k = 0;
    while (k < len && text[k] != '\n' && text[k] != '\0')
        k++;
    snprintf(buf, n, "%.*s", (int)k, (const char *)text);
    free(text);
    return 0;
}

void rundir_release(RunDir *d)
{
    dir_unlock(&d->lock);
    forget_names(d);
}

/* Pictures drawn from a model by predict and features (predict.png, features-*.png, weights.png
 * and their data files): they belong to the model they were drawn from, and never stay beside
 * another one. */
void rundir_remove_pictures(const RunDir *f)
{
    const char *dir = f->dir;
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        const char *n = e->d_name;
        if ((strncmp(n, "predict.", 8) && strncmp(n, "features-", 9) && strncmp(n, "weights.", 8) &&
             strncmp(n, "saliency.", 9) && strncmp(n, "attack.", 7)) ||
            !rundir_owns(f, n))          /* only what the suite wrote here */
            continue;
        char path[MNL_PATH_LEN];
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", dir, n) < (int)sizeof path &&
            lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            file_remove_journaled(path);
    }
    closedir(d);
}

/* ---- the completion mark ---- */

/* Size and checksum of a regular file; -1 when it is not one or cannot be read. The checksum is
 * zlib's CRC-32 and Adler-32 together: a file that ends with its own CRC-32 (a checkpoint) has the
 * same whole-file CRC-32 whatever it holds (the CRC's residue), so the CRC alone would not see it
 * change. */
typedef struct {
    unsigned long crc, adler;
} Checksum;

/* When a file was last changed and which file it is: a file whose stamp is the one the mark
 * recorded, and older than the mark, is the file the mark summed (git's index trusts the same). */
typedef struct {
    long long mtime_ns;
    unsigned long long ino;
} Stamp;

static Stamp stamp_of(const struct stat *st)
{
    return (Stamp){(long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec,
                   (unsigned long long)st->st_ino};
}

static int file_crc(const char *path, long long *size, Checksum *sum, Stamp *stamp)
{
    FILE *f;
    struct stat st;
    if (file_open_regular(path, &f, size) != MNL_OK) {
        mnl_clear_error();
        return -1;
    }
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return -1;
    }
    *stamp = stamp_of(&st);
    unsigned char buf[1 << 16];
    uLong c = crc32(0L, Z_NULL, 0), a = adler32(0L, Z_NULL, 0);
    long long seen = 0;
    for (size_t got; seen < *size && (got = fread(buf, 1, sizeof buf, f)) > 0; seen += (long long)got) {
        c = crc32(c, buf, (uInt)got);
        a = adler32(a, buf, (uInt)got);
    }
    fclose(f);
    sum->crc = c, sum->adler = a;
    return seen == *size ? 0 : -1;
}

int rundir_finish(RunDir *d)
{
    char *text = NULL, path[MNL_PATH_LEN], mark[MNL_PATH_LEN];
    size_t len = 0;
    int rc = rundir_path(d->dir, RUNDIR_FINISHED, mark, sizeof mark);
    if (rc)
        return rc;
    static const char *const required[] = {RUNDIR_CONFIG, RUNDIR_CKPT, RUNDIR_METRICS, RUNDIR_LOG,
                                           "curves.png", "samples.png", "confusion.png",
                                           RUNDIR_SUMMARY, RUNDIR_PREDICTIONS, NULL};
    for (int i = 0; required[i]; i++)
        if (!(rc = rundir_path(d->dir, required[i], path, sizeof path)) && !file_exists(path))
            return mnl_fail(MNL_ERR_IO, "%s: %s was not written; the run is not finished", d->dir,
                            required[i]);
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return mnl_fail(MNL_ERR_NOMEM, "%s", mark);
    fputs(FINISHED_HEAD, f);
    for (int i = 0; i < d->n_names; i++) {
        long long size;
        Checksum sum;
        Stamp stamp;
        if (rundir_path(d->dir, d->names[i], path, sizeof path) == MNL_OK && file_exists(path) &&
            file_crc(path, &size, &sum, &stamp) == 0)
        {
            put_name(f, d->names[i]);
            fprintf(f, " %lld %08lx %08lx %lld %llu\n", size, sum.crc, sum.adler, stamp.mtime_ns,
                    stamp.ino);
        }
    }
    if (fclose(f) != 0) {
        free(text);
        return mnl_fail(MNL_ERR_NOMEM, "%s", mark);
    }
    rc = atomic_write_file(mark, text, len);
    free(text);
    return rc;
}

/* path is the regular file of the recorded size and stamp, last changed before the mark was
 * written: a change after the mark, however quick, gives it a later time (or, when the clock has
 * coarse steps, the mark's own, which is not trusted either). */
static int unchanged_since(const char *path, long long size, Stamp want, long long mark_ns)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || (long long)st.st_size != size)
        return 0;
    Stamp now = stamp_of(&st);
    return now.mtime_ns == want.mtime_ns && now.ino == want.ino && now.mtime_ns < mark_ns;
}

/* The mark verifies: 0, or -1 with why (e.g. "curves.png changed since the run finished"). */
static int verify_mark(const char *dir, char *why, size_t n, int *unstamped)
{
    *unstamped = 0;
    char mark[MNL_PATH_LEN], path[MNL_PATH_LEN];
    unsigned char *buf = NULL;
    size_t len;
    if (rundir_path(dir, RUNDIR_FINISHED, mark, sizeof mark) || !path_present(mark)) {
        snprintf(why, n, "no completion mark (" RUNDIR_FINISHED ")");
        return -1;
    }
    if (file_read_all(mark, (size_t)1 << 20, &buf, &len) != MNL_OK ||
        strncmp((const char *)buf, FINISHED_HEAD, strlen(FINISHED_HEAD)) != 0) {
        mnl_clear_error();
        free(buf);
        snprintf(why, n, RUNDIR_FINISHED " is damaged");
        return -1;
    }
    struct stat mark_st;
    long long mark_ns = stat(mark, &mark_st) == 0 ? stamp_of(&mark_st).mtime_ns : 0;
    int ok = 0, files = 0;
    for (char *line = (char *)buf + strlen(FINISHED_HEAD); *line && !ok;) {
        char *nl = strchr(line, '\n'), name[512];
        if (nl)
            *nl = '\0';
        long long want_size, size;
        Checksum want, sum;
        Stamp want_stamp, stamp;
        int fields = sscanf(line, "%511s %lld %lx %lx %lld %llu", name, &want_size, &want.crc,
                            &want.adler, &want_stamp.mtime_ns, &want_stamp.ino);
        if (fields == 4)
            *unstamped = 1;                  /* a mark of before stamps: summed, then stamped */
        if ((fields != 4 && fields != 6) || take_name(name) != 0) {
            snprintf(why, n, RUNDIR_FINISHED " is damaged");
            ok = -1;
        } else if (rundir_path(dir, name, path, sizeof path) || !file_exists(path)) {
            snprintf(why, n, "%.300s is missing", name);
            ok = -1;
        } else if (fields == 6 && unchanged_since(path, want_size, want_stamp, mark_ns)) {
            ;                            /* the very file the mark summed: not read again */
        } else if (file_crc(path, &size, &sum, &stamp) != 0 || size != want_size ||
                   sum.crc != want.crc || sum.adler != want.adler) {
            snprintf(why, n, "%.300s changed since the run finished", name);
            ok = -1;
        } else if (fields == 6) {
            *unstamped = 1;              /* the same bytes under another stamp (a copied folder,
                                            or a file written in the mark's own clock tick) */
        }
        files++;
        line = nl ? nl + 1 : line + strlen(line);
    }
    mnl_clear_error();
    free(buf);
    if (!ok && files == 0) {
        snprintf(why, n, RUNDIR_FINISHED " names no file");
        ok = -1;
    }
    return ok;
}

/* ---- adopting the pictures of predict and features ---- */

/* dir's own list into d: its run manifest when it has one, else its .mnistlab-files (*l: which;
 * *found: it is there). */
static int read_own_list(RunDir *d, const char *dir, const NameList **l, int *found)
{
    memset(d, 0, sizeof *d);
    snprintf(d->dir, sizeof d->dir, "%s", dir);
    *l = &RUN_MANIFEST;
    int rc = read_list(d, &RUN_MANIFEST, found);
    if (!rc && !*found) {
        *l = &FILES_LIST;
        rc = read_list(d, &FILES_LIST, found);
    }
    return rc;
}

int rundir_adopt(const char *dir, const char *name)
{
    RunDir d;
    const NameList *l;
    int found, rc = read_own_list(&d, dir, &l, &found);
    if (!rc && !rundir_owns(&d, name) && !(rc = add_name(&d, name)))
        rc = write_list(&d, l);
    forget_names(&d);
    return rc;
}

/* name is a data file drawn beside the picture STEM.png: STEM.*.dat or STEM.svg */
static int beside_picture(const char *name, const char *stem, size_t k)
{
    return !strncmp(name, stem, k) && name[k] == '.' && !strstr(name, ".tmp.") &&
           (ends_with(name, ".dat") || !strcmp(name + k, ".svg"));
}

int rundir_adopt_picture(const char *png)
{
    char dir[MNL_PATH_LEN], stem[512];
    const char *slash = strrchr(png, '/');
    const char *base = slash ? slash + 1 : png;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - png) : 1, slash ? png : ".");
    snprintf(stem, sizeof stem, "%.*s", (int)(ends_with(base, ".png") ? strlen(base) - 4
                                                                        : strlen(base)), base);
    size_t k = strlen(stem);
    int rc = rundir_adopt(dir, base);
    DIR *dp = rc ? NULL : opendir(dir);
    for (struct dirent *e; dp && !rc && (e = readdir(dp));)
        if (beside_picture(e->d_name, stem, k) && ends_with(e->d_name, ".dat"))
            rc = rundir_adopt(dir, e->d_name);
    if (dp)
        closedir(dp);
    return rc;
}

/* ---- a command's files in a folder ---- */

/* dir holds the mark of a folder an earlier mnistlab wrote: its SWEEP.md, DIFF.md, ROBUSTNESS.md,
 * or a REPORT.md that begins as the suite's reports do (a learner may keep a REPORT.md of their own
 * in a folder they compare). */
static int marker_is_there(const char *dir, const char *marker)
{
    char path[MNL_PATH_LEN];
    if (rundir_path(dir, marker, path, sizeof path) != MNL_OK) {
        mnl_clear_error();
        return 0;
    }
    if (strcmp(marker, RUNDIR_REPORT_MD) != 0)
        return file_exists(path);
    FILE *f;
    long long size;
    if (file_open_regular(path, &f, &size) != MNL_OK) {
        mnl_clear_error();
        return 0;
    }
    char head[sizeof RUNDIR_REPORT_HEAD + 1] = "";
    int ours = fgets(head, sizeof head, f) && !strncmp(head, RUNDIR_REPORT_HEAD "\n", sizeof head - 1);
    fclose(f);
    return ours;
}

/* The file d->dir/name is absent, or the suite's: listed (found: d holds the folder's list), or, in
 * a folder of before these lists, the folder holds `marker` (an earlier mnistlab's sweep, diff or
 * robustness folder) or is an earlier run's and name a picture of its model. */
static int ours_or_absent(const RunDir *d, int found, const char *name, const char *marker)
{
    char path[MNL_PATH_LEN], mark[MNL_PATH_LEN];
    struct stat st;
    if (rundir_path(d->dir, name, path, sizeof path) != MNL_OK) {
        mnl_clear_error();
        return 0;
    }
    if (lstat(path, &st) != 0)
        return errno == ENOENT;
    if (!S_ISREG(st.st_mode))
        return 0;                        /* a folder, a link, a pipe: never the suite's file */
    if (found)
        return rundir_owns(d, name);
    if (marker && marker_is_there(d->dir, marker))
        return 1;
    return legacy_model_picture(name) && rundir_path(d->dir, RUNDIR_CONFIG, mark, sizeof mark) ==
                                             MNL_OK && file_exists(mark);
}

/* The first file of name's that may not be replaced, into bad; 0 when there is none. A picture
 * (STEM.png) brings the data files drawn beside it: when the picture is the suite's, so are they;
 * else each must be. */
static int refused_file(const RunDir *d, int found, const char *name, const char *marker,
                        char *bad, size_t n)
{
    if (ours_or_absent(d, found, name, marker)) {
        if (!ends_with(name, ".png") || (found && rundir_owns(d, name)))
            return 0;
    } else {
        snprintf(bad, n, "%s", name);
        return 1;
    }
    size_t k = strlen(name) - 4;
    DIR *dp = opendir(d->dir);
    int refused = 0;
    for (struct dirent *e; dp && !refused && (e = readdir(dp));)
        if (beside_picture(e->d_name, name, k) && !ours_or_absent(d, found, e->d_name, marker)) {
            snprintf(bad, n, "%s", e->d_name);
            refused = 1;
        }
    if (dp)
        closedir(dp);
    return refused;
}

int rundir_claim_outputs(const char *dir, const char *const *names, const char *marker)
{
    int rc = make_dirs(dir);
    if (rc)
        return rc;
    RunDir d;
    const NameList *l;
    int found;
    if ((rc = read_own_list(&d, dir, &l, &found))) {
        forget_names(&d);
        return rc;
    }
    char bad[300];
    for (int i = 0; names[i] && !rc; i++)
        if (refused_file(&d, found, names[i], marker, bad, sizeof bad))
            rc = mnl_fail(MNL_ERR_CONFIG, "%s/%s is there and mnistlab has no record of writing it; "
                          "it is never replaced: move it away, or write into another folder",
                          dir, bad);
    int listed = d.n_names;
    for (int i = 0; names[i] && !rc; i++)
        rc = add_name(&d, names[i]);
    if (!rc && (!found || d.n_names > listed))     /* a refresh of the same files writes nothing */
        rc = write_list(&d, l);
    forget_names(&d);
    return rc;
}

int rundir_claim_file(const char *path, const char *marker)
{
    char dir[MNL_PATH_LEN];
    const char *slash = strrchr(path, '/');
    if (slash && slash[1] == '\0')
        return mnl_fail(MNL_ERR_ARG, "%s: a file name is wanted, not a folder", path);
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (!dir[0])
        snprintf(dir, sizeof dir, "/");            /* /x.png */
    const char *names[] = {slash ? slash + 1 : path, NULL};
    return rundir_claim_outputs(dir, names, marker);
}

/* ---- status ---- */

/* A live process other than this one holds dir's lock. Asked with F_GETLK, which takes no lock:
 * taking and dropping one here would drop this process's own lock on its own folder. */
static int held_by_another(const char *dir)
{
    char path[MNL_PATH_LEN];
    if (dir_lock_is_ours(dir) || rundir_path(dir, LOCK_NAME, path, sizeof path)) {
        mnl_clear_error();
        return 0;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return 0;
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    int held = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return held;
}

static int count_epochs(const char *dir)
{
    EpochRecord *rows = NULL;
    int n = 0;
    if (rundir_read_metrics(dir, &rows, &n) != MNL_OK)
        n = 0;
    int last = n ? rows[n - 1].epoch : 0;
    free(rows);
    mnl_clear_error();
    return last;
}

int rundir_planned(const char *dir, const char **unit)
{
    char path[1100];
    ExpConfig c;
    *unit = "epoch";
    if (rundir_path(dir, RUNDIR_CONFIG, path, sizeof path) || config_load(path, &c) != MNL_OK) {
        mnl_clear_error();
        return 0;
    }
    const ModelFamily *f = model_family_find(c.family);
    if (!f || !f->fitted)
        return c.epochs;
    if (!strcmp(c.family, "forest"))
        return *unit = "tree", c.trees;
    if (!strcmp(c.family, "boosted-trees"))
        return *unit = "round", c.rounds;
    return *unit = "fit", 1;
}

int rundir_planned_epochs(const char *dir)
{
    char path[MNL_PATH_LEN];
    ExpConfig c;
    if (rundir_path(dir, RUNDIR_CONFIG, path, sizeof path) || config_load(path, &c) != MNL_OK) {
        mnl_clear_error();
        return 0;
    }
    return c.epochs;
}

/* A folder of an earlier mnistlab (no manifest) is finished when its summary, metrics, checkpoint
 * and three pictures are there and whole: 0, or -1 with why. */
static int legacy_complete(const char *dir, char *why, size_t n)
{
    static const char *const needed[] = {RUNDIR_SUMMARY, RUNDIR_METRICS, RUNDIR_CKPT, RUNDIR_CURVES,
                                         RUNDIR_SAMPLES, RUNDIR_CONFUSION, NULL};
    char path[MNL_PATH_LEN];
    for (int i = 0; needed[i]; i++) {
        if (rundir_path(dir, needed[i], path, sizeof path) || !file_exists(path)) {
            snprintf(why, n, "%s is missing (a run of an earlier mnistlab)", needed[i]);
            return -1;
        }
        if (strstr(needed[i], ".png") && png_check_complete(path) != MNL_OK) {
            mnl_clear_error();
            snprintf(why, n, "%s is cut short (a run of an earlier mnistlab)", needed[i]);
            return -1;
        }
    }
    return 0;
}

/* Such a folder, complete, gets its manifest and completion mark, once. */
static int upgrade_legacy(const char *dir, char *why, size_t n)
{
    if (legacy_complete(dir, why, n) != 0)
        return -1;
    RunDir d;
    int rc = rundir_take(&d, dir);
    if (!rc)
        rc = write_manifest(&d);
    if (!rc)
        rc = rundir_finish(&d);
    rundir_release(&d);
    if (rc) {
        snprintf(why, n, "a run of an earlier mnistlab that could not be upgraded: %.300s",
                 mnl_last_error());
        mnl_clear_error();
        return -1;
    }
    return 0;
}

/* A mark of before stamps, or whose stamps are stale (a copied folder), that verified gets them
 * anew, once, so that readers stop summing every file of every run (a results folder of 400 runs
 * holds gigabytes of checkpoints). Under the folder's
 * lock, when it is free: each file is summed again as it is stamped, and the mark is rewritten only
 * when every sum is the one it held; else it is left as it was. */
static void restamp_mark(const char *dir)
{
    DirLock lock;
    char mark[MNL_PATH_LEN], path[MNL_PATH_LEN], *text = NULL;
    unsigned char *buf = NULL;
    size_t len, text_len = 0;
    if (dir_lock_is_ours(dir) || rundir_path(dir, RUNDIR_FINISHED, mark, sizeof mark) ||
        dir_lock(&lock, dir) != MNL_OK) {
        mnl_clear_error();
        return;
    }
    FILE *out = open_memstream(&text, &text_len);
    int ok = out && file_read_all(mark, (size_t)1 << 20, &buf, &len) == MNL_OK &&
             strncmp((const char *)buf, FINISHED_HEAD, strlen(FINISHED_HEAD)) == 0;
    if (ok)
        fputs(FINISHED_HEAD, out);
    for (char *line = ok ? (char *)buf + strlen(FINISHED_HEAD) : ""; ok && *line;) {
        char *nl = strchr(line, '\n'), name[512];
        if (nl)
            *nl = '\0';
        long long want_size, size;
        Checksum want, sum;
        Stamp stamp;
        ok = sscanf(line, "%511s %lld %lx %lx", name, &want_size, &want.crc, &want.adler) == 4 &&
             take_name(name) == 0 && rundir_path(dir, name, path, sizeof path) == MNL_OK &&
             file_crc(path, &size, &sum, &stamp) == 0 && size == want_size &&
             sum.crc == want.crc && sum.adler == want.adler;
        if (ok) {
            put_name(out, name);
            fprintf(out, " %lld %08lx %08lx %lld %llu\n", size, sum.crc, sum.adler, stamp.mtime_ns,
                    stamp.ino);
        }
        line = nl ? nl + 1 : line + strlen(line);
    }
    if (out && fclose(out) != 0)
        ok = 0;
    if (ok)
        atomic_write_file(mark, text, text_len);
    mnl_clear_error();
    free(buf), free(text);
    dir_unlock(&lock);
}

int rundir_verify(const char *dir, char *why, size_t n)
{
    int unstamped;
    return verify_mark(dir, why, n, &unstamped);
}

int rundir_is_finished(const RunDir *d)
{
    char why[400];
    int unstamped;
    return d->legacy ? d->had_files && legacy_complete(d->dir, why, sizeof why) == 0
                     : verify_mark(d->dir, why, sizeof why, &unstamped) == 0;
}

RunDirState rundir_status(const char *dir, RunDirStatus *s, int *upgraded)
{
    memset(s, 0, sizeof *s);
    s->unit = "epoch";
    if (upgraded)
        *upgraded = 0;
    char manifest[MNL_PATH_LEN], summary[MNL_PATH_LEN], ckpt[MNL_PATH_LEN], why[400];
    if (rundir_path(dir, RUNDIR_MANIFEST, manifest, sizeof manifest) ||
        rundir_path(dir, RUNDIR_SUMMARY, summary, sizeof summary) ||
        rundir_path(dir, RUNDIR_CKPT, ckpt, sizeof ckpt)) {
        mnl_clear_error();
        return s->state = RUNDIR_NONE;
    }
    int has_manifest = path_present(manifest);
    if (!has_manifest && !path_present(summary) && !path_present(ckpt))
        return s->state = RUNDIR_NONE;
    s->epoch = count_epochs(dir);
    s->epochs = rundir_planned(dir, &s->unit);
    int one_shot = !strcmp(s->unit, "fit");     /* a fit in one go has no steps to count */
    if (held_by_another(dir)) {
        if (one_shot)
            snprintf(s->text, sizeof s->text, "in progress, fitting");
        else
            snprintf(s->text, sizeof s->text, "in progress, %s %d/%d", s->unit, s->epoch + 1,
                     s->epochs);
        return s->state = RUNDIR_RUNNING;
    }
    int unstamped = 0;
    int ok = has_manifest ? verify_mark(dir, why, sizeof why, &unstamped)
                          : upgrade_legacy(dir, why, sizeof why);
    if (ok == 0 && unstamped)
        restamp_mark(dir);
    if (ok == 0) {
        if (!has_manifest && upgraded)
            *upgraded = 1;
        snprintf(s->text, sizeof s->text, "finished");
        return s->state = RUNDIR_DONE;
    }
    char stopped[600];
    if (read_stopped(dir, stopped, sizeof stopped) == 0)    /* diverged, or a fit interrupted */
        snprintf(s->text, sizeof s->text, "%s", stopped);
    else if (one_shot)
        snprintf(s->text, sizeof s->text, "incomplete: %s (not fitted)", why);
    else
        snprintf(s->text, sizeof s->text, "incomplete: %s (%s %d/%d)", why, s->unit, s->epoch,
                 s->epochs);
    return s->state = RUNDIR_INCOMPLETE;
}

/* ---- metrics.csv ---- */

char *rundir_metrics_text(const EpochRecord *r, int n, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    metrics_csv_header(f);
    for (int i = 0; i < n; i++)
        metrics_csv_row(f, &r[i]);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

int rundir_write_metrics(const char *dir, const EpochRecord *r, int n)
{
    char path[MNL_PATH_LEN];
    size_t len;
    int rc = rundir_path(dir, RUNDIR_METRICS, path, sizeof path);
    if (rc)
        return rc;
    char *text = rundir_metrics_text(r, n, &len);
    if (!text)
        return mnl_fail(MNL_ERR_NOMEM, "cannot format %s", path);
    rc = atomic_write_file(path, text, len);
    free(text);
    return rc;
}

static int push_row(EpochRecord **rows, int *n, int *cap, const EpochRecord *rec)
{
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 64;
        EpochRecord *p = realloc(*rows, (size_t)c * sizeof *p);
        if (!p)
            return mnl_fail(MNL_ERR_NOMEM, "cannot grow the metrics table");
        *rows = p, *cap = c;
    }
    (*rows)[(*n)++] = *rec;
    return MNL_OK;
}

int rundir_parse_metrics(const char *text, const char *name, int up_to_epoch, EpochRecord **rows,
                         int *n)
{
    int lineno = 0, last = 0, cap = 0, rc = MNL_OK;
    *rows = NULL;
    *n = 0;
    for (const char *line = text; *line && !rc;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char row[1024];
        ++lineno;
        if (len >= sizeof row)
            return mnl_fail(MNL_ERR_CKPT, "%s:%d: not a metrics row (%zu characters)", name, lineno,
                            len);
        memcpy(row, line, len);
        row[len] = '\0';
        line += len + (nl ? 1 : 0);
        if (lineno == 1)
            continue;
        EpochRecord rec;
        if (metrics_csv_parse(row, &rec) != 0)
            rc = mnl_fail(MNL_ERR_CKPT, "%s:%d: not a metrics row", name, lineno);
        else if (rec.epoch <= last)
            rc = mnl_fail(MNL_ERR_CKPT, "%s:%d: epoch %d %s; refusing to resume from a damaged "
                          "record", name, lineno, rec.epoch,
                          rec.epoch == last ? "appears twice" : "comes after a later epoch");
        else if (rec.epoch > up_to_epoch)
            rc = mnl_fail(MNL_ERR_CKPT, "%s:%d: epoch %d, but the checkpoint holds only %d epochs; "
                          "refusing to resume from a damaged record", name, lineno, rec.epoch,
                          up_to_epoch);
        else
            rc = push_row(rows, n, &cap, &rec);
        last = rec.epoch;
    }
    if (rc) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

int rundir_read_metrics_text(const char *dir, char **text)
{
    char path[MNL_PATH_LEN];
    unsigned char *buf = NULL;
    size_t len;
    *text = NULL;
    int rc = rundir_path(dir, RUNDIR_METRICS, path, sizeof path);
    if (!rc && !(rc = file_check_regular(path)))        /* a FIFO would block the reader */
        rc = file_read_all(path, (size_t)64 << 20, &buf, &len);
    if (!rc && memchr(buf, '\0', len))
        rc = mnl_fail(MNL_ERR_CKPT, "%s: holds a NUL byte; refusing to resume from a damaged "
                      "record", path);
    if (rc) {
        free(buf);
        return rc;
    }
    *text = (char *)buf;
    return MNL_OK;
}

int rundir_read_metrics(const char *dir, EpochRecord **rows, int *n)
{
    char *text, path[MNL_PATH_LEN];
    *rows = NULL;
    *n = 0;
    int rc = rundir_read_metrics_text(dir, &text);
    if (!rc && !(rc = rundir_path(dir, RUNDIR_METRICS, path, sizeof path)))
        rc = rundir_parse_metrics(text, path, INT_MAX, rows, n);
    free(text);
    return rc;
}

/* ---- the run state inside the checkpoint ---- */

#define RUN_STATE_VERSION 2u

typedef struct {
    uint32_t version;
    uint32_t shuffle_size, dropout_size;
    int32_t epoch, next_batch;
    int32_t n_order;
    double loss_sum, seconds;
    int64_t correct, count;
} RunStateHeader;

unsigned char *rundir_pack_state(const RunState *s, size_t *len)
{
    size_t text_len = s->metrics_text ? strlen(s->metrics_text) : 0;
    if (text_len > UINT32_MAX || s->shuffle_size > UINT32_MAX || s->dropout_size > UINT32_MAX)
        return NULL;
    RunStateHeader h = {
        .version = RUN_STATE_VERSION,
        .shuffle_size = (uint32_t)s->shuffle_size,
        .dropout_size = (uint32_t)s->dropout_size,
        .epoch = s->epoch,
        .next_batch = s->next_batch,
        .n_order = s->order ? s->n_order : 0,
        .loss_sum = s->loss_sum,
        .seconds = s->seconds,
        .correct = s->correct,
        .count = s->count,
    };
    uint32_t tl = (uint32_t)text_len;
    size_t n = sizeof h + h.shuffle_size + h.dropout_size + (size_t)h.n_order * sizeof(int) +
               sizeof tl + text_len;
    unsigned char *buf = malloc(n), *p = buf;
    if (!buf)
        return NULL;
    memcpy(p, &h, sizeof h), p += sizeof h;
    memcpy(p, s->shuffle_state, h.shuffle_size), p += h.shuffle_size;
    memcpy(p, s->dropout_state, h.dropout_size), p += h.dropout_size;
    if (h.n_order)
        memcpy(p, s->order, (size_t)h.n_order * sizeof(int)), p += (size_t)h.n_order * sizeof(int);
    memcpy(p, &tl, sizeof tl), p += sizeof tl;
    if (text_len)
        memcpy(p, s->metrics_text, text_len);
    *len = n;
    return buf;
}

int rundir_unpack_state(const unsigned char *blob, size_t len, const char *ckpt_path, RunState *s)
{
    RunStateHeader h;
    memset(s, 0, sizeof *s);
    if (len < sizeof h)
        return mnl_fail(MNL_ERR_CKPT, "%s: run state missing", ckpt_path);
    memcpy(&h, blob, sizeof h);
    int v2 = h.version == 2u;
    size_t need = sizeof h + (size_t)h.shuffle_size + h.dropout_size +
                  (h.n_order > 0 ? (size_t)h.n_order * sizeof(int) : 0);
    if ((h.version != 1u && !v2) || h.n_order < 0 || h.next_batch < 0 ||
        (v2 ? need > len : need != len))
        return mnl_fail(MNL_ERR_CKPT, "%s: run state does not match this experiment", ckpt_path);
    const unsigned char *p = blob + sizeof h, *end = blob + len;
    s->shuffle_state = p, s->shuffle_size = h.shuffle_size, p += h.shuffle_size;
    s->dropout_state = p, s->dropout_size = h.dropout_size, p += h.dropout_size;
    s->order = h.n_order ? p : NULL;
    s->n_order = h.n_order;
    p += (size_t)h.n_order * sizeof(int);
    s->epoch = h.epoch, s->next_batch = h.next_batch;
    s->loss_sum = h.loss_sum, s->seconds = h.seconds;
    s->correct = h.correct, s->count = h.count;
    if (!v2)
        return MNL_OK;
    uint32_t tl;
    if ((size_t)(end - p) < sizeof tl)
        return mnl_fail(MNL_ERR_CKPT, "%s: run state holds a bad copy of metrics.csv", ckpt_path);
    memcpy(&tl, p, sizeof tl), p += sizeof tl;
    if ((size_t)(end - p) != tl || memchr(p, '\0', tl))
        return mnl_fail(MNL_ERR_CKPT, "%s: run state holds a bad copy of metrics.csv", ckpt_path);
    if (!(s->owned_text = malloc((size_t)tl + 1)))
        return mnl_fail(MNL_ERR_NOMEM, "%s: metrics copy", ckpt_path);
    memcpy(s->owned_text, p, tl);
    s->owned_text[tl] = '\0';
    s->metrics_text = s->owned_text;
    return MNL_OK;
}

void rundir_state_free(RunState *s)
{
    free(s->owned_text);
    s->owned_text = NULL;
    s->metrics_text = NULL;
}

/* ---- summary.txt ---- */

int rundir_write_summary(const char *dir, const char *text, size_t len)
{
    char path[MNL_PATH_LEN];
    int rc = rundir_path(dir, RUNDIR_SUMMARY, path, sizeof path);
    return rc ? rc : atomic_write_file(path, text, len);
}

int rundir_read_summary(const char *dir, char **text)
{
    char path[MNL_PATH_LEN];
    unsigned char *buf = NULL;
    size_t len;
    *text = NULL;
    int rc = rundir_path(dir, RUNDIR_SUMMARY, path, sizeof path);
    if (!rc && !(rc = file_check_regular(path)))        /* a FIFO named summary.txt would hang */
        rc = file_read_all(path, (size_t)1 << 20, &buf, &len);
    if (rc)
        return rc;
    *text = (char *)buf;
    return MNL_OK;
}

int rundir_append_summary(const char *dir, const char *text)
{
    char *old = NULL;
    int rc = rundir_read_summary(dir, &old);
    if (rc)
        return rc;
    size_t n = strlen(old), add = strlen(text);
    char *buf = realloc(old, n + add + 1);
    if (!buf) {
        free(old);
        return mnl_fail(MNL_ERR_NOMEM, "%s/" RUNDIR_SUMMARY ": cannot grow", dir);
    }
    memcpy(buf + n, text, add + 1);
    rc = rundir_write_summary(dir, buf, n + add);
    free(buf);
    return rc;
}

int rundir_summary_value(const char *text, const char *key, char *buf, size_t n)
{
    size_t k = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len > k + 3 && !strncmp(line, key, k) && !strncmp(line + k, " = ", 3)) {
            size_t v = len - k - 3;
            snprintf(buf, n, "%.*s", (int)(v < n ? v : n - 1), line + k + 3);
            return 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (n)
        buf[0] = '\0';
    return -1;
}

/* ---- the sweep folder ---- */

int rundir_take_sweep(DirLock *l, const char *dir)
{
    int rc = make_dirs(dir);
    return rc ? rc : dir_lock(l, dir);
}

/* ---- what a folder or a file is ---- */

static int holds(const char *root, const char *rel, const char *name)
{
    char path[2200];
    if ((size_t)snprintf(path, sizeof path, "%s%s%s/%s", root, rel[0] ? "/" : "", rel, name) >=
        sizeof path)
        return 0;
    return access(path, R_OK) == 0;
}

int rundir_is_sweep(const char *root, const char *rel)
{
    return holds(root, rel, RUNDIR_SWEEP_MD);
}

int rundir_is_diff(const char *root, const char *rel)
{
    return holds(root, rel, RUNDIR_DIFF_MD);
}

int rundir_is_lesson(const char *root, const char *rel)
{
    return holds(root, rel, RUNDIR_LESSON_MD) && !rundir_is_sweep(root, rel);
}

int rundir_is_model_picture(const char *name)
{
    return ends_with(name, ".png") && !strstr(name, ".tmp.") &&
           (!strncmp(name, "predict", 7) || !strncmp(name, RUNDIR_FEATURES_PREFIX, 9));
}
