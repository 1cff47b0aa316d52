/* tests/test_names: every name is hostile (issue 21), tested as a class. A corpus of NAMES_N
 * hostile names (spaces, quotes, < > | ; & $(...) backticks % # *, newline, tab, control bytes,
 * invalid UTF-8, javascript: and data: URLs, Markdown and HTML markup, gnuplot's quote and @macro,
 * dots, a leading dash, a 250-byte name, non-ASCII letters, a backslash) goes through every command
 * that writes a file or draws: train (as --out under a results root and as the experiment file's
 * name), compare (as run folders and as the results root itself), sweep (--out), diff (the two runs
 * and --out), robustness (the runs and --out), attack (the run, --out), predict, features and
 * show-data (--out), and make exp-NAME / make sweep-NAME (the target's name, SEEDS=). Several
 * names would run `touch $MNL_MARKER` if any of them reached a shell or gnuplot as code: the marker
 * file must never appear. Every picture must be a complete PNG, every page must parse as XML, and every run must
 * be listed. Tiny runs (500 training images, one epoch) keep it to about a minute. Needs real MNIST. */
#define _DEFAULT_SOURCE   /* realpath, setenv, symlink */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "common/error.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "experiments/html.h"
#include "tests/test_util.h"

typedef struct {
    const char *label;
    const char *name;
} HostileName;

static char long_name[251];

static HostileName corpus[] = {
    {"space", "my results"},
    {"quotes", "it's a \"quoted\" name"},
    {"lt-command", "x <touch${IFS}$MNL_MARKER;"},
    {"pipe-command", "|touch $MNL_MARKER"},
    {"semicolon-ampersand", "a;touch $MNL_MARKER&b"},
    {"dollar-paren", "$(touch $MNL_MARKER)"},
    {"backticks", "`touch $MNL_MARKER`"},
    {"gnuplot-quote", "x'.system('touch $MNL_MARKER').'"},
    {"gnuplot-macro", "@MNL_MARKER and @out"},
    {"percent-hash-star", "100% #1 *best* _x_ ~y~"},
    {"newline", "line one\n# a heading\n| a | row |"},
    {"tab", "a\tb"},
    {"control-bytes", "esc\x1b[31mred\x01\x7f"},
    {"invalid-utf8", "bad\xff\xfe\xc3("},
    {"javascript", "javascript:alert(document.domain)"},
    {"data-url", "data:text/html,<script>alert(1)</script>"},
    {"markdown-link", "[x](javascript:alert(1))"},
    {"html", "<img src=x onerror=alert(1)>&amp;"},
    {"dots", "..."},
    {"dot-dot-inside", "..a..b.."},
    {"leading-dash", "-rf --out"},
    {"long-250-bytes", long_name},
    {"non-ascii", "\xc3\x9c" "n" "\xc3\xaf" "c" "\xc3\xb8" "d" "\xc3\xa9" " \xe6\x95\xb0\xe5\xad\x97 \xcf\x88"},
    {"backslash", "back\\slash\\"},
    {"pipes-in-cell", "a | b | c"},
    {"xml-cdata-end", "a]]>b <!-- c --> <![CDATA[d"},
};
#define NAMES_N ((int)(sizeof corpus / sizeof corpus[0]))

static char marker[PATH_MAX], program[PATH_MAX], repo[PATH_MAX];
static int commands_run;

/* The tiny experiment every run here trains. */
static const char *const tiny_conf =
    "[data]\ndataset = mnist\nnormalize = none\nsubset = 500 100\nvalidation = none\n"
    "[model]\nfamily = softmax\ninit = uniform 0.08\n"
    "[train]\noptimizer = sgd\nlr = 0.1\nbatch = 50\nepochs = 1\nseed = 1\n";

/* ---- paths and running ---- */

/* a/b in a fresh heap string (owned by the caller). */
static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* The name with '/' as '_': for a file name (a conf file) rather than a path. */
static char *flat(const char *name, const char *suffix)
{
    size_t n = strlen(name) + strlen(suffix) + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    snprintf(s, n, "%s%s", name, suffix);
    for (char *p = s; *p; p++)
        *p = *p == '/' ? '_' : *p;
    return s;
}

static void mkdirs(const char *path)
{
    char *p = strdup(path);
    for (char *s = p + 1; s && *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
    free(p);
}

/* Run argv (no shell: every name is one argument) in the folder cwd (NULL: here), stdout and
 * stderr into names.out / names.err. Returns the exit status. */
static int run_cmd(const char *cwd, char *const argv[])
{
    char out[PATH_MAX], err[PATH_MAX];
    snprintf(out, sizeof out, "%s", test_path("names.out"));
    snprintf(err, sizeof err, "%s", test_path("names.err"));
    commands_run++;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fi = open("/dev/null", O_RDONLY);
        if (fo < 0 || fe < 0 || fi < 0 || (cwd && chdir(cwd) != 0))
            _exit(126);
        dup2(fo, 1), dup2(fe, 2), dup2(fi, 0);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* run_cmd for a command that must succeed: its stderr is shown when it does not. */
static int run_in(const char *cwd, char *const argv[])
{
    int rc = run_cmd(cwd, argv);
    if (rc != 0)
        fprintf(stderr, "\n    %s %s ... exit %d: %.300s", argv[0], argv[1] ? argv[1] : "", rc,
                test_slurp(test_path("names.err")));
    return rc;
}

static void assert_no_command_ran(void)
{
    int ran = access(marker, F_OK) == 0;
    if (ran)
        fprintf(stderr, "\n    a name ran as a command: %s exists", marker);
    CU_ASSERT_FALSE(ran);
}

/* ---- pictures, pages, reports ---- */

static int is_png_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".png") == 0;
}

static int xml_errors;
static void count_xml_error(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
    xml_errors++;
}

static int is_svg_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".svg") == 0;
}

/* An SVG of the page (gnuplot's, names in its titles and keys) is well-formed XML: a name holding
 * "]]>", "<" or "&" is text in it, never markup. */
