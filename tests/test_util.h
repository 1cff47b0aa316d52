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
/* Write len bytes to path; 0 on success. */
int test_write_file(const char *path, const void *data, size_t len);

/* Each suite file defines one of these; tests/test_main.c lists them. */
typedef int (*SuiteRegister)(void);

#endif
