/* common/fileio: atomic writes, whole-file reads, mkdir -p. */
#include "common/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <zlib.h>

#include "common/error.h"
#include "common/escape.h"

/* ---- the journal: every file a run replaces, so that a failed run can put them all back ---- */

typedef struct {
    char *path;
    int had_old;          /* path existed; its previous content is linked at path.tmp.PID.old */
} JournalEntry;

static struct {
    int active;
    JournalEntry *e;
    int n, cap;
} journal;

/* FNV-1a over s[0..n): a short tag that tells two long names apart. */
static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

int path_sibling(const char *path, const char *strip, const char *suffix, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0, len = strlen(path);
    size_t sl = strlen(strip);
    if (sl && len - dir_len > sl && strcmp(path + len - sl, strip) == 0)
        len -= sl;
    size_t stem = len - dir_len, sfx = strlen(suffix);
    int k;
    if (stem + sfx <= NAME_MAX) {
        k = snprintf(buf, n, "%.*s%s", (int)len, path, suffix);
    } else {
        /* too long for one file name: the stem cut at a whole character, then a hash of it all */
        size_t keep = 0, room = NAME_MAX - sfx - 9;
        while (keep < stem) {
            size_t used;
            esc_utf8_next((const unsigned char *)path + dir_len + keep, stem - keep, &used);
            if (keep + used > room)
                break;
            keep += used;
        }
        k = snprintf(buf, n, "%.*s-%08x%s", (int)(dir_len + keep), path,
                     (unsigned)name_hash(path + dir_len, stem), suffix);
    }
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

int path_leaves_room(const char *what, const char *path, size_t room)
{
    size_t len = strlen(path);
    if (len + room < PATH_MAX)
        return MNL_OK;
    char shown[200];
    if (!room)
        return mnl_fail(MNL_ERR_ARG, "%s %s: %zu bytes, longer than any path the system takes "
                        "(PATH_MAX, %d bytes); nothing was done", what,
                        esc_shorten(path, 60, shown, sizeof shown), len, PATH_MAX - 1);
    return mnl_fail(MNL_ERR_ARG, "%s %s: the path is %zu bytes; with the files written in it (up to "
                    "%zu bytes more) it would pass the system's limit of %d bytes (PATH_MAX); "
                    "nothing was created", what, esc_shorten(path, 60, shown, sizeof shown), len,
                    room, PATH_MAX - 1);
}

static void backup_name(const char *path, char *buf, size_t n)
{
    char sfx[48];
    snprintf(sfx, sizeof sfx, ".tmp.%ld.old", (long)getpid());
    if (path_sibling(path, "", sfx, buf, n) != 0)
        snprintf(buf, n, "%s%s", path, sfx);
}

void journal_begin(void)
{
    journal_end();
    journal.active = 1;
}

/* Remember path's current file before its first replacement in this journal: a hard link costs
 * no space, so even a full disk cannot stop it. */
static int journal_note(const char *path)
{
    for (int i = 0; i < journal.n; i++)
        if (strcmp(journal.e[i].path, path) == 0)
            return 0;
    if (journal.n == journal.cap) {
        int cap = journal.cap ? 2 * journal.cap : 16;
        JournalEntry *p = realloc(journal.e, (size_t)cap * sizeof *p);
        if (!p)
            return -1;
        journal.e = p;
        journal.cap = cap;
    }
    JournalEntry *e = &journal.e[journal.n];
    if (!(e->path = strdup(path)))
        return -1;
    struct stat st;
    e->had_old = 0;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        char old[MNL_PATH_LEN];
        backup_name(path, old, sizeof old);
        unlink(old);
        if (link(path, old) != 0) {
            free(e->path);
            return -1;
        }
        e->had_old = 1;
    }
    journal.n++;
    return 0;
}

int file_rename_into_place(const char *tmp, const char *path)
{
    if (journal.active && journal_note(path) != 0)
        return -1;
    return rename(tmp, path);
}

int file_remove_journaled(const char *path)
{
    if (journal.active && journal_note(path) != 0)
        return -1;
    return unlink(path);
}

int journal_replaced_any(void)
{
    for (int i = 0; i < journal.n; i++)
        if (journal.e[i].had_old)
            return 1;
    return 0;
}

int journal_rollback(void)
{
    int restored = 0;
    if (journal_replaced_any()) {
        for (int i = journal.n - 1; i >= 0; i--) {
            char old[MNL_PATH_LEN];
            backup_name(journal.e[i].path, old, sizeof old);
            if (journal.e[i].had_old)
                restored += rename(old, journal.e[i].path) == 0;
            else
                unlink(journal.e[i].path);
        }
    }
    journal_end();
    return restored;
}

void journal_end(void)
{
    for (int i = 0; i < journal.n; i++) {
        if (journal.e[i].had_old) {
            char old[MNL_PATH_LEN];
            backup_name(journal.e[i].path, old, sizeof old);
            unlink(old);
        }
        free(journal.e[i].path);
    }
    free(journal.e);
    memset(&journal, 0, sizeof journal);
}

