/* models/input_grad: the input gradient by the model's backward with an input-gradient buffer
 * attached (Model.dinput: the walks then write the first layer's din instead of skipping it), and
 * FGSM on top of it. */
#include "models/input_grad.h"

#include <string.h>

#include "common/error.h"
#include "models/layers.h"

static int check_batch(const Model *m, int B)
{
    if (!m->act_block || B < 1 || B > m->max_batch)
        return mnl_fail(MNL_ERR_ARG, "input gradient: a batch of %d, the model holds buffers for %d",
                        B, m->max_batch);
    return MNL_OK;
}

int model_input_gradient(Model *m, const float *x, const int *y, int B, float *dx, double *loss)
{
    int rc = check_batch(m, B);
    if (rc)
        return rc;
    model_forward(m, x, B, 0);
    double mean = model_loss(m, y, B, NULL);        /* dlogits = d(mean loss)/dlogits */
    model_zero_grad(m);
    m->dinput = dx;
    model_backward(m, x, B);
    m->dinput = NULL;
    model_zero_grad(m);                             /* the parameters' share is not wanted: */
    model_settle_grads(m);                          /* zeros, as a caller reading them expects */
    /* image i's own loss is B times its share of the mean */
    const size_t n = (size_t)B * (size_t)m->in_c * (size_t)m->in_h * (size_t)m->in_w;
    for (size_t i = 0; i < n; i++)
        dx[i] *= (float)B;
    if (loss)
        *loss = mean;
    return MNL_OK;
}

int model_saliency(Model *m, const float *x, const int *cls, int B, float *dx)
{
    int rc = check_batch(m, B);
    if (rc)
        return rc;
    const int K = m->num_outputs;
    for (int i = 0; i < B; i++)
        if (cls[i] < 0 || cls[i] >= (K == 1 ? 2 : K))
            return mnl_fail(MNL_ERR_ARG, "saliency: class %d of image %d is not one of the model's",
                            cls[i], i);
    model_forward(m, x, B, 0);
    /* d z_c / d logits: one-hot (softmax head), or +-1 on the one logit (sigmoid head) */
    memset(m->dlogits, 0, sizeof *m->dlogits * (size_t)B * (size_t)K);
    for (int i = 0; i < B; i++)
        if (K == 1)
            m->dlogits[i] = cls[i] == 1 ? 1.0f : -1.0f;
        else
            m->dlogits[(size_t)i * K + cls[i]] = 1.0f;
    model_zero_grad(m);
    m->dinput = dx;
    model_backward(m, x, B);
    m->dinput = NULL;
    model_zero_grad(m);
    model_settle_grads(m);
    return MNL_OK;
}

int model_fgsm(Model *m, const float *x, const int *y, int B, float eps, float lo, float hi,
               float *dx, float *adv)
{
    if (!(eps >= 0.0f) || !(lo <= hi))
        return mnl_fail(MNL_ERR_ARG, "FGSM: epsilon %g and range [%g, %g]", (double)eps, (double)lo,
                        (double)hi);
    int rc = model_input_gradient(m, x, y, B, dx, NULL);
    if (rc)
        return rc;
    const size_t n = (size_t)B * (size_t)m->in_c * (size_t)m->in_h * (size_t)m->in_w;
    for (size_t i = 0; i < n; i++) {
        const float sign = (float)(dx[i] > 0.0f) - (float)(dx[i] < 0.0f);
        const float v = x[i] + eps * sign;
        adv[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return MNL_OK;
}
