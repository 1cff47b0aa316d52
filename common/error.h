/* common/error: the error codes every library function returns, their one-line names, and a
 * per-thread detail message (which file, which line, expected versus found) that only the CLI
 * prints. Library code records a failure with mnl_fail() and returns its code; it never exits. */
#ifndef MNL_ERROR_H
#define MNL_ERROR_H

typedef enum {
    MNL_OK = 0,
    MNL_ERR_IO,              /* open/read/write/rename failed (errno in the detail) */
    MNL_ERR_NOMEM,           /* an allocation failed */
    MNL_ERR_ARG,             /* a caller passed an impossible argument */
    MNL_ERR_IDX_MAGIC,       /* IDX: first two bytes are not zero */
    MNL_ERR_IDX_TYPE,        /* IDX: element type is not unsigned byte (0x08) */
    MNL_ERR_IDX_RANK,        /* IDX: rank is not the one expected (3 for images, 1 for labels) */
    MNL_ERR_IDX_TRUNCATED,   /* IDX: the file is shorter than its header says */
    MNL_ERR_IDX_OVERFLOW,    /* IDX: the dimensions' product overflows or is absurd */
    MNL_ERR_IDX_COUNT,       /* IDX: image and label counts differ */
    MNL_ERR_IDX_LABEL,       /* IDX: a label is outside 0..K-1 */
    MNL_ERR_IDX_GZIP,        /* IDX: the gzip stream is corrupt */
    MNL_ERR_CHECKSUM,        /* a file's SHA-256 or CRC does not match */
    MNL_ERR_CONFIG,          /* a config key or value is wrong (file:line in the detail) */
    MNL_ERR_SPEC,            /* a layer spec is impossible (the item in the detail) */
    MNL_ERR_CKPT,            /* a checkpoint is corrupt, truncated or does not match */
    MNL_ERR_IMAGE,           /* a user image (PNG/PGM) cannot be read */
    MNL_ERR_DIVERGED,        /* loss or weights became NaN or infinite */
    MNL_ERR_INTERRUPTED,     /* SIGINT/SIGTERM stopped a run (state was saved) */
    MNL_ERR_PLOT,            /* gnuplot is missing or failed */
    MNL_ERR_LOCKED,          /* another live run holds the output folder */
    MNL_ERR_COUNT_
} MnlStatus;

/* The longest detail kept (bytes, with its NUL). A longer one keeps its start and its end, joined
 * by " [...] ", so the reason at the end of a message about a long path or value survives. */
#define MNL_DETAIL_MAX 8192

/* A short fixed name for the code, e.g. "truncated IDX file". */
const char *mnl_strerror(int code);

/* Record a detail message (printf-style) for this thread and return code, so a failure is one line:
 *   return mnl_fail(MNL_ERR_IDX_TRUNCATED, "%s: expected %zu bytes, found %zu", path, want, have); */
int mnl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last detail recorded on this thread ("" when none); the CLI prints it. */
const char *mnl_last_error(void);

/* Forget the last detail (tests use it between cases). */
void mnl_clear_error(void);

#endif