static void check_svg(const char *path)
{
    xml_errors = 0;
    xmlSetGenericErrorFunc(NULL, count_xml_error);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    xmlSetGenericErrorFunc(NULL, NULL);
    if (!doc || xml_errors)
        fprintf(stderr, "\n    not well-formed XML: %s (%d errors)", path, xml_errors);
    CU_ASSERT(doc != NULL && xml_errors == 0);
    if (doc)
        xmlFreeDoc(doc);
}

/* Every *.png under dir (any depth) complete and readable, every *.svg well-formed; returns how
 * many PNG files there are. */
static int check_pngs(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *path = join(dir, e->d_name);
        struct stat st;
        if (path && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            n += check_pngs(path);
        } else if (path && is_png_name(e->d_name)) {
            unsigned w = 0, h = 0;
            int whole = png_check_complete(path) == MNL_OK && test_png_size(path, &w, &h) == 0;
            if (!whole)
                fprintf(stderr, "\n    not a complete PNG: %s (%s)", path, mnl_last_error());
            CU_ASSERT(whole && w > 100 && h > 100);
            n++;
        } else if (path && is_svg_name(e->d_name)) {
            check_svg(path);
        }
        free(path);
    }
    closedir(d);
    return n;
}

static void assert_pictures(const char *dir, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        char *p = join(dir, names[i]);
        int there = p && access(p, F_OK) == 0;
        if (!there)
            fprintf(stderr, "\n    missing picture %s", p ? p : names[i]);
        CU_ASSERT(there);
        free(p);
    }
    CU_ASSERT(check_pngs(dir) >= n);
}

/* The relative URL of the page back to the file's path: "./" dropped, %XX decoded. */
static void url_to_path(const char *url, char *out, size_t n)
{
    size_t k = 0;
    if (!strncmp(url, "./", 2))
        url += 2;
    for (; *url && k + 1 < n; url++) {
        unsigned v;
        if (url[0] == '%' && sscanf(url + 1, "%2x", &v) == 1) {
            out[k++] = (char)v;
            url += 2;
        } else {
            out[k++] = *url;
        }
    }
    out[k] = '\0';
}

/* Each value of an XPath expression. */
static int values(xmlDocPtr doc, const char *xpath, char ***out)
{
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r = x ? xmlXPathEvalExpression((const xmlChar *)xpath, x) : NULL;
    int n = r && r->nodesetval ? r->nodesetval->nodeNr : 0;
    *out = calloc((size_t)(n ? n : 1), sizeof **out);
    for (int i = 0; i < n && *out; i++) {
        xmlChar *v = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
        (*out)[i] = strdup((const char *)v);
        xmlFree(v);
    }
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(x);
    return n;
}

