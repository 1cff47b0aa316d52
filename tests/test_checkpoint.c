/* tests/test_checkpoint: the checkpoint file as a specification: a round trip restores tensors,
 * optimizer state, epoch and run state bit for bit; a damaged, truncated, foreign or lying file is
 * refused with MNL_ERR_CKPT naming the file (and the tensor when one is at fault); a failed save
 * leaves the earlier file intact and no temp file behind. Fixtures are written into test_tmpdir(). */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/error.h"
#include "common/fileio.h"
#include "models/checkpoint.h"
#include "models/model.h"
#include "models/optim.h"
#include "tests/test_util.h"

static const char CONFIG[] = "[model]\nfamily = softmax\n";
static const unsigned char RUN_STATE[] = { 0x00, 0x01, 0xfe, 0xff, 0x00, 0x42 };
#define EPOCH 7

/* ---- a hand-built model: "fc.weight" [out, in] (a weight) and "fc.bias" [out] ---- */

static void hand_model(Model *m, int out, int in, const char *weight_name)
{
    memset(m, 0, sizeof *m);
    size_t nw = (size_t)out * (size_t)in, n = nw + (size_t)out;
    m->param_block = calloc(n, sizeof(float));
    m->grad_block = calloc(n, sizeof(float));
    m->params = calloc(2, sizeof(ParamTensor));
    CU_ASSERT_FATAL(m->param_block && m->grad_block && m->params);
    m->n_param_values = n;
    m->n_params = 2;
    ParamTensor *w = &m->params[0], *b = &m->params[1];
    snprintf(w->name, sizeof w->name, "%s", weight_name);
    w->value = m->param_block, w->grad = m->grad_block, w->n = nw, w->is_weight = 1;
    w->rank = 2, w->shape[0] = out, w->shape[1] = in;
    snprintf(b->name, sizeof b->name, "fc.bias");
    b->value = m->param_block + nw, b->grad = m->grad_block + nw, b->n = (size_t)out;
    b->rank = 1, b->shape[0] = out;
}

static void hand_model_free(Model *m)
{
    free(m->param_block);
    free(m->grad_block);
    free(m->params);
    memset(m, 0, sizeof *m);
}

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Distinct values, plus the ones a careless format would not carry: -0, a subnormal, a NaN with a
 * payload. */
static void fill_values(Model *m)
{
    for (size_t i = 0; i < m->n_param_values; i++)
        m->param_block[i] = (float)i * 0.37f - 1.1f;
    m->param_block[0] = -0.0f;
    m->param_block[1] = 1e-40f;
    m->param_block[2] = from_bits(0x7fc12345u);
}

static void fill_grads(Model *m, float scale)
{
    for (size_t i = 0; i < m->n_param_values; i++)
        m->grad_block[i] = scale * ((float)(i % 5) - 2.0f);
}

/* An optimizer with non-trivial state: two steps taken. */
static void trained_optimizer(Optimizer *o, Model *m, OptimKind kind, float momentum)
{
    OptimSpec s;
    optim_spec_defaults(&s, kind);
    s.momentum = momentum;
    CU_ASSERT_EQUAL_FATAL(optim_init(o, &s, m), MNL_OK);
    fill_grads(m, 0.1f);
    optim_step(o, m);
    fill_grads(m, -0.3f);
    optim_step(o, m);
}

static void fresh_optimizer(Optimizer *o, const Model *m, OptimKind kind, float momentum)
{
    OptimSpec s;
    optim_spec_defaults(&s, kind);
    s.momentum = momentum;
    CU_ASSERT_EQUAL_FATAL(optim_init(o, &s, m), MNL_OK);
}

static int save_sample(const char *path, const Model *m, const Optimizer *o)
{
    return checkpoint_save(path, CONFIG, m, o, EPOCH, RUN_STATE, sizeof RUN_STATE);
}

/* A saved 3x4 model with Adam state; returns its path. */
static const char *sample_file(const char *name)
{
    const char *path = test_path(name);
    Model m;
    Optimizer o;
    hand_model(&m, 3, 4, "fc.weight");
    trained_optimizer(&o, &m, OPT_ADAM, 0.0f);
    fill_values(&m);
    CU_ASSERT_EQUAL_FATAL(save_sample(path, &m, &o), MNL_OK);
    optim_free(&o);
    hand_model_free(&m);
    return path;
}

