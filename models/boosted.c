/* models/boosted: gradient-boosted trees through XGBoost's C API (Debian libxgboost-dev): the
 * `hist` method, softmax objective (one tree per class per round), nthread pinned to the suite's
 * thread count and the seed honoured. After every round XGBoost scores the watched sets (from its
 * prediction cache, no extra pass), and the runner records them as a network records epochs. The
 * model kept is the one read back from XGBoost's own binary JSON (UBJSON) format, so a reloaded
 * model predicts exactly as the fitted one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "common/error.h"
#include "models/network.h"

#define UBJ "{\"format\": \"ubj\"}"

static int xgb_fail(const char *what)
{
    return mnl_fail(MNL_ERR_ARG, "XGBoost: %s: %s", what, XGBGetLastError());
}

static int boosted_check(const FitSpec *s, int n_train, int d, int k)
{
    (void)n_train, (void)d, (void)k;
    if (s->max_depth < 1)
        return mnl_fail(MNL_ERR_CONFIG, "model.max_depth = %d: boosted-trees needs a depth of 1 or "
                        "more (6 is XGBoost's default)", s->max_depth);
    return MNL_OK;
}

static void boosted_release(Fitted *f)
{
    if (f->state)
        XGBoosterFree(f->state);
    f->state = NULL;
}

static int set_params(BoosterHandle b, const Fitted *f)
{
    char v[64];
    const char *kv[][2] = {{"tree_method", "hist"}, {"objective", "multi:softprob"},
                           {"eval_metric", "mlogloss"}, {"eval_metric", "merror"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (XGBoosterSetParam(b, kv[i][0], kv[i][1]))
            return xgb_fail(kv[i][0]);
    struct { const char *key; double value; } num[] = {
        {"num_class", f->k}, {"max_depth", f->spec.max_depth}, {"eta", f->spec.eta},
        {"nthread", f->threads}, {"seed", (double)(f->spec.seed & 0x7fffffff)}, {"verbosity", 0},
    };
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++) {
        snprintf(v, sizeof v, "%.9g", num[i].value);
        if (XGBoosterSetParam(b, num[i].key, v))
            return xgb_fail(num[i].key);
    }
    return MNL_OK;
}

/* A DMatrix of n images; NaN marks a missing value, so a zero pixel is a zero. */
static int dmatrix(const FitSet *s, DMatrixHandle *out)
{
    if (XGDMatrixCreateFromMat(s->x, (bst_ulong)s->n, (bst_ulong)s->d, NAN, out))
        return xgb_fail("DMatrix");
    if (!s->y)
        return MNL_OK;
    float *label = malloc(sizeof(float) * (size_t)s->n);
    if (!label)
        return mnl_fail(MNL_ERR_NOMEM, "XGBoost labels");
    for (int i = 0; i < s->n; i++)
        label[i] = (float)s->y[i];
    int rc = XGDMatrixSetFloatInfo(*out, "label", label, (bst_ulong)s->n) ? xgb_fail("labels") : 0;
    free(label);
    return rc;
}

/* "[3]\ttrain-mlogloss:0.51\ttrain-merror:0.12\ttest-..." into the scores of the named sets. */
static void parse_eval(const char *text, RoundScores *s)
{
    static const char *names[WATCH_SETS] = {"train", "valid", "test"};
    for (int w = 0; w < WATCH_SETS; w++) {
        char key[32];
        s->loss[w] = s->acc[w] = NAN;
        snprintf(key, sizeof key, "\t%s-mlogloss:", names[w]);
        const char *p = strstr(text, key);
        if (p)
            s->loss[w] = strtod(p + strlen(key), NULL);
        snprintf(key, sizeof key, "\t%s-merror:", names[w]);
        if ((p = strstr(text, key)))
            s->acc[w] = 1.0 - strtod(p + strlen(key), NULL);
    }
}

static int booster_bytes(BoosterHandle b, unsigned char **blob, size_t *len)
{
    bst_ulong n;
    const char *p;
    if (XGBoosterSaveModelToBuffer(b, UBJ, &n, &p))
        return xgb_fail("save");
    if (!(*blob = malloc(n ? n : 1)))
        return mnl_fail(MNL_ERR_NOMEM, "XGBoost model of %llu bytes", (unsigned long long)n);
    memcpy(*blob, p, n);
    *len = n;
    return MNL_OK;
}

/* The booster, or with save_rounds = r its first r rounds (XGBoosterSlice: the trees of rounds
 * 0..r-1, every class's, which predict what the booster predicted after round r). */