static void free_values(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* root/index.html parses as XML; every link is ./relative or #anchor; every image exists; every
 * run of runs[0..n) (folders relative to root) has its section, titled with its name. */
static void assert_page(const char *root, const char *const *runs, int n)
{
    char *page = join(root, "index.html");
    xml_errors = 0;
    xmlSetGenericErrorFunc(NULL, count_xml_error);
    xmlDocPtr doc = xmlReadFile(page, NULL, XML_PARSE_NONET);
    xmlSetGenericErrorFunc(NULL, NULL);
    free(page);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(xml_errors, 0);
    char **v;
    int k = values(doc, "//*[local-name()='a']/@href", &v);
    for (int i = 0; i < k; i++) {
        int ok = v[i][0] == '#' || !strncmp(v[i], "./", 2);
        if (!ok)
            fprintf(stderr, "\n    a link that is not ./relative: %s", v[i]);
        CU_ASSERT(ok);
    }
    free_values(v, k);
    k = values(doc, "//*[local-name()='img']/@src", &v);
    CU_ASSERT(k > 0);
    for (int i = 0; i < k; i++) {
        char path[PATH_MAX], *full;
        url_to_path(v[i], path, sizeof path);
        full = join(root, path);
        int ok = v[i][0] == '.' && full && access(full, F_OK) == 0;
        if (!ok)
            fprintf(stderr, "\n    the page shows %s, which is not there", v[i]);
        CU_ASSERT(ok);
        free(full);
    }
    free_values(v, k);
    k = values(doc, "//*[local-name()='div'][@class='run']/*[local-name()='h4']", &v);
    CU_ASSERT_EQUAL(k, n);
    for (int r = 0; r < n; r++) {
        char shown[2048];
        esc_to_buf(esc_text, runs[r], shown, sizeof shown);
        int found = 0;
        for (int i = 0; i < k; i++)
            found |= !strcmp(v[i], shown);
        if (!found)
            fprintf(stderr, "\n    run \"%s\" is not on the page", shown);
        CU_ASSERT(found);
    }
    free_values(v, k);
    xmlFreeDoc(doc);
}

/* REPORT.md has one table row per run: "| [NAME](./...". */
static int report_rows(const char *root)
{
    char *path = join(root, "REPORT.md");
    unsigned char *md;
    size_t len;
    int rows = 0;
    if (path && file_read_all(path, 1 << 24, &md, &len) == MNL_OK) {
        const char *table_end = strstr((const char *)md, "**What the accuracy cost.**");
        for (const char *p = (const char *)md; (p = strstr(p, "\n| [")); p++)
            rows += !table_end || p < table_end;
        free(md);
    }
    free(path);
    return rows;
}

/* ---- the escaping functions, one context each ---- */

static const char *esc(void (*fn)(FILE *, const char *), const char *s)
{
    static char buf[4096];
    return esc_to_buf(fn, s, buf, sizeof buf);
}

static void test_names_url_is_relative_and_percent_encoded(void)
{
    CU_ASSERT_STRING_EQUAL(esc(esc_url, "javascript:alert(1)//"), "./javascript%3Aalert%281%29//");
    CU_ASSERT_STRING_EQUAL(esc(esc_url, "//evil.example/x"), "./evil.example/x");
    CU_ASSERT_STRING_EQUAL(esc(esc_url, "a b/lr=0.1,x+y/\xff\n"), "./a%20b/lr=0.1,x+y/%FF%0A");
}

static void test_names_html_text_is_wellformed_for_any_bytes(void)
{
    /* < & escaped, invalid UTF-8 U+FFFD, a newline and an ESC their pictures */
    CU_ASSERT_STRING_EQUAL(esc(esc_html_text, "<b>&\xff\n\x1b"),
                           "&lt;b&gt;&amp;\xef\xbf\xbd\xe2\x90\x8a\xe2\x90\x9b");
    CU_ASSERT_STRING_EQUAL(esc(esc_html_attr, "\"x' onclick="), "&quot;x&#39; onclick=");
    /* an overlong '/', a surrogate and a right-to-left override are not shown as themselves */
    CU_ASSERT_STRING_EQUAL(esc(esc_html_text, "\xc0\xaf\xed\xa0\x80\xe2\x80\xae"),
                           "\xef\xbf\xbd\xef\xbf\xbd"                 /* C0 AF */
                           "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"     /* ED A0 80 */
                           "\xef\xbf\xbd");                              /* U+202E */
}

static void test_names_markdown_cell_escapes_every_markup_character(void)
{
    CU_ASSERT_STRING_EQUAL(esc(esc_md_cell, "a|b [x](y) *z* #1\n"),
                           "a\\|b \\[x\\]\\(y\\) \\*z\\* \\#1\xe2\x90\x8a");
}

static void test_names_gnuplot_literal_doubles_quotes_and_keeps_one_line(void)
{
    CU_ASSERT_STRING_EQUAL(esc(esc_gnuplot_string, "x'.system('ls').'\n"),
                           "'x''.system(''ls'').''\xe2\x86\xb5'");
    CU_ASSERT_STRING_EQUAL(esc(esc_gnuplot_datafield, "say \"hi\""),
                           "\"say \xe2\x80\x9dhi\xe2\x80\x9d\"");
}

/* A picture never gets a control picture (U+2400..U+2421): pngcairo draws those as black blobs
 * over the chart. A newline is drawn as ↵, a tab as →, any other control byte as �, whether it
 * comes raw or already shown once by esc_text. */
static void test_names_gnuplot_text_draws_controls_as_signs_every_font_has(void)
{
    CU_ASSERT_STRING_EQUAL(esc(esc_gnuplot_string, "a\nb\tc\x1b[31m\x01\x7f"),
                           "'a\xe2\x86\xb5" "b\xe2\x86\x92" "c\xef\xbf\xbd[31m\xef\xbf\xbd\xef\xbf\xbd'");
    CU_ASSERT_STRING_EQUAL(esc(esc_gnuplot_datafield, "shown\xe2\x90\x8aonce\xe2\x90\x9b"),
                           "\"shown\xe2\x86\xb5once\xef\xbf\xbd\"");
    for (int c = 0; c < 0x80; c++) {
        char in[3] = {(char)(c ? c : 'x'), 'y', '\0'};
        CU_ASSERT_PTR_NULL(strstr(esc(esc_gnuplot_string, in), "\xe2\x90"));
        CU_ASSERT_PTR_NULL(strstr(esc(esc_gnuplot_datafield, in), "\xe2\x90"));
    }
    for (int i = 0; i < NAMES_N; i++)
        CU_ASSERT_PTR_NULL(strstr(esc(esc_gnuplot_string, corpus[i].name), "\xe2\x90"));
}

static void test_names_csv_field_is_quoted_and_never_a_formula(void)
{
    CU_ASSERT_STRING_EQUAL(esc(esc_csv_field, "plain"), "plain");
    CU_ASSERT_STRING_EQUAL(esc(esc_csv_field, "a,\"b\""), "\"a,\"\"b\"\"\"");
    CU_ASSERT_STRING_EQUAL(esc(esc_csv_field, "=cmd()"), "\"'=cmd()\"");
}

/* The word a person pastes into a shell gives the program exactly the name (run through sh). */
static void test_names_shell_word_is_the_name_to_a_shell(void)
{
    const char *names[] = {"it's $(touch $MNL_MARKER) `x` \\", "tab\there\x1b[1m", "a\nb"};
    for (int i = 0; i < 3; i++) {
        char cmd[1024], out[256];
        snprintf(cmd, sizeof cmd, "printf '%%s' %s", esc(esc_shell_word, names[i]));
        FILE *p = popen(cmd, "r");
        CU_ASSERT_FATAL(p != NULL);
        size_t n = fread(out, 1, sizeof out - 1, p);
        out[n] = '\0';
        pclose(p);
        CU_ASSERT_STRING_EQUAL(out, names[i]);
    }
    assert_no_command_ran();
}

/* A SWEEP.md or DIFF.md found in a results folder someone else made is rendered on the page: its
 * links and images can only be ./relative, its markup only text. */
static void test_names_page_markdown_reader_makes_every_target_relative(void)
{
    const char *md = "# <script>alert(1)</script>\n\n[a](javascript:alert(1)) "
                     "![b](http://evil.example/t.png) [c](//host/x) [d](./ok/\"onmouseover=x)\n"
                     "| cell \\| with pipe | [e](data:text/html,x) |\n|---|---|\n| 1 | 2 |\n";
    const char *path = test_path("hostile-md.html");
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    html_from_markdown(f, md, "sweep dir/", NULL, NULL);
    fclose(f);
    const char *h = test_slurp(path);
    CU_ASSERT_PTR_NULL(strstr(h, "<script"));
    CU_ASSERT_PTR_NULL(strstr(h, "href=\"javascript"));
    CU_ASSERT_PTR_NULL(strstr(h, "href=\"data:"));
    CU_ASSERT_PTR_NULL(strstr(h, "src=\"http"));
    CU_ASSERT_PTR_NULL(strstr(h, "href=\"//"));
    /* the reader's target ends at the first ')': "javascript:alert(1", made a relative path */
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<a href=\"./sweep%20dir/javascript%3Aalert%281\">a</a>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<img src=\"./sweep%20dir/http%3A//evil.example/t.png\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "href=\"./sweep%20dir/ok/%22onmouseover=x\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<th>cell | with pipe</th>"));   /* an escaped | stays in its cell */
}

/* Valid UTF-8 in REPORT.md (the report's own "±" and "§", a run named in another script) reaches
 * the page as the same characters, not as replacement characters. */