static unsigned char *read_bytes(const char *path, size_t *len)
{
    unsigned char *buf = NULL;
    CU_ASSERT_EQUAL_FATAL(file_read_all(path, (size_t)1 << 20, &buf, len), MNL_OK);
    return buf;
}

static void put_le(unsigned char *p, uint64_t x, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(x >> (8 * i));
}

/* Recompute the trailing CRC so a crafted lie gets past the CRC check and reaches the parser. */
static void fix_crc(unsigned char *buf, size_t len)
{
    put_le(buf + len - 4, crc32(0L, buf, (unsigned)(len - 4)), 4);
}

/* Offsets in a sample file: header 12, config (4 + C), epoch 4, run state (4 + R). */
#define OFF_CONFIG_LEN 12u
#define OFF_VERSION 8u
static size_t off_tensor_count(void) { return 12 + 4 + strlen(CONFIG) + 4 + 4 + sizeof RUN_STATE; }
/* The first tensor, "fc.weight": u16 length, 9 name bytes, u32 rank, u32 dims[2], u64 n. */
static size_t off_first_dims(void) { return off_tensor_count() + 4 + 2 + 9 + 4; }
static size_t off_first_n(void) { return off_first_dims() + 8; }

/* Load path, expect MNL_ERR_CKPT with every fragment in the detail, and ck left empty. */
static void expect_refused(const char *path, const char *fragment)
{
    Checkpoint ck;
    mnl_clear_error();
    CU_ASSERT_EQUAL(checkpoint_load(path, &ck), MNL_ERR_CKPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), path));
    if (fragment && !strstr(mnl_last_error(), fragment)) {
        CU_FAIL("detail lacks the expected words");
        fprintf(stderr, "\n  detail: %s\n  expected: %s\n", mnl_last_error(), fragment);
    }
    CU_ASSERT(ck.buf == NULL && ck.tensors == NULL && ck.config_text == NULL);
}

/* ---- round trips ---- */

/* One lie written into a good sample file: bytes little-endian bytes of value at off; when
 * was >= 0, the byte at off must hold it before (the offset arithmetic is right). */
typedef struct {
    size_t off;
    uint64_t value;
    int bytes;
    int was;
} Patch;

/* A sample file written as NAME-src.ckpt, patched, its CRC recomputed so the lies reach the parser,
 * saved as NAME.ckpt: the load must refuse it naming fragment. */
static void expect_patched_refused(const char *name, const Patch *patches, int n,
                                   const char *fragment)
{
    char src[64], dst[64];
    snprintf(src, sizeof src, "%s-src.ckpt", name);
    snprintf(dst, sizeof dst, "%s.ckpt", name);
    const char *good = sample_file(src), *bad = test_path(dst);
    size_t len;
    unsigned char *buf = read_bytes(good, &len);
    for (int i = 0; i < n; i++) {
        if (patches[i].was >= 0)
            CU_ASSERT_EQUAL(buf[patches[i].off], patches[i].was);
        put_le(buf + patches[i].off, patches[i].value, patches[i].bytes);
    }
    fix_crc(buf, len);
    CU_ASSERT_EQUAL_FATAL(test_write_file(bad, buf, len), 0);
    expect_refused(bad, fragment);
    free(buf);
}

