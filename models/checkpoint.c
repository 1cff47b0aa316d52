/* models/checkpoint: save, verify and restore a model's tensors, the optimizer's state, the epoch
 * and the runner's opaque state. The format is described in checkpoint.h. Loading trusts nothing:
 * the whole file is read, its CRC checked, and every length compared with the bytes that remain
 * before anything it implies is allocated or read, so arbitrary bytes give an error, never a crash. */
#include "models/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/error.h"
#include "common/fileio.h"

static const unsigned char MAGIC[8] = { 'M', 'N', 'L', 'C', 'K', 'P', 'T', '\0' };
#define HEADER_BYTES 12u        /* magic + version */
#define CRC_BYTES    4u
/* The smallest tensor record: u16 name length, a 1-byte name, u32 rank 0, u64 n, no data. */
#define MIN_TENSOR_BYTES (2u + 1u + 4u + 8u)

/* zlib's crc32 takes an unsigned int length; feed it in pieces so any size_t is fine. */
static uLong crc_update(uLong crc, const unsigned char *p, size_t n)
{
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

/* ---- little-endian encoding ---- */

static void le_store(unsigned char *out, uint64_t x, int bytes)
{
    for (int i = 0; i < bytes; i++)
        out[i] = (unsigned char)(x >> (8 * i));
}

static uint64_t le_load(const unsigned char *in, int bytes)
{
    uint64_t x = 0;
    for (int i = 0; i < bytes; i++)
        x |= (uint64_t)in[i] << (8 * i);
    return x;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void decode_floats(float *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)le_load(src + 4 * i, 4);
        memcpy(&dst[i], &u, sizeof u);
    }
}

/* ---- writing: a stream that keeps the running CRC and the first error ---- */

typedef struct {
    FILE *f;
    uLong crc;
    int err;               /* errno of the first failed write, 0 while all is well */
} Writer;

static void put_bytes(Writer *w, const void *p, size_t n)
{
    if (w->err || n == 0)
        return;
    errno = 0;
    if (fwrite(p, 1, n, w->f) != n) {
        w->err = errno ? errno : EIO;
        return;
    }
    w->crc = crc_update(w->crc, p, n);
}

static void put_uint(Writer *w, uint64_t x, int bytes)
{
    unsigned char b[8];
    le_store(b, x, bytes);
    put_bytes(w, b, (size_t)bytes);
}

static void put_floats(Writer *w, const float *x, size_t n)
{
    unsigned char chunk[4096];
    const size_t per = sizeof chunk / 4;
    for (size_t i = 0; i < n; i += per) {
        size_t k = n - i < per ? n - i : per;
        for (size_t j = 0; j < k; j++)
            le_store(chunk + 4 * j, float_bits(x[i + j]), 4);
        put_bytes(w, chunk, 4 * k);
    }
}

/* Writes "[3,4]" (or "[]" for a scalar) into out. */
static const char *shape_str(char *out, size_t cap, int rank, const uint64_t *dims)
{
    size_t used = (size_t)snprintf(out, cap, "[");
    for (int i = 0; i < rank && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%llu", i ? "," : "",
                                 (unsigned long long)dims[i]);
    if (used < cap)
        snprintf(out + used, cap - used, "]");
    return out;
}

static int check_tensor_savable(const char *path, const ParamTensor *p)
{
    size_t len = strnlen(p->name, sizeof p->name);
    if (len == 0 || len >= CKPT_NAME_MAX)
        return mnl_fail(MNL_ERR_ARG, "%s: a tensor name is empty or unterminated", path);
    if (p->rank < 0 || p->rank > CKPT_MAX_RANK)
        return mnl_fail(MNL_ERR_ARG, "%s: tensor '%s' has rank %d (at most %d)", path, p->name,
                        p->rank, CKPT_MAX_RANK);
    uint64_t prod = 1;
    for (int d = 0; d < p->rank; d++) {
        if (p->shape[d] < 0)
            return mnl_fail(MNL_ERR_ARG, "%s: tensor '%s' has a negative dimension", path, p->name);
        prod *= (uint64_t)p->shape[d];
    }
    if (prod != (uint64_t)p->n)
        return mnl_fail(MNL_ERR_ARG, "%s: tensor '%s' has %zu values but its shape holds %llu", path,
                        p->name, p->n, (unsigned long long)prod);
    return MNL_OK;
}

