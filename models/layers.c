/* models/layers: the layer-kind table and each kind's argument parser, shape inference, FLOP count
 * and forward/backward adapters. Dense flattens a [C, H, W] input implicitly in C, H, W order (as
 * PyTorch's Flatten + Linear do), so "flatten" before a dense layer is optional. */
#include "models/layers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/parse.h"
#include "models/batchnorm.h"
#include "models/conv.h"
#include "models/kernels.h"
#include "models/pool.h"
#include "models/reference/reference.h"

#define ARG_MAX   65536     /* widths and channels above this are typos */
#define KERNEL_MAX 32       /* conv kernel and padding sizes (keeps fan-in inside an int) */
#define OUT_MAX   (1 << 24) /* floats per image out of one layer */
#define MAX_ARGS  8

size_t layer_in_size(const Layer *l) { return (size_t)l->in_c * l->in_h * l->in_w; }
size_t layer_out_size(const Layer *l) { return (size_t)l->out_c * l->out_h * l->out_w; }

/* ---- argument parsing shared by the kinds ---- */

/* whole-number arguments: common/parse's parser, with the layer message buffer */
static int arg_int(const char *s, int lo, int hi, int *out, char *why)
{
    return parse_int(s, lo, hi, out, why, LAYER_WHY_LEN);
}

static int want_args(int argc, int lo, int hi, const char *usage, char *why)
{
    if (argc - 1 < lo || argc - 1 > hi) {
        snprintf(why, LAYER_WHY_LEN, "expected \"%s\"", usage);
        return -1;
    }
    return 0;
}

static int parse_none(Layer *l, int argc, char **argv, char *why)
{
    (void)l;
    return want_args(argc, 0, 0, argv[0], why);
}

/* ---- dense N: out = in w^T + b over the flattened input ---- */

static int dense_parse(Layer *l, int argc, char **argv, char *why)
{
    if (want_args(argc, 1, 1, "dense N", why))
        return -1;
    return arg_int(argv[1], 1, ARG_MAX, &l->arg[0], why);
}

static int dense_infer(Layer *l, char *why)
{
    size_t in = layer_in_size(l);
    (void)why;
    l->out_c = l->arg[0], l->out_h = 1, l->out_w = 1;
    l->w_rank = 2, l->w_shape[0] = l->arg[0], l->w_shape[1] = (int)in;
    l->n_w = (size_t)l->arg[0] * in;
    l->n_b = (size_t)l->arg[0];
    l->fan_in = (int)in;
    return 0;
}

static void dense_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    dense_forward_ref(out, in, c->w, c->b, c->B, (int)layer_in_size(l), l->out_c);
}

static void dense_bwd_ref(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                          const float *dout, float *din)
{
    (void)out;
    dense_backward_ref(din, c->dw, c->db, dout, in, c->w, c->B, (int)layer_in_size(l), l->out_c);
}

/* With its ReLU taken in (c->relu_out), the product's store applies the ReLU and the layer's own
 * output is written only when the model keeps its maps. */
static void dense_fwd(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    const int In = (int)layer_in_size(l);
    if (c->relu_out && !c->keep_maps) {
        dense_forward(c->relu_out, in, c->w, c->b, c->B, In, l->out_c, 1, c->threads);
        return;
    }
    dense_forward(out, in, c->w, c->b, c->B, In, l->out_c, 0, c->threads);
    if (c->relu_out)
        relu_forward(c->relu_out, out, (size_t)c->B * l->out_c);
}

/* With its ReLU taken in, dout is already the ReLU's input gradient: the dense layer above wrote
 * it so (c->din_mask there). */
static void dense_bwd(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                      const float *dout, float *din)
{
    (void)out;
    dense_backward(din, c->dw, c->db, dout, in, c->w, c->din_mask, c->B, (int)layer_in_size(l),
                   l->out_c, c->grads_unset, c->threads);
}

static double dense_flops(const Layer *l) { return 2.0 * (double)l->n_w; }

/* ---- conv OUT K [pad P]: k x k, stride 1, zero padding P ---- */