/* The temporary files being written now, for file_abandon_temps (a signal handler). */
#define MAX_OPEN_TEMPS 8
static char open_temps[MAX_OPEN_TEMPS][MNL_PATH_LEN + 64];   /* as AtomicFile.tmp */

static void note_temp(const char *tmp, int open)
{
    for (int i = 0; i < MAX_OPEN_TEMPS; i++)
        if (open ? !open_temps[i][0] : !strcmp(open_temps[i], tmp)) {
            snprintf(open_temps[i], sizeof open_temps[i], "%s", open ? tmp : "");
            return;
        }
}

void file_abandon_temps(void)
{
    for (int i = 0; i < MAX_OPEN_TEMPS; i++)
        if (open_temps[i][0])
            unlink(open_temps[i]);
}

int atomic_open(AtomicFile *a, const char *path)
{
    memset(a, 0, sizeof *a);
    if (strlen(path) >= sizeof a->path)
        return mnl_fail(MNL_ERR_IO, "%s: path too long", path);
    snprintf(a->path, sizeof a->path, "%s", path);
    char sfx[32];
    snprintf(sfx, sizeof sfx, ".tmp.%ld", (long)getpid());
    if (path_sibling(path, "", sfx, a->tmp, sizeof a->tmp) != 0)
        return mnl_fail(MNL_ERR_IO, "%s: path too long", path);
    note_temp(a->tmp, 1);
    a->f = fopen(a->tmp, "wb");
    if (!a->f) {
        note_temp(a->tmp, 0);
        return mnl_fail(MNL_ERR_IO, "%s: cannot write: %s", a->path, strerror(errno));
    }
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
    if (!err && file_rename_into_place(a->tmp, a->path) != 0)
        err = errno, what = "rename";
    note_temp(a->tmp, 0);
    if (err) {
        remove(a->tmp);
        return mnl_fail(MNL_ERR_IO, "%s: cannot %s: %s (%s)", a->path, what, strerror(err ? err : EIO),
                        path_present(a->path) ? "the previous file is left as it was"
                                              : "nothing was put in its place");
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
    note_temp(a->tmp, 0);
}

int atomic_link_file(const char *existing, const char *path)
{
    char tmp[PATH_MAX + 64], sfx[32];
    snprintf(sfx, sizeof sfx, ".tmp.%ld", (long)getpid());
    if (path_sibling(path, "", sfx, tmp, sizeof tmp) != 0)
        return mnl_fail(MNL_ERR_IO, "%s: path too long", path);
    note_temp(tmp, 1);
    int err = link(existing, tmp) != 0 ? errno : 0;
    if (!err && file_rename_into_place(tmp, path) != 0)
        err = errno, remove(tmp);
    note_temp(tmp, 0);
    if (err)
        return mnl_fail(MNL_ERR_IO, "%s: cannot link it to %s: %s", path, existing, strerror(err));
    return MNL_OK;
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

FILE *file_open_text(const char *path)
{
    FILE *f;
    long long size;
    if (file_open_regular(path, &f, &size) != MNL_OK)
        return NULL;
    return f;
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
    char p[MNL_PATH_LEN];
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

/* ---- the output folder's lock ---- */

/* Every lock this process holds: a lock file must not be opened and closed by its own holder
 * (closing any descriptor of a file drops the process's record locks on it). */
#define MAX_HELD 8
static char held_paths[MAX_HELD][MNL_PATH_LEN];

static void note_held(const char *path, int held)
{
    for (int i = 0; i < MAX_HELD; i++)
        if (held ? !held_paths[i][0] : !strcmp(held_paths[i], path)) {
            snprintf(held_paths[i], sizeof held_paths[i], "%s", held ? path : "");
            return;
        }
}

int dir_lock_is_ours(const char *dir)
{
    char path[MNL_PATH_LEN];
    if (snprintf(path, sizeof path, "%s/.mnistlab.lock", dir) >= (int)sizeof path)
        return 0;
    for (int i = 0; i < MAX_HELD; i++)
        if (!strcmp(held_paths[i], path))
            return 1;
    return 0;
}

static long read_pid(int fd)
{
    char buf[32] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

static int lock_region(int fd, short type, struct flock *fl)
{
    memset(fl, 0, sizeof *fl);
    fl->l_type = type;
    fl->l_whence = SEEK_SET;
    return fcntl(fd, F_SETLK, fl);
}

int dir_lock(DirLock *l, const char *dir)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    if (snprintf(l->path, sizeof l->path, "%s/.mnistlab.lock", dir) >= (int)sizeof l->path)
        return mnl_fail(MNL_ERR_IO, "%s: path too long", dir);
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
            return mnl_fail(MNL_ERR_IO, "%s: cannot create the lock file: %s", l->path, strerror(errno));
        struct flock fl;
        if (lock_region(fd, F_WRLCK, &fl) != 0) {
            int e = errno;
            struct flock who;
            memset(&who, 0, sizeof who);
            who.l_type = F_WRLCK;
            who.l_whence = SEEK_SET;
            long pid = fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK ? (long)who.l_pid
                                                                              : read_pid(fd);
            close(fd);
            if (e == EACCES || e == EAGAIN)
                return mnl_fail(MNL_ERR_LOCKED, "%s: in use by another run (process %ld holds %s); "
                                "wait for it to end, or choose another --out", dir, pid, l->path);
            return mnl_fail(MNL_ERR_IO, "%s: cannot lock: %s", l->path, strerror(e));
        }
        /* The holder before us may have removed the file between our open and our lock: then we
         * hold a name nobody else sees, and must start again on the one that is there now. */
        struct stat mine, there;
        if (fstat(fd, &mine) != 0 || stat(l->path, &there) != 0 || mine.st_ino != there.st_ino ||
            mine.st_dev != there.st_dev) {
            close(fd);
            continue;
        }
        long old = read_pid(fd);
        if (old > 0 && old != (long)getpid())
            l->stale_pid = old;
        char text[32];
        int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
            int e = errno;
            unlink(l->path);
            close(fd);
            return mnl_fail(MNL_ERR_IO, "%s: cannot write the lock file: %s", l->path,
                            strerror(e ? e : EIO));
        }
        l->fd = fd;
        l->held = 1;
        note_held(l->path, 1);
        return MNL_OK;
    }
    return mnl_fail(MNL_ERR_LOCKED, "%s: other runs keep taking and releasing its lock; try again", dir);
}

void dir_locks_abandon(void)
{
    for (int i = 0; i < MAX_HELD; i++)
        if (held_paths[i][0])
            unlink(held_paths[i]);
}

void dir_unlock(DirLock *l)
{
    if (!l->held)
        return;
    /* Unlinked while still locked, so a run waiting on the old file sees it vanish (dir_lock then
     * starts again) instead of taking a lock on a name that is gone. */
    unlink(l->path);
    close(l->fd);
    l->fd = -1;
    l->held = 0;
    note_held(l->path, 0);
}

/* NAME.tmp.PID or NAME.tmp.PID.EXT: the pid, or 0 when name is not such a file. */
long file_temp_pid(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    if (!t || t == name)
        return 0;
    for (const char *next; (next = strstr(t + 1, ".tmp.")); )
        t = next;
    const char *d = t + 5;
    size_t digits = strspn(d, "0123456789");
    if (digits == 0 || digits > 9 || (d[digits] != '\0' && d[digits] != '.'))
        return 0;
    if (d[digits] == '.' && strchr(d + digits + 1, '.'))
        return 0;
    return strtol(d, NULL, 10);
}

int dir_remove_dead_temps(const char *dir, int *removed)
{
    *removed = 0;
    DIR *d = opendir(dir);
    if (!d)
        return mnl_fail(MNL_ERR_IO, "%s: cannot list: %s", dir, strerror(errno));
    int rc = MNL_OK;
    for (struct dirent *e; (e = readdir(d));) {
        long pid = file_temp_pid(e->d_name);
        if (pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;                     /* its writer is alive (or not ours to judge) */
        char path[MNL_PATH_LEN];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (unlink(path) == 0)
            (*removed)++;
        else if (!rc)
            rc = mnl_fail(MNL_ERR_IO, "%s: cannot remove a dead run's temporary file: %s", path,
                          strerror(errno));
    }
    closedir(d);
    return rc;
}

/* ---- a PNG read to its end ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int png_check_complete(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char *b;
    size_t n;
    int rc = file_read_all(path, (size_t)256 << 20, &b, &n);
    if (rc)
        return rc;
    if (n < 8 || memcmp(b, sig, 8) != 0) {
        free(b);
        return mnl_fail(MNL_ERR_IO, "%s: not a PNG (%zu bytes, no PNG signature)", path, n);
    }
    size_t pos = 8;
    int ended = 0;
    while (!ended) {
        if (n - pos < 12) {
            rc = mnl_fail(MNL_ERR_IO, "%s: cut after %zu bytes, no IEND chunk", path, n);
            break;
        }
        uint32_t len = be32(b + pos);
        if (len > 0x7fffffffu || n - pos - 12 < len) {
            rc = mnl_fail(MNL_ERR_IO, "%s: cut after %zu bytes inside a chunk, no IEND chunk", path, n);
            break;
        }
        const unsigned char *type = b + pos + 4;
        uint32_t want = be32(b + pos + 8 + len);
        uint32_t got = (uint32_t)crc32(crc32(0L, Z_NULL, 0), type, len + 4);
        if (want != got) {
            rc = mnl_fail(MNL_ERR_IO, "%s: chunk %.4s at byte %zu has a bad CRC", path, type, pos);
            break;
        }
        ended = memcmp(type, "IEND", 4) == 0;
        pos += 12 + (size_t)len;
    }
    if (!rc && pos != n)
        rc = mnl_fail(MNL_ERR_IO, "%s: %zu bytes after the IEND chunk", path, n - pos);
    free(b);
    return rc;
}

void disk_full_note(const char *dir, char *buf, size_t n)
{
    buf[0] = '\0';
    struct statvfs v;
    if (statvfs(dir, &v) != 0)
        return;
    unsigned long long avail = (unsigned long long)v.f_bavail * v.f_frsize;
    if (avail < (1ull << 20))
        snprintf(buf, n, "no space left on device (%s has %llu bytes free)", dir, avail);
}