static int check_savable(const char *path, const char *config_text, const Model *m,
                         const Optimizer *opt, int epoch, size_t run_state_len)
{
    if (!m || (m->n_params > 0 && !m->params))
        return mnl_fail(MNL_ERR_ARG, "%s: no model to save", path);
    if (m->n_params < 0 || (unsigned)m->n_params > CKPT_MAX_TENSORS)
        return mnl_fail(MNL_ERR_ARG, "%s: %d tensors (at most %u)", path, m->n_params,
                        CKPT_MAX_TENSORS);
    if (epoch < 0)
        return mnl_fail(MNL_ERR_ARG, "%s: epoch %d is negative", path, epoch);
    if ((config_text && strlen(config_text) > UINT32_MAX) || run_state_len > UINT32_MAX)
        return mnl_fail(MNL_ERR_ARG, "%s: config text or run state larger than 4 GiB", path);
    for (int i = 0; i < m->n_params; i++) {
        int rc = check_tensor_savable(path, &m->params[i]);
        if (rc)
            return rc;
    }
    if (opt && opt->n != m->n_param_values)
        return mnl_fail(MNL_ERR_ARG, "%s: the optimizer holds %zu values, the model %zu", path,
                        opt->n, m->n_param_values);
    return MNL_OK;
}

static void put_tensor(Writer *w, const ParamTensor *p)
{
    size_t len = strlen(p->name);
    put_uint(w, len, 2);
    put_bytes(w, p->name, len);
    put_uint(w, (uint64_t)p->rank, 4);
    for (int d = 0; d < p->rank; d++)
        put_uint(w, (uint64_t)p->shape[d], 4);
    put_uint(w, p->n, 8);
    put_floats(w, p->value, p->n);
}

static void put_optimizer(Writer *w, const Optimizer *opt)
{
    if (!opt) {
        put_uint(w, CKPT_OPT_NONE, 4);
        put_uint(w, 0, 8);
        put_uint(w, 0, 8);
        put_uint(w, 0, 4);
        return;
    }
    /* AdamW keeps Adam's two moments (the settings say which of the two it is) */
    put_uint(w, optim_is_adam(opt->spec.kind) ? CKPT_OPT_ADAM : CKPT_OPT_SGD, 4);
    put_uint(w, (uint64_t)(int64_t)opt->step, 8);
    put_uint(w, opt->n, 8);
    put_uint(w, (uint64_t)((opt->m != NULL) + (opt->v != NULL)), 4);
    if (opt->m)
        put_floats(w, opt->m, opt->n);
    if (opt->v)
        put_floats(w, opt->v, opt->n);
}

int checkpoint_save(const char *path, const char *config_text, const Model *m,
                    const Optimizer *opt, int epoch, const void *run_state, size_t run_state_len)
{
    int rc = check_savable(path, config_text, m, opt, epoch, run_state_len);
    if (rc)
        return rc;
    AtomicFile af;
    if ((rc = atomic_open(&af, path)))
        return rc;
    Writer w = { af.f, crc32(0L, Z_NULL, 0), 0 };
    size_t config_len = config_text ? strlen(config_text) : 0;

    put_bytes(&w, MAGIC, sizeof MAGIC);
    put_uint(&w, CKPT_VERSION, 4);
    put_uint(&w, config_len, 4);
    put_bytes(&w, config_text, config_len);
    put_uint(&w, (uint32_t)epoch, 4);
    put_uint(&w, run_state_len, 4);
    put_bytes(&w, run_state, run_state_len);
    put_uint(&w, (uint64_t)m->n_params, 4);
    for (int i = 0; i < m->n_params; i++)
        put_tensor(&w, &m->params[i]);
    put_optimizer(&w, opt);
    uLong crc = w.crc;
    put_uint(&w, crc, 4);

    if (w.err) {
        atomic_abort(&af);
        return mnl_fail(MNL_ERR_IO, "%s: cannot write: %s (previous file left untouched)", path,
                        strerror(w.err));
    }
    return atomic_commit(&af);
}