static int conv_parse(Layer *l, int argc, char **argv, char *why)
{
    if (want_args(argc, 2, 4, "conv OUT K [pad P]", why) || argc == 4 ||
        (argc == 5 && strcmp(argv[3], "pad") != 0)) {
        snprintf(why, LAYER_WHY_LEN, "expected \"conv OUT K [pad P]\"");
        return -1;
    }
    l->arg[2] = 0;
    return arg_int(argv[1], 1, ARG_MAX, &l->arg[0], why) ||
           arg_int(argv[2], 1, KERNEL_MAX, &l->arg[1], why) ||
           (argc == 5 && arg_int(argv[4], 0, KERNEL_MAX, &l->arg[2], why)) ? -1 : 0;
}

static void conv_shape_of(const Layer *l, ConvShape *s, int B)
{
    conv_shape(s, B, l->in_c, l->in_h, l->in_w, l->arg[0], l->arg[1], l->arg[2]);
}

static int conv_infer(Layer *l, char *why)
{
    const int K = l->arg[1], P = l->arg[2];
    if (K > l->in_h + 2 * P || K > l->in_w + 2 * P) {
        snprintf(why, LAYER_WHY_LEN, "kernel %dx%d is larger than its padded input %dx%d",
                 K, K, l->in_h + 2 * P, l->in_w + 2 * P);
        return -1;
    }
    ConvShape s;
    conv_shape_of(l, &s, 1);
    l->out_c = s.OC, l->out_h = s.OH, l->out_w = s.OW;
    l->w_rank = 4;
    l->w_shape[0] = s.OC, l->w_shape[1] = s.C, l->w_shape[2] = K, l->w_shape[3] = K;
    l->n_w = (size_t)s.OC * s.C * K * K;
    l->n_b = (size_t)s.OC;
    l->fan_in = s.C * K * K;
    l->temp_per_thread = conv_scratch_size(&s);
    /* the picks of a 2x2 max pool after its ReLU, when the fast walk fuses the three
     * (conv2d_relu_pool_forward): a byte per window, a few per cent of the output */
    l->keep_per_image = (pool_codes_size(s.OC, s.OH, s.OW) + sizeof(float) - 1) / sizeof(float);
    return 0;
}

static void conv_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    conv2d_forward_ref(out, in, c->w, c->b, c->B, l->in_c, l->in_h, l->in_w, l->arg[0], l->arg[1],
                       l->arg[2]);
}

static void conv_bwd_ref(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                         const float *dout, float *din)
{
    (void)out;
    conv2d_backward_ref(din, c->dw, c->db, dout, in, c->w, c->B, l->in_c, l->in_h, l->in_w,
                        l->arg[0], l->arg[1], l->arg[2]);
}

static void conv_fwd(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    ConvShape s;
    conv_shape_of(l, &s, c->B);
    if (c->pool_out)
        conv2d_relu_pool_forward(&s, c->pool_out, (unsigned char *)c->keep,
                                 c->keep_maps ? c->relu_out : NULL, c->keep_maps ? out : NULL, in,
                                 c->w, c->b, c->temp);
    else
        conv2d_forward(&s, out, in, c->w, c->b, c->relu_out, c->temp);
}

static void conv_bwd(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                     const float *dout, float *din)
{
    ConvShape s;
    (void)out;
    conv_shape_of(l, &s, c->B);
    if (c->pooled)
        conv2d_relu_pool_backward(&s, din, c->dw, c->db, dout, (const unsigned char *)c->keep, in,
                                  c->w, c->temp);
    else
        conv2d_backward(&s, din, c->dw, c->db, dout, c->relu_out, in, c->w, c->temp);
}

static double conv_flops(const Layer *l)
{
    return 2.0 * (double)l->n_w * l->out_h * l->out_w;
}

/* ---- maxpool [2]: 2x2 windows, stride 2, floor ---- */

static int maxpool_parse(Layer *l, int argc, char **argv, char *why)
{
    int size = 2;
    (void)l;
    if (want_args(argc, 0, 1, "maxpool 2", why) ||
        (argc == 2 && arg_int(argv[1], 1, ARG_MAX, &size, why)))
        return -1;
    if (size != 2) {
        snprintf(why, LAYER_WHY_LEN, "only 2x2 pooling is supported");
        return -1;
    }
    return 0;
}

