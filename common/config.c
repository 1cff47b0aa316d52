/* common/config: the key table, value parsers and inih glue for experiment files. */
#include "common/config.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"

/* inih (as Debian builds it) reads at most 200 bytes a line; longer values are continued on an
 * indented next line, which inih hands over as another value of the same key. */
#define CONFIG_MAX_LINE 200
#define CONFIG_LAYERS_WORD_MAX 32   /* longest word of a layer spec ("maxpool", "0.25" ...) */

/* ---- value parsers: each returns 0 or writes a reason into why ---- */

typedef int (*ValueParser)(ExpConfig *c, const char *value, char *why, size_t why_len);

/* Room for a reason that quotes the longest value a setting can have: a message must never lose
 * its reason to the value it quotes. */
#define CONFIG_WHY_LEN (CONFIG_LAYERS_LEN + 256)

static int parse_long_in(const char *s, long lo, long hi, long *out, char *why, size_t n)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == s || *end != '\0') {
        snprintf(why, n, "\"%s\" is not a whole number", s);
        return -1;
    }
    if (errno == ERANGE || v < lo || v > hi) {
        snprintf(why, n, "%s is out of range (%ld to %ld)", s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_float_in(const char *s, double lo, double hi, int lo_open, float *out, char *why,
                          size_t n)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == s || *end != '\0') {
        snprintf(why, n, "\"%s\" is not a number", s);
        return -1;
    }
    if (!isfinite(v) || errno == ERANGE || (float)v != (float)v || isinf((float)v)) {
        snprintf(why, n, "%s is not a finite number", s);
        return -1;
    }
    if (v < lo || v > hi || (lo_open && v == lo)) {
        snprintf(why, n, "%s is out of range (%s%g to %g]", s, lo_open ? "above " : "", lo, hi);
        return -1;
    }
    *out = (float)v;
    return 0;
}

/* Split a value into at most max whitespace-separated words (in place in buf). */
static int split_words(char *buf, char **words, int max)
{
    int n = 0;
    for (char *tok = strtok(buf, " \t,"); tok; tok = strtok(NULL, " \t,")) {
        if (n == max)
            return max + 1;
        words[n++] = tok;
    }
    return n;
}

static int choose(const char *s, const char *const *options, char *dst, size_t dst_len, char *why,
                  size_t n)
{
    for (int i = 0; options[i]; i++)
        if (strcmp(s, options[i]) == 0) {
            snprintf(dst, dst_len, "%s", s);
            return 0;
        }
    int k = snprintf(why, n, "\"%s\" is not one of:", s);
    for (int i = 0; options[i] && k > 0 && (size_t)k < n; i++)
        k += snprintf(why + k, n - (size_t)k, " %s", options[i]);
    return -1;
}

static int p_dataset(ExpConfig *c, const char *v, char *why, size_t n)
{
    static const char *const opts[] = {"mnist", "fashion", NULL};
    return choose(v, opts, c->dataset, sizeof c->dataset, why, n);
}

static int p_normalize(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "none") == 0) {
        c->norm = NORM_NONE;
        return 0;
    }
    if (strcmp(v, "-1..1") == 0) {
        c->norm = NORM_MINUS1_1;
        return 0;
    }
    char buf[128], *w[3];
    snprintf(buf, sizeof buf, "%s", v);
    if (split_words(buf, w, 2) != 2) {
        snprintf(why, n, "\"%s\" is not none, -1..1, or MEAN STD", v);
        return -1;
    }
    float mean, std;
    if (parse_float_in(w[0], -1e6, 1e6, 0, &mean, why, n) ||
        parse_float_in(w[1], 0, 1e6, 1, &std, why, n))
        return -1;
    c->norm = NORM_MEAN_STD;
    c->mean = mean;
    c->std = std;
    return 0;
}

