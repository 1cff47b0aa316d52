/* common/error: error names and the per-thread detail message. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Room for a path of PATH_MAX and its reason. */
static _Thread_local char last_detail[MNL_DETAIL_MAX];

static const char *const names[MNL_ERR_COUNT_] = {
    [MNL_OK] = "success",
    [MNL_ERR_IO] = "input/output error",
    [MNL_ERR_NOMEM] = "out of memory",
    [MNL_ERR_ARG] = "invalid argument",
    [MNL_ERR_IDX_MAGIC] = "bad IDX magic",
    [MNL_ERR_IDX_TYPE] = "unsupported IDX element type",
    [MNL_ERR_IDX_RANK] = "wrong IDX rank",
    [MNL_ERR_IDX_TRUNCATED] = "truncated IDX file",
    [MNL_ERR_IDX_OVERFLOW] = "IDX dimensions too large",
    [MNL_ERR_IDX_COUNT] = "image and label counts differ",
    [MNL_ERR_IDX_LABEL] = "label out of range",
    [MNL_ERR_IDX_GZIP] = "corrupt gzip stream",
    [MNL_ERR_CHECKSUM] = "checksum mismatch",
    [MNL_ERR_CONFIG] = "configuration error",
    [MNL_ERR_SPEC] = "impossible layer spec",
    [MNL_ERR_CKPT] = "bad checkpoint",
    [MNL_ERR_IMAGE] = "unreadable image",
    [MNL_ERR_DIVERGED] = "training diverged",
    [MNL_ERR_INTERRUPTED] = "interrupted",
    [MNL_ERR_PLOT] = "plotting failed",
    [MNL_ERR_LOCKED] = "output folder in use",
};

const char *mnl_strerror(int code)
{
    if (code < 0 || code >= MNL_ERR_COUNT_ || !names[code])
        return "unknown error";
    return names[code];
}

int mnl_fail(int code, const char *fmt, ...)
{
    /* Formatted in a scratch buffer first: the arguments may be the last detail itself (a caller
     * adding to the message it got), and a message too long for the detail keeps its start and its
     * end, where the reason is ("...: No space left on device"). */
    static _Thread_local char scratch[4 * MNL_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(scratch, sizeof scratch, fmt, ap);
    va_end(ap);
    if (n < 0) {
        snprintf(last_detail, sizeof last_detail, "%s", "(message could not be formatted)");
        return code;
    }
    size_t len = strlen(scratch);
    if (len < sizeof last_detail) {
        memcpy(last_detail, scratch, len + 1);
        return code;
    }
    static const char cut[] = " [...] ";
    size_t head = (sizeof last_detail - sizeof cut) / 3, tail = sizeof last_detail - sizeof cut - head;
    memcpy(last_detail, scratch, head);
    memcpy(last_detail + head, cut, sizeof cut - 1);
    memcpy(last_detail + head + sizeof cut - 1, scratch + len - tail, tail);
    last_detail[head + sizeof cut - 1 + tail] = '\0';
    return code;
}

const char *mnl_last_error(void) { return last_detail; }

void mnl_clear_error(void) { last_detail[0] = '\0'; }