static int maxpool_infer(Layer *l, char *why)
{
    if (l->in_h < 2 || l->in_w < 2) {
        snprintf(why, LAYER_WHY_LEN, "input %dx%d is too small to pool", l->in_h, l->in_w);
        return -1;
    }
    l->out_c = l->in_c, l->out_h = l->in_h / 2, l->out_w = l->in_w / 2;
    return 0;
}

static void maxpool_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    maxpool2_forward_ref(out, in, c->B, l->in_c, l->in_h, l->in_w);
}

static void maxpool_bwd_ref(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                            const float *dout, float *din)
{
    (void)out;
    if (din)
        maxpool2_backward_ref(din, dout, in, c->B, l->in_c, l->in_h, l->in_w);
}

static void maxpool_fwd(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    maxpool2_forward(out, in, c->B, l->in_c, l->in_h, l->in_w);
}

static void maxpool_bwd(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                        const float *dout, float *din)
{
    (void)out;
    if (din)
        maxpool2_backward(din, dout, in, c->B, l->in_c, l->in_h, l->in_w);
}

/* ---- relu ---- */

static int same_shape_infer(Layer *l, char *why)
{
    (void)why;
    l->out_c = l->in_c, l->out_h = l->in_h, l->out_w = l->in_w;
    return 0;
}

static void relu_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    relu_forward_ref(out, in, (size_t)c->B * layer_in_size(l));
}

static void relu_bwd_ref(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                         const float *dout, float *din)
{
    (void)in;
    if (din)
        relu_backward_ref(din, dout, out, (size_t)c->B * layer_in_size(l));
}

static void relu_fwd(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    relu_forward(out, in, (size_t)c->B * layer_in_size(l));
}

static void relu_bwd(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                     const float *dout, float *din)
{
    (void)in;
    if (din)
        relu_backward(din, dout, out, (size_t)c->B * layer_in_size(l));
}

/* ---- tanh, sigmoid, leakyrelu [A], gelu, mish: elementwise, per image ----
 * One path: the reference loops (the fast walk runs them on slices of the batch, one per thread). */

#define ACTIVATION_ADAPTERS(NAME, BACKWARD_READS)                                                 \
    static void NAME##_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)    \
    {                                                                                              \
        NAME##_forward_ref(out, in, (size_t)c->B * layer_in_size(l));                              \
    }                                                                                              \
    static void NAME##_bwd_ref(const Layer *l, const LayerCtx *c, const float *in,                 \
                               const float *out, const float *dout, float *din)                    \
    {                                                                                              \
        (void)in, (void)out;                                                                       \
        if (din)                                                                                   \
            NAME##_backward_ref(din, dout, BACKWARD_READS, (size_t)c->B * layer_in_size(l));       \
    }

ACTIVATION_ADAPTERS(tanh, out)
ACTIVATION_ADAPTERS(sigmoid, out)
ACTIVATION_ADAPTERS(gelu, in)
ACTIVATION_ADAPTERS(mish, in)

#define LEAKY_DEFAULT 0.01f     /* torch.nn.LeakyReLU's negative slope */

static int leakyrelu_parse(Layer *l, int argc, char **argv, char *why)
{
    if (want_args(argc, 0, 1, "leakyrelu [A]", why))
        return -1;
    l->farg = LEAKY_DEFAULT;
    if (argc == 1)
        return 0;
    char *end;
    errno = 0;
    float a = strtof(argv[1], &end);
    if (end == argv[1] || *end != '\0' || errno == ERANGE || !(a >= 0.0f && a < 1.0f)) {
        snprintf(why, LAYER_WHY_LEN, "slope \"%s\" is not a number in [0, 1)", argv[1]);
        return -1;
    }
    l->farg = a;
    return 0;
}

static void leakyrelu_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    leakyrelu_forward_ref(out, in, (size_t)c->B * layer_in_size(l), l->farg);
}

static void leakyrelu_bwd_ref(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                              const float *dout, float *din)
{
    (void)out;
    if (din)
        leakyrelu_backward_ref(din, dout, in, (size_t)c->B * layer_in_size(l), l->farg);
}

