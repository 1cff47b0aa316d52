/* experiments/html: the runs as the report lists them, the folders under the results root walked
 * for sweeps (SWEEP.md) and diffs (DIFF.md); the page written as well-formed XHTML so any XML parser reads
 * it; Markdown the suite wrote turned into HTML by a converter of the few constructs it uses. */
#include "experiments/html.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "experiments/report.h"
#include "experiments/rundir.h"

#define HTML_MAX_DEPTH 8
#define HTML_MAX_ITEMS 4000

typedef enum { ITEM_RUN, ITEM_SWEEP, ITEM_DIFF, ITEM_LESSON } ItemKind;

typedef struct {
    ItemKind kind;
    char rel[MNL_PATH_LEN];   /* folder relative to the results root */
    char id[600];             /* its anchor on the page */
    char task[160];           /* runs: "mnist, classes 4 9, 500 test images" */
    char summary[400];        /* runs: family, parameters, epochs, accuracy, seconds */
    int sweep;                /* runs: index of the sweep or lesson holding it, or -1 */
} Item;

typedef struct {
    const char *root;
    Item *items;
    int n;
    int left_out;             /* items past HTML_MAX_ITEMS or with a path too long: named below */
} Page;

/* ---- escaping: every byte of a name goes out through common/escape ---- */

/* s[0..n) as HTML text (esc_html_text needs a terminated string). */
static void put_escaped_attr(FILE *o, const char *s, size_t n)
{
    char *t = strndup(s, n);
    if (t) {
        esc_html_attr(o, t);
        free(t);
    }
}

static void put_escaped(FILE *o, const char *s, size_t n)
{
    char *t = strndup(s, n);
    if (t) {
        esc_html_text(o, t);
        free(t);
    }
}

static void put_text(FILE *o, const char *s)
{
    esc_html_text(o, s);
}

static void put_attr(FILE *o, const char *s)
{
    esc_html_attr(o, s);
}

/* A relative URL to rel_dir/file on the page ("./" and percent-encoded, never a scheme). */
static void put_url(FILE *o, const char *rel_dir, const char *file)
{
    char *t = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&t, &len);
    if (!m)
        return;
    fprintf(m, "%s%s%s", rel_dir, rel_dir[0] && file[0] ? "/" : "", file);
    fclose(m);
    esc_url(o, t);
    free(t);
}

/* ---- Markdown ---- */

static int hex_value(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A Markdown target as the path it names: "./" dropped, %XX decoded. */
static void target_path(const char *t, size_t n, char *out, size_t cap)
{
    size_t k = 0, i = 0;
    while (i + 1 < n && t[i] == '.' && t[i + 1] == '/')
        i += 2;
    for (; i < n && k + 1 < cap; i++) {
        int hi, lo;
        if (t[i] == '%' && i + 2 < n && (hi = hex_value((unsigned char)t[i + 1])) >= 0 &&
            (lo = hex_value((unsigned char)t[i + 2])) >= 0) {
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[k++] = t[i];
        }
    }
    out[k] = '\0';
}

/* A link or image target of the Markdown: whatever it holds, it is read as a path relative to the
 * Markdown file's folder (prefix) and written as "./" + percent-encoded path, so a target such as
 * "javascript:alert(1)" becomes the harmless relative link "./javascript%3Aalert%281%29". A link to
 * a folder with a section on this page becomes that section's anchor. */
static void put_target(FILE *o, const char *target, size_t n, const char *prefix,
                       HtmlAnchorFn anchor_of, void *ctx)
{
    size_t cap = strlen(prefix) + n + 2;
    char *path = malloc(cap), *full = malloc(cap + 1), anchor[700];
    if (!path || !full) {
        free(path), free(full);
        return;
    }
    target_path(target, n, path, cap);
    snprintf(full, cap + 1, "%s%s", prefix, path);
    if (anchor_of && anchor_of(full, anchor, sizeof anchor, ctx)) {
        fputc('#', o);
        put_attr(o, anchor);
    } else {
        esc_url(o, full);
    }
    free(path), free(full);
}

/* The next unescaped c in s[from..n), or NULL: a backslash escapes the character after it. */
static const char *find_unescaped(const char *s, size_t from, size_t n, char c)
{
    for (size_t i = from; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            continue;
        }
        if (s[i] == c)
            return s + i;
    }
    return NULL;
}

static int is_ascii_punct(int c)
{
    return c > 32 && c < 127 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                                  (c >= 'A' && c <= 'Z'));
}

