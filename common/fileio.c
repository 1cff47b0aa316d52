/* common/fileio: atomic writes, whole-file reads, mkdir -p. */
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
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

const char *file_type_name(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO (named pipe)";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symbolic link";
    default: return "not a regular file";
    }
}

/* Why path cannot be opened, in words that name the real cause: a link pointing nowhere is not
 * "no such file" when the link itself is there. */
static int open_failure(const char *path, int err)
{
    struct stat st;
    if (err == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        return mnl_fail(MNL_ERR_IO, "%s: cannot open: a symbolic link to a file that does not exist",
                        path);
    return mnl_fail(MNL_ERR_IO, "%s: cannot open: %s", path, strerror(err));
}

int file_check_regular(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return open_failure(path, errno);
    if (!S_ISREG(st.st_mode))
        return mnl_fail(MNL_ERR_IO, "%s: is %s, not a regular file", path,
                        file_type_name((unsigned)st.st_mode));
    return MNL_OK;
}

int file_open_regular(const char *path, FILE **f, long long *size)
{
    *f = NULL;
    /* The type is checked before a blocking open: open() of a FIFO waits for a writer forever,
     * and a device such as /dev/zero never ends. O_NONBLOCK covers the race of a file replaced
     * by a FIFO between stat and open; the descriptor is checked again and made blocking. */
    int rc = file_check_regular(path);
    if (rc)
        return rc;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return open_failure(path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mnl_fail(MNL_ERR_IO, "%s: is %s, not a regular file", path,
                        file_type_name((unsigned)st.st_mode));
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1 || !(*f = fdopen(fd, "rb"))) {
        int e = errno;
        close(fd);
        return mnl_fail(MNL_ERR_IO, "%s: cannot open: %s", path, strerror(e));
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

int path_present(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}
