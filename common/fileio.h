/* common/fileio: files written atomically (a temp file beside the target, flushed, fsync'd and
 * renamed, so a crash or a full disk never leaves a half-written result), whole-file reads, and
 * mkdir -p. Every failure is MNL_ERR_IO with a detail naming the path and the system's reason. */
#ifndef MNL_FILEIO_H
#define MNL_FILEIO_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *f;              /* write here */
    char path[1024];      /* final name */
    char tmp[1100];       /* path.tmp.PID */
} AtomicFile;

/* Create path's temp file for writing. */
int atomic_open(AtomicFile *a, const char *path);
/* Flush, fsync, close and rename over path. On failure the temp file is removed, path untouched. */
int atomic_commit(AtomicFile *a);
/* Close and remove the temp file (after an error while writing). */
void atomic_abort(AtomicFile *a);
/* Write a whole buffer atomically. */
int atomic_write_file(const char *path, const void *data, size_t len);

/* Read a whole file into a malloc'd buffer (NUL-terminated beyond len); refuses files over max. */
int file_read_all(const char *path, size_t max, unsigned char **buf, size_t *len);
/* Open path for binary reading when it is a regular file; a directory, FIFO, device or socket is
 * refused with its type named, before anything could block on it. *size: its length in bytes
 * (a reader never reads past it, so no read loops on an endless stream). The caller closes *f. */
int file_open_regular(const char *path, FILE **f, long long *size);
/* MNL_OK when path names a regular file (after symbolic links); else MNL_ERR_IO, the detail
 * naming what it is instead ("is a FIFO (named pipe)") or why it cannot be reached. */
int file_check_regular(const char *path);
/* "a directory", "a FIFO (named pipe)", ... for a st_mode. */
const char *file_type_name(unsigned mode);
/* mkdir -p; fine when it exists. */
int make_dirs(const char *path);
int file_exists(const char *path);
/* An entry of that name is there, even a symbolic link that leads nowhere (so that opening it
 * names the real cause: a loop, a dangling link, a FIFO). */
int path_present(const char *path);

#endif