/* ---- batchnorm: per channel after a conv, per unit after a dense ----
 * gamma and beta are the layer's weight and bias, [C]; running_mean and running_var its state. The
 * whole batch at once (its statistics are the batch's); the fast pair splits the channels among
 * the model's threads (models/batchnorm.c). */

#define BN_EPS      1e-5f    /* torch.nn.BatchNorm2d's eps and momentum */
#define BN_MOMENTUM 0.1f

static int batchnorm_infer(Layer *l, char *why)
{
    same_shape_infer(l, why);
    l->w_rank = 1, l->w_shape[0] = l->in_c;
    l->n_w = l->n_b = l->n_s = (size_t)l->in_c;
    l->keep_per_image = 2 * (size_t)l->in_c;       /* the batch's mean and 1/std, [2, C] */
    return 0;
}

static void batchnorm_init(const Layer *l, float *w, float *b, float *state)
{
    for (int c = 0; c < l->in_c; c++)
        w[c] = 1.0f, b[c] = 0.0f, state[c] = 0.0f, state[l->in_c + c] = 1.0f;
}

static void batchnorm_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    const int C = l->in_c, S = l->in_h * l->in_w;
    float *run_mean = c->state, *run_var = c->state + C;
    if (c->train)
        batchnorm_forward_train_ref(out, in, c->w, c->b, run_mean, run_var, c->keep, c->keep + C,
                                    c->B, C, S, BN_EPS, BN_MOMENTUM);
    else
        batchnorm_forward_eval_ref(out, in, c->w, c->b, run_mean, run_var, c->B, C, S, BN_EPS);
}

static void batchnorm_bwd_ref(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                              const float *dout, float *din)
{
    const int C = l->in_c;
    (void)out;
    if (!c->train)      /* after an evaluation forward (models/input_grad): the running statistics */
        batchnorm_backward_eval_ref(din, c->dw, c->db, dout, in, c->w, c->state, c->state + C,
                                    c->B, C, l->in_h * l->in_w, BN_EPS);
    else
        batchnorm_backward_ref(din, c->dw, c->db, dout, in, c->w, c->keep, c->keep + C, c->B, C,
                               l->in_h * l->in_w);
}

static void batchnorm_fwd(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    const int C = l->in_c, S = l->in_h * l->in_w;
    float *run_mean = c->state, *run_var = c->state + C;
    if (c->train)
        batchnorm_forward_train(out, in, c->w, c->b, run_mean, run_var, c->keep, c->keep + C, c->B,
                                C, S, BN_EPS, BN_MOMENTUM, c->threads);
    else
        batchnorm_forward_eval(out, in, c->w, c->b, run_mean, run_var, c->B, C, S, BN_EPS,
                               c->threads);
}

static void batchnorm_bwd(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                          const float *dout, float *din)
{
    const int C = l->in_c;
    (void)out;
    if (!c->train)
        batchnorm_backward_eval(din, c->dw, c->db, dout, in, c->w, c->state, c->state + C, c->B,
                                C, l->in_h * l->in_w, BN_EPS, c->threads);
    else
        batchnorm_backward(din, c->dw, c->db, dout, in, c->w, c->keep, c->keep + C, c->B, C,
                           l->in_h * l->in_w, c->threads);
}

/* ---- flatten: [C, H, W] -> [C*H*W], the same bytes ---- */

static int flatten_infer(Layer *l, char *why)
{
    (void)why;
    l->out_c = (int)layer_in_size(l), l->out_h = 1, l->out_w = 1;
    return 0;
}

static void flatten_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    flatten_ref(out, in, (size_t)c->B * layer_in_size(l));
}

static void flatten_bwd_ref(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                            const float *dout, float *din)
{
    (void)in, (void)out;
    if (din)
        flatten_ref(din, dout, (size_t)c->B * layer_in_size(l));
}

/* The fast path moves the bytes with memcpy. */
static void flatten_fwd(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    copy_forward(out, in, (size_t)c->B * layer_in_size(l));
}

static void flatten_bwd(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                        const float *dout, float *din)
{
    (void)in, (void)out;
    if (din)
        copy_forward(din, dout, (size_t)c->B * layer_in_size(l));
}

