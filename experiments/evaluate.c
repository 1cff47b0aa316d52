/* experiments/evaluate: a model measured on a data set (see evaluate.h). */
#include "experiments/evaluate.h"

#include <math.h>
#include <string.h>

#include "common/error.h"

static void view_collect(TestView *v, int index, int truth, int pred, float conf)
{
    confusion_add(&v->confusion, truth, pred);
    if (pred == truth && v->n_correct < EVAL_SAMPLES) {
        v->correct_idx[v->n_correct] = index;
        v->correct_pred[v->n_correct] = pred;
        v->correct_conf[v->n_correct++] = conf;
    } else if (pred != truth && v->n_wrong < EVAL_SAMPLES) {
        v->wrong_idx[v->n_wrong] = index;
        v->wrong_pred[v->n_wrong] = pred;
        v->wrong_conf[v->n_wrong++] = conf;
    }
}

int evaluate_set(Model *m, BatchIter *it, const Dataset *d, int batch, int *pred, double *loss,
                 double *acc, TestView *view)
{
    MeanMeter meter;
    meter_reset(&meter);
    if (view) {
        memset(view, 0, sizeof *view);
        confusion_reset(&view->confusion, d->num_classes);
        view->valid = 1;
    }
    if (it->d != d) {
        batch_iter_free(it);
        int rc = batch_iter_init(it, d, batch);
        if (rc)
            return rc;
    }
    batch_iter_reset(it, NULL);
    int start = 0;
    for (int b; (b = batch_iter_next(it)) > 0; start += b) {
        model_forward(m, it->x, b, 0);
        double l = model_loss(m, it->y, b, pred);
        int correct = 0;
        for (int i = 0; i < b; i++) {
            correct += pred[i] == it->y[i];
            if (view)
                view_collect(view, start + i, it->y[i], pred[i],
                             m->probs[(size_t)i * d->num_classes + pred[i]]);
        }
        meter_add(&meter, l, b, correct);
    }
    *loss = meter_loss(&meter);
    *acc = meter_accuracy(&meter);
    return MNL_OK;
}

/* The head is nothing but this formula (docs/models.md):
 *   softmax:  -mean_i log( exp(z[i][y_i]) / sum_k exp(z[i][k]) )
 *   sigmoid:  -mean_i [ y_i log s(z_i) + (1 - y_i) log(1 - s(z_i)) ],  s(z) = 1 / (1 + exp(-z))
 * in double, with the largest logit taken out before exp (the values are the same, no overflow). */
void evaluate_loss_by_hand(Model *m, BatchIter *it, int *pred, int *B, double *by_hand,
                           double *library)
{
    batch_iter_reset(it, NULL);
    int b = batch_iter_next(it), K = m->num_outputs;
    *B = b > 0 ? b : 0;
    *by_hand = *library = 0.0;
    if (b <= 0)
        return;
    const float *z = model_forward(m, it->x, b, 0);    /* z: [B, K] logits */
    const int *y = it->y;
    double sum_loss = 0.0;
    for (int i = 0; i < b; i++) {
        const float *zi = z + (size_t)i * K;
        if (m->head == HEAD_SIGMOID) {
            double s = 1.0 / (1.0 + exp(-(double)zi[0]));
            sum_loss -= y[i] ? log(s) : log(1.0 - s);
        } else {
            double top = zi[0], sum = 0.0;
            for (int k = 1; k < K; k++)
                top = zi[k] > top ? zi[k] : top;
            for (int k = 0; k < K; k++)
                sum += exp(zi[k] - top);
            sum_loss -= (zi[y[i]] - top) - log(sum);
        }
    }
    *by_hand = sum_loss / b;
    *library = model_loss(m, y, b, pred);
}