/* The first unescaped "**" in s[from..n), or NULL. */
static const char *find_double_star(const char *s, size_t from, size_t n)
{
    for (const char *p = find_unescaped(s, from, n, '*'); p;
         p = find_unescaped(s, (size_t)(p - s) + 1, n, '*'))
        if ((size_t)(p - s) + 1 < n && p[1] == '*')
            return p;
    return NULL;
}

/* An image's alt text: the label with its backslash escapes undone, as an attribute. */
static void put_alt(FILE *o, const char *s, size_t n)
{
    char *t = malloc(n + 1);
    if (!t)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && is_ascii_punct((unsigned char)s[i + 1]))
            i++;
        t[k++] = s[i];
    }
    t[k] = '\0';
    put_attr(o, t);
    free(t);
}

/* How Markdown is turned into the page: targets get prefix in front; links to a folder with a
 * section become its anchor (anchor_of); with svg_root set, an image NAME.png that has NAME.svg
 * beside it (under svg_root) is shown as that interactive SVG, the PNG inside it as its fallback. */
typedef struct {
    const char *prefix;
    HtmlAnchorFn anchor_of;
    void *ctx;
    const char *svg_root;
} Md;

static void put_chart(FILE *o, const char *rel_png, const char *alt, size_t alt_n, int is_md_alt);

/* The path (relative to the results root) of the SVG beside the PNG an image target names, when
 * that SVG exists; 0 when there is none. */
static int svg_beside(const Md *md, const char *target, size_t n, char *rel_png, size_t cap)
{
    if (!md->svg_root || n < 5 || n >= MNL_PATH_LEN || memcmp(target + n - 4, ".png", 4))
        return 0;
    char path[MNL_PATH_LEN], full[2 * MNL_PATH_LEN + 16];
    target_path(target, n, path, sizeof path);
    if ((size_t)snprintf(rel_png, cap, "%s%s", md->prefix, path) >= cap ||
        (size_t)snprintf(full, sizeof full, "%s/%.*s.svg", md->svg_root, (int)strlen(rel_png) - 4,
                         rel_png) >= sizeof full)
        return 0;                  /* a name cut short would be another file's */
    return file_exists(full);
}

/* Text with ![alt](src), [text](href), **bold**, *italic*, `code` and backslash escapes. */
static void put_inline(FILE *o, const char *s, size_t n, const Md *md)
{
    const char *prefix = md->prefix;
    HtmlAnchorFn anchor_of = md->anchor_of;
    void *ctx = md->ctx;
    const Md plain = {prefix, NULL, NULL, NULL};     /* inside a link: no anchors, no charts */
    for (size_t i = 0; i < n;) {
        int image = s[i] == '!' && i + 1 < n && s[i + 1] == '[';
        if (image || s[i] == '[') {
            size_t open = i + (image ? 1 : 0);
            const char *close = find_unescaped(s, open + 1, n, ']');
            if (close && (size_t)(close - s) + 1 < n && close[1] == '(') {
                const char *end = find_unescaped(s, (size_t)(close - s), n, ')');
                if (end) {
                    const char *label = s + open + 1, *target = close + 2;
                    size_t ln = (size_t)(close - label), tn = (size_t)(end - target);
                    char rel_png[2 * MNL_PATH_LEN];
                    if (image && svg_beside(md, target, tn, rel_png, sizeof rel_png)) {
                        put_chart(o, rel_png, label, ln, 1);
                    } else if (image) {
                        fputs("<img src=\"", o);
                        put_target(o, target, tn, prefix, NULL, NULL);
                        fputs("\" alt=\"", o);
                        put_alt(o, label, ln);
                        fputs("\" loading=\"lazy\"/>", o);
                    } else {
                        fputs("<a href=\"", o);
                        put_target(o, target, tn, prefix, anchor_of, ctx);
                        fputs("\">", o);
                        put_inline(o, label, ln, &plain);
                        fputs("</a>", o);
                    }
                    i = (size_t)(end - s) + 1;
                    continue;
                }
            }
        }
        if (s[i] == '\\' && i + 1 < n && is_ascii_punct((unsigned char)s[i + 1])) {
            put_escaped(o, s + i + 1, 1);      /* "\|", "\*", "\<": the character itself */
            i += 2;
            continue;
        }
        if (s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
            const char *end = find_double_star(s, i + 2, n);
            if (end) {
                fputs("<b>", o);
                put_inline(o, s + i + 2, (size_t)(end - s) - i - 2, md);
                fputs("</b>", o);
                i = (size_t)(end - s) + 2;
                continue;
            }
        }
        if (s[i] == '*' && i + 1 < n && s[i + 1] != ' ' && s[i + 1] != '*') {
            const char *end = find_unescaped(s, i + 1, n, '*');
            if (end) {
                fputs("<i>", o);
                put_inline(o, s + i + 1, (size_t)(end - s) - i - 1, md);
                fputs("</i>", o);
                i = (size_t)(end - s) + 1;
                continue;
            }
        }
        if (s[i] == '`') {
            const char *end = find_unescaped(s, i + 1, n, '`');
            if (end) {
                fputs("<code>", o);
                put_escaped(o, s + i + 1, (size_t)(end - s) - i - 1);
                fputs("</code>", o);
                i = (size_t)(end - s) + 1;
                continue;
            }
        }
        /* Plain text up to the next character that may open markup, escaped as one piece: those
         * characters are ASCII, so a UTF-8 sequence ("±", "é") is never cut into bytes that
         * esc_html_text would each call invalid. */
        size_t j = i + 1;
        while (j < n && s[j] && !strchr("![\\*`", s[j]))
            j++;
        put_escaped(o, s + i, j - i);
        i = j;
    }
}