static int p_classes(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "all") == 0) {
        c->n_classes = 0;
        return 0;
    }
    char buf[128], *w[DATASET_MAX_CLASSES + 1];
    snprintf(buf, sizeof buf, "%s", v);
    int k = split_words(buf, w, DATASET_MAX_CLASSES);
    if (k < 2 || k > DATASET_MAX_CLASSES) {
        snprintf(why, n, "\"%s\": give 2 to 10 distinct classes (0-9), or all", v);
        return -1;
    }
    for (int i = 0; i < k; i++) {
        long cls;
        if (parse_long_in(w[i], 0, 9, &cls, why, n))
            return -1;
        for (int j = 0; j < i; j++)
            if (c->classes[j] == cls) {
                snprintf(why, n, "class %ld is listed twice", cls);
                return -1;
            }
        c->classes[i] = (int)cls;
    }
    c->n_classes = k;
    return 0;
}

static int p_subset(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "none") == 0 || strcmp(v, "all") == 0) {
        c->subset_train = c->subset_test = 0;
        return 0;
    }
    char buf[128], *w[3];
    snprintf(buf, sizeof buf, "%s", v);
    if (split_words(buf, w, 2) != 2) {
        snprintf(why, n, "\"%s\": give TRAIN TEST image counts (e.g. 2000 500), or all", v);
        return -1;
    }
    long tr, te;
    if (parse_long_in(w[0], 1, 10000000, &tr, why, n) || parse_long_in(w[1], 1, 10000000, &te, why, n))
        return -1;
    c->subset_train = (int)tr;
    c->subset_test = (int)te;
    return 0;
}

static int p_validation(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strcmp(v, "none") == 0) {
        c->split = SPLIT_NONE;
        c->split_n = 0;
        return 0;
    }
    char buf[128], *w[3];
    snprintf(buf, sizeof buf, "%s", v);
    long count;
    if (split_words(buf, w, 2) != 2 || (strcmp(w[0], "random") && strcmp(w[0], "last"))) {
        snprintf(why, n, "\"%s\": give none, random N, or last N", v);
        return -1;
    }
    if (parse_long_in(w[1], 1, 10000000, &count, why, n))
        return -1;
    c->split = strcmp(w[0], "random") == 0 ? SPLIT_RANDOM : SPLIT_LAST;
    c->split_n = (int)count;
    return 0;
}

static int p_family(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (!*v || strlen(v) >= sizeof c->family) {
        snprintf(why, n, "\"%s\" is not a family name", v);
        return -1;
    }
    snprintf(c->family, sizeof c->family, "%s", v);
    return 0;
}

static int p_hidden(ExpConfig *c, const char *v, char *why, size_t n)
{
    char buf[CONFIG_MAX_LINE * 2], *w[CONFIG_MAX_HIDDEN + 1];
    snprintf(buf, sizeof buf, "%s", v);
    int k = split_words(buf, w, CONFIG_MAX_HIDDEN);
    if (k > CONFIG_MAX_HIDDEN) {
        snprintf(why, n, "more than %d hidden layers", CONFIG_MAX_HIDDEN);
        return -1;
    }
    if (k == 1 && strcmp(w[0], "none") == 0)
        k = 0;
    for (int i = 0; i < k; i++) {
        long width;
        if (parse_long_in(w[i], 1, 65536, &width, why, n))
            return -1;
        c->hidden[i] = (int)width;
    }
    c->n_hidden = k;
    return 0;
}

/* Length of the longest run of characters other than blanks and commas. */
static size_t longest_word(const char *v)
{
    size_t longest = 0;
    while (*v) {
        size_t len = strcspn(v, " \t,");
        longest = len > longest ? len : longest;
        v += len + (v[len] != '\0');
    }
    return longest;
}

static int p_layers(ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strlen(v) >= sizeof c->layers) {
        snprintf(why, n, "layer spec longer than %zu characters", sizeof c->layers - 1);
        return -1;
    }
    /* no layer kind or number is this long; the limit lets config_to_text wrap any spec */
    if (longest_word(v) > CONFIG_LAYERS_WORD_MAX) {
        snprintf(why, n, "\"%.40s...\" has a word longer than %d characters", v,
                 CONFIG_LAYERS_WORD_MAX);
        return -1;
    }
    snprintf(c->layers, sizeof c->layers, "%s", v);
    return 0;
}

static int p_head(ExpConfig *c, const char *v, char *why, size_t n)
{
    static const char *const opts[] = {"softmax", "sigmoid", NULL};
    return choose(v, opts, c->head, sizeof c->head, why, n);
}