static void test_checkpoint_round_trip_restores_everything_bitwise(void)
{
    const char *path = test_path("roundtrip.ckpt");
    Model a, b;
    Optimizer oa, ob;
    hand_model(&a, 3, 4, "fc.weight");
    trained_optimizer(&oa, &a, OPT_ADAM, 0.0f);
    fill_values(&a);
    CU_ASSERT_EQUAL_FATAL(save_sample(path, &a, &oa), MNL_OK);

    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(path, &ck), MNL_OK);
    CU_ASSERT_STRING_EQUAL(ck.config_text, CONFIG);
    CU_ASSERT_EQUAL(ck.epoch, EPOCH);
    CU_ASSERT_EQUAL_FATAL(ck.run_state_len, sizeof RUN_STATE);
    CU_ASSERT_EQUAL(memcmp(ck.run_state, RUN_STATE, sizeof RUN_STATE), 0);

    hand_model(&b, 3, 4, "fc.weight");
    fresh_optimizer(&ob, &b, OPT_ADAM, 0.0f);
    CU_ASSERT_EQUAL(checkpoint_apply(&ck, &b, &ob), MNL_OK);
    CU_ASSERT_EQUAL(memcmp(a.param_block, b.param_block, a.n_param_values * sizeof(float)), 0);
    CU_ASSERT_EQUAL(memcmp(oa.m, ob.m, oa.n * sizeof(float)), 0);
    CU_ASSERT_EQUAL(memcmp(oa.v, ob.v, oa.n * sizeof(float)), 0);
    CU_ASSERT_EQUAL(ob.step, 2);
    checkpoint_free(&ck);
    optim_free(&oa);
    optim_free(&ob);
    hand_model_free(&a);
    hand_model_free(&b);
}

static void test_checkpoint_round_trip_keeps_sgd_momentum_buffer(void)
{
    const char *path = test_path("sgd.ckpt");
    Model a, b;
    Optimizer oa, ob;
    hand_model(&a, 2, 5, "fc.weight");
    trained_optimizer(&oa, &a, OPT_SGD, 0.9f);
    CU_ASSERT_EQUAL_FATAL(save_sample(path, &a, &oa), MNL_OK);
    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(path, &ck), MNL_OK);
    hand_model(&b, 2, 5, "fc.weight");
    fresh_optimizer(&ob, &b, OPT_SGD, 0.9f);
    CU_ASSERT_EQUAL(checkpoint_apply(&ck, &b, &ob), MNL_OK);
    CU_ASSERT_EQUAL(memcmp(a.param_block, b.param_block, a.n_param_values * sizeof(float)), 0);
    CU_ASSERT_EQUAL(memcmp(oa.m, ob.m, oa.n * sizeof(float)), 0);
    CU_ASSERT_EQUAL(ob.step, 2);
    checkpoint_free(&ck);
    optim_free(&oa);
    optim_free(&ob);
    hand_model_free(&a);
    hand_model_free(&b);
}

static void test_checkpoint_without_optimizer_loads_weights_but_cannot_resume(void)
{
    const char *path = test_path("weights-only.ckpt");
    Model a, b;
    hand_model(&a, 3, 4, "fc.weight");
    fill_values(&a);
    CU_ASSERT_EQUAL_FATAL(checkpoint_save(path, NULL, &a, NULL, 0, NULL, 0), MNL_OK);
    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(path, &ck), MNL_OK);
    CU_ASSERT_STRING_EQUAL(ck.config_text, "");
    CU_ASSERT_EQUAL(ck.run_state_len, 0);
    hand_model(&b, 3, 4, "fc.weight");
    CU_ASSERT_EQUAL(checkpoint_apply(&ck, &b, NULL), MNL_OK);
    CU_ASSERT_EQUAL(memcmp(a.param_block, b.param_block, a.n_param_values * sizeof(float)), 0);
    Optimizer o;
    fresh_optimizer(&o, &b, OPT_ADAM, 0.0f);
    CU_ASSERT_EQUAL(checkpoint_apply(&ck, &b, &o), MNL_ERR_CKPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "no optimizer state"));
    optim_free(&o);
    checkpoint_free(&ck);
    hand_model_free(&a);
    hand_model_free(&b);
}

/* ---- damaged files ---- */

static void test_checkpoint_rejects_flipped_byte_anywhere(void)
{
    const char *good = sample_file("flip-src.ckpt"), *bad = test_path("flipped.ckpt");
    size_t len;
    unsigned char *buf = read_bytes(good, &len);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x5a;
        CU_ASSERT_EQUAL_FATAL(test_write_file(bad, buf, len), 0);
        /* the magic and version are read before the CRC; everything else is covered by it */
        expect_refused(bad, i < OFF_VERSION ? "bad magic"
                            : i < OFF_CONFIG_LEN ? "version" : "CRC mismatch");
        buf[i] ^= 0x5a;
    }
    free(buf);
}