static int boosted_save(const Fitted *f, unsigned char **blob, size_t *len)
{
    int rounds = 0;
    if (f->save_rounds <= 0 || XGBoosterBoostedRounds(f->state, &rounds) || rounds <= f->save_rounds)
        return booster_bytes(f->state, blob, len);
    BoosterHandle sliced;
    if (XGBoosterSlice(f->state, 0, f->save_rounds, 1, &sliced))
        return xgb_fail("slice");
    int rc = booster_bytes(sliced, blob, len);
    XGBoosterFree(sliced);
    return rc;
}

static int boosted_load(Fitted *f, const unsigned char *blob, size_t len)
{
    BoosterHandle b;
    if (XGBoosterCreate(NULL, 0, &b))
        return xgb_fail("create");
    f->state = b;
    if (XGBoosterLoadModelFromBuffer(b, blob, len))
        return mnl_fail(MNL_ERR_CKPT, "XGBoost does not read the saved model: %s", XGBGetLastError());
    char v[32];
    snprintf(v, sizeof v, "%d", f->threads);
    XGBoosterSetParam(b, "nthread", v);
    return MNL_OK;
}

static int boosted_fit(Fitted *f, const FitSet *train, const FitSet *const *watch, const FitHooks *h)
{
    static const char *names[WATCH_SETS] = {"train", "valid", "test"};
    DMatrixHandle dtrain = NULL, dw[WATCH_SETS] = {0}, deval[WATCH_SETS];
    const char *enames[WATCH_SETS];
    int n_eval = 0, rc = dmatrix(train, &dtrain);
    for (int w = 0; !rc && w < WATCH_SETS; w++)
        if (watch && watch[w] && !(rc = dmatrix(watch[w], &dw[w])))
            deval[n_eval] = dw[w], enames[n_eval++] = names[w];
    BoosterHandle b = NULL;
    DMatrixHandle cache[1 + WATCH_SETS] = {dtrain};
    for (int i = 0; i < n_eval; i++)
        cache[1 + i] = deval[i];
    if (!rc && XGBoosterCreate(cache, (bst_ulong)(1 + n_eval), &b))
        rc = xgb_fail("create");
    if (!rc)
        f->state = b, rc = set_params(b, f);
    int R = f->spec.rounds, stop = 0;
    for (int r = 0; !rc && !stop && r < R; r++) {
        if (XGBoosterUpdateOneIter(b, r, dtrain)) {
            rc = xgb_fail("boosting round");
            break;
        }
        RoundScores sc;
        const char *text = "";
        if (n_eval && XGBoosterEvalOneIter(b, r, deval, enames, (bst_ulong)n_eval, &text))
            rc = xgb_fail("evaluation");
        parse_eval(text, &sc);
        if (h && h->progress)
            h->progress(h->ctx, r + 1, R);
        if (!rc && h && h->round && h->round(h->ctx, r + 1, R, &sc))
            stop = 1;
    }
    unsigned char *blob = NULL;
    size_t len = 0;
    if (!rc && !(rc = boosted_save(f, &blob, &len))) {
        boosted_release(f);
        rc = boosted_load(f, blob, len);     /* keep the model as its own format reads it back */
    }
    free(blob);
    XGDMatrixFree(dtrain);
    for (int w = 0; w < WATCH_SETS; w++)
        if (dw[w])
            XGDMatrixFree(dw[w]);
    return rc;
}

static int boosted_predict(const Fitted *f, const float *x, int B, float *probs)
{
    FitSet s = {x, NULL, B, f->d};
    DMatrixHandle d;
    int rc = dmatrix(&s, &d);
    if (rc)
        return rc;
    bst_ulong n;
    const float *out;
    if (XGBoosterPredict(f->state, d, 0, 0, 0, &n, &out))
        rc = xgb_fail("predict");
    else if (n != (bst_ulong)B * f->k)
        rc = mnl_fail(MNL_ERR_CKPT, "XGBoost predicted %llu values for %d images of %d classes",
                      (unsigned long long)n, B, f->k);
    else
        memcpy(probs, out, sizeof(float) * (size_t)B * f->k);
    XGDMatrixFree(d);
    return rc;
}

static void boosted_size(const Fitted *f, FittedSize *s)
{
    int rounds = 0;
    if (f->state)
        XGBoosterBoostedRounds(f->state, &rounds);
    s->count = (double)rounds * f->k;
    s->unit = "trees";
    unsigned char *blob;
    size_t len = 0;
    if (f->state && boosted_save(f, &blob, &len) == MNL_OK)
        free(blob);
    s->bytes = len;
}

static const FittedOps boosted_ops = {boosted_check, boosted_fit, boosted_predict, boosted_save,
                                      boosted_load, boosted_release, boosted_size, NULL};

const ModelFamily boosted_trees_family = {
    "boosted-trees", "gradient-boosted trees by XGBoost (hist): each round adds one tree per class",
    NULL, "rounds eta max_depth", &boosted_ops,
    "batch seed threads early_stop",
};
