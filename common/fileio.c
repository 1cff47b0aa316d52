/* common/fileio: atomic writes, whole-file reads, mkdir -p. */
#include "common/fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

int atomic_open(AtomicFile *a, const char *path)
{
    memset(a, 0, sizeof *a);
    if (strlen(path) >= sizeof a->path)
        return mnl_fail(MNL_ERR_IO, "%s: path too long", path);
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.%ld", path, (long)getpid());
    a->f = fopen(a->tmp, "wb");
    if (!a->f)
        return mnl_fail(MNL_ERR_IO, "%s: cannot write: %s", a->path, strerror(errno));
    return MNL_OK;
}

int atomic_commit(AtomicFile *a)
{
    int err = 0;
    const char *what = "write";
    if (fflush(a->f) != 0 || ferror(a->f)) {
        /* The error may come from an earlier fwrite/fprintf whose errno is long gone: still an
         * error, or the cut file would be renamed into place. */
        err = errno ? errno : EIO;
    } else if (fsync(fileno(a->f)) != 0 && errno != EINVAL) {
        err = errno, what = "fsync";
    }
    if (fclose(a->f) != 0 && !err)
        err = errno, what = "close";
    a->f = NULL;
    if (!err && rename(a->tmp, a->path) != 0)
        err = errno, what = "rename";
    if (err) {
        remove(a->tmp);
        return mnl_fail(MNL_ERR_IO, "%s: cannot %s: %s (previous file left untouched)", a->path, what,
                        strerror(err ? err : EIO));
    }
    return MNL_OK;
}

void atomic_abort(AtomicFile *a)
{
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    if (a->tmp[0])
        remove(a->tmp);
}

int atomic_write_file(const char *path, const void *data, size_t len)
{
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    if (len && fwrite(data, 1, len, a.f) != len) {
        int e = errno;
        atomic_abort(&a);
        return mnl_fail(MNL_ERR_IO, "%s: cannot write: %s", path, strerror(e ? e : EIO));
    }
    return atomic_commit(&a);
}

int file_open_regular(const char *path, FILE **f, long long *size)
{
    *f = fopen(path, "rb");
    if (!*f)
        return mnl_fail(MNL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(*f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(*f);
        *f = NULL;
        return mnl_fail(MNL_ERR_IO, "%s: not a regular file", path);
    }
    *size = (long long)st.st_size;
    return MNL_OK;
}

int file_read_all(const char *path, size_t max, unsigned char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f;
    long long size;
    int rc = file_open_regular(path, &f, &size);
    if (rc)
        return rc;
    if ((unsigned long long)size > max) {
        fclose(f);
        return mnl_fail(MNL_ERR_IO, "%s: %lld bytes, more than the %zu allowed", path, size, max);
    }
    size_t n = (size_t)size;
    unsigned char *b = malloc(n + 1);
    if (!b) {
        fclose(f);
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, n + 1);
    }
    size_t got = fread(b, 1, n, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || got != n) {
        free(b);
        return mnl_fail(MNL_ERR_IO, "%s: read %zu of %zu bytes", path, got, n);
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return MNL_OK;
}

int make_dirs(const char *path)
{
    char p[1024];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return mnl_fail(MNL_ERR_IO, "%s: path too long", path);
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return mnl_fail(MNL_ERR_IO, "%s: cannot create directory: %s", p, strerror(errno));
            struct stat st;
            if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                return mnl_fail(MNL_ERR_IO, "%s: exists and is not a directory", p);
            *s = c;
            if (c == '\0')
                break;
        }
    }
    return MNL_OK;
}

int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