static void test_checkpoint_rejects_truncation_at_every_length(void)
{
    const char *good = sample_file("trunc-src.ckpt"), *bad = test_path("truncated.ckpt");
    size_t len;
    unsigned char *buf = read_bytes(good, &len);
    for (size_t cut = 0; cut < len; cut++) {
        CU_ASSERT_EQUAL_FATAL(test_write_file(bad, buf, cut), 0);
        expect_refused(bad, NULL);
    }
    test_write_file(bad, buf, 0);
    expect_refused(bad, "truncated");
    test_write_file(bad, buf, 10);                   /* mid-header */
    expect_refused(bad, "truncated");
    test_write_file(bad, buf, off_first_n() + 20);   /* mid-tensor */
    expect_refused(bad, "CRC mismatch");
    test_write_file(bad, buf, len - 4);              /* the CRC missing */
    expect_refused(bad, "CRC mismatch");
    free(buf);
}

static void test_checkpoint_rejects_wrong_magic(void)
{
    const char *good = sample_file("magic-src.ckpt"), *bad = test_path("magic.ckpt");
    size_t len;
    unsigned char *buf = read_bytes(good, &len);
    memcpy(buf, "MNLCKPX", 7);
    fix_crc(buf, len);
    test_write_file(bad, buf, len);
    expect_refused(bad, "not a mnistlab checkpoint");
    static const unsigned char idx_header[] = { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28 };
    test_write_file(bad, idx_header, sizeof idx_header);
    expect_refused(bad, "not a mnistlab checkpoint");
    free(buf);
}

static void test_checkpoint_rejects_unknown_version(void)
{
    const Patch p[] = {{OFF_VERSION, 3, 4, -1}};   /* 1: networks, 2: fitted models */
    expect_patched_refused("version", p, 1, "format version 3");
}

/* ---- lies that pass the CRC: the parser must check every length against the file ---- */

static void test_checkpoint_refuses_tensor_count_of_2_pow_31(void)
{
    const Patch p[] = {{off_tensor_count(), (uint64_t)1 << 31, 4, 2}};   /* 2 tensors before */
    expect_patched_refused("count", p, 1, "tensor count 2147483648");
}

/* fc.weight claims [65536, 65536] = 2^32 values (16 GiB) in a file of a few hundred bytes. */
static void test_checkpoint_refuses_tensor_larger_than_file(void)
{
    const Patch p[] = {{off_first_dims(), 65536, 4, -1},
                       {off_first_dims() + 4, 65536, 4, -1},
                       {off_first_n(), (uint64_t)1 << 32, 8, 12}};   /* 3*4 values before */
    expect_patched_refused("huge", p, 3, "tensor 'fc.weight' claims 4294967296 values");
}

static void test_checkpoint_refuses_count_that_disagrees_with_shape(void)
{
    const Patch p[] = {{off_first_n(), 11, 8, -1}};
    expect_patched_refused("shape", p, 1, "tensor 'fc.weight' claims 11 values but its shape [3,4]");
}

static void test_checkpoint_refuses_config_length_beyond_file(void)
{
    const Patch p[] = {{OFF_CONFIG_LEN, 0xffffffffu, 4, -1}};
    expect_patched_refused("cfglen", p, 1, "config text needs 4294967295 bytes");
}

static void test_checkpoint_refuses_bytes_after_optimizer_state(void)
{
    const char *good = sample_file("trail-src.ckpt"), *bad = test_path("trail.ckpt");
    size_t len;
    unsigned char *buf = read_bytes(good, &len);
    unsigned char *longer = calloc(len + 3, 1);
    CU_ASSERT_FATAL(longer != NULL);
    memcpy(longer, buf, len - 4);
    fix_crc(longer, len + 3);
    test_write_file(bad, longer, len + 3);
    expect_refused(bad, "3 unexpected bytes");
    free(longer);
    free(buf);
}

/* ---- applying to a model that does not match ---- */

static void test_checkpoint_apply_names_tensor_with_other_shape(void)
{
    const char *path = sample_file("apply-shape.ckpt");
    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(path, &ck), MNL_OK);
    Model b;
    hand_model(&b, 4, 3, "fc.weight");   /* same count, transposed shape */
    b.param_block[5] = 42.0f;
    mnl_clear_error();
    CU_ASSERT_EQUAL(checkpoint_apply(&ck, &b, NULL), MNL_ERR_CKPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), path));
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "tensor 'fc.weight' is [3,4] in the checkpoint "
                                                    "but [4,3] in the model"));
    CU_ASSERT_EQUAL(b.param_block[5], 42.0f);   /* nothing copied */
    CU_ASSERT_EQUAL(b.param_block[0], 0.0f);
    checkpoint_free(&ck);
    hand_model_free(&b);
}