static int p_init(ExpConfig *c, const char *v, char *why, size_t n)
{
    char buf[64], *w[3];
    snprintf(buf, sizeof buf, "%s", v);
    int k = split_words(buf, w, 2);
    if (k == 2 && strcmp(w[0], "uniform") == 0) {
        if (parse_float_in(w[1], 0, 100, 1, &c->init_scale, why, n))
            return -1;
        snprintf(c->init, sizeof c->init, "uniform");
        return 0;
    }
    if (k == 1 && (strcmp(w[0], "pytorch") == 0 || strcmp(w[0], "he") == 0)) {
        snprintf(c->init, sizeof c->init, "%s", w[0]);
        return 0;
    }
    snprintf(why, n, "\"%s\": give pytorch, he, or uniform A", v);
    return -1;
}

static int p_optimizer(ExpConfig *c, const char *v, char *why, size_t n)
{
    static const char *const opts[] = {"sgd", "adam", NULL};
    return choose(v, opts, c->optimizer, sizeof c->optimizer, why, n);
}

#define FLOAT_PARSER(fn, field, lo, hi, lo_open)                                                  \
    static int fn(ExpConfig *c, const char *v, char *why, size_t n)                                \
    {                                                                                              \
        return parse_float_in(v, lo, hi, lo_open, &c->field, why, n);                              \
    }
#define INT_PARSER(fn, field, lo, hi)                                                              \
    static int fn(ExpConfig *c, const char *v, char *why, size_t n)                                \
    {                                                                                              \
        long x;                                                                                    \
        if (parse_long_in(v, lo, hi, &x, why, n))                                                  \
            return -1;                                                                             \
        c->field = x;                                                                              \
        return 0;                                                                                  \
    }

FLOAT_PARSER(p_dropout, dropout, 0.0, 0.95, 0)
FLOAT_PARSER(p_lr, lr, 0.0, 1000.0, 1)
FLOAT_PARSER(p_l2, l2, 0.0, 1000.0, 0)
FLOAT_PARSER(p_momentum, momentum, 0.0, 0.999, 0)
FLOAT_PARSER(p_weight_decay, weight_decay, 0.0, 1000.0, 0)
INT_PARSER(p_batch, batch, 1, 65536)
INT_PARSER(p_epochs, epochs, 1, 100000)
INT_PARSER(p_seed, seed, 0, 4294967295L)
INT_PARSER(p_threads, threads, 0, 256)
INT_PARSER(p_eval_every, eval_every, 1, 100000)

/* Parse a value with its key's parser, after the rules every key shares. No ';' or '#': inih
 * takes ' ;' as the start of a comment and a line starting with either as a comment line, so a
 * value holding one (inih passes "=;x" through) would not read back from config_to_text's text
 * the same (a config.used or checkpoint whose settings changed on the way). */
static int parse_value(ValueParser parse, ExpConfig *c, const char *v, char *why, size_t n)
{
    if (strpbrk(v, ";#")) {
        snprintf(why, n, "\"%s\": no value may hold ';' or '#', which start comments", v);
        return -1;
    }
    /* nor control characters: inih strips them from the ends of lines, so they would not survive
     * being written and read back either, and no setting has a use for them */
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            snprintf(why, n, "holds the control character 0x%02x", *p);
            return -1;
        }
    return parse(c, v, why, n);
}

typedef struct {
    const char *section, *key;
    ValueParser parse;
    int continues;        /* 1: an indented next line continues the value */
    size_t line_offset;   /* where to record the line, or 0 */
} KeyDef;

static const KeyDef keys[] = {
    {"data", "dataset", p_dataset, 0, 0},
    {"data", "normalize", p_normalize, 0, 0},
    {"data", "classes", p_classes, 0, 0},
    {"data", "subset", p_subset, 0, 0},
    {"data", "validation", p_validation, 0, 0},
    {"model", "family", p_family, 0, offsetof(ExpConfig, line_family)},
    {"model", "hidden", p_hidden, 1, offsetof(ExpConfig, line_hidden)},
    {"model", "layers", p_layers, 1, offsetof(ExpConfig, line_layers)},
    {"model", "head", p_head, 0, 0},
    {"model", "init", p_init, 0, 0},
    {"model", "dropout", p_dropout, 0, 0},
    {"train", "optimizer", p_optimizer, 0, 0},
    {"train", "lr", p_lr, 0, 0},
    {"train", "l2", p_l2, 0, 0},
    {"train", "momentum", p_momentum, 0, 0},
    {"train", "weight_decay", p_weight_decay, 0, 0},
    {"train", "batch", p_batch, 0, 0},
    {"train", "epochs", p_epochs, 0, 0},
    {"train", "seed", p_seed, 0, 0},
    {"train", "threads", p_threads, 0, 0},
    {"train", "eval_every", p_eval_every, 0, 0},
};
#define N_KEYS ((int)(sizeof keys / sizeof keys[0]))

