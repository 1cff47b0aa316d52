/* common/escape: the only way a name (a path, folder name, title or setting value: any bytes at
 * all) reaches a file a person or a program reads: one function per output context. Each takes
 * arbitrary bytes: invalid UTF-8 becomes U+FFFD, control bytes become their visible Unicode
 * pictures (a newline is "␊"), so no name can end a line, a cell, an attribute or a string. */
#ifndef MNL_ESCAPE_H
#define MNL_ESCAPE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* Room for any path (PATH_MAX and a suffix) through esc_text, each byte becoming at most three:
 * the buffer of esc_to_buf(esc_text, name, ...) for a name on a terminal line. */
#define ESC_NAME_LEN (3 * (PATH_MAX + 64) + 1)

/* Plain text on one line (summary.txt values, terminal messages, labels): valid UTF-8 is kept,
 * invalid bytes become U+FFFD, C0 controls and DEL their pictures (U+2400 + byte, U+2421), C1
 * controls, U+FFFE/U+FFFF and the bidirectional overrides U+FFFD. */
void esc_text(FILE *o, const char *s);

/* Markdown text, in a table cell or anywhere on a line: esc_text, then every ASCII punctuation
 * character that Markdown or its HTML could read as markup backslash-escaped ("a\|b", "\[x\]"). */
void esc_md_cell(FILE *o, const char *s);

/* A Markdown link or image target for a path relative to the Markdown file: "./" then the path
 * percent-encoded (esc_url), so it never holds a scheme, a space, a parenthesis or a newline. */
void esc_md_link(FILE *o, const char *rel_path);

/* HTML/XHTML text content: esc_text, then & < > escaped. Always well-formed XML. */
void esc_html_text(FILE *o, const char *s);

/* An HTML/XHTML attribute value inside double quotes: esc_html_text plus " and '. */
void esc_html_attr(FILE *o, const char *s);

/* A relative URL: "./" then esc_url_part(path). The result is ASCII from [A-Za-z0-9-._~/=,+%], safe
 * in an attribute and a Markdown target, and always a relative reference (no scheme, no host). */
void esc_url(FILE *o, const char *rel_path);
/* The path alone percent-encoded byte by byte (RFC 3986 unreserved and '/' kept), for joining. */
void esc_url_part(FILE *o, const char *path);

/* A CSV field (RFC 4180): esc_text; quoted (quotes doubled) when it holds , " or a space at either
 * end; a field that a spreadsheet would run as a formula (starting with = + - @) gets a leading '. */
void esc_csv_field(FILE *o, const char *s);

/* A gnuplot string literal: esc_text inside single quotes, a quote doubled. gnuplot expands no
 * backslash, backtick or @macro inside single quotes, so the literal is data. A control byte is
 * drawn as a sign every font has (newline ↵, tab →, the rest �), not as esc_text's control
 * picture, which pngcairo draws as a black blob. */
void esc_gnuplot_string(FILE *o, const char *s);

/* A quoted text field of a gnuplot data file: as esc_gnuplot_string's text, in double quotes, '"'
 * written as U+201D. */
void esc_gnuplot_datafield(FILE *o, const char *s);

/* Terminal output that may hold names: esc_text, but a newline is kept (the caller's own line
 * ends); an ESC or any other control byte never reaches the terminal. */
void esc_terminal(FILE *o, const char *s);

/* before, then name through esc_text (one line, no control byte), then after: a terminal line that
 * names a file ("wrote ", out, "\n"). */
void esc_say(FILE *o, const char *before, const char *name, const char *after);

/* One word for a POSIX shell command a person is told to copy ("to continue: ..."): single-quoted,
 * a quote as '\'', a control byte but the newline (kept, inside the quotes) as
 * '"$(printf '\ooo')"', so pasting it runs mnistlab with exactly these bytes and nothing else. */
void esc_shell_word(FILE *o, const char *s);

/* A path inside a one-line text file (config.used's first line): bytes below 0x20, DEL and '%'
 * percent-encoded, everything else kept; esc_line_path_decode undoes it in place. */
void esc_line_path(FILE *o, const char *path);
void esc_line_path_decode(char *s);

/* Any of the above into buf (always terminated; cut at a whole character when too short). Returns
 * buf. fn is one of the escaping functions. */
const char *esc_to_buf(void (*fn)(FILE *, const char *), const char *s, char *buf, size_t n);

/* s cut to at most max_chars characters (UTF-8 aware, invalid bytes count as one), the middle
 * replaced by "…" when cut: for chart keys where the full name is in the table. Writes raw bytes
 * (escape the result for its context). */
const char *esc_shorten(const char *s, size_t max_chars, char *buf, size_t n);

/* The next character of s[0..len): its code point, or -1 for a byte that starts no valid UTF-8
 * sequence (overlong, surrogate, beyond U+10FFFF, cut short). *used: the bytes it took (>= 1). */
long esc_utf8_next(const unsigned char *s, size_t len, size_t *used);

#endif