static void test_checkpoint_apply_names_tensor_with_other_name(void)
{
    const char *path = sample_file("apply-name.ckpt");
    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(path, &ck), MNL_OK);
    Model b;
    hand_model(&b, 3, 4, "conv1.weight");
    mnl_clear_error();
    CU_ASSERT_EQUAL(checkpoint_apply(&ck, &b, NULL), MNL_ERR_CKPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "'fc.weight' in the checkpoint but "
                                                    "'conv1.weight' in the model"));
    checkpoint_free(&ck);
    hand_model_free(&b);
}

static void test_checkpoint_apply_refuses_other_optimizer(void)
{
    const char *path = sample_file("apply-opt.ckpt");
    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(path, &ck), MNL_OK);
    Model b;
    Optimizer o;
    hand_model(&b, 3, 4, "fc.weight");
    fresh_optimizer(&o, &b, OPT_SGD, 0.9f);
    mnl_clear_error();
    CU_ASSERT_EQUAL(checkpoint_apply(&ck, &b, &o), MNL_ERR_CKPT);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), "Adam in the checkpoint but SGD in this run"));
    CU_ASSERT_EQUAL(b.param_block[3], 0.0f);   /* nothing copied */
    CU_ASSERT_EQUAL(o.step, 0);
    optim_free(&o);
    checkpoint_free(&ck);
    hand_model_free(&b);
}

/* ---- saving ---- */

static void test_checkpoint_save_into_missing_directory_fails_cleanly(void)
{
    const char *path = test_path("no/such/dir/model.ckpt");
    Model m;
    hand_model(&m, 3, 4, "fc.weight");
    mnl_clear_error();
    CU_ASSERT_EQUAL(save_sample(path, &m, NULL), MNL_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(mnl_last_error(), path));
    CU_ASSERT_FALSE(file_exists(path));
    hand_model_free(&m);
}

/* The temp file's name is taken by a directory, so the second save cannot even start writing. */
static void test_checkpoint_failed_save_keeps_previous_file(void)
{
    const char *path = sample_file("keep.ckpt");
    size_t len_before;
    unsigned char *before = read_bytes(path, &len_before);
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CU_ASSERT_EQUAL_FATAL(mkdir(tmp, 0700), 0);

    Model m;
    hand_model(&m, 3, 4, "fc.weight");
    CU_ASSERT_EQUAL(checkpoint_save(path, "other", &m, NULL, 99, NULL, 0), MNL_ERR_IO);
    size_t len_after;
    unsigned char *after = read_bytes(path, &len_after);
    CU_ASSERT(len_after == len_before && memcmp(before, after, len_before) == 0);
    Checkpoint ck;
    CU_ASSERT_EQUAL(checkpoint_load(path, &ck), MNL_OK);
    CU_ASSERT_EQUAL(ck.epoch, EPOCH);
    checkpoint_free(&ck);
    rmdir(tmp);
    free(before);
    free(after);
    hand_model_free(&m);
}

static void test_checkpoint_save_leaves_no_temp_file(void)
{
    const char *dir = test_path("clean-save");
    CU_ASSERT_EQUAL_FATAL(make_dirs(dir), MNL_OK);
    char path[1200];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    Model m;
    Optimizer o;
    hand_model(&m, 3, 4, "fc.weight");
    trained_optimizer(&o, &m, OPT_ADAM, 0.0f);
    CU_ASSERT_EQUAL(save_sample(path, &m, &o), MNL_OK);
    CU_ASSERT_EQUAL(save_sample(path, &m, &o), MNL_OK);   /* over an existing file too */
    DIR *d = opendir(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        files++;
        CU_ASSERT_STRING_EQUAL(e->d_name, "model.ckpt");
    }
    closedir(d);
    CU_ASSERT_EQUAL(files, 1);
    optim_free(&o);
    hand_model_free(&m);
}