static const KeyDef *find_key(const char *section, const char *key)
{
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
            return &keys[i];
    return NULL;
}

static int section_known(const char *section)
{
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0)
            return 1;
    return 0;
}

void config_defaults(ExpConfig *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->dataset, sizeof c->dataset, "mnist");
    c->norm = NORM_NONE;
    c->mean = 0.0f;
    c->std = 1.0f;
    snprintf(c->head, sizeof c->head, "softmax");
    snprintf(c->init, sizeof c->init, "pytorch");
    snprintf(c->optimizer, sizeof c->optimizer, "adam");
    c->lr = 0.001f;
    c->batch = 64;
    c->epochs = 10;
    c->seed = 1;
    c->eval_every = 1;
}

/* ---- reading a file with inih, line by line, so every message can name its line ---- */

typedef struct {
    ExpConfig *cfg;
    /* the reader's side */
    FILE *file;            /* reading a file, or */
    const char *text;      /* reading a string */
    int line;              /* number of the line just read */
    int line_indented;     /* it started with white space (a continuation) */
    int long_line;         /* first line over CONFIG_MAX_LINE, or 0 */
    int nul_line;          /* first line holding a NUL byte, or 0 */
    int open_section_line; /* first "[name" line without its "]", or 0 */
    char open_section[48]; /* its start, for the message */
    /* the handler's side */
    const KeyDef *last_key;
    char accumulated[CONFIG_LAYERS_LEN];  /* value of a key continued over several lines */
    unsigned char seen[sizeof keys / sizeof keys[0]];
    int error_line;
    char error[CONFIG_WHY_LEN + 128];
} ParseState;

/* One line of the file into str (at most num - 1 bytes), like fgets, except that it sees a NUL
 * byte (fgets would end the string there, and the rest would read as a line too long). */
static char *read_file_line(ParseState *ps, char *str, int num, int *has_nul)
{
    int n = 0, c = EOF;
    *has_nul = 0;
    while (n < num - 1 && (c = getc(ps->file)) != EOF) {
        if (c == '\0') {
            *has_nul = 1;
            c = ' ';
        }
        str[n++] = (char)c;
        if (c == '\n')
            break;
    }
    str[n] = '\0';
    return n ? str : NULL;
}

/* A section line, "[name]", that lost its "]": inih skips it and goes on in the previous
 * section, so its message would blame the next line. */
static void note_open_section(ParseState *ps, const char *str)
{
    const char *p = str;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '[' || ps->open_section_line)
        return;
    const char *end = p + strcspn(p, ";#\r\n");
    if (memchr(p, ']', (size_t)(end - p)))
        return;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    ps->open_section_line = ps->line;
    snprintf(ps->open_section, sizeof ps->open_section, "%.*s", (int)(end - p > 40 ? 40 : end - p), p);
}

static char *read_line(char *str, int num, void *stream)
{
    ParseState *ps = stream;
    char *got;
    int has_nul = 0;
    if (ps->file) {
        got = read_file_line(ps, str, num, &has_nul);
    } else {
        if (!*ps->text)
            return NULL;
        const char *nl = strchr(ps->text, '\n');
        size_t len = nl ? (size_t)(nl - ps->text) + 1 : strlen(ps->text);
        if (len > (size_t)num - 1)
            len = (size_t)num - 1;
        memcpy(str, ps->text, len);
        str[len] = '\0';
        ps->text += len;
        got = str;
    }
    if (!got)
        return NULL;
    size_t len = strlen(str);
    int complete = len > 0 && str[len - 1] == '\n';
    int at_end;
    if (ps->file) {
        int c = getc(ps->file);
        at_end = c == EOF;
        if (!at_end)
            ungetc(c, ps->file);
    } else {
        at_end = !*ps->text;
    }
    ps->line++;
    if (has_nul && !ps->nul_line)
        ps->nul_line = ps->line;
    if (!complete && !at_end && !ps->long_line)
        ps->long_line = ps->line;
    note_open_section(ps, str);
    ps->line_indented = str[0] == ' ' || str[0] == '\t';
    return got;
}