/* One table row "| a | b |" as <tr>; tag is "th" or "td". */
static void put_row(FILE *o, const char *line, size_t n, const char *tag, const Md *md)
{
    fputs("<tr>", o);
    size_t i = line[0] == '|' ? 1 : 0;
    while (n > i && (line[n - 1] == ' ' || (line[n - 1] == '|' && (n < 2 || line[n - 2] != '\\'))))
        n--;
    while (i <= n) {
        size_t j = i;
        while (j < n && line[j] != '|')
            j += line[j] == '\\' && j + 1 < n ? 2 : 1;
        if (j > n)
            j = n;
        size_t a = i, b = j;
        while (a < b && line[a] == ' ')
            a++;
        while (b > a && line[b - 1] == ' ')
            b--;
        fprintf(o, "<%s>", tag);
        put_inline(o, line + a, b - a, md);
        fprintf(o, "</%s>", tag);
        i = j + 1;
    }
    fputs("</tr>\n", o);
}

static int is_separator_row(const char *line, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr("|-: ", line[i]))
            return 0;
    return n > 0;
}

static void markdown_to_html(FILE *o, const char *md, const Md *how);

void html_from_markdown(FILE *o, const char *md, const char *prefix, HtmlAnchorFn anchor_of,
                        void *ctx)
{
    const Md how = {prefix, anchor_of, ctx, NULL};
    markdown_to_html(o, md, &how);
}

/* A list item of the Markdown the suite writes: "- text" or "* text". */
static int is_item_line(const char *line, size_t n)
{
    return n > 2 && (line[0] == '-' || line[0] == '*') && line[1] == ' ';
}

static void markdown_to_html(FILE *o, const char *md, const Md *how)
{
    int in_table = 0, in_para = 0, in_list = 0, row = 0;
    for (const char *line = md; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        int table_line = n > 0 && line[0] == '|';
        int item_line = is_item_line(line, n);
        int continues_item = in_list && n > 0 && line[0] == ' ';    /* an item's wrapped line */
        if (in_table && !table_line)
            fputs("</table>\n", o), in_table = 0;
        if (in_para && (n == 0 || table_line || item_line || line[0] == '#'))
            fputs("</p>\n", o), in_para = 0;
        if (in_list && !item_line && !continues_item)
            fputs("</li></ul>\n", o), in_list = 0;
        if (item_line) {
            fputs(in_list ? "</li>\n<li>" : "<ul>\n<li>", o);
            in_list = 1;
            put_inline(o, line + 2, n - 2, how);
        } else if (continues_item) {
            size_t indent = strspn(line, " ");
            fputc(' ', o);
            put_inline(o, line + indent, n - indent, how);
        } else if (table_line) {
            if (!in_table)
                fputs("<table>\n", o), in_table = 1, row = 0;
            if (!(row == 1 && is_separator_row(line, n)))
                put_row(o, line, n, row == 0 ? "th" : "td", how);
            row++;
        } else if (n > 0 && line[0] == '#') {
            size_t level = strspn(line, "#");
            size_t h = level + 1 > 6 ? 6 : level + 1;     /* the page's own title is the h1 */
            fprintf(o, "<h%zu>", h);
            const char *t = line + level;
            while (*t == ' ')
                t++;
            put_inline(o, t, n - (size_t)(t - line), how);
            fprintf(o, "</h%zu>\n", h);
        } else if (n > 0) {
            if (!in_para)
                fputs("<p>", o), in_para = 1;
            else
                fputc(' ', o);
            put_inline(o, line, n, how);
        }
        line += n + (nl ? 1 : 0);
    }
    if (in_table)
        fputs("</table>\n", o);
    if (in_para)
        fputs("</p>\n", o);
    if (in_list)
        fputs("</li></ul>\n", o);
}