/* ---- real models from the registry (model_build, model_forward) ---- */

#define BUILT_B 4

static void built_spec(ModelSpec *spec, const char *family)
{
    memset(spec, 0, sizeof *spec);
    snprintf(spec->family, sizeof spec->family, "%s", family);
    spec->in_c = 1, spec->in_h = 28, spec->in_w = 28;
    spec->num_classes = 10;
    spec->head = HEAD_SOFTMAX;
    spec->hidden[0] = 16, spec->n_hidden = 1;
    snprintf(spec->layers, sizeof spec->layers, "conv 4 3 pad 1, relu, maxpool 2, dense 10");
    spec->init = INIT_PYTORCH;
}

/* Build spec with weights drawn from seed, sized for BUILT_B images. */
static void build_seeded(Model *m, const ModelSpec *spec, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
    gsl_rng_set(rng, seed);
    int rc = model_build(m, spec, rng);
    gsl_rng_free(rng);
    CU_ASSERT_EQUAL_FATAL(rc, MNL_OK);
    CU_ASSERT_EQUAL_FATAL(model_alloc_batch(m, BUILT_B), MNL_OK);
}

static float *random_images(unsigned long seed)
{
    float *x = malloc(BUILT_B * 28 * 28 * sizeof *x);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_FATAL(x && rng);
    gsl_rng_set(rng, seed);
    for (int i = 0; i < BUILT_B * 28 * 28; i++)
        x[i] = (float)gsl_rng_uniform(rng);
    gsl_rng_free(rng);
    return x;
}

static void train_one_step(Model *m, Optimizer *o, const float *x)
{
    static const int y[BUILT_B] = { 3, 1, 4, 1 };
    CU_ASSERT_PTR_NOT_NULL_FATAL(model_forward(m, x, BUILT_B, 1));
    model_loss(m, y, BUILT_B, NULL);
    model_zero_grad(m);
    model_backward(m, x, BUILT_B);
    optim_step(o, m);
}

/* Save a built model, apply the file to the same family built from another seed: the logits of
 * model_forward agree bit for bit (and did not before). */
static void check_built_forward_round_trip(const char *family)
{
    const char *path = test_path("built-forward.ckpt");
    ModelSpec spec;
    built_spec(&spec, family);
    Model a, b;
    build_seeded(&a, &spec, 1);
    build_seeded(&b, &spec, 2);
    float *x = random_images(7);
    size_t n_out = (size_t)BUILT_B * (size_t)a.num_outputs;
    float *la = malloc(n_out * sizeof *la);
    CU_ASSERT_FATAL(la != NULL);
    memcpy(la, model_forward(&a, x, BUILT_B, 0), n_out * sizeof *la);
    CU_ASSERT_NOT_EQUAL(memcmp(la, model_forward(&b, x, BUILT_B, 0), n_out * sizeof *la), 0);

    CU_ASSERT_EQUAL_FATAL(checkpoint_save(path, family, &a, NULL, 1, NULL, 0), MNL_OK);
    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(path, &ck), MNL_OK);
    CU_ASSERT_EQUAL(checkpoint_apply(&ck, &b, NULL), MNL_OK);
    CU_ASSERT_EQUAL(memcmp(la, model_forward(&b, x, BUILT_B, 0), n_out * sizeof *la), 0);

    checkpoint_free(&ck);
    free(la);
    free(x);
    model_free(&a);
    model_free(&b);
}

static void test_checkpoint_round_trip_of_built_mlp_gives_identical_outputs(void)
{
    check_built_forward_round_trip("mlp");
}

static void test_checkpoint_round_trip_of_built_cnn_gives_identical_outputs(void)
{
    check_built_forward_round_trip("cnn");
}

/* Resume: a run that trains one step, saves, and continues in a fresh process (here: a fresh model
 * and optimizer) takes the next Adam step exactly as the uninterrupted run does. */
