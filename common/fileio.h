/* common/fileio: files written atomically (a temp file beside the target, flushed, fsync'd and
 * renamed, so a crash or a full disk never leaves a half-written result), whole-file reads, and
 * mkdir -p. Every failure is MNL_ERR_IO with a detail naming the path and the system's reason. */
#ifndef MNL_FILEIO_H
#define MNL_FILEIO_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* Room for any path the suite names: up to PATH_MAX bytes and a suffix (".tmp.PID.old"). A path cut
 * to fit is always longer than the system takes, so it fails by name and never opens another
 * file; a folder named on the command line is checked first with path_leaves_room. */
#define MNL_PATH_LEN (PATH_MAX + 64)

typedef struct {
    FILE *f;              /* write here */
    char path[MNL_PATH_LEN];   /* final name */
    char tmp[MNL_PATH_LEN + 64];   /* path.tmp.PID (path_sibling: its own name near NAME_MAX) */
} AtomicFile;

/* Create path's temp file for writing. */
int atomic_open(AtomicFile *a, const char *path);
/* Flush, fsync, close and rename over path. On failure the temp file is removed, path untouched. */
int atomic_commit(AtomicFile *a);
/* Close and remove the temp file (after an error while writing). */
void atomic_abort(AtomicFile *a);
/* For a signal handler: remove the temporary files of the atomic writes not yet committed or
 * aborted (the targets stay as they were). Async-signal-safe. */
void file_abandon_temps(void);
/* path made a second name of the file existing names (a hard link, put in place by a rename, so
 * path is either its old file or the new name); MNL_ERR_IO when the file system refuses (the
 * caller may then write a copy). */
int atomic_link_file(const char *existing, const char *path);
/* Write a whole buffer atomically. */
int atomic_write_file(const char *path, const void *data, size_t len);

/* path with the suffix strip of its last component (when it ends with it) replaced by suffix
 * ("OUT.png" -> "OUT.grid.dat", "X" -> "X.tmp.PID"). When the file name would outgrow NAME_MAX, its
 * stem is cut at a whole character and a hash of the whole name added ("long...-1a2b3c4d.dat"), so
 * every output of a 250-byte name has a name of its own. -1 when buf is too short. */
int path_sibling(const char *path, const char *strip, const char *suffix, char *buf, size_t n);

/* MNL_OK when every path the suite writes under the folder path (up to room bytes more, "/" and
 * the file's name included; for a file, its temp suffix) stays within PATH_MAX; else MNL_ERR_ARG
 * naming it, shortened for display ("what PATH…: the path is N bytes ..."). room 0: path itself
 * is a path the system takes. Checked before anything is created. */
int path_leaves_room(const char *what, const char *path, size_t room);

/* rename(tmp, path), noting path's previous file in the journal when one is active; -1 with errno
 * on failure. Every file put into place goes through here (atomic_commit, the plots). */
int file_rename_into_place(const char *tmp, const char *path);

/* unlink(path), its file first noted in the journal when one is active (a rollback brings it
 * back); -1 with errno on failure. */
int file_remove_journaled(const char *path);

/* The journal of one run (one per process): from journal_begin on, each file replaced is first
 * hard-linked aside (PATH.tmp.PID.old). journal_end forgets them (the run stands);
 * journal_rollback puts every previous file back and removes the files that had none, so a run
 * that fails leaves the folder as it found it, never a mixture of two runs' files (when nothing
 * had been there before, the new files stay: they are all of one run). Returns the files restored. */
void journal_begin(void);
void journal_end(void);
int journal_rollback(void);
/* Some file replaced since journal_begin had a previous version. */
int journal_replaced_any(void);

/* Read a whole file into a malloc'd buffer (NUL-terminated beyond len); refuses files over max. */
int file_read_all(const char *path, size_t max, unsigned char **buf, size_t *len);
/* Open path for binary reading when it is a regular file; a directory, FIFO, device or socket is
 * refused with its type named, before anything could block on it. *size: its length in bytes
 * (a reader never reads past it, so no read loops on an endless stream). The caller closes *f. */
int file_open_regular(const char *path, FILE **f, long long *size);
/* fopen(path, "r") for a regular file only: NULL (the reason in the detail) for a FIFO, device or
 * directory, which fopen would block on or read forever. For readers that only need the stream. */
FILE *file_open_text(const char *path);
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

/* ---- an output folder held by one run at a time ---- */

typedef struct {
    int fd;               /* the lock file, open while held */
    int held;
    long stale_pid;       /* a dead run's process id found in the lock file when taking it, or 0 */
    char path[MNL_PATH_LEN];      /* DIR/.mnistlab.lock */
} DirLock;

/* Hold dir for this process: DIR/.mnistlab.lock holds our process id under a POSIX record lock,
 * which the kernel drops when the process ends however it ends, so a lock file left by a killed
 * run is stale and taken over (its pid in l->stale_pid). MNL_ERR_LOCKED, naming the holder's
 * process id, when a live process holds it. */
int dir_lock(DirLock *l, const char *dir);
/* Release and remove the lock file (nothing when not held). */
void dir_unlock(DirLock *l);
/* For a signal handler about to _exit: unlink the lock file of every lock this process holds (a
 * sweep's and the run's inside it alike). Async-signal-safe. */
void dir_locks_abandon(void);
/* This process holds dir's lock (taken by dir_lock, not yet released). */
int dir_lock_is_ours(const char *dir);

/* NAME.tmp.PID or NAME.tmp.PID.EXT (what atomic writes and plots make): PID, or 0 when name is
 * not such a file. */
long file_temp_pid(const char *name);

/* Remove from dir the temporary files (NAME.tmp.PID, NAME.tmp.PID.EXT) that atomic writes of
 * processes no longer running left behind; *removed: how many. Call it holding dir_lock. */
int dir_remove_dead_temps(const char *dir, int *removed);

/* MNL_OK when path is a complete PNG: the signature, then chunks whose CRCs match, ending with
 * IEND and nothing after it. MNL_ERR_IO naming what is wrong ("cut after 16384 bytes"). A plot
 * program may exit 0 having written a cut file onto a full disk; this is read before a picture
 * replaces anything. */
int png_check_complete(const char *path);

/* "no space left on device" and the free bytes of the file system holding dir into buf, when it
 * is (nearly) full; "" otherwise. */
void disk_full_note(const char *dir, char *buf, size_t n);

#endif