static int record_error(ParseState *ps, const char *fmt, const char *a, const char *b, const char *c)
{
    if (!ps->error_line) {
        ps->error_line = ps->line;
        snprintf(ps->error, sizeof ps->error, fmt, a, b, c);
    }
    return 0;
}

static int handle_key(void *user, const char *section, const char *name, const char *value)
{
    ParseState *ps = user;
    if (ps->long_line)
        return record_error(ps, "line is longer than %s characters; continue a long value on an "
                                "indented next line%s%s", "199", "", "");
    if (!section_known(section))
        return record_error(ps, "unknown section [%s] (sections: data, model, train)%s%s", section,
                            "", "");
    const KeyDef *k = find_key(section, name);
    if (!k)
        return record_error(ps, "unknown key \"%s\" in [%s]%s", name, section, "");
    int idx = (int)(k - keys);
    char why[CONFIG_WHY_LEN];
    const char *full = value;
    if (ps->seen[idx]) {
        if (!(k->continues && ps->last_key == k && ps->line_indented))
            return record_error(ps, "key \"%s\" in [%s] is set twice%s", name, section, "");
        size_t used = strlen(ps->accumulated);
        if (used + 2 + strlen(value) >= sizeof ps->accumulated) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s.%s: the value continued up to here is longer than the "
                     "%zu characters allowed", section, name, sizeof ps->accumulated - 1);
            return record_error(ps, "%s%s%s", msg, "", "");
        }
        /* one blank between the lines' parts, none before the first ("layers = ;" is empty) */
        snprintf(ps->accumulated + used, sizeof ps->accumulated - used, used ? " %s" : "%s", value);
        full = ps->accumulated;
    } else {
        snprintf(ps->accumulated, sizeof ps->accumulated, "%s", value);
        if (k->line_offset)
            *(int *)((char *)ps->cfg + k->line_offset) = ps->line;
    }
    ps->seen[idx] = 1;
    ps->last_key = k;
    if (parse_value(k->parse, ps->cfg, full, why, sizeof why) != 0)
        return record_error(ps, "%s.%s: %s", section, name, why);
    return 1;
}

/* The first thing wrong with the file, by line: a NUL byte (a binary file), a section line
 * without its "]", or what the handler recorded. */
static int first_fault(ParseState *ps, int rc, const char *source)
{
    int line = ps->error_line, what = 0;
    if (ps->nul_line && (!line || ps->nul_line <= line))
        line = ps->nul_line, what = 1;
    if (ps->open_section_line && (!line || ps->open_section_line < line))
        line = ps->open_section_line, what = 2;
    if (what == 1)
        return mnl_fail(MNL_ERR_CONFIG, "%s:%d: the line holds a NUL byte (is this a settings file?)",
                        source, line);
    if (what == 2)
        return mnl_fail(MNL_ERR_CONFIG, "%s:%d: section line \"%s\" has no closing ]", source, line,
                        ps->open_section);
    if (line)
        return mnl_fail(MNL_ERR_CONFIG, "%s:%d: %s", source, line, ps->error);
    if (rc > 0)
        return mnl_fail(MNL_ERR_CONFIG, "%s:%d: not a [section] or key = value line", source, rc);
    return MNL_OK;
}

static int parse_with(ParseState *ps, const char *source)
{
    int rc = ini_parse_stream(read_line, ps, handle_key, ps);
    if (rc == 0 && ps->long_line && !ps->error_line) {
        ps->error_line = ps->long_line;
        snprintf(ps->error, sizeof ps->error, "line is longer than 199 characters");
    }
    if (ps->file && ferror(ps->file))
        return mnl_fail(MNL_ERR_IO, "%s: cannot read: %s", source, strerror(errno ? errno : EIO));
    int fault = first_fault(ps, rc, source);
    if (fault)
        return fault;
    if (rc < 0)
        return mnl_fail(MNL_ERR_NOMEM, "%s: inih could not allocate", source);
    if (!ps->cfg->family[0])
        return mnl_fail(MNL_ERR_CONFIG, "%s: [model] family is missing (softmax, mlp, cnn, ...)",
                        source);
    return MNL_OK;
}