/* ---- finding what is there ---- */

static int has_file(const char *root, const char *rel, const char *name)
{
    char p[MNL_PATH_LEN];
    return snprintf(p, sizeof p, "%s/%s/%s", root, rel, name) < (int)sizeof p && file_exists(p);
}

/* An element id: KIND-N-letters, the folder's ASCII letters and digits (others '-', at most 60)
 * after the item's number, so two folders whose names differ only in other bytes never share one. */
static void make_id(const char *kind, int index, const char *rel, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "%s-%d-", kind, index);
    for (const char *s = rel; *s && k + 1 < n && k < 80; s++) {
        char c = *s;
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out[k++] = alnum ? c : '-';
    }
    out[k] = '\0';
}

/* A run as the report lists it (experiments/report: report_list_runs). */
static void describe_run(Item *it, const RunSummary *r)
{
    snprintf(it->task, sizeof it->task, "%s", r->task);
    snprintf(it->summary, sizeof it->summary, "%.31s, %ld parameters, %d epochs, final test accuracy "
             "%.2f%%, %.1f s of training", r->family, r->params, r->epochs, 100 * r->final_acc,
             r->total_s);
}

static int add_item(Page *pg, ItemKind kind, const char *rel, const RunSummary *run)
{
    if (pg->n == HTML_MAX_ITEMS || strlen(rel) >= sizeof pg->items[0].rel) {
        pg->left_out++;     /* a name that does not fit would be cut into another folder's */
        return 0;
    }
    Item *p = realloc(pg->items, sizeof *p * (size_t)(pg->n + 1));
    if (!p)
        return mnl_fail(MNL_ERR_NOMEM, "cannot list the results");
    pg->items = p;
    Item *it = &pg->items[pg->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->sweep = -1;
    snprintf(it->rel, sizeof it->rel, "%s", rel);
    make_id(kind == ITEM_RUN ? "run" : kind == ITEM_SWEEP ? "sweep" : kind == ITEM_LESSON ? "lesson"
            : "diff", pg->n, rel, it->id, sizeof it->id);
    if (run)
        describe_run(it, run);
    return MNL_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(Page *pg, const char *rel, int depth)
{
    char dir[MNL_PATH_LEN];
    snprintf(dir, sizeof dir, "%s%s%s", pg->root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d)
        return MNL_OK;
    char **names = NULL;        /* every entry: a folder of 5,000 sweeps is listed whole */
    int n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            int grown = cap ? 2 * cap : 64;
            char **more = realloc(names, sizeof *names * (size_t)grown);
            if (!more) {
                for (int i = 0; i < n; i++)
                    free(names[i]);
                free(names);
                closedir(d);
                return mnl_fail(MNL_ERR_NOMEM, "%s: listing its folders", dir);
            }
            names = more, cap = grown;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    int rc = MNL_OK;
    for (int i = 0; i < n; i++) {
        char sub[MNL_PATH_LEN], path[MNL_PATH_LEN];
        struct stat st;
        if (rc || !names[i] ||
            snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", names[i]) >= (int)sizeof sub ||
            snprintf(path, sizeof path, "%s/%s", pg->root, sub) >= (int)sizeof path ||
            stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (rundir_is_sweep(pg->root, sub))
            rc = add_item(pg, ITEM_SWEEP, sub, NULL);
        if (!rc && rundir_is_lesson(pg->root, sub))
            rc = add_item(pg, ITEM_LESSON, sub, NULL);
        if (!rc && rundir_is_diff(pg->root, sub))
            rc = add_item(pg, ITEM_DIFF, sub, NULL);
        if (!rc && depth < HTML_MAX_DEPTH)
            rc = walk(pg, sub, depth + 1);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Runs inside a sweep's or a lesson's folder belong to it. */
static void attach_to_sweeps(Page *pg)
{
    for (int i = 0; i < pg->n; i++) {
        if (pg->items[i].kind != ITEM_RUN)
            continue;
        for (int j = 0; j < pg->n; j++) {
            size_t len = strlen(pg->items[j].rel);
            if ((pg->items[j].kind == ITEM_SWEEP || pg->items[j].kind == ITEM_LESSON) && !strncmp(pg->items[i].rel, pg->items[j].rel, len) &&
                pg->items[i].rel[len] == '/')
                pg->items[i].sweep = j;
        }
    }
}

/* Links in the Markdown to a folder with a section on this page go to that section. */
static int anchor_of(const char *target, char *anchor, size_t n, void *ctx)
{
    const Page *pg = ctx;
    char t[MNL_PATH_LEN];
    snprintf(t, sizeof t, "%s", target);
    size_t len = strlen(t);
    while (len > 0 && t[len - 1] == '/')
        t[--len] = '\0';
    const char *s = t;
    while (s[0] == '.' && s[1] == '/')
        s += 2;
    for (int i = 0; i < pg->n; i++)
        if (!strcmp(pg->items[i].rel, s)) {
            snprintf(anchor, n, "%s", pg->items[i].id);
            return 1;
        }
    return 0;
}

/* ---- the page ---- */

static const char *const page_style =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1250px;color:#222;padding:0 1em}"
    "h1{font-size:1.7em}h2{border-bottom:2px solid #ccd;padding-bottom:.2em;margin-top:1.6em}"
    "table{border-collapse:collapse;font-size:.85em;margin:.6em 0}"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}"
    "th{background:#eef}td:first-child,th:first-child{text-align:left}"
    "img{max-width:100%;border:1px solid #ddd;margin:.3em .3em .3em 0}#report img{max-width:820px}"
    ".sec img{max-width:820px}"
    ".run{border:1px solid #dde;border-radius:6px;padding:.4em .8em;margin:.8em 0;background:#fafaff}"
    ".run img{height:210px;width:auto}.run img.curves{height:auto;width:100%;max-width:960px}"
    ".run h4{margin:.3em 0}"
    ".sec{border-left:4px solid #99c;padding-left:1em;margin:1.2em 0}"
    "nav a{margin-right:1em}.back{font-size:.85em}"
    ".chart{display:inline-block;width:100%;max-width:1000px;margin:.3em 0}"
    ".chart object{width:100%;border:1px solid #ddd;display:block}"
    ".chart .files{font-size:.8em;color:#555}";

/* A chart that has its SVG beside the PNG (plots/plot.h: plot_draw_svg): the SVG, interactive
 * (a click on a key entry hides that curve, the pointer's coordinates shown), with the PNG inside
 * as the fallback of a browser that shows no SVG, and a link to each. rel_png: the PNG's path
 * relative to the results root; the alt text is Markdown (backslash escapes) when is_md_alt. */
static void put_chart(FILE *o, const char *rel_png, const char *alt, size_t alt_n, int is_md_alt)
{
    size_t n = strlen(rel_png);
    char *rel_svg = malloc(n + 1);
    if (!rel_svg)
        return;
    memcpy(rel_svg, rel_png, n + 1);
    memcpy(rel_svg + n - 4, ".svg", 4);
    fputs("<span class=\"chart\"><object type=\"image/svg+xml\" data=\"", o);
    put_url(o, "", rel_svg);
    fputs("\"><img src=\"", o);
    put_url(o, "", rel_png);
    fputs("\" alt=\"", o);
    if (is_md_alt)
        put_alt(o, alt, alt_n);
    else
        put_escaped_attr(o, alt, alt_n);
    fputs("\"/></object><span class=\"files\"><a href=\"", o);
    put_url(o, "", rel_png);
    fputs("\">PNG</a> · <a href=\"", o);
    put_url(o, "", rel_svg);
    fputs("\">SVG</a> (click a key entry to hide or show its curve)</span></span>", o);
    free(rel_svg);
}

/* One picture of a run, linked to itself; the curves drawn large (the lesson is in them). A chart
 * with its SVG beside it is shown as that SVG. */
static void put_picture(FILE *o, const Page *pg, const Item *it, const char *name)
{
    char svg[MNL_PATH_LEN];
    size_t n = strlen(name);
    if (n > 4 && n < sizeof svg && !strcmp(name + n - 4, ".png")) {
        snprintf(svg, sizeof svg, "%.*s.svg", (int)(n - 4), name);
        char rel[2 * MNL_PATH_LEN], alt[2 * MNL_PATH_LEN + 8];
        if (has_file(pg->root, it->rel, svg) &&
            (size_t)snprintf(rel, sizeof rel, "%s/%s", it->rel, name) < sizeof rel) {
            snprintf(alt, sizeof alt, "%s of %s", name, it->rel);
            put_chart(o, rel, alt, strlen(alt), 0);
            return;
        }
    }
    fputs("<a href=\"", o);
    put_url(o, it->rel, name);
    fputs("\"><img src=\"", o);
    put_url(o, it->rel, name);
    fprintf(o, "\"%s alt=\"", strcmp(name, RUNDIR_CURVES) ? "" : " class=\"curves\"");
    put_attr(o, name);
    fputs(" of ", o);
    put_attr(o, it->rel);
    fputs("\" loading=\"lazy\"/></a>", o);
}

static int by_file_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What predict and features drew into the run folder: predict*.png, features-*.png, in order. */
static void put_explore_pictures(FILE *o, const Page *pg, const Item *it)
{
    char dir[MNL_PATH_LEN];
    DIR *d = snprintf(dir, sizeof dir, "%s/%s", pg->root, it->rel) < (int)sizeof dir ? opendir(dir)
                                                                                      : NULL;
    if (!d)
        return;
    char *names[64];
    int n = 0;
    for (struct dirent *e; n < 64 && (e = readdir(d));) {
        if (rundir_is_model_picture(e->d_name) && (names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_file_name);
    for (int i = 0; i < n; i++) {
        put_picture(o, pg, it, names[i]);
        free(names[i]);
    }
}

static void put_run(FILE *o, const Page *pg, const Item *it)
{
    static const char *const pictures[] = {RUNDIR_CURVES, RUNDIR_SAMPLES, RUNDIR_CONFUSION,
                                           RUNDIR_ROC, RUNDIR_CALIBRATION, RUNDIR_ATTACK_PICTURE,
                                           RUNDIR_WEIGHTS_PICTURE};
    fputs("<div class=\"run\" id=\"", o);
    put_attr(o, it->id);
    fputs("\"><h4>", o);
    put_text(o, it->rel);
    fputs("</h4><p>", o);
    put_text(o, it->summary);
    fputs(" · <a href=\"", o);
    put_url(o, it->rel, RUNDIR_SUMMARY);
    fputs("\">" RUNDIR_SUMMARY "</a>", o);
    static const char *const texts[] = {RUNDIR_CONFIG, RUNDIR_LOG};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        if (has_file(pg->root, it->rel, texts[k])) {
            fputs(" · <a href=\"", o);
            put_url(o, it->rel, texts[k]);
            fprintf(o, "\">%s</a>", texts[k]);
        }
    if (it->sweep >= 0) {
        fprintf(o, " · part of the %s <a href=\"#",
                pg->items[it->sweep].kind == ITEM_LESSON ? "lesson" : "sweep");
        put_attr(o, pg->items[it->sweep].id);
        fputs("\">", o);
        put_text(o, pg->items[it->sweep].rel);
        fputs("</a>", o);
    }
    fputs(" · <a class=\"back\" href=\"#", o);
    put_attr(o, it->sweep >= 0 ? pg->items[it->sweep].id : "report");
    fprintf(o, "\">back to the %s</a></p>\n<p>", it->sweep < 0 ? "report"
            : pg->items[it->sweep].kind == ITEM_LESSON ? "lesson" : "sweep");
    for (size_t k = 0; k < sizeof pictures / sizeof pictures[0]; k++)
        if (has_file(pg->root, it->rel, pictures[k]))
            put_picture(o, pg, it, pictures[k]);
    put_explore_pictures(o, pg, it);
    fputs("</p></div>\n", o);
}

static void put_markdown_file(FILE *o, const Page *pg, const char *rel, const char *file)
{
    char path[MNL_PATH_LEN], prefix[MNL_PATH_LEN];
    snprintf(path, sizeof path, "%s/%s%s%s", pg->root, rel, rel[0] ? "/" : "", file);
    snprintf(prefix, sizeof prefix, "%s%s", rel, rel[0] ? "/" : "");
    unsigned char *md;
    size_t n;
    if (file_read_all(path, 8 << 20, &md, &n) == MNL_OK) {
        const Md how = {prefix, anchor_of, (void *)pg, pg->root};
        markdown_to_html(o, (const char *)md, &how);
        free(md);
    } else {
        fputs("<p>(", o);
        put_text(o, path);
        fputs(" is missing: run <code>mnistlab compare</code>)</p>\n", o);
    }
    mnl_clear_error();
}

/* The distinct tasks of the runs, in order of first appearance. */
static int list_tasks(const Page *pg, const char **tasks, int max)
{
    int n = 0;
    for (int i = 0; i < pg->n; i++) {
        if (pg->items[i].kind != ITEM_RUN)
            continue;
        int seen = 0;
        for (int t = 0; t < n; t++)
            seen |= !strcmp(tasks[t], pg->items[i].task);
        if (!seen && n < max)
            tasks[n++] = pg->items[i].task;
    }
    return n;
}

/* A lesson's charts: every NAME.png of its folder (TABLE.md names none), in name order. */
static void put_folder_charts(FILE *o, const Page *pg, const Item *it)
{
    char dir[2 * MNL_PATH_LEN];
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", pg->root, it->rel) >= sizeof dir)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    char *names[64];
    int n = 0;
    for (struct dirent *e; n < 64 && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcmp(e->d_name + len - 4, ".png") && !strstr(e->d_name, ".tmp.") &&
            (names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_file_name);
    fputs("<p>", o);
    for (int i = 0; i < n; i++) {
        put_picture(o, pg, it, names[i]);
        free(names[i]);
    }
    fputs("</p>\n", o);
}

static void put_section_list(FILE *o, const Page *pg, ItemKind kind, const char *file)
{
    for (int i = 0; i < pg->n; i++) {
        const Item *it = &pg->items[i];
        if (it->kind != kind)
            continue;
        fputs("<div class=\"sec\" id=\"", o);
        put_attr(o, it->id);
        fputs("\"><p class=\"back\">", o);
        put_text(o, it->rel);
        fputs("/ · <a href=\"#report\">back to the report</a></p>\n", o);
        put_markdown_file(o, pg, it->rel, file);
        if (kind == ITEM_LESSON)
            put_folder_charts(o, pg, it);
        if (kind == ITEM_SWEEP || kind == ITEM_LESSON) {
            fputs("<p>Its runs:", o);
            for (int j = 0; j < pg->n; j++)
                if (pg->items[j].sweep == i) {
                    fputs(" <a href=\"#", o);
                    put_attr(o, pg->items[j].id);
                    fputs("\">", o);
                    put_text(o, pg->items[j].rel + strlen(it->rel) + 1);
                    fputs("</a>", o);
                }
            fputs("</p>\n", o);
            for (int j = 0; j < pg->n; j++)
                if (pg->items[j].sweep == i)
                    put_run(o, pg, &pg->items[j]);
        }
        fputs("</div>\n", o);
    }
}

static void put_page(FILE *o, const Page *pg)
{
    const char *tasks[64];
    int nt = list_tasks(pg, tasks, 64), n_sweeps = 0, n_diffs = 0;
    int n_lessons = 0;
    for (int i = 0; i < pg->n; i++)
        n_sweeps += pg->items[i].kind == ITEM_SWEEP, n_diffs += pg->items[i].kind == ITEM_DIFF,
        n_lessons += pg->items[i].kind == ITEM_LESSON;
    fprintf(o, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>"
               "<meta charset=\"utf-8\"/><title>mnistlab results</title><style>%s</style></head>\n"
               "<body>\n<h1>mnistlab results</h1>\n<nav><a href=\"#report\">Report</a>", page_style);
    for (int t = 0; t < nt; t++) {
        char id[200];
        make_id("task", t, tasks[t], id, sizeof id);
        fprintf(o, "<a href=\"#%s\">", id);
        put_text(o, tasks[t]);
        fputs("</a>", o);
    }
    if (n_sweeps)
        fputs("<a href=\"#sweeps\">Sweeps</a>", o);
    if (n_lessons)
        fputs("<a href=\"#lessons\">Lessons</a>", o);
    if (n_diffs)
        fputs("<a href=\"#diffs\">Diffs</a>", o);
    fputs("</nav>\n<div id=\"report\">\n", o);
    put_markdown_file(o, pg, "", "REPORT.md");
    fputs("</div>\n<h2>Every run, by task</h2>\n", o);
    for (int t = 0; t < nt; t++) {
        char id[200];
        make_id("task", t, tasks[t], id, sizeof id);
        fprintf(o, "<h3 id=\"%s\">", id);
        put_text(o, tasks[t]);
        fputs("</h3>\n", o);
        for (int i = 0; i < pg->n; i++)
            if (pg->items[i].kind == ITEM_RUN && pg->items[i].sweep < 0 &&
                !strcmp(pg->items[i].task, tasks[t]))
                put_run(o, pg, &pg->items[i]);
        /* a sweep's runs are shown with the sweep; here one line per sweep of this task */
        for (int j = 0; j < pg->n; j++) {
            int count = 0;
            for (int i = 0; i < pg->n; i++)
                count += pg->items[i].kind == ITEM_RUN && pg->items[i].sweep == j &&
                         !strcmp(pg->items[i].task, tasks[t]);
            if (count) {
                fprintf(o, "<p>%d run%s of the %s <a href=\"#", count, count == 1 ? "" : "s",
                        pg->items[j].kind == ITEM_LESSON ? "lesson" : "sweep");
                put_attr(o, pg->items[j].id);
                fputs("\">", o);
                put_text(o, pg->items[j].rel);
                fputs("</a>, shown with it.</p>\n", o);
            }
        }
    }
    if (n_sweeps) {
        fputs("<h2 id=\"sweeps\">Sweeps</h2>\n", o);
        put_section_list(o, pg, ITEM_SWEEP, RUNDIR_SWEEP_MD);
    }
    if (n_lessons) {
        fputs("<h2 id=\"lessons\">Lessons</h2>\n", o);
        put_section_list(o, pg, ITEM_LESSON, RUNDIR_LESSON_MD);
    }
    if (n_diffs) {
        fputs("<h2 id=\"diffs\">Diffs</h2>\n", o);
        put_section_list(o, pg, ITEM_DIFF, RUNDIR_DIFF_MD);
    }
    if (pg->left_out)
        fprintf(o, "<p><b>%d more</b> runs, sweeps, lessons or diffs are not on this page: it lists "
                "at most %d, and none whose path is longer than %zu bytes. REPORT.md and each "
                "folder's own files have them.</p>\n", pg->left_out, HTML_MAX_ITEMS,
                sizeof pg->items[0].rel - 1);
    fputs("<p class=\"back\">Written by <code>mnistlab compare</code>; every picture links to its "
          "full size.</p>\n</body>\n</html>\n", o);
}

int html_write_index(const char *results_dir)
{
    Page pg = {.root = results_dir};
    RunSummary *runs = NULL;
    int n = report_list_runs(results_dir, &runs), rc = MNL_OK;
    for (int i = 0; !rc && i < n; i++)
        rc = add_item(&pg, ITEM_RUN, runs[i].name, &runs[i]);
    free(runs);
    if (!rc)
        rc = walk(&pg, "", 1);
    if (!rc) {
        attach_to_sweeps(&pg);
        char path[MNL_PATH_LEN];
        snprintf(path, sizeof path, "%s/" RUNDIR_INDEX_HTML, results_dir);
        AtomicFile a;
        if (!(rc = atomic_open(&a, path))) {
            put_page(a.f, &pg);
            rc = atomic_commit(&a);
        }
    }
    free(pg.items);
    return rc;
}

int html_refresh_results(const char *results_dir, int *runs_found)
{
    int rc = report_compare(results_dir, runs_found);
    return rc ? rc : html_write_index(results_dir);
}

/* root holds a run, finished or not (what a report is made of). */
static int holds_runs(const char *root)
{
    RunSummary *runs = NULL, *others = NULL;
    int n = report_list_runs(root, &runs) + report_list_unfinished(root, &others);
    free(runs), free(others);
    return n > 0;
}

void html_refresh_around(const char *dir)
{
    char root[MNL_PATH_LEN];
    int n = 0;
    if (!report_root_of(dir, root, sizeof root) || !holds_runs(root))
        return;                        /* no results folder, or nothing in it to report yet */
    if (html_refresh_results(root, &n) == MNL_OK) {
        esc_say(stdout, "refreshed ", root, "/REPORT.md and ");
        esc_say(stdout, "", root, "");
        printf("/index.html (%d finished run%s)\n", n, n == 1 ? "" : "s");
    } else {
        esc_say(stdout, "could not refresh ", root, "/REPORT.md and index.html: ");
        esc_say(stdout, "", mnl_last_error(), "\n");
    }
    mnl_clear_error();
}
