/* common/error: error names and the per-thread detail message. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_detail[512];

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
};

const char *mnl_strerror(int code)
{
    if (code < 0 || code >= MNL_ERR_COUNT_ || !names[code])
        return "unknown error";
    return names[code];
}

int mnl_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_detail, sizeof last_detail, fmt, ap);
    va_end(ap);
    return code;
}

const char *mnl_last_error(void) { return last_detail; }

void mnl_clear_error(void) { last_detail[0] = '\0'; }
