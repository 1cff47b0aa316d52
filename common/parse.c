/* common/parse: whole numbers and word lists, as every reader of user text takes them. */
#include "common/parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_long(const char *s, long lo, long hi, long *out, char *why, size_t why_len)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == s || *end != '\0') {
        snprintf(why, why_len, "\"%s\" is not a whole number", s);
        return -1;
    }
    if (errno == ERANGE || v < lo || v > hi) {
        snprintf(why, why_len, "%s is out of range (%ld to %ld)", s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_int(const char *s, int lo, int hi, int *out, char *why, size_t why_len)
{
    long v;
    if (parse_long(s, lo, hi, &v, why, why_len))
        return -1;
    *out = (int)v;
    return 0;
}

int split_words(char *buf, const char *seps, char **words, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, seps, &save); w; w = strtok_r(NULL, seps, &save)) {
        if (n == max)
            return max + 1;
        words[n++] = w;
    }
    return n;
}