/* ---- reading: a cursor that refuses to step past the end ---- */

typedef struct {
    const unsigned char *p;
    size_t len, pos;
    const char *path;
} Reader;

static size_t remaining(const Reader *r) { return r->len - r->pos; }

static int need(Reader *r, size_t n, const char *what)
{
    if (n > remaining(r))
        return mnl_fail(MNL_ERR_CKPT, "%s: %s needs %zu bytes but only %zu remain (file damaged)",
                        r->path, what, n, remaining(r));
    return MNL_OK;
}

static int get_uint(Reader *r, uint64_t *x, int bytes, const char *what)
{
    int rc = need(r, (size_t)bytes, what);
    if (rc)
        return rc;
    *x = le_load(r->p + r->pos, bytes);
    r->pos += (size_t)bytes;
    return MNL_OK;
}

/* A length-prefixed byte string copied into a fresh NUL-terminated buffer. Its length is checked
 * against the bytes that remain first, so the allocation is never larger than the file. */
static int get_blob(Reader *r, unsigned char **out, size_t *out_len, const char *what)
{
    uint64_t n;
    int rc = get_uint(r, &n, 4, what);
    if (rc || (rc = need(r, (size_t)n, what)))
        return rc;
    unsigned char *b = malloc((size_t)n + 1);
    if (!b)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %llu bytes for the %s", r->path,
                        (unsigned long long)n, what);
    memcpy(b, r->p + r->pos, (size_t)n);
    b[n] = 0;
    r->pos += (size_t)n;
    *out = b;
    if (out_len)
        *out_len = (size_t)n;
    return MNL_OK;
}

static int check_envelope(const char *path, const unsigned char *buf, size_t len)
{
    size_t head = len < sizeof MAGIC ? len : sizeof MAGIC;
    if (memcmp(buf, MAGIC, head) != 0)
        return mnl_fail(MNL_ERR_CKPT, "%s: not a mnistlab checkpoint (bad magic)", path);
    if (len < HEADER_BYTES + CRC_BYTES)
        return mnl_fail(MNL_ERR_CKPT, "%s: truncated: %zu bytes, too short for a checkpoint", path,
                        len);
    uint64_t version = le_load(buf + sizeof MAGIC, 4);
    if (version != CKPT_VERSION)
        return mnl_fail(MNL_ERR_CKPT, "%s: format version %llu, this build reads version %u", path,
                        (unsigned long long)version, CKPT_VERSION);
    uint64_t stored = le_load(buf + len - CRC_BYTES, 4);
    uLong crc = crc_update(crc32(0L, Z_NULL, 0), buf, len - CRC_BYTES);
    if (stored != (uint64_t)crc)
        return mnl_fail(MNL_ERR_CKPT, "%s: CRC mismatch (file damaged or truncated)", path);
    return MNL_OK;
}