static void test_names_page_keeps_valid_non_ascii_text(void)
{
    const char *md = "mean \xc2\xb1 std, guide \xc2\xa7""3 | [\xce\xbb-r\xc3\xa9seau](\xce\xbb/) "
                     "*\xe6\x95\xb0\xe5\xad\x97* \xff end\n";
    const char *path = test_path("utf8-md.html");
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    html_from_markdown(f, md, "", NULL, NULL);
    fclose(f);
    const char *h = test_slurp(path);
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "mean \xc2\xb1 std, guide \xc2\xa7""3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, ">\xce\xbb-r\xc3\xa9seau</a>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "<i>\xe6\x95\xb0\xe5\xad\x97</i>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(h, "\xef\xbf\xbd end"));   /* the one invalid byte: one U+FFFD */
    CU_ASSERT_PTR_NULL(strstr(h, "\xef\xbf\xbd\xef\xbf\xbd"));
}

static void test_names_long_file_names_get_names_of_their_own(void)
{
    char a[300], b[300], pa[PATH_MAX], pb[PATH_MAX];
    memset(a, 'n', 250), a[250] = '\0';
    memcpy(b, a, 251), b[249] = 'm';
    CU_ASSERT_EQUAL(path_sibling(a, "", ".tmp.12345", pa, sizeof pa), 0);
    CU_ASSERT_EQUAL(path_sibling(b, "", ".tmp.12345", pb, sizeof pb), 0);
    CU_ASSERT(strlen(pa) <= 255 && strlen(pb) <= 255);
    CU_ASSERT_STRING_NOT_EQUAL(pa, pb);
    CU_ASSERT_EQUAL(path_sibling("dir/short.png", ".png", ".grid.dat", pa, sizeof pa), 0);
    CU_ASSERT_STRING_EQUAL(pa, "dir/short.grid.dat");
}

/* ---- the runs ---- */

static char root[PATH_MAX];           /* ROOT/results: one run per name */
static int runs_made;

static const char *tiny_conf_named(const char *name)
{
    static char path[PATH_MAX];
    char *dir = join(test_tmpdir(), "names-confs"), *file = flat(name, ".conf"), *p = join(dir, file);
    mkdirs(dir);
    snprintf(path, sizeof path, "%s", p);
    CU_ASSERT_FATAL(test_write_file(path, tiny_conf, strlen(tiny_conf)) == 0);
    free(dir), free(file), free(p);
    return path;
}

/* train CONF-named-NAME --out ROOT/results/NAME for every name: the run's own pictures, and the
 * REPORT.md the finished run refreshes (its root is named results). */
static void test_names_train_into_hostile_folders_with_hostile_experiment_names(void)
{
    if (!test_need_mnist())
        return;
    for (int i = 0; i < NAMES_N; i++) {
        char *out = join(root, corpus[i].name);
        char *argv[] = {program, "train", (char *)tiny_conf_named(corpus[i].name), "--out", out,
                        "--no-live", NULL};
        int rc = run_in(NULL, argv);
        if (rc)
            fprintf(stderr, "\n    (name: %s)", corpus[i].label);
        CU_ASSERT_EQUAL(rc, 0);
        static const char *const pics[] = {"curves.png", "samples.png", "confusion.png"};
        assert_pictures(out, pics, 3);
        /* summary.txt: one line per key, whatever the experiment's name holds */
        char *summary = join(out, "summary.txt");
        const char *text = test_slurp(summary);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nfamily = softmax\n"));
        CU_ASSERT_PTR_NULL(strstr(text, "\n# a heading"));
        free(summary);
        free(out);
        runs_made += rc == 0;
        assert_no_command_ran();
    }
    CU_ASSERT_EQUAL(runs_made, NAMES_N);
    CU_ASSERT_EQUAL(report_rows(root), NAMES_N);
}

/* compare over every hostile run folder: REPORT.md lists each, the page parses and shows each,
 * and the chart draws (more groups than one chart holds: the best 12, the rest named). */
static void test_names_compare_lists_every_hostile_run_and_the_page_parses(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    char *argv[] = {program, "compare", root, NULL};
    CU_ASSERT_EQUAL(run_in(NULL, argv), 0);
    assert_no_command_ran();
    CU_ASSERT_EQUAL(report_rows(root), NAMES_N);
    const char *runs[NAMES_N];
    for (int i = 0; i < NAMES_N; i++)
        runs[i] = corpus[i].name;
    assert_page(root, runs, NAMES_N);
    static const char *const pics[] = {"compare-mnist-10-classes-100-test-images.png",
                                       "cost-mnist-10-classes-100-test-images.png"};
    assert_pictures(root, pics, 2);
    char *md = join(root, "REPORT.md");
    char drawn[64];
    snprintf(drawn, sizeof drawn, "The chart draws the 10 of %d rows", NAMES_N);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(md), drawn));
    free(md);
}

/* Copy run folder src to dst (cp -a, no shell). */
static void copy_run(const char *src, const char *dst)
{
    char *argv[] = {"cp", "-a", (char *)src, (char *)dst, NULL};
    commands_run--;     /* not a command under test */
    CU_ASSERT_EQUAL_FATAL(run_in(NULL, argv), 0);
}

/* The results root itself named by the corpus (every third name, to keep the suite quick): compare
 * ROOT where ROOT is hostile, over a run named "a" and a run with another hostile name. */
static void test_names_as_the_results_root_itself(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    char *base = join(test_tmpdir(), "names-roots");
    mkdirs(base);
    char *first = join(root, corpus[0].name);
    for (int i = 0; i < NAMES_N; i += 3) {
        char *r = join(base, corpus[i].name);
        mkdirs(r);
        char *a = join(r, "a"), *b = join(r, corpus[(i + 2) % NAMES_N].name);
        char *parent = strdup(b);
        *strrchr(parent, '/') = '\0';
        mkdirs(parent);
        copy_run(first, a);
        copy_run(first, b);
        char *argv[] = {program, "compare", r, NULL};
        CU_ASSERT_EQUAL(run_in(NULL, argv), 0);
        assert_no_command_ran();
        const char *runs[2] = {"a", corpus[(i + 2) % NAMES_N].name};
        assert_page(r, runs, 2);
        CU_ASSERT_EQUAL(report_rows(r), 2);
        CU_ASSERT(check_pngs(r) >= 8);      /* 2 charts and 3 pictures of each run */
        free(r), free(a), free(b), free(parent);
    }
    free(first), free(base);
}

