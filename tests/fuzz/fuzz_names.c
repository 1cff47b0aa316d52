/* tests/fuzz/fuzz_names: arbitrary bytes as a name (a path, folder, title or setting) through every
 * escaping function of common/escape, each output checked against the grammar of its context:
 * clean text is valid UTF-8 without a control character; Markdown escapes every markup character;
 * a URL is "./" and unreserved bytes or %XX, and decodes back to the path; HTML text and attributes
 * hold no raw < > " ' and only the five entities; a CSV field and the gnuplot literals are closed and
 * their quotes doubled; a shell word and a one-line path decode back to exactly the name. Any
 * violation aborts (a finding). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/fileio.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *run(void (*fn)(FILE *, const char *), const char *s, size_t *len)
{
    char *out = NULL;
    FILE *m = open_memstream(&out, len);
    if (!m)
        abort();
    fn(m, s);
    fclose(m);
    return out;
}

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "grammar broken: %s\n", what);
        abort();
    }
}

/* Valid UTF-8, no C0 control, no DEL, no C1 control, no bidi override. */
static void check_clean(const char *s, size_t n, const char *what)
{
    for (size_t i = 0; i < n;) {
        size_t used;
        long cp = esc_utf8_next((const unsigned char *)s + i, n - i, &used);
        check(cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F) &&
              !(cp >= 0x202A && cp <= 0x202E) && !(cp >= 0x2066 && cp <= 0x2069), what);
        i += used;
    }
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "./" + [A-Za-z0-9-._~/=,+] or %XX (upper-case hex), decoding to name without its leading "./"
 * and "/" runs. */
static void check_url(const char *u, size_t n, const char *name)
{
    check(n >= 2 && u[0] == '.' && u[1] == '/', "url: starts with ./");
    check(n == 2 || u[2] != '/', "url: no // after ./");
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    while (name[0] == '/')
        name++;
    size_t k = 0;
    for (size_t i = 2; i < n; i++, k++) {
        int c = (unsigned char)u[i], b;
        if (c == '%') {
            check(i + 2 < n && hexval(u[i + 1]) >= 0 && hexval(u[i + 2]) >= 0, "url: %XX");
            b = hexval(u[i + 1]) * 16 + hexval(u[i + 2]);
            i += 2;
        } else {
            check(strchr("-._~/=,+", c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9'), "url: unreserved byte");
            b = c;
        }
        check((unsigned char)name[k] == b, "url: decodes to the path");
    }
    check(name[k] == '\0', "url: decodes to the whole path");
}

static void check_md(const char *s, size_t n)
{
    check_clean(s, n, "md: clean");
    static const char special[] = "\\`*_{}[]()<>#!|~&\"'$^@";
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            check(i + 1 < n && strchr(special, s[i + 1]) && s[i + 1], "md: backslash escapes markup");
            i++;
        } else {
            check(!(s[i] && strchr(special, s[i])), "md: markup character escaped");
        }
    }
}

static void check_html(const char *s, size_t n, int attr)
{
    check_clean(s, n, "html: clean");
    for (size_t i = 0; i < n; i++) {
        check(s[i] != '<' && s[i] != '>', "html: no raw < >");
        if (attr)
            check(s[i] != '"' && s[i] != '\'', "html attribute: no raw quote");
        if (s[i] == '&')
            check(!strncmp(s + i, "&amp;", 5) || !strncmp(s + i, "&lt;", 4) ||
                      !strncmp(s + i, "&gt;", 4) || !strncmp(s + i, "&quot;", 6) ||
                      !strncmp(s + i, "&#39;", 5), "html: only the five entities");
    }
}

/* A quoted literal: opens and closes with q, a q inside only doubled. */
static void check_quoted(const char *s, size_t n, char q, const char *what)
{
    check(n >= 2 && s[0] == q && s[n - 1] == q, what);
    for (size_t i = 1; i + 1 < n; i++)
        if (s[i] == q) {
            check(i + 2 < n && s[i + 1] == q, what);
            i++;
        }
}