static int parse_tensor(Reader *r, unsigned idx, CkptTensor *t)
{
    char what[96];
    uint64_t len, rank, n, dims[CKPT_MAX_RANK] = { 0 };
    snprintf(what, sizeof what, "the name of tensor %u", idx);
    int rc = get_uint(r, &len, 2, what);
    if (rc)
        return rc;
    if (len == 0 || len >= CKPT_NAME_MAX)
        return mnl_fail(MNL_ERR_CKPT, "%s: tensor %u: name of %llu bytes (1..%d allowed)", r->path,
                        idx, (unsigned long long)len, CKPT_NAME_MAX - 1);
    if ((rc = need(r, (size_t)len, what)))
        return rc;
    if (memchr(r->p + r->pos, 0, (size_t)len))
        return mnl_fail(MNL_ERR_CKPT, "%s: tensor %u: name contains a NUL byte", r->path, idx);
    memcpy(t->name, r->p + r->pos, (size_t)len);
    t->name[len] = 0;
    r->pos += (size_t)len;

    snprintf(what, sizeof what, "the shape of tensor '%s'", t->name);
    if ((rc = get_uint(r, &rank, 4, what)))
        return rc;
    if (rank > CKPT_MAX_RANK)
        return mnl_fail(MNL_ERR_CKPT, "%s: tensor '%s': rank %llu (at most %d)", r->path, t->name,
                        (unsigned long long)rank, CKPT_MAX_RANK);
    uint64_t prod = 1;
    int overflow = 0;
    for (uint64_t d = 0; d < rank; d++) {
        if ((rc = get_uint(r, &dims[d], 4, what)))
            return rc;
        if (dims[d] != 0 && prod > UINT64_MAX / dims[d])
            overflow = 1;
        else
            prod *= dims[d];
    }
    if ((rc = get_uint(r, &n, 8, what)))
        return rc;
    char shape[96];
    if (overflow || n != prod)
        return mnl_fail(MNL_ERR_CKPT, "%s: tensor '%s' claims %llu values but its shape %s does "
                        "not hold that many", r->path, t->name, (unsigned long long)n,
                        shape_str(shape, sizeof shape, (int)rank, dims));
    if (n > remaining(r) / 4)
        return mnl_fail(MNL_ERR_CKPT, "%s: tensor '%s' claims %llu values (%llu bytes) but only %zu "
                        "bytes remain (file damaged)", r->path, t->name, (unsigned long long)n,
                        (unsigned long long)n * 4, remaining(r));
    t->rank = (int)rank;
    for (int d = 0; d < t->rank; d++)
        t->dims[d] = (uint32_t)dims[d];
    t->n = (size_t)n;
    t->data = r->p + r->pos;
    r->pos += (size_t)n * 4;
    return MNL_OK;
}

static int parse_tensors(Reader *r, Checkpoint *ck)
{
    uint64_t count;
    int rc = get_uint(r, &count, 4, "the tensor count");
    if (rc)
        return rc;
    if (count > CKPT_MAX_TENSORS || count > remaining(r) / MIN_TENSOR_BYTES)
        return mnl_fail(MNL_ERR_CKPT, "%s: tensor count %llu is impossible (at most %u, and only "
                        "%zu bytes remain)", r->path, (unsigned long long)count, CKPT_MAX_TENSORS,
                        remaining(r));
    ck->tensors = calloc(count ? (size_t)count : 1, sizeof *ck->tensors);
    if (!ck->tensors)
        return mnl_fail(MNL_ERR_NOMEM, "%s: cannot allocate %llu tensor records", r->path,
                        (unsigned long long)count);
    ck->n_tensors = (int)count;
    for (unsigned i = 0; i < (unsigned)count; i++)
        if ((rc = parse_tensor(r, i, &ck->tensors[i])))
            return rc;
    return MNL_OK;
}

