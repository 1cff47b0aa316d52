/* tests/test_util: temp directory, paths, and real-data discovery for the suites. */
#include "tests/test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[512];

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