/* ---- dropout P: inverted dropout in training, identity in evaluation ---- */

static int dropout_parse(Layer *l, int argc, char **argv, char *why)
{
    if (want_args(argc, 1, 1, "dropout P", why))
        return -1;
    char *end;
    errno = 0;
    float p = strtof(argv[1], &end);
    if (end == argv[1] || *end != '\0' || errno == ERANGE) {
        snprintf(why, LAYER_WHY_LEN, "\"%s\" is not a number", argv[1]);
        return -1;
    }
    if (!(p >= 0.0f && p < 1.0f)) {
        snprintf(why, LAYER_WHY_LEN, "drop probability %s is outside [0, 1)", argv[1]);
        return -1;
    }
    l->farg = p;
    return 0;
}

static int dropout_infer(Layer *l, char *why)
{
    same_shape_infer(l, why);
    l->keep_per_image = layer_in_size(l);      /* the mask */
    return 0;
}

/* Inverted dropout has no fast path: its mask is drawn in order on one thread either way. */
static void dropout_fwd_ref(const Layer *l, const LayerCtx *c, const float *in, float *out)
{
    size_t n = (size_t)c->B * layer_in_size(l);
    if (!c->train) {
        flatten_ref(out, in, n);
        return;
    }
    dropout_mask_ref(c->keep, n, l->farg, c->rng);
    dropout_apply_ref(out, in, c->keep, n);
}

static void dropout_bwd_ref(const Layer *l, const LayerCtx *c, const float *in, const float *out,
                            const float *dout, float *din)
{
    size_t n = (size_t)c->B * layer_in_size(l);
    (void)in, (void)out;
    if (!din)
        return;
    if (c->train)
        dropout_apply_ref(din, dout, c->keep, n);
    else
        flatten_ref(din, dout, n);
}

static double no_flops(const Layer *l) { (void)l; return 0.0; }

/* ---- the table ---- */

/* flat_out: 1 vector out, 0 feature maps, -1 like its input. per_image and fuses_relu: see
 * models/layers.h. A new kind: its parse and infer, its reference adapters (models/reference/),
 * optionally fast ones, and one line here. */