static int parse_optimizer(Reader *r, Checkpoint *ck)
{
    uint64_t kind, step, n, nbuf;
    const char *what = "the optimizer state";
    int rc;
    if ((rc = get_uint(r, &kind, 4, what)) || (rc = get_uint(r, &step, 8, what)) ||
        (rc = get_uint(r, &n, 8, what)) || (rc = get_uint(r, &nbuf, 4, what)))
        return rc;
    int nbuf_ok = (kind == CKPT_OPT_NONE && nbuf == 0 && n == 0) ||
                  (kind == CKPT_OPT_SGD && nbuf <= 1) || (kind == CKPT_OPT_ADAM && nbuf == 2);
    if (kind > CKPT_OPT_ADAM || !nbuf_ok)
        return mnl_fail(MNL_ERR_CKPT, "%s: optimizer kind %llu with %llu buffers of %llu values is "
                        "not a valid optimizer state", r->path, (unsigned long long)kind,
                        (unsigned long long)nbuf, (unsigned long long)n);
    if ((int64_t)step < 0)
        return mnl_fail(MNL_ERR_CKPT, "%s: optimizer step %lld is negative", r->path,
                        (long long)(int64_t)step);
    uint64_t tensor_values = 0;
    for (int i = 0; i < ck->n_tensors; i++)
        tensor_values += ck->tensors[i].n;
    if (kind != CKPT_OPT_NONE && n != tensor_values)
        return mnl_fail(MNL_ERR_CKPT, "%s: optimizer state holds %llu values but the tensors hold "
                        "%llu", r->path, (unsigned long long)n, (unsigned long long)tensor_values);
    if (nbuf > 0 && n > remaining(r) / 4 / nbuf)
        return mnl_fail(MNL_ERR_CKPT, "%s: optimizer state claims %llu x %llu values but only %zu "
                        "bytes remain (file damaged)", r->path, (unsigned long long)nbuf,
                        (unsigned long long)n, remaining(r));
    ck->opt_kind = (int)kind;
    ck->opt_step = (long)step;
    ck->opt_n = (size_t)n;
    ck->opt_nbuf = (int)nbuf;
    for (int b = 0; b < ck->opt_nbuf; b++) {
        ck->opt_data[b] = r->p + r->pos;
        r->pos += (size_t)n * 4;
    }
    return MNL_OK;
}

static int parse_body(Checkpoint *ck)
{
    Reader r = { ck->buf, ck->len - CRC_BYTES, HEADER_BYTES, ck->path };
    uint64_t epoch;
    unsigned char *config = NULL;
    int rc = get_blob(&r, &config, NULL, "config text");
    ck->config_text = (char *)config;
    if (rc || (rc = get_uint(&r, &epoch, 4, "the epoch")))
        return rc;
    if ((int32_t)(uint32_t)epoch < 0)
        return mnl_fail(MNL_ERR_CKPT, "%s: epoch %d is negative", ck->path,
                        (int)(int32_t)(uint32_t)epoch);
    ck->epoch = (int)(int32_t)(uint32_t)epoch;
    if ((rc = get_blob(&r, &ck->run_state, &ck->run_state_len, "run state")) ||
        (rc = parse_tensors(&r, ck)) || (rc = parse_optimizer(&r, ck)))
        return rc;
    if (remaining(&r) != 0)
        return mnl_fail(MNL_ERR_CKPT, "%s: %zu unexpected bytes after the optimizer state", ck->path,
                        remaining(&r));
    return MNL_OK;
}

int checkpoint_load(const char *path, Checkpoint *ck)
{
    memset(ck, 0, sizeof *ck);
    snprintf(ck->path, sizeof ck->path, "%s", path);
    int rc = file_read_all(path, CKPT_MAX_FILE, &ck->buf, &ck->len);
    if (!rc && !(rc = check_envelope(path, ck->buf, ck->len)))
        rc = parse_body(ck);
    if (rc)
        checkpoint_free(ck);
    return rc;
}

void checkpoint_free(Checkpoint *ck)
{
    free(ck->config_text);
    free(ck->run_state);
    free(ck->tensors);
    free(ck->buf);
    memset(ck, 0, sizeof *ck);
}

/* ---- applying: verify every tensor and the optimizer, then copy ---- */