/* --out NAME (relative, in a scratch folder) for predict, features and show-data: a name starting
 * with '|' or holding '<' is a file name, nothing else. */
static void test_names_as_out_of_predict_features_and_show_data(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    char *scratch = join(test_tmpdir(), "names-outs");
    mkdirs(scratch);
    char *ckpt_dir = join(root, corpus[2].name), *ckpt = join(ckpt_dir, "model.ckpt");
    for (int i = 0; i < NAMES_N; i++) {
        char *png = flat(corpus[i].name, ".png"), *dir = flat(corpus[i].name, "");
        char *p1[] = {program, "predict", ckpt, "--index", "3", "--out", png, NULL};
        CU_ASSERT_EQUAL(run_in(scratch, p1), 0);
        char *p2[] = {program, "features", ckpt, "--out", dir, NULL};
        CU_ASSERT_EQUAL(run_in(scratch, p2), 0);
        char *in_scratch = join(scratch, png), *features = join(scratch, dir);
        const char *pics[] = {png};
        assert_pictures(scratch, pics, 1);
        CU_ASSERT(check_pngs(features) >= 1);
        CU_ASSERT_EQUAL(png_check_complete(in_scratch), MNL_OK);
        if (i % 5 == 0) {           /* show-data reads all of MNIST: a fifth of the names */
            char *show = flat(corpus[i].name, " show.png");
            char *p3[] = {program, "show-data", "--out", show, NULL};
            CU_ASSERT_EQUAL(run_in(scratch, p3), 0);
            const char *s[] = {show};
            assert_pictures(scratch, s, 1);
            free(show);
        }
        assert_no_command_ran();
        free(png), free(dir), free(in_scratch), free(features);
    }
    free(scratch), free(ckpt_dir), free(ckpt);
}

/* diff of two hostile runs into a hostile --out; sweep --out a hostile folder under a results
 * root, then compare there: the sweep's section and runs on the page. */
static void test_names_diff_and_sweep(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    char *diffs = join(test_tmpdir(), "names-diffs");
    mkdirs(diffs);
    for (int i = 0; i < NAMES_N; i += 4) {
        char *a = join(root, corpus[i].name), *b = join(root, corpus[(i + 1) % NAMES_N].name);
        char *out = join(diffs, corpus[(i + 2) % NAMES_N].name);
        char *argv[] = {program, "diff", a, b, "--out", out, NULL};
        CU_ASSERT_EQUAL(run_in(NULL, argv), 0);
        static const char *const pics[] = {"classes.png"};
        assert_pictures(out, pics, 1);
        char *md = join(out, "DIFF.md");
        CU_ASSERT(access(md, F_OK) == 0);
        assert_no_command_ran();
        free(a), free(b), free(out), free(md);
    }
    char *sroot = join(test_tmpdir(), "names-sweeps/results");
    mkdirs(sroot);
    const int picks[] = {2, 10, 15};
    const char *runs[6];
    for (int k = 0; k < 3; k++) {
        char *out = join(sroot, corpus[picks[k]].name);
        char *argv[] = {program, "sweep", (char *)tiny_conf_named(corpus[picks[k]].name), "--vary",
                        "train.lr=0.05,0.1", "--out", out, NULL};
        CU_ASSERT_EQUAL(run_in(NULL, argv), 0);
        static const char *const pics[] = {"sweep.png", "sweep-curves.png"};
        assert_pictures(out, pics, 2);
        assert_no_command_ran();
        free(out);
    }
    char *argv[] = {program, "compare", sroot, NULL};
    CU_ASSERT_EQUAL(run_in(NULL, argv), 0);
    char names[6][600];
    for (int k = 0; k < 6; k++) {
        snprintf(names[k], sizeof names[k], "%s/lr=%s/seed1", corpus[picks[k / 2]].name,
                 k % 2 ? "0.1" : "0.05");
        runs[k] = names[k];
    }
    assert_page(sroot, runs, 6);
    assert_no_command_ran();
    free(diffs), free(sroot);
}

/* robustness over every hostile run (each its own group, named by its folder) into a hostile --out:
 * ROBUSTNESS.md has one row per run, the chart draws, the terminal gets no raw control byte. */
static void test_names_robustness_over_hostile_runs_into_a_hostile_out(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    char *base = join(test_tmpdir(), "names-robustness"), *mid = join(base, corpus[5].name);
    char *out = join(mid, corpus[10].name);
    mkdirs(base);
    char *argv[NAMES_N + 8];
    char *dirs[NAMES_N];
    int k = 0;
    argv[k++] = program;
    argv[k++] = "robustness";
    for (int i = 0; i < NAMES_N; i++)
        argv[k++] = dirs[i] = join(root, corpus[i].name);
    argv[k++] = "--shift";
    argv[k++] = "0,2";
    argv[k++] = "--out";
    argv[k++] = out;
    argv[k] = NULL;
    CU_ASSERT_EQUAL(run_in(NULL, argv), 0);
    assert_no_command_ran();
    static const char *const pics[] = {"robustness-shift.png"};
    assert_pictures(out, pics, 1);
    char *md = join(out, "ROBUSTNESS.md");
    const char *text = test_slurp(md);
    int rows = 0;
    for (const char *p = text; (p = strstr(p, "\n| ")); p++)
        rows++;
    CU_ASSERT_EQUAL(rows, NAMES_N + 1);          /* the header and one row per run */
    CU_ASSERT_PTR_NULL(strstr(text, "\n# a heading"));
    CU_ASSERT_PTR_NULL(strchr(test_slurp(test_path("names.out")), '\x1b'));
    for (int i = 0; i < NAMES_N; i++)
        free(dirs[i]);
    free(base), free(mid), free(out), free(md);
}

/* attack (FGSM) on every hostile run: into the run folder itself for every name, and into a
 * hostile --out for every third; attack.png complete, attack.csv there, nothing run, and the
 * terminal shows each name on one line without a control byte. */