static const LayerKind kinds[] = {
    {.name = "dense", .usage = "dense N",
     .meaning = "fully connected: N outputs from every input (a flatten before it is implied)", .parse = dense_parse, .infer = dense_infer, .flops = dense_flops,
     .forward_ref = dense_fwd_ref, .backward_ref = dense_bwd_ref,
     .forward = dense_fwd, .backward = dense_bwd, .flat_out = 1, .fuses_relu = 1,
     .stores_grads = 1},
    {.name = "conv", .usage = "conv OUT K [pad P]",
     .meaning = "OUT filters of K x K, stride 1, P pixels of zero padding", .parse = conv_parse, .infer = conv_infer, .flops = conv_flops,
     .forward_ref = conv_fwd_ref, .backward_ref = conv_bwd_ref,
     .forward = conv_fwd, .backward = conv_bwd, .per_image = 1, .fuses_relu = 1},
    {.name = "maxpool", .usage = "maxpool 2",
     .meaning = "the largest of each 2 x 2 block: half the height and width", .parse = maxpool_parse, .infer = maxpool_infer, .flops = no_flops,
     .forward_ref = maxpool_fwd_ref, .backward_ref = maxpool_bwd_ref,
     .forward = maxpool_fwd, .backward = maxpool_bwd, .per_image = 1},
    {.name = "relu", .usage = "relu",
     .meaning = "max(0, x)", .parse = parse_none, .infer = same_shape_infer, .flops = no_flops,
     .forward_ref = relu_fwd_ref, .backward_ref = relu_bwd_ref,
     .forward = relu_fwd, .backward = relu_bwd, .flat_out = -1, .per_image = 1},
    {.name = "flatten", .usage = "flatten",
     .meaning = "feature maps [C, H, W] as one vector [C*H*W]", .parse = parse_none, .infer = flatten_infer, .flops = no_flops,
     .forward_ref = flatten_fwd_ref, .backward_ref = flatten_bwd_ref,
     .forward = flatten_fwd, .backward = flatten_bwd, .flat_out = 1, .per_image = 1},
    {.name = "dropout", .usage = "dropout P",
     .meaning = "training only: zero each value with probability P, scale the rest by 1/(1-P)", .parse = dropout_parse, .infer = dropout_infer, .flops = no_flops,
     .forward_ref = dropout_fwd_ref, .backward_ref = dropout_bwd_ref, .flat_out = -1},
    {.name = "batchnorm", .usage = "batchnorm",
     .meaning = "normalise each channel over the batch, then scale and shift (learned)", .parse = parse_none, .infer = batchnorm_infer, .flops = no_flops,
     .forward_ref = batchnorm_fwd_ref, .backward_ref = batchnorm_bwd_ref,
     .forward = batchnorm_fwd, .backward = batchnorm_bwd, .flat_out = -1,
     .state_names = {"running_mean", "running_var", NULL}, .init = batchnorm_init},
    {.name = "tanh", .usage = "tanh",
     .meaning = "tanh(x), in (-1, 1)", .parse = parse_none, .infer = same_shape_infer, .flops = no_flops,
     .forward_ref = tanh_fwd_ref, .backward_ref = tanh_bwd_ref, .flat_out = -1, .per_image = 1},
    {.name = "sigmoid", .usage = "sigmoid",
     .meaning = "1 / (1 + exp(-x)), in (0, 1)", .parse = parse_none, .infer = same_shape_infer, .flops = no_flops,
     .forward_ref = sigmoid_fwd_ref, .backward_ref = sigmoid_bwd_ref, .flat_out = -1,
     .per_image = 1},
    {.name = "leakyrelu", .usage = "leakyrelu [A]",
     .meaning = "x for x > 0, else A x (A = 0.01 unless given)", .parse = leakyrelu_parse, .infer = same_shape_infer, .flops = no_flops,
     .forward_ref = leakyrelu_fwd_ref, .backward_ref = leakyrelu_bwd_ref, .flat_out = -1,
     .per_image = 1},
    {.name = "gelu", .usage = "gelu",
     .meaning = "x Phi(x), Phi the standard normal CDF (the exact form)", .parse = parse_none, .infer = same_shape_infer, .flops = no_flops,
     .forward_ref = gelu_fwd_ref, .backward_ref = gelu_bwd_ref, .flat_out = -1, .per_image = 1},
    {.name = "mish", .usage = "mish",
     .meaning = "x * tanh(softplus(x))", .parse = parse_none, .infer = same_shape_infer, .flops = no_flops,
     .forward_ref = mish_fwd_ref, .backward_ref = mish_bwd_ref, .flat_out = -1, .per_image = 1},
};

#define N_KINDS ((int)(sizeof kinds / sizeof kinds[0]))

void layer_kinds_print_help(FILE *out)
{
    for (int i = 0; i < N_KINDS; i++)
        fprintf(out, "  %-20s %s\n", kinds[i].usage, kinds[i].meaning);
}

