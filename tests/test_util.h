/* tests/test_util: helpers shared by the CUnit suites: a private temp directory per run, paths in
 * it, and the location of the real MNIST files when they are present. */
#ifndef MNL_TEST_UTIL_H
#define MNL_TEST_UTIL_H

#include <stddef.h>

/* A fresh directory under $TMPDIR (or /tmp) for this test run; removed at exit. */
const char *test_tmpdir(void);
/* test_tmpdir()/name in a static rotating buffer (valid for the next 8 calls). */
const char *test_path(const char *name);
/* Directory of the real MNIST IDX files, or NULL when they are not there (tests then skip). */
const char *test_mnist_dir(void);
/* Marks the running test as skipped because `reason` (e.g. "no MNIST in data/mnist") and returns 1,
 * for `if (!test_mnist_dir()) { test_skip(...); return; }`. A skipped test is counted and printed as
 * skipped on the closing line, never as passed; under CI (CI=true) a missing prerequisite is a
 * failure of that test instead, because CI must run everything. */
int test_skip(const char *reason);
/* How many tests were skipped (and did not also fail). */
unsigned test_skipped_count(void);
/* Forget the skipped tests counted so far (the runner counts each suite's run apart). */
void test_skipped_reset(void);
/* The one missing-data policy of every suite: 1 when the MNIST files are there; else the running
 * test is skipped (test_skip: counted, a failure under CI) and 0 is returned, for
 * `if (!test_need_mnist()) return;`. */
int test_need_mnist(void);
/* The same for another data set: 1 when `probe` (one of its files) is readable, else a skip naming
 * what (e.g. "Fashion-MNIST") and the file. */
int test_need_data(const char *probe, const char *what);

/* ---- waiting on an event, never on the clock alone ---- */
/* seconds of wall time as this build runs it: the same under the plain build, times 4 under
 * AddressSanitizer, times 10 under ThreadSanitizer (or times $MNL_TEST_SLOWDOWN when set), so a
 * deadline that a plain build meets with room to spare is met by a sanitizer build too. */
double test_deadline(double seconds);
/* Wait until path exists (its `text` is in it, when text is not NULL), checking every few
 * milliseconds up to test_deadline(seconds). 0 when it happened, -1 when the deadline passed. */
int test_wait_for(const char *path, const char *text, double seconds);

/* The width and height of the PNG file at path, read with libpng; 0 on success, -1 when it is not
 * a readable PNG. */
int test_png_size(const char *path, unsigned *w, unsigned *h);

/* Write len bytes to path; 0 on success. */
int test_write_file(const char *path, const void *data, size_t len);

/* The program under test: $MNISTLAB (make test sets it), else bin/mnistlab. */
const char *test_program(void);
/* Run "mnistlab ARGS" through /bin/sh with ENV assignments (may be NULL) before it, stdout and
 * stderr into the files out_path and err_path, stdin from /dev/null. file_limit > 0 caps the size
 * of any file it writes (RLIMIT_FSIZE, what `ulimit -f` sets), in bytes. Returns the exit status,
 * or 128 + the signal that killed it, or -1 when it could not be run. */
int test_run_program(const char *env, const char *args, long file_limit, const char *out_path,
                     const char *err_path);
/* A whole (small) file as a string, in a static buffer; "" when missing. */
const char *test_slurp(const char *path);

/* Each suite file defines one of these; tests/test_main.c lists them. */
typedef int (*SuiteRegister)(void);

#endif