static void test_names_attack_on_hostile_runs_into_the_run_and_a_hostile_out(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    char *base = join(test_tmpdir(), "names-attack");
    mkdirs(base);
    for (int i = 0; i < NAMES_N; i++) {
        char *run = join(root, corpus[i].name);
        char *out = join(base, corpus[(i + 10) % NAMES_N].name);
        char *into_run[] = {program, "attack", run, "--eps", "0 0.1", NULL};
        char *into_out[] = {program, "attack", run, "--eps", "0 0.1", "--out", out, NULL};
        char *const *argv = i % 3 ? into_run : into_out;
        const char *dir = i % 3 ? run : out;
        if (run_in(NULL, argv) != 0)
            fprintf(stderr, "\n    (name: %s)", corpus[i].label);
        static const char *const pics[] = {"attack.png"};
        assert_pictures(dir, pics, 1);
        char *csv = join(dir, "attack.csv");
        CU_ASSERT(access(csv, F_OK) == 0);
        const char *said = test_slurp(test_path("names.out"));
        CU_ASSERT_PTR_NULL(strchr(said, 0x1b));
        CU_ASSERT_PTR_NULL(strstr(said, "\n# a heading"));
        assert_no_command_ran();
        free(run), free(out), free(csv);
    }
    free(base);
}

/* ---- paths up to PATH_MAX ---- */

/* base/ddd.../ddd.../... (components of at most 200 bytes, within NAME_MAX) until the path is
 * `length` bytes long, ending in a component of `last` (repeated as needed). Owned by the caller. */
static char *long_path(const char *base, size_t length, char last)
{
    char *p = calloc(length + 1, 1);
    size_t k = (size_t)snprintf(p, length + 1, "%s", base);
    while (k < length) {
        size_t room = length - k - 1, comp = room > 200 ? 200 : room;
        if (room > 200 && room - 200 < 2)      /* never a last component of nothing */
            comp = room - 2;
        p[k++] = '/';
        memset(p + k, comp == room ? last : 'd', comp);
        k += comp;
    }
    p[length] = '\0';
    return p;
}

/* The part of path after prefix + "/". */
static const char *below(const char *path, const char *prefix) { return path + strlen(prefix) + 1; }

/* A results root of 3,900 bytes and run folders of 3,990 under it: train, compare, diff, sweep,
 * predict, features and show-data each draw complete pictures, the page parses and lists both runs
 * (gnuplot only ever sees names in its private folder, so no path is too long to draw). */
static void test_names_paths_up_to_path_max_draw_every_picture(void)
{
    if (!test_need_mnist())
        return;
    char *base = join(test_tmpdir(), "names-long");
    char *lroot = long_path(base, 3900, 'r');
    mkdirs(lroot);
    CU_ASSERT_EQUAL(strlen(lroot), 3900);
    char *a = long_path(lroot, 3990, 'a'), *b = long_path(lroot, 3990, 'b');
    const char *conf = tiny_conf_named("long");
    char *t1[] = {program, "train", (char *)conf, "--out", a, "--no-live", NULL};
    char *t2[] = {program, "train", (char *)conf, "--out", b, "--no-live", "--set", "train.lr=0.05",
                  NULL};
    CU_ASSERT_EQUAL_FATAL(run_in(NULL, t1), 0);
    CU_ASSERT_EQUAL_FATAL(run_in(NULL, t2), 0);
    static const char *const run_pics[] = {"curves.png", "samples.png", "confusion.png"};
    assert_pictures(a, run_pics, 3);
    assert_pictures(b, run_pics, 3);
    char *cmp[] = {program, "compare", lroot, NULL};
    CU_ASSERT_EQUAL(run_in(NULL, cmp), 0);
    const char *runs[2] = {below(a, lroot), below(b, lroot)};
    assert_page(lroot, runs, 2);
    CU_ASSERT_EQUAL(report_rows(lroot), 2);
    static const char *const root_pics[] = {"compare-mnist-10-classes-100-test-images.png",
                                            "cost-mnist-10-classes-100-test-images.png"};
    assert_pictures(lroot, root_pics, 2);
    char *dout = long_path(lroot, 4000, 'x');
    char *diff[] = {program, "diff", a, b, "--out", dout, NULL};
    CU_ASSERT_EQUAL(run_in(NULL, diff), 0);
    static const char *const diff_pics[] = {"classes.png"};
    assert_pictures(dout, diff_pics, 1);
    char *sout = long_path(lroot, 3960, 's');
    char *sweep[] = {program, "sweep", (char *)conf, "--vary", "train.lr=0.05,0.1", "--out", sout,
                     NULL};
    CU_ASSERT_EQUAL(run_in(NULL, sweep), 0);
    static const char *const sweep_pics[] = {"sweep.png", "sweep-curves.png"};
    assert_pictures(sout, sweep_pics, 2);
    char *ckpt = join(a, "model.ckpt"), *pout = long_path(lroot, 4050, 'p');
    char *fout = long_path(lroot, 4020, 'f');
    char *png = malloc(strlen(pout) + 5), *show = malloc(strlen(pout) + 10);
    sprintf(png, "%s.png", pout), sprintf(show, "%s.show.png", pout);
    char *pred[] = {program, "predict", ckpt, "--index", "3", "--out", png, NULL};
    char *feat[] = {program, "features", ckpt, "--out", fout, NULL};
    char *sd[] = {program, "show-data", "--out", show, NULL};
    CU_ASSERT_EQUAL(run_in(NULL, pred), 0);
    CU_ASSERT_EQUAL(run_in(NULL, feat), 0);
    CU_ASSERT_EQUAL(run_in(NULL, sd), 0);
    CU_ASSERT_EQUAL(png_check_complete(png), MNL_OK);
    CU_ASSERT_EQUAL(png_check_complete(show), MNL_OK);
    CU_ASSERT(check_pngs(fout) >= 1);
    assert_no_command_ran();
    free(base), free(lroot), free(a), free(b), free(dout), free(sout), free(ckpt), free(pout);
    free(fout), free(png), free(show);
}

/* A path longer than PATH_MAX, or one whose files would be: one line naming it, shortened, and a
 * non-zero exit, for every command; nothing is created. */