const LayerKind *layer_kind_find(const char *name)
{
    for (int i = 0; name && i < N_KINDS; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

const LayerKind *layer_kind_at(int i)
{
    return i >= 0 && i < N_KINDS ? &kinds[i] : NULL;
}

int layer_state_count(const Layer *l)
{
    int n = 0;
    while (n < 2 && l->kind->state_names[n])
        n++;
    return l->n_s ? n : 0;
}

size_t layer_param_values(const Layer *l)
{
    return l->n_w + l->n_b + (size_t)layer_state_count(l) * l->n_s;
}

LayerForward layer_fast_forward(const LayerKind *k)
{
    return k->forward ? k->forward : k->forward_ref;
}

LayerBackward layer_fast_backward(const LayerKind *k)
{
    return k->backward ? k->backward : k->backward_ref;
}

/* ---- making a layer from a spec item ---- */

static int item_error(int index, const char *item, const char *why)
{
    return mnl_fail(MNL_ERR_SPEC, "layer %d \"%s\": %s", index, item, why);
}

int layer_init(Layer *l, const char *item, int index, int c, int h, int w)
{
    char buf[LAYER_ITEM_LEN], why[LAYER_WHY_LEN] = "";
    char *argv[MAX_ARGS];
    memset(l, 0, sizeof *l);
    if (strlen(item) >= sizeof buf)
        return mnl_fail(MNL_ERR_SPEC, "layer %d \"%.40s...\": longer than %d characters",
                        index, item, LAYER_ITEM_LEN - 1);
    snprintf(l->item, sizeof l->item, "%s", item);
    snprintf(buf, sizeof buf, "%s", item);
    int argc = split_words(buf, " \t\r\n", argv, MAX_ARGS);
    if (argc == 0)
        return item_error(index, item, "empty item (two commas in a row?)");
    if (argc > MAX_ARGS)
        return item_error(index, item, "too many words");
    l->kind = layer_kind_find(argv[0]);
    if (!l->kind) {
        size_t k = (size_t)snprintf(why, sizeof why, "unknown layer kind \"%s\" (known:", argv[0]);
        for (int i = 0; i < N_KINDS && k < sizeof why; i++)
            k += (size_t)snprintf(why + k, sizeof why - k, "%s %s", i ? "," : "", kinds[i].name);
        if (k < sizeof why)
            snprintf(why + k, sizeof why - k, ")");
        return item_error(index, item, why);
    }
    l->in_c = c, l->in_h = h, l->in_w = w;
    if (l->kind->parse(l, argc, argv, why) || l->kind->infer(l, why))
        return item_error(index, item, why);
    if (layer_out_size(l) > OUT_MAX) {
        snprintf(why, sizeof why, "output %dx%dx%d is too large", l->out_c, l->out_h, l->out_w);
        return item_error(index, item, why);
    }
    return 0;
}

int model_add_layer(Model *m, const char *item)
{
    int index = m->n_layers + 1;
    if (m->n_layers == MODEL_MAX_LAYERS)
        return mnl_fail(MNL_ERR_SPEC, "layer %d \"%s\": more than %d layers", index, item,
                        MODEL_MAX_LAYERS);
    const Layer *prev = m->n_layers ? &m->layers[m->n_layers - 1] : NULL;
    Layer *l = &m->layers[m->n_layers];
    int rc = prev ? layer_init(l, item, index, prev->out_c, prev->out_h, prev->out_w)
                  : layer_init(l, item, index, m->in_c, m->in_h, m->in_w);
    if (rc)
        return rc;
    int ordinal = 1;
    for (int i = 0; i < m->n_layers; i++)
        ordinal += m->layers[i].kind == l->kind;
    snprintf(l->name, sizeof l->name, "%s%d", l->kind->name, ordinal);
    l->flat = l->kind->flat_out >= 0 ? l->kind->flat_out : prev && prev->flat;
    m->n_layers++;
    return 0;
}

/* Layer i takes in the ReLU that follows it (conv then relu; dense then relu then dense): the walk
 * runs the pair as one. */
int walk_fuses_next_relu(const Model *m, int i)
{
    if (!(i + 1 < m->n_layers && m->layers[i].kind->fuses_relu &&
          strcmp(m->layers[i + 1].kind->name, "relu") == 0))
        return 0;
    return m->layers[i].kind->per_image || walk_masks_input_grad(m, i + 2);
}

/* Dense i, after a dense i-2 and its ReLU i-1: its input gradient is stored through the ReLU. */
int walk_masks_input_grad(const Model *m, int i)
{
    return i >= 2 && i < m->n_layers && strcmp(m->layers[i].kind->name, "dense") == 0 &&
           strcmp(m->layers[i - 1].kind->name, "relu") == 0 &&
           strcmp(m->layers[i - 2].kind->name, "dense") == 0;
}

/* Conv i, relu i+1, maxpool i+2: the conv's forward does all three too (layers.h). */
int walk_fuses_pool_forward(const Model *m, int i)
{
    return walk_fuses_pool_backward(m, i) && strcmp(m->layers[i].kind->name, "conv") == 0;
}

/* Conv i, relu i+1, maxpool i+2: the conv's backward does all three (layers.h). */
int walk_fuses_pool_backward(const Model *m, int i)
{
    return i + 2 < m->n_layers && walk_fuses_next_relu(m, i) &&
           strcmp(m->layers[i + 2].kind->name, "maxpool") == 0;
}