static void check_csv(const char *s, size_t n)
{
    if (n && s[0] == '"') {
        check_quoted(s, n, '"', "csv: quoted field");
        return;
    }
    for (size_t i = 0; i < n; i++)
        check(!strchr(",\"\r\n", s[i]) || !s[i], "csv: bare field holds no , \" or line end");
    check(!(n && strchr("=+-@", s[0])), "csv: no formula");
}

/* Parse a shell word of esc_shell_word's grammar ('...', \', and '"$(printf '\ooo')"') back into
 * bytes; it must give exactly the name. */
static void check_shell(const char *s, size_t n, const char *name)
{
    char *back = malloc(n + 1);
    size_t k = 0, i = 0;
    check(n >= 2 && s[0] == '\'' && s[n - 1] == '\'', "shell: quoted");
    i = 1;
    while (i < n - 1) {
        if (s[i] != '\'') {
            back[k++] = s[i++];
            continue;
        }
        if (!strncmp(s + i, "'\\''", 4)) {
            back[k++] = '\'';
            i += 4;
        } else if (!strncmp(s + i, "'\"$(printf '\\", 13) && i + 20 <= n &&
                   !strncmp(s + i + 16, "')\"'", 4)) {
            int v = (s[i + 13] - '0') * 64 + (s[i + 14] - '0') * 8 + (s[i + 15] - '0');
            back[k++] = (char)v;
            i += 20;
        } else {
            check(0, "shell: a quote only as '\\'' or a printf");
        }
    }
    back[k] = '\0';
    check(!strcmp(back, name), "shell: the word is the name");
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *name = malloc(size + 1);
    if (!name)
        return 0;
    memcpy(name, data, size);
    name[size] = '\0';          /* a name ends at its first NUL, as a C string does */
    size_t n;
    char *o;

    o = run(esc_text, name, &n), check_clean(o, n, "text"), free(o);
    o = run(esc_terminal, name, &n);
    for (size_t i = 0; i < n; i++)
        check(o[i] != '\x1b' && o[i] != '\r', "terminal: no ESC or CR");
    free(o);
    o = run(esc_md_cell, name, &n), check_md(o, n), free(o);
    o = run(esc_md_link, name, &n), check_url(o, n, name), free(o);
    o = run(esc_url, name, &n), check_url(o, n, name), free(o);
    o = run(esc_html_text, name, &n), check_html(o, n, 0), free(o);
    o = run(esc_html_attr, name, &n), check_html(o, n, 1), free(o);
    o = run(esc_csv_field, name, &n), check_clean(o, n, "csv: clean"), check_csv(o, n), free(o);
    o = run(esc_gnuplot_string, name, &n);
    check_clean(o, n, "gnuplot string: clean"), check_quoted(o, n, '\'', "gnuplot string"), free(o);
    o = run(esc_gnuplot_datafield, name, &n);
    check_clean(o, n, "gnuplot field: clean");
    check(n >= 2 && o[0] == '"' && o[n - 1] == '"' && !memchr(o + 1, '"', n - 2), "gnuplot field");
    free(o);
    o = run(esc_shell_word, name, &n), check_shell(o, n, name), free(o);
    o = run(esc_line_path, name, &n);
    for (size_t i = 0; i < n; i++)
        check((unsigned char)o[i] >= 0x20 && o[i] != 0x7F, "line path: one line");
    esc_line_path_decode(o);
    check(!strcmp(o, name), "line path: decodes back");
    free(o);

    char cut[256];
    esc_shorten(name, 20, cut, sizeof cut);
    size_t chars = 0;
    for (size_t i = 0, len = strlen(cut), used; i < len; i += used, chars++)
        esc_utf8_next((const unsigned char *)cut + i, len - i, &used);
    check(chars <= 20, "shorten: at most 20 characters");
    char small[8];
    esc_to_buf(esc_md_cell, name, small, sizeof small);
    check(strlen(small) < sizeof small, "to_buf: terminated");

    char sib[PATH_MAX];
    if (path_sibling(name, ".png", ".labels.dat", sib, sizeof sib) == 0) {
        const char *base = strrchr(sib, '/');
        check(strlen(base ? base + 1 : sib) <= 255, "sibling: a file name within NAME_MAX");
    }
    free(name);
    return 0;
}
