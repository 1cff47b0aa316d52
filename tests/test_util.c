/* tests/test_util: temp directory, paths, and real-data discovery for the suites. */
#include "tests/test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <png.h>

static char tmpdir[512];

/* ---- skipped tests ---- */

#define MAX_SKIPPED 256
static CU_pTest skipped[MAX_SKIPPED];
static unsigned n_skipped;

static int under_ci(void)
{
    const char *ci = getenv("CI");
    return ci && (strcmp(ci, "true") == 0 || strcmp(ci, "1") == 0);
}

int test_skip(const char *reason)
{
    if (under_ci()) {
        char msg[512];
        snprintf(msg, sizeof msg, "under CI nothing may be skipped, but: %s", reason);
        CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);
        return 1;
    }
    CU_pTest t = CU_get_current_test();
    for (unsigned i = 0; i < n_skipped; i++)
        if (skipped[i] == t)
            return 1;
    if (n_skipped < MAX_SKIPPED)
        skipped[n_skipped++] = t;
    fprintf(stderr, " (SKIPPED: %s) ", reason);
    return 1;
}

static int test_failed(CU_pTest t)
{
    for (CU_pFailureRecord f = CU_get_failure_list(); f; f = f->pNext)
        if (f->pTest == t)
            return 1;
    return 0;
}

unsigned test_skipped_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < n_skipped; i++)
        n += !test_failed(skipped[i]);
    return n;
}

void test_skipped_reset(void)
{
    n_skipped = 0;
}

int test_need_mnist(void)
{
    if (test_mnist_dir())
        return 1;
    test_skip("no MNIST in data/mnist or $MNIST_DIR (make data)");
    return 0;
}

int test_need_data(const char *probe, const char *what)
{
    if (access(probe, R_OK) == 0)
        return 1;
    char why[1200];
    snprintf(why, sizeof why, "no %s: %s is not there", what, probe);
    test_skip(why);
    return 0;
}

/* ---- waiting ---- */

/* GCC defines __SANITIZE_*__; clang answers __has_feature. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) && !defined(__SANITIZE_THREAD__)
#define __SANITIZE_THREAD__ 1
#endif
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif

double test_deadline(double seconds)
{
    const char *env = getenv("MNL_TEST_SLOWDOWN");
    double factor = env && atof(env) > 0 ? atof(env) : 1.0;
#if defined(__SANITIZE_THREAD__)
    if (!env)
        factor = 10.0;
#elif defined(__SANITIZE_ADDRESS__)
    if (!env)
        factor = 4.0;
#endif
    return seconds * factor;
}

static double monotonic_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int happened(const char *path, const char *text)
{
    if (access(path, F_OK) != 0)
        return 0;
    return !text || strstr(test_slurp(path), text) != NULL;
}

int test_wait_for(const char *path, const char *text, double seconds)
{
    const double end = monotonic_seconds() + test_deadline(seconds);
    const struct timespec poll = {0, 5 * 1000 * 1000};
    while (!happened(path, text)) {
        if (monotonic_seconds() > end)
            return -1;
        nanosleep(&poll, NULL);
    }
    return 0;
}

static void remove_tmpdir(void)
{
    if (!tmpdir[0] || getenv("MNL_KEEP_TMP"))
        return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", tmpdir);
}

const char *test_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/mnistlab-test.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

const char *test_path(const char *name)
{
    static char bufs[8][768];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", test_tmpdir(), name);
    return b;
}

const char *test_mnist_dir(void)
{
    static char dir[1024];
    const char *env = getenv("MNIST_DIR");
    snprintf(dir, sizeof dir, "%s", env && *env ? env : "data/mnist");
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte", dir);
    if (access(probe, R_OK) == 0)
        return dir;
    snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte.gz", dir);
    return access(probe, R_OK) == 0 ? dir : NULL;
}

int test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

const char *test_program(void)
{
    const char *p = getenv("MNISTLAB");
    return p && *p ? p : "bin/mnistlab";
}

int test_run_program(const char *env, const char *args, long file_limit, const char *out_path,
                     const char *err_path)
{
    size_t len = strlen(args) + (env ? strlen(env) : 0) + strlen(out_path) + strlen(err_path) + 4096;
    char *cmd = malloc(len);
    if (!cmd)
        return -1;
    snprintf(cmd, len, "exec env %s %s %s >'%s' 2>'%s' </dev/null", env ? env : "", test_program(),
             args, out_path, err_path);
    pid_t pid = fork();
    if (pid == 0) {
        if (file_limit > 0) {
            struct rlimit rl = {(rlim_t)file_limit, (rlim_t)file_limit};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    free(cmd);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *test_slurp(const char *path)
{
    static char buf[1 << 16];
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

int test_png_size(const char *path, unsigned *w, unsigned *h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path))
        return -1;
    *w = im.width;
    *h = im.height;
    png_image_free(&im);
    return 0;
}