static void test_checkpoint_resumed_adam_step_matches_uninterrupted_run(void)
{
    const char *path = test_path("built-resume.ckpt");
    ModelSpec spec;
    built_spec(&spec, "cnn");
    OptimSpec os;
    optim_spec_defaults(&os, OPT_ADAM);
    os.weight_decay = 1e-4f;
    Model a, b;
    Optimizer oa, ob;
    build_seeded(&a, &spec, 1);
    build_seeded(&b, &spec, 2);
    CU_ASSERT_EQUAL_FATAL(optim_init(&oa, &os, &a), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(optim_init(&ob, &os, &b), MNL_OK);
    float *x1 = random_images(11), *x2 = random_images(12);

    train_one_step(&a, &oa, x1);
    CU_ASSERT_EQUAL_FATAL(checkpoint_save(path, "cnn", &a, &oa, 1, NULL, 0), MNL_OK);
    Checkpoint ck;
    CU_ASSERT_EQUAL_FATAL(checkpoint_load(path, &ck), MNL_OK);
    CU_ASSERT_EQUAL_FATAL(checkpoint_apply(&ck, &b, &ob), MNL_OK);
    train_one_step(&a, &oa, x2);
    train_one_step(&b, &ob, x2);
    CU_ASSERT_EQUAL(ob.step, 2);
    CU_ASSERT_EQUAL(memcmp(a.param_block, b.param_block, a.n_param_values * sizeof(float)), 0);
    CU_ASSERT_EQUAL(memcmp(oa.m, ob.m, oa.n * sizeof(float)), 0);
    CU_ASSERT_EQUAL(memcmp(oa.v, ob.v, oa.n * sizeof(float)), 0);

    checkpoint_free(&ck);
    free(x1);
    free(x2);
    optim_free(&oa);
    optim_free(&ob);
    model_free(&a);
    model_free(&b);
}

int register_checkpoint_tests(void)
{
    CU_pSuite s = CU_add_suite("checkpoint", NULL, NULL);
    if (!s)
        return -1;
    struct { const char *name; CU_TestFunc fn; } tests[] = {
        { "round_trip_restores_everything_bitwise",
          test_checkpoint_round_trip_restores_everything_bitwise },
        { "round_trip_keeps_sgd_momentum_buffer", test_checkpoint_round_trip_keeps_sgd_momentum_buffer },
        { "without_optimizer_loads_weights_but_cannot_resume",
          test_checkpoint_without_optimizer_loads_weights_but_cannot_resume },
        { "rejects_flipped_byte_anywhere", test_checkpoint_rejects_flipped_byte_anywhere },
        { "rejects_truncation_at_every_length", test_checkpoint_rejects_truncation_at_every_length },
        { "rejects_wrong_magic", test_checkpoint_rejects_wrong_magic },
        { "rejects_unknown_version", test_checkpoint_rejects_unknown_version },
        { "refuses_tensor_count_of_2_pow_31", test_checkpoint_refuses_tensor_count_of_2_pow_31 },
        { "refuses_tensor_larger_than_file", test_checkpoint_refuses_tensor_larger_than_file },
        { "refuses_count_that_disagrees_with_shape",
          test_checkpoint_refuses_count_that_disagrees_with_shape },
        { "refuses_config_length_beyond_file", test_checkpoint_refuses_config_length_beyond_file },
        { "refuses_bytes_after_optimizer_state",
          test_checkpoint_refuses_bytes_after_optimizer_state },
        { "apply_names_tensor_with_other_shape", test_checkpoint_apply_names_tensor_with_other_shape },
        { "apply_names_tensor_with_other_name", test_checkpoint_apply_names_tensor_with_other_name },
        { "apply_refuses_other_optimizer", test_checkpoint_apply_refuses_other_optimizer },
        { "save_into_missing_directory_fails_cleanly",
          test_checkpoint_save_into_missing_directory_fails_cleanly },
        { "failed_save_keeps_previous_file", test_checkpoint_failed_save_keeps_previous_file },
        { "save_leaves_no_temp_file", test_checkpoint_save_leaves_no_temp_file },
        { "round_trip_of_built_mlp_gives_identical_outputs",
          test_checkpoint_round_trip_of_built_mlp_gives_identical_outputs },
        { "round_trip_of_built_cnn_gives_identical_outputs",
          test_checkpoint_round_trip_of_built_cnn_gives_identical_outputs },
        { "resumed_adam_step_matches_uninterrupted_run",
          test_checkpoint_resumed_adam_step_matches_uninterrupted_run },
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn))
            return -1;
    return 0;
}