static void test_names_a_path_beyond_path_max_is_refused_in_one_line(void)
{
    if (!test_need_mnist())
        return;
    char *base = join(test_tmpdir(), "names-toolong");
    char *over = long_path(base, PATH_MAX + 100, 'o');     /* no system call takes it */
    char *near = long_path(base, PATH_MAX - 20, 'n');      /* no room for the files in it */
    char *nparent = strdup(near);
    *strrchr(nparent, '/') = '\0';
    mkdirs(nparent);
    char *ckpt = join(root, corpus[0].name), *model = join(ckpt, "model.ckpt");
    const char *conf = tiny_conf_named("long");
    char *cmds[][9] = {
        {program, "train", (char *)conf, "--out", over, NULL},
        {program, "train", (char *)conf, "--out", near, NULL},
        {program, "compare", over, NULL},
        {program, "compare", near, NULL},
        {program, "sweep", (char *)conf, "--vary", "train.lr=0.05,0.1", "--out", near, NULL},
        {program, "diff", over, ckpt, NULL},
        {program, "diff", ckpt, ckpt, "--out", near, NULL},
        {program, "predict", model, "--out", near, NULL},
        {program, "predict", over, NULL},
        {program, "features", model, "--out", near, NULL},
        {program, "show-data", "--out", near, NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        int rc = run_cmd(NULL, cmds[i]);
        const char *err = test_slurp(test_path("names.err"));
        const char *nl = strchr(err, '\n');
        int one_line = nl && nl[1] == '\0' && (size_t)(nl - err) < 400;
        int named = strstr(err, "PATH_MAX") && strstr(err, "\xe2\x80\xa6");   /* shortened: … */
        if (rc == 0 || !one_line || !named)
            fprintf(stderr, "\n    %s %s: exit %d, %.300s", cmds[i][1], cmds[i][2], rc, err);
        CU_ASSERT(rc != 0 && one_line && named);
        CU_ASSERT(access(near, F_OK) != 0);
    }
    free(base), free(over), free(near), free(nparent), free(ckpt), free(model);
}

/* compare writes REPORT.md, index.html and the charts into the results root, and no data file:
 * the charts' series live in gnuplot's private folder only. */
static void test_names_compare_leaves_no_data_file_in_the_root(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    char *argv[] = {program, "compare", root, NULL};
    CU_ASSERT_EQUAL(run_in(NULL, argv), 0);
    DIR *d = opendir(root);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    int dat = 0, png = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        dat += n > 4 && !strcmp(e->d_name + n - 4, ".dat");
        png += is_png_name(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".dat"))
            fprintf(stderr, "\n    a data file beside REPORT.md: %s", e->d_name);
    }
    closedir(d);
    CU_ASSERT_EQUAL(dat, 0);
    CU_ASSERT_EQUAL(png, 2);
}

/* Every terminal line of diff, compare, sweep, predict, features and show-data that names a run, a
 * folder or a file shows the name on its line: no ESC reaches the terminal and a newline in a name
 * starts no line of its own. */