static void set_name(ExpConfig *c, const char *path)
{
    snprintf(c->source, sizeof c->source, "%s", path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(c->name, sizeof c->name, "%s", base);
    char *dot = strstr(c->name, ".conf");
    if (dot && dot[5] == '\0')
        *dot = '\0';
}

int config_load(const char *path, ExpConfig *c)
{
    config_defaults(c);
    set_name(c, path);
    ParseState ps = {.cfg = c};
    long long size;
    int rc = file_open_regular(path, &ps.file, &size);   /* not a FIFO, device or directory */
    if (rc)
        return rc;
    rc = parse_with(&ps, path);
    fclose(ps.file);
    return rc;
}

int config_load_string(const char *text, const char *source, ExpConfig *c)
{
    config_defaults(c);
    set_name(c, source);
    ParseState ps = {.cfg = c, .text = text};
    return parse_with(&ps, source);
}

int config_set(ExpConfig *c, const char *assignment)
{
    char buf[CONFIG_LAYERS_LEN + 64];
    if (strlen(assignment) >= sizeof buf) {
        /* name the key, not the whole value (a 10 000-layer spec would swamp the message) */
        size_t key_len = strcspn(assignment, "=");
        return mnl_fail(MNL_ERR_CONFIG, "--set %.*s=...: the value is %zu characters, more than the "
                        "%d allowed", key_len > 64 ? 64 : (int)key_len, assignment,
                        strlen(assignment) - key_len - (assignment[key_len] ? 1 : 0),
                        CONFIG_LAYERS_LEN - 1);
    }
    snprintf(buf, sizeof buf, "%s", assignment);
    char *eq = strchr(buf, '='), *dot = strchr(buf, '.');
    if (!eq || !dot || dot > eq)
        return mnl_fail(MNL_ERR_CONFIG, "--set %s: expected section.key=value", assignment);
    *eq = '\0';
    *dot = '\0';
    const char *section = buf, *key = dot + 1;
    const char *value = eq + 1;
    const KeyDef *k = find_key(section, key);
    if (!k)
        return mnl_fail(MNL_ERR_CONFIG, "--set %s: unknown key \"%s.%s\"", assignment, section, key);
    char why[CONFIG_WHY_LEN];
    if (parse_value(k->parse, c, value, why, sizeof why) != 0) {
        if (strlen(value) > 60)     /* the reason quotes the value already */
            return mnl_fail(MNL_ERR_CONFIG, "--set %s.%s=(%zu characters): %s", section, key,
                            strlen(value), why);
        return mnl_fail(MNL_ERR_CONFIG, "--set %s: %s", assignment, why);
    }
    if (k->line_offset)
        *(int *)((char *)c + k->line_offset) = 0;
    return MNL_OK;
}

int config_validate(const ExpConfig *c)
{
    const char *src = c->source;
    if (c->eval_every > c->epochs)
        return mnl_fail(MNL_ERR_CONFIG, "%s: train.eval_every = %d is more than train.epochs = %d", src,
                        c->eval_every, c->epochs);
    if (strcmp(c->head, "sigmoid") == 0 && c->n_classes != 2)
        return mnl_fail(MNL_ERR_CONFIG,
                        "%s: model.head = sigmoid needs exactly two classes (data.classes = A B)", src);
    if (strcmp(c->family, "cnn") == 0 && !c->layers[0])
        return mnl_fail(MNL_ERR_CONFIG, "%s: model.family = cnn needs model.layers", src);
    if (strcmp(c->family, "mlp") == 0 && c->n_hidden == 0)
        return mnl_fail(MNL_ERR_CONFIG, "%s: model.family = mlp needs model.hidden (e.g. 256 128)",
                        src);
    return MNL_OK;
}

/* ---- canonical text ---- */

/* The shortest decimal that reads back as the same float (0.1307, not 0.130700007). */
static const char *float_text(float v, char *buf, size_t n)
{
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, n, "%.*g", digits, v);
        if (strtof(buf, NULL) == v)
            break;
    }
    return buf;
}

