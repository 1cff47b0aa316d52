/* common/escape: text cleaning (UTF-8 checked, controls made visible) and one escaper per output
 * context: Markdown, HTML text and attributes, URLs, CSV, gnuplot strings and data fields. */
#include "common/escape.h"

#include <stdlib.h>
#include <string.h>

long esc_utf8_next(const unsigned char *s, size_t len, size_t *used)
{
    *used = 1;
    unsigned c = s[0];
    if (c < 0x80)
        return (long)c;
    size_t need;
    unsigned long cp, min;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, cp = c & 0x07, min = 0x10000;
    else
        return -1;
    if (len < need + 1)
        return -1;
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *used = need + 1;
    return (long)cp;
}

static void put_utf8(FILE *o, unsigned long cp)
{
    if (cp < 0x80)
        fputc((int)cp, o);
    else if (cp < 0x800)
        fputc((int)(0xC0 | cp >> 6), o), fputc((int)(0x80 | (cp & 0x3F)), o);
    else if (cp < 0x10000)
        fputc((int)(0xE0 | cp >> 12), o), fputc((int)(0x80 | (cp >> 6 & 0x3F)), o),
            fputc((int)(0x80 | (cp & 0x3F)), o);
    else
        fputc((int)(0xF0 | cp >> 18), o), fputc((int)(0x80 | (cp >> 12 & 0x3F)), o),
            fputc((int)(0x80 | (cp >> 6 & 0x3F)), o), fputc((int)(0x80 | (cp & 0x3F)), o);
}

/* What a code point is shown as: itself, a control picture, or U+FFFD (-1: invalid). */
static unsigned long shown_as(long cp)
{
    if (cp < 0)
        return 0xFFFD;
    if (cp < 0x20)
        return 0x2400 + (unsigned long)cp;        /* ␀ .. ␟: a newline shows as ␊ */
    if (cp == 0x7F)
        return 0x2421;                            /* ␡ */
    if ((cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF ||
        (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return 0xFFFD;      /* C1 controls, XML's forbidden characters, bidi overrides */
    return (unsigned long)cp;
}

/* Walk s as cleaned characters; ascii(o, c) writes an ASCII one (it may escape it), any other is
 * written as UTF-8. */
typedef void (*AsciiFn)(FILE *o, int c);

typedef unsigned long (*MapFn)(unsigned long c);

/* Walk s as cleaned characters, each also through map (if any). */
static void walk_mapped(FILE *o, const char *s, AsciiFn ascii, MapFn map)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    while (len) {
        size_t used;
        unsigned long c = shown_as(esc_utf8_next(p, len, &used));
        c = map ? map(c) : c;
        p += used, len -= used;
        if (c < 0x80 && ascii)
            ascii(o, (int)c);
        else
            put_utf8(o, c);
    }
}

static void walk_clean(FILE *o, const char *s, AsciiFn ascii)
{
    walk_mapped(o, s, ascii, NULL);
}

void esc_text(FILE *o, const char *s)
{
    walk_clean(o, s, NULL);
}

static void terminal_char(FILE *o, int c)
{
    fputc(c, o);
}

void esc_terminal(FILE *o, const char *s)
{
    /* walk_clean turns '\n' into its picture: split on it and keep the real line ends */
    for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
        char *line = strndup(s, (size_t)(nl - s));
        if (line)
            walk_clean(o, line, terminal_char);
        free(line);
        fputc('\n', o);
    }
    walk_clean(o, s, terminal_char);
}

void esc_say(FILE *o, const char *before, const char *name, const char *after)
{
    fputs(before, o);
    esc_text(o, name);
    fputs(after, o);
}

void esc_shell_word(FILE *o, const char *s)
{
    fputc('\'', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", o);
        else if ((*p < 0x20 && *p != '\n') || *p == 0x7F)   /* $(...) would drop a newline */
            fprintf(o, "'\"$(printf '\\%03o')\"'", *p);
        else
            fputc(*p, o);
    }
    fputc('\'', o);
}

void esc_line_path(FILE *o, const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p < 0x20 || *p == 0x7F || *p == '%')
            fprintf(o, "%%%02X", *p);
        else
            fputc(*p, o);
}