static int check_tensor_matches(const Checkpoint *ck, int i, const ParamTensor *p)
{
    const CkptTensor *t = &ck->tensors[i];
    if (strcmp(t->name, p->name) != 0)
        return mnl_fail(MNL_ERR_CKPT, "%s: tensor %d is '%s' in the checkpoint but '%s' in the "
                        "model", ck->path, i, t->name, p->name);
    int same = t->rank == p->rank && t->n == p->n;
    uint64_t want[CKPT_MAX_RANK] = { 0 }, have[CKPT_MAX_RANK] = { 0 };
    int model_rank = p->rank < 0 ? 0 : p->rank > CKPT_MAX_RANK ? CKPT_MAX_RANK : p->rank;
    for (int d = 0; d < CKPT_MAX_RANK; d++) {
        have[d] = d < t->rank ? t->dims[d] : 0;
        want[d] = d < model_rank ? (uint64_t)(p->shape[d] < 0 ? 0 : p->shape[d]) : 0;
        same = same && have[d] == want[d];
    }
    if (!same) {
        char a[96], b[96];
        return mnl_fail(MNL_ERR_CKPT, "%s: tensor '%s' is %s in the checkpoint but %s in the model",
                        ck->path, t->name, shape_str(a, sizeof a, t->rank, have),
                        shape_str(b, sizeof b, model_rank, want));
    }
    return MNL_OK;
}

static const char *kind_name(int ckpt_kind)
{
    return ckpt_kind == CKPT_OPT_ADAM ? "Adam" : ckpt_kind == CKPT_OPT_SGD ? "SGD" : "none";
}

static int check_optimizer_matches(const Checkpoint *ck, const Model *m, const Optimizer *opt)
{
    if (ck->opt_kind == CKPT_OPT_NONE)
        return mnl_fail(MNL_ERR_CKPT, "%s: holds no optimizer state, so training cannot resume "
                        "from it", ck->path);
    int run_kind = optim_is_adam(opt->spec.kind) ? CKPT_OPT_ADAM : CKPT_OPT_SGD;
    if (ck->opt_kind != run_kind)
        return mnl_fail(MNL_ERR_CKPT, "%s: the optimizer is %s in the checkpoint but %s in this run",
                        ck->path, kind_name(ck->opt_kind), kind_name(run_kind));
    int run_nbuf = (opt->m != NULL) + (opt->v != NULL);
    if (ck->opt_n != opt->n || opt->n != m->n_param_values || ck->opt_nbuf != run_nbuf)
        return mnl_fail(MNL_ERR_CKPT, "%s: the %s state is %d buffer(s) of %zu values in the "
                        "checkpoint but %d of %zu in this run (momentum changed?)", ck->path,
                        kind_name(run_kind), ck->opt_nbuf, ck->opt_n, run_nbuf, opt->n);
    return MNL_OK;
}

int checkpoint_check_shapes(const Checkpoint *ck, const ParamTensor *tensors, int n)
{
    if (ck->n_tensors != n)
        return mnl_fail(MNL_ERR_CKPT, "%s: %d tensors in the checkpoint but %d in the model",
                        ck->path, ck->n_tensors, n);
    int rc;
    for (int i = 0; i < n; i++)
        if ((rc = check_tensor_matches(ck, i, &tensors[i])))
            return rc;
    return MNL_OK;
}

int checkpoint_apply(const Checkpoint *ck, Model *m, Optimizer *opt)
{
    int rc = checkpoint_check_shapes(ck, m->params, m->n_params);
    if (rc)
        return rc;
    if (opt && (rc = check_optimizer_matches(ck, m, opt)))
        return rc;

    for (int i = 0; i < m->n_params; i++)
        decode_floats(m->params[i].value, ck->tensors[i].data, ck->tensors[i].n);
    if (opt) {
        float *bufs[2] = { opt->m, opt->v };   /* SGD momentum: m only; Adam: m then v */
        for (int b = 0; b < ck->opt_nbuf; b++)
            decode_floats(bufs[b], ck->opt_data[b], ck->opt_n);
        opt->step = ck->opt_step;
    }
    return MNL_OK;
}