static void test_names_terminal_lines_show_names_without_control_bytes(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    const char *evil = "esc\x1b]0;title\x07\x1b[2J\nFORGED line";
    char *scratch = join(test_tmpdir(), "names-terminal");
    mkdirs(scratch);
    char *a = join(root, corpus[12].name);      /* control bytes */
    char *b = join(root, corpus[10].name);      /* a newline */
    char *out = join(scratch, evil), *sweep_out = join(scratch, "sw\x1b[31m\nFORGED");
    char *feat = join(scratch, "feat\x1b[1m\nFORGED"), *ckpt = join(a, "model.ckpt");
    char *png = flat(evil, ".png"), *show = flat(evil, " show.png");
    char *cmds[][10] = {
        {program, "diff", a, b, "--out", out, NULL},
        {program, "compare", root, NULL},
        {program, "sweep", (char *)tiny_conf_named(evil), "--vary", "train.lr=0.05,0.1", "--out",
         sweep_out, NULL},
        {program, "predict", ckpt, "--index", "3", "--out", png, NULL},
        {program, "features", ckpt, "--out", feat, NULL},
        {program, "show-data", "--out", show, NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        CU_ASSERT_EQUAL(run_in(scratch, cmds[i]), 0);
        for (int s = 0; s < 2; s++) {
            const char *text = test_slurp(test_path(s ? "names.err" : "names.out"));
            int esc_byte = strchr(text, 0x1b) != NULL || strchr(text, 0x07) != NULL;
            int forged = strstr(text, "\nFORGED") != NULL || strstr(text, "\n# a heading") != NULL;
            if (esc_byte || forged)
                fprintf(stderr, "\n    %s: a name's control bytes reached the terminal: %.400s",
                        cmds[i][1], text);
            CU_ASSERT_FALSE(esc_byte);
            CU_ASSERT_FALSE(forged);
        }
    }
    assert_no_command_ran();
    free(scratch), free(a), free(b), free(out), free(sweep_out), free(feat), free(ckpt), free(png);
    free(show);
}

/* make exp-NAME and make sweep-NAME with a hostile NAME (in a scratch copy of the make setup:
 * the Makefile, common/, experiments/make-run.sh), and SEEDS with a repeated seed. */
static void test_names_make_targets_take_names_as_data(void)
{
    if (!test_need_mnist() || runs_made < NAMES_N)
        return;
    char *tree = join(test_tmpdir(), "names-make");
    char *exps = join(tree, "experiments"), *build = join(tree, "build");
    mkdirs(exps), mkdirs(build);
    char *links[][2] = {{join(repo, "Makefile"), join(tree, "Makefile")},
                        {join(repo, "common"), join(tree, "common")},
                        {join(repo, "experiments/make-run.sh"), join(exps, "make-run.sh")}};
    for (int i = 0; i < 3; i++) {
        CU_ASSERT(symlink(links[i][0], links[i][1]) == 0);
        free(links[i][0]), free(links[i][1]);
    }
    char *cfg_src = join(repo, "build/config.mk"), *cfg_dst = join(build, "config.mk");
    unsigned char *cfg;
    size_t cfg_len;
    CU_ASSERT_FATAL(file_read_all(cfg_src, 1 << 20, &cfg, &cfg_len) == MNL_OK);
    CU_ASSERT_FATAL(test_write_file(cfg_dst, cfg, cfg_len) == 0);
    free(cfg), free(cfg_src), free(cfg_dst);
    char mnist[PATH_MAX], env_mnist[PATH_MAX + 16], prog_var[PATH_MAX + 16];
    CU_ASSERT_FATAL(realpath(test_mnist_dir(), mnist) != NULL);
    snprintf(env_mnist, sizeof env_mnist, "MNIST_DIR=%s", mnist);
    snprintf(prog_var, sizeof prog_var, "MNISTLAB=%s", program);
    const int picks[] = {2, 4, 5, 7, 23};      /* < ; & $( ' \ : the shell's own characters */
    for (int k = 0; k < 5; k++) {
        const char *stem = corpus[picks[k]].name;
        char *conf_file = flat(stem, ".conf"), *conf = join(exps, conf_file);
        CU_ASSERT_FATAL(test_write_file(conf, tiny_conf, strlen(tiny_conf)) == 0);
        char *target = flat(stem, ""), *goal = malloc(strlen(target) + 8);
        snprintf(goal, strlen(target) + 8, "%s%s", k == 4 ? "sweep-" : "exp-", target);
        char *argv[] = {"make", "-s", "-o", "bin-mnistlab", "-o", "data", prog_var, env_mnist, goal,
                        "EPOCHS=1", k == 4 ? "VARY=train.lr=0.05,0.1" : "SEEDS=1 2", NULL};
        CU_ASSERT_EQUAL(run_in(tree, argv), 0);
        assert_no_command_ran();
        char *results = join(tree, "results");
        CU_ASSERT(check_pngs(results) >= 3);
        free(results);
        free(conf_file), free(conf), free(target), free(goal);
    }
    /* a target whose experiment file is not there: refused by name, nothing run */
    char *bad[] = {"make", "-s", "-o", "bin-mnistlab", "-o", "data", prog_var,
                   "exp-x;touch $MNL_MARKER;$(touch $MNL_MARKER)", NULL};
    CU_ASSERT_EQUAL(run_cmd(tree, bad), 2);
    assert_no_command_ran();
    char *first = flat(corpus[picks[0]].name, "");
    char *goal = malloc(strlen(first) + 8);
    snprintf(goal, strlen(first) + 8, "exp-%s", first);
    char *dup[] = {"make", "-s", "-o", "bin-mnistlab", "-o", "data", prog_var, goal, "SEEDS=1 01", NULL};
    CU_ASSERT_EQUAL(run_cmd(tree, dup), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(test_slurp(test_path("names.err")), "seed 1 is given twice"));
    free(first), free(goal), free(tree), free(exps), free(build);
}

static int names_init(void)
{
    memset(long_name, 'n', 250);
    memcpy(long_name, "long-", 5);
    long_name[250] = '\0';
    snprintf(marker, sizeof marker, "%s", test_path("PWNED-marker"));
    setenv("MNL_MARKER", marker, 1);        /* a name run as a command would touch it */
    if (!realpath(test_program(), program) || !getcwd(repo, sizeof repo))
        return -1;
    char mnist[PATH_MAX];            /* commands run in scratch folders find MNIST by it */
    if (test_mnist_dir() && realpath(test_mnist_dir(), mnist))
        setenv("MNIST_DIR", mnist, 1);
    snprintf(root, sizeof root, "%s/names-root/results", test_tmpdir());
    mkdirs(root);
    commands_run = 0;
    return 0;
}

static int names_cleanup(void)
{
    fprintf(stderr, "\n  names: %d hostile names through train, compare, sweep, diff, predict, "
            "features, show-data, make exp-NAME and make sweep-NAME: %d commands, none ran a name",
            NAMES_N, commands_run);
    unsetenv("MNL_MARKER");
    unsetenv("MNIST_DIR");
    return 0;
}

int register_names_tests(void)
{
    CU_pSuite s = CU_add_suite("names", names_init, names_cleanup);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
        {"url_is_relative_and_percent_encoded", test_names_url_is_relative_and_percent_encoded},
        {"html_text_is_wellformed_for_any_bytes", test_names_html_text_is_wellformed_for_any_bytes},
        {"page_keeps_valid_non_ascii_text", test_names_page_keeps_valid_non_ascii_text},
        {"markdown_cell_escapes_every_markup_character",
         test_names_markdown_cell_escapes_every_markup_character},
        {"gnuplot_literal_doubles_quotes_and_keeps_one_line",
         test_names_gnuplot_literal_doubles_quotes_and_keeps_one_line},
        {"gnuplot_text_draws_controls_as_signs_every_font_has",
         test_names_gnuplot_text_draws_controls_as_signs_every_font_has},
        {"csv_field_is_quoted_and_never_a_formula", test_names_csv_field_is_quoted_and_never_a_formula},
        {"shell_word_is_the_name_to_a_shell", test_names_shell_word_is_the_name_to_a_shell},
        {"long_file_names_get_names_of_their_own", test_names_long_file_names_get_names_of_their_own},
        {"page_markdown_reader_makes_every_target_relative",
         test_names_page_markdown_reader_makes_every_target_relative},
        {"train_into_hostile_folders_with_hostile_experiment_names",
         test_names_train_into_hostile_folders_with_hostile_experiment_names},
        {"compare_lists_every_hostile_run_and_the_page_parses",
         test_names_compare_lists_every_hostile_run_and_the_page_parses},
        {"as_the_results_root_itself", test_names_as_the_results_root_itself},
        {"as_out_of_predict_features_and_show_data",
         test_names_as_out_of_predict_features_and_show_data},
        {"diff_and_sweep", test_names_diff_and_sweep},
        {"robustness_over_hostile_runs_into_a_hostile_out",
         test_names_robustness_over_hostile_runs_into_a_hostile_out},
        {"attack_on_hostile_runs_into_the_run_and_a_hostile_out",
         test_names_attack_on_hostile_runs_into_the_run_and_a_hostile_out},
        {"make_targets_take_names_as_data", test_names_make_targets_take_names_as_data},
        {"compare_leaves_no_data_file_in_the_root", test_names_compare_leaves_no_data_file_in_the_root},
        {"terminal_lines_show_names_without_control_bytes",
         test_names_terminal_lines_show_names_without_control_bytes},
        {"paths_up_to_path_max_draw_every_picture", test_names_paths_up_to_path_max_draw_every_picture},
        {"a_path_beyond_path_max_is_refused_in_one_line",
         test_names_a_path_beyond_path_max_is_refused_in_one_line},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