static int hex_digit(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
         : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void esc_line_path_decode(char *s)
{
    char *out = s;
    for (; *s; s++) {
        int hi, lo;
        if (s[0] == '%' && (hi = hex_digit((unsigned char)s[1])) >= 0 &&
            (lo = hex_digit((unsigned char)s[2])) >= 0) {
            *out++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

static void md_char(FILE *o, int c)
{
    /* CommonMark lets any ASCII punctuation be backslash-escaped; these could start markup */
    if (strchr("\\`*_{}[]()<>#!|~&\"'$^@", c))
        fputc('\\', o);
    fputc(c, o);
}

void esc_md_cell(FILE *o, const char *s)
{
    walk_clean(o, s, md_char);
}

static int url_safe(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '=' || c == ',' ||
           c == '+';     /* sub-delimiters that mean nothing in a path, a Markdown target or HTML */
}

void esc_url_part(FILE *o, const char *path)
{
    /* bytes, not characters: the link must name the very file, whatever its bytes */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (url_safe(*p))
            fputc(*p, o);
        else
            fprintf(o, "%%%02X", *p);
}

void esc_url(FILE *o, const char *rel_path)
{
    fputs("./", o);
    while (rel_path[0] == '.' && rel_path[1] == '/')
        rel_path += 2;
    while (rel_path[0] == '/')      /* never "//host" or an absolute path */
        rel_path++;
    esc_url_part(o, rel_path);
}

void esc_md_link(FILE *o, const char *rel_path)
{
    esc_url(o, rel_path);
}

static void html_char(FILE *o, int c)
{
    switch (c) {
    case '&': fputs("&amp;", o); break;
    case '<': fputs("&lt;", o); break;
    case '>': fputs("&gt;", o); break;
    default: fputc(c, o);
    }
}

static void attr_char(FILE *o, int c)
{
    switch (c) {
    case '"': fputs("&quot;", o); break;
    case '\'': fputs("&#39;", o); break;
    default: html_char(o, c);
    }
}

void esc_html_text(FILE *o, const char *s)
{
    walk_clean(o, s, html_char);
}

void esc_html_attr(FILE *o, const char *s)
{
    walk_clean(o, s, attr_char);
}

static void csv_char(FILE *o, int c)
{
    if (c == '"')
        fputc('"', o);
    fputc(c, o);
}

void esc_csv_field(FILE *o, const char *s)
{
    size_t n = strlen(s);
    int formula = n && strchr("=+-@", s[0]);
    int quote = formula || strpbrk(s, ",\"\r\n") || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (quote)
        fputc('"', o);
    if (formula)
        fputc('\'', o);
    walk_clean(o, s, csv_char);
    if (quote)
        fputc('"', o);
}

static void gp_char(FILE *o, int c)
{
    if (c == '\'')
        fputc('\'', o);
    fputc(c, o);
}

/* What a picture shows for a character: the control pictures U+2400..U+2421 (how esc_text shows
 * a control byte, and so how a name cleaned once already arrives) are drawn by pngcairo's fonts as
 * page-high black blobs over the chart, so a picture gets signs every font draws: a newline is ↵,
 * a tab →, any other control �. */
static unsigned long drawn_as(unsigned long c)
{
    if (c == 0x240A)
        return 0x21B5;                            /* ↵ */
    if (c == 0x2409)
        return 0x2192;                            /* → */
    if (c >= 0x2400 && c <= 0x2421)
        return 0xFFFD;                            /* � */
    return c;
}

/* walk_clean for text that gnuplot draws: each character as drawn_as shows it. */
static void walk_drawn(FILE *o, const char *s, AsciiFn ascii)
{
    walk_mapped(o, s, ascii, drawn_as);
}

void esc_gnuplot_string(FILE *o, const char *s)
{
    fputc('\'', o);
    walk_drawn(o, s, gp_char);
    fputc('\'', o);
}

static void gp_field_char(FILE *o, int c)
{
    if (c == '"')
        fputs("\xE2\x80\x9D", o);      /* ” */
    else
        fputc(c, o);
}

void esc_gnuplot_datafield(FILE *o, const char *s)
{
    fputc('"', o);
    walk_drawn(o, s, gp_field_char);
    fputc('"', o);
}

/* Length of the longest prefix of s[0..len) that ends on a whole UTF-8 character. */
static size_t whole_chars(const char *s, size_t len)
{
    size_t k = 0;
    while (k < len) {
        size_t used;
        esc_utf8_next((const unsigned char *)s + k, len - k, &used);
        if (k + used > len)
            break;
        k += used;
    }
    return k;
}

const char *esc_to_buf(void (*fn)(FILE *, const char *), const char *s, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    char *out = NULL;
    size_t len = 0;
    FILE *ms = open_memstream(&out, &len);
    if (!ms) {
        buf[0] = '\0';
        return buf;
    }
    fn(ms, s);
    fclose(ms);
    size_t k = len < n - 1 ? len : whole_chars(out, n - 1);
    memcpy(buf, out, k);
    buf[k] = '\0';
    free(out);
    return buf;
}

/* The byte offset of character `index` of s (len if there are fewer); *count: all characters. */
static size_t char_offset(const char *s, size_t len, size_t index, size_t *count)
{
    size_t k = 0, i = 0, at = len;
    while (k < len) {
        if (i == index)
            at = k;
        size_t used;
        esc_utf8_next((const unsigned char *)s + k, len - k, &used);
        k += used, i++;
    }
    if (i == index)
        at = len;
    if (count)
        *count = i;
    return at;
}

const char *esc_shorten(const char *s, size_t max_chars, char *buf, size_t n)
{
    size_t len = strlen(s), chars;
    char_offset(s, len, 0, &chars);
    if (chars <= max_chars || max_chars < 3) {
        size_t k = len < n - 1 ? len : whole_chars(s, n - 1);
        memcpy(buf, s, k);
        buf[k] = '\0';
        return buf;
    }
    size_t head = (max_chars - 1) / 2, tail = max_chars - 1 - head;
    size_t hb = char_offset(s, len, head, NULL), tb = len - char_offset(s, len, chars - tail, NULL);
    if (hb + 3 + tb + 1 > n) {       /* the buffer is too small for the cut form: the head only */
        size_t k = whole_chars(s, n - 1);
        memcpy(buf, s, k);
        buf[k] = '\0';
        return buf;
    }
    memcpy(buf, s, hb);
    memcpy(buf + hb, "\xE2\x80\xA6", 3);
    memcpy(buf + hb + 3, s + len - tb, tb);
    buf[hb + 3 + tb] = '\0';
    return buf;
}
