/* common/env: environment variables with the checks of the settings they stand for. */
#include "common/env.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/error.h"

/* The variable's value with trailing blanks allowed, or NULL when unset or empty. */
static const char *value_of(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int at_end(const char *end)
{
    while (*end == ' ' || *end == '\t')
        end++;
    return *end == '\0';
}

int env_int(const char *name, int lo, int hi, const char *like, int *out, int *given)
{
    *given = 0;
    const char *v = value_of(name);
    if (!v)
        return MNL_OK;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || !at_end(end))
        return mnl_fail(MNL_ERR_CONFIG, "%s=\"%.40s\": not a whole number (%d to %d, as for %s; or "
                        "unset it)", name, v, lo, hi, like);
    if (errno == ERANGE || n < lo || n > hi)
        return mnl_fail(MNL_ERR_CONFIG, "%s=%.40s: out of range (%d to %d, as for %s)", name, v, lo,
                        hi, like);
    *out = (int)n;
    *given = 1;
    return MNL_OK;
}

int env_double(const char *name, double lo, double hi, const char *like, double *out, int *given)
{
    *given = 0;
    const char *v = value_of(name);
    if (!v)
        return MNL_OK;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || !at_end(end) || !isfinite(x))
        return mnl_fail(MNL_ERR_CONFIG, "%s=\"%.40s\": not a finite number (%g to %g, as for %s; or "
                        "unset it)", name, v, lo, hi, like);
    if (x < lo || x > hi)
        return mnl_fail(MNL_ERR_CONFIG, "%s=%.40s: out of range (%g to %g, as for %s)", name, v, lo,
                        hi, like);
    *out = x;
    *given = 1;
    return MNL_OK;
}