static const char *norm_text(const ExpConfig *c, char *buf, size_t n)
{
    if (c->norm == NORM_NONE)
        return "none";
    if (c->norm == NORM_MINUS1_1)
        return "-1..1";
    char m[32], s[32];
    snprintf(buf, n, "%s %s", float_text(c->mean, m, sizeof m), float_text(c->std, s, sizeof s));
    return buf;
}

char *config_to_text(const ExpConfig *c)
{
    size_t cap = 8192 + 2 * sizeof c->layers;
    char *t = malloc(cap);
    if (!t)
        return NULL;
    char norm[64], classes[64] = "all", subset[64] = "all", valid[64] = "none", hidden[256] = "none";
    char init[64], f[6][32];
    for (int i = 0, k = 0; i < c->n_classes; i++)
        k += snprintf(classes + k, sizeof classes - (size_t)k, "%s%d", i ? " " : "", c->classes[i]);
    if (c->subset_train)
        snprintf(subset, sizeof subset, "%d %d", c->subset_train, c->subset_test);
    if (c->split != SPLIT_NONE)
        snprintf(valid, sizeof valid, "%s %d", c->split == SPLIT_RANDOM ? "random" : "last", c->split_n);
    for (int i = 0, k = 0; i < c->n_hidden; i++)
        k += snprintf(hidden + k, sizeof hidden - (size_t)k, "%s%d", i ? " " : "", c->hidden[i]);
    if (strcmp(c->init, "uniform") == 0)
        snprintf(init, sizeof init, "uniform %s", float_text(c->init_scale, f[0], sizeof f[0]));
    else
        snprintf(init, sizeof init, "%s", c->init);

    /* A long layer spec is wrapped onto indented continuation lines (inih's limit), at a comma past
     * column 100, or at a blank past 150 when the items are long; the reader joins the lines with
     * one blank, and words are short (p_layers), so every line stays well under 199 characters. */
    char layers[2 * CONFIG_LAYERS_LEN];
    size_t lk = 0, col = 0;
    for (const char *p = c->layers; *p && lk + 8 < sizeof layers; p++) {
        int blank = *p == ' ' || *p == '\t', wrap;
        if (blank) {
            /* a run of blanks is written as one space (the layer parser splits on any run), so
             * the text reads back to a spec that is written the same again */
            while (p[1] == ' ' || p[1] == '\t')
                p++;
            wrap = col > 150;
            if (!wrap)
                layers[lk++] = ' ', col++;
        } else {
            layers[lk++] = *p, col++;
            wrap = *p == ',' && col > 100;
        }
        if (wrap) {
            memcpy(layers + lk, "\n   ", 4);
            lk += 4;
            col = 0;
            while (p[1] == ' ' || p[1] == '\t')
                p++;
        }
    }
    layers[lk] = '\0';

    snprintf(t, cap,
             "; settings of experiment %s (from %s)\n"
             "[data]\n"
             "dataset = %s\nnormalize = %s\nclasses = %s\nsubset = %s\nvalidation = %s\n"
             "[model]\n"
             "family = %s\nhidden = %s\n%s%s%s"
             "head = %s\ninit = %s\ndropout = %s\n"
             "[train]\n"
             "optimizer = %s\nlr = %s\nl2 = %s\nmomentum = %s\nweight_decay = %s\n"
             "batch = %d\nepochs = %d\nseed = %lu\nthreads = %d\neval_every = %d\n",
             c->name, c->source, c->dataset, norm_text(c, norm, sizeof norm), classes, subset, valid,
             c->family, hidden, c->layers[0] ? "layers = " : "", layers, c->layers[0] ? "\n" : "",
             c->head, init, float_text(c->dropout, f[1], sizeof f[1]), c->optimizer,
             float_text(c->lr, f[2], sizeof f[2]), float_text(c->l2, f[3], sizeof f[3]),
             float_text(c->momentum, f[4], sizeof f[4]), float_text(c->weight_decay, f[5], sizeof f[5]),
             c->batch, c->epochs, c->seed, c->threads, c->eval_every);
    return t;
}
