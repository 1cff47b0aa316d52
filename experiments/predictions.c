/* experiments/predictions: predictions.csv written and read back. The first line is a comment
 * holding the task (data set, classes, number of images) so a reader can refuse to compare runs
 * tested on different images before reading a row. */
#include "experiments/predictions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"

int predictions_alloc(Predictions *p, int n, int num_classes)
{
    Predictions keep = *p;          /* dataset and class names may be set already */
    memset(p, 0, sizeof *p);
    memcpy(p->dataset, keep.dataset, sizeof p->dataset);
    memcpy(p->class_names, keep.class_names, sizeof p->class_names);
    p->n = n;
    p->num_classes = num_classes;
    size_t m = n > 0 ? (size_t)n : 1;
    p->source_index = malloc(m * sizeof(int));
    p->truth = malloc(m * sizeof(int));
    p->pred = malloc(m * sizeof(int));
    p->confidence = malloc(m * sizeof(float));
    if (num_classes == 2)
        p->p_positive = malloc(m * sizeof(float));
    if (!p->source_index || !p->truth || !p->pred || !p->confidence ||
        (num_classes == 2 && !p->p_positive)) {
        predictions_free(p);
        return mnl_fail(MNL_ERR_NOMEM, "cannot allocate predictions for %d images", n);
    }
    return MNL_OK;
}

void predictions_free(Predictions *p)
{
    free(p->source_index);
    free(p->truth);
    free(p->pred);
    free(p->confidence);
    free(p->p_positive);
    p->source_index = p->truth = p->pred = NULL;
    p->confidence = p->p_positive = NULL;
    p->n = 0;
}

int predictions_write(const char *path, const Predictions *p)
{
    AtomicFile a;
    int rc = atomic_open(&a, path);
    if (rc)
        return rc;
    fprintf(a.f, "# mnistlab predictions: dataset=%s classes=", p->dataset);
    for (int k = 0; k < p->num_classes; k++)
        fprintf(a.f, k ? ",%d" : "%d", p->class_names[k]);
    fprintf(a.f, " images=%d\n", p->n);
    fprintf(a.f, "index,source_index,truth,pred,confidence");
    if (p->p_positive)
        fprintf(a.f, ",p_%d", p->class_names[1]);
    fputc('\n', a.f);
    /* truth and pred as the classes' own names (the digits), as a learner reads them */
    for (int i = 0; i < p->n; i++) {
        fprintf(a.f, "%d,%d,%d,%d,%.6f", i, p->source_index[i], p->class_names[p->truth[i]],
                p->class_names[p->pred[i]], p->confidence[i]);
        if (p->p_positive)
            fprintf(a.f, ",%.6f", p->p_positive[i]);
        fputc('\n', a.f);
    }
    return atomic_commit(&a);
}

static int parse_header(const char *path, const char *line, Predictions *p, int *n)
{
    char classes[64];
    if (sscanf(line, "# mnistlab predictions: dataset=%31s classes=%63s images=%d", p->dataset,
               classes, n) != 3 || *n < 0 || *n > 10000000)
        return mnl_fail(MNL_ERR_IO, "%s:1: not a predictions file (no \"# mnistlab predictions\" "
                        "line)", path);
    p->num_classes = 0;
    for (char *s = classes, *end; *s; s = *end == ',' ? end + 1 : end) {
        long c = strtol(s, &end, 10);
        if (end == s || c < 0 || c > 9 || p->num_classes == 10 || (*end && *end != ','))
            return mnl_fail(MNL_ERR_IO, "%s:1: bad class list \"%s\"", path, classes);
        p->class_names[p->num_classes++] = (int)c;
    }
    if (p->num_classes < 2)
        return mnl_fail(MNL_ERR_IO, "%s:1: fewer than two classes", path);
    return MNL_OK;
}

static int class_of(const Predictions *p, int digit)
{
    for (int k = 0; k < p->num_classes; k++)
        if (p->class_names[k] == digit)
            return k;
    return -1;
}

static int parse_row(const char *path, int lineno, const char *line, Predictions *p, int i)
{
    int idx, src, truth, pred, used = 0;
    float conf, pp = 0.0f;
    int got = sscanf(line, "%d,%d,%d,%d,%f%n", &idx, &src, &truth, &pred, &conf, &used);
    int ok = got == 5 && idx == i && src >= 0;
    if (ok && p->p_positive)
        ok = sscanf(line + used, ",%f", &pp) == 1;
    int t = ok ? class_of(p, truth) : -1, q = ok ? class_of(p, pred) : -1;
    if (t < 0 || q < 0 || !(conf >= 0.0f && conf <= 1.0f) || !(pp >= 0.0f && pp <= 1.0f))
        return mnl_fail(MNL_ERR_IO, "%s:%d: not a prediction row for image %d", path, lineno, i);
    p->source_index[i] = src;
    p->truth[i] = t;
    p->pred[i] = q;
    p->confidence[i] = conf;
    if (p->p_positive)
        p->p_positive[i] = pp;
    return MNL_OK;
}

int predictions_read(const char *path, Predictions *p)
{
    memset(p, 0, sizeof *p);
    FILE *f = file_open_text(path);   /* a FIFO or device would block or never end */
    if (!f)
        return mnl_fail(MNL_ERR_IO, "%s: cannot open (trained before predictions were saved? "
                        "train the run again)", path);
    char line[256];
    int n = 0, rc = MNL_OK, lineno = 1;
    if (!fgets(line, sizeof line, f) || (rc = parse_header(path, line, p, &n)) ||
        (rc = predictions_alloc(p, n, p->num_classes))) {
        fclose(f);
        return rc ? rc : mnl_fail(MNL_ERR_IO, "%s: empty file", path);
    }
    if (!fgets(line, sizeof line, f) || strncmp(line, "index,source_index,truth,pred", 29))
        rc = mnl_fail(MNL_ERR_IO, "%s:2: missing the column header", path);
    lineno = 2;
    for (int i = 0; !rc && i < n; i++) {
        lineno++;
        if (!fgets(line, sizeof line, f))
            rc = mnl_fail(MNL_ERR_IO, "%s:%d: ends after %d of %d images", path, lineno, i, n);
        else
            rc = parse_row(path, lineno, line, p, i);
    }
    if (!rc && fgets(line, sizeof line, f))
        rc = mnl_fail(MNL_ERR_IO, "%s:%d: more rows than the %d images its header names", path,
                      lineno + 1, n);
    fclose(f);
    if (rc)
        predictions_free(p);
    return rc;
}

int predictions_same_images(const Predictions *a, const Predictions *b, char *why, int why_len)
{
    if (strcmp(a->dataset, b->dataset)) {
        snprintf(why, (size_t)why_len, "one was tested on %s, the other on %s", a->dataset,
                 b->dataset);
        return -1;
    }
    if (a->num_classes != b->num_classes ||
        memcmp(a->class_names, b->class_names, sizeof(int) * (size_t)a->num_classes)) {
        snprintf(why, (size_t)why_len, "their classes differ (%d and %d classes)", a->num_classes,
                 b->num_classes);
        return -1;
    }
    if (a->n != b->n) {
        snprintf(why, (size_t)why_len, "one has %d test images, the other %d", a->n, b->n);
        return -1;
    }
    for (int i = 0; i < a->n; i++)
        if (a->source_index[i] != b->source_index[i]) {
            snprintf(why, (size_t)why_len, "test image %d is image %d of the test file in one and "
                     "%d in the other (a random subset drawn with another seed?)", i,
                     a->source_index[i], b->source_index[i]);
            return -1;
        }
    return 0;
}
