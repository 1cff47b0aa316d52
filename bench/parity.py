#!/usr/bin/python3
"""bench/parity.py - does mnistlab compute what PyTorch computes? (`make parity`)

For each experiment: build its PyTorch twin (bench/torch_twin.py: same layers, loss, optimizer,
initialisation family, batch size, normalisation), draw the initial parameters and STEPS batches of
training-set indices with PyTorch, train both implementations from exactly those parameters on
exactly those batches -- PyTorch here, mnistlab in build/bench/parity (bench/parity.c), which loads
and normalises the images itself -- and compare the loss of every step and every parameter after
the last one. The two agree to float32 rounding when the data pipeline, forward pass, loss,
gradients and optimizer all match; any real difference (a wrong gradient, a missed bias
correction, other normalisation) shows as a gap orders of magnitude larger.

Variants (NAME+what) train an experiment with some settings changed in both implementations:
a learning-rate schedule (PyTorch's own StepLR / CosineAnnealingLR after a LinearLR warm-up,
stepped every EPOCH_STEPS steps, against mnistlab's train.schedule), the other remedies of
issue 17, and RAdam (torch.optim.RAdam; over 20 steps it takes its five momentum-only steps and
then rectified ones). Lion is not here: PyTorch has none, so tests/test_optim checks it step by
step against its paper's update rule instead.

    /usr/bin/python3 bench/parity.py [--steps 20] [--threads 1] [cnn-4v9 softmax cnn-4v9+cosine ...]
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before torch loads OpenBLAS (see torch_twin.py)

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import torch_twin as twin  # noqa: E402

REPO = twin.REPO
PARITY = os.path.join(REPO, "build", "bench", "parity")
EPOCH_STEPS = 4     # a variant with a schedule calls every 4 steps an epoch


def warmed_up(opt, warmup, then):
    """PyTorch's warm-up: LinearLR from lr/(W+1) to lr over W epochs, then the schedule."""
    if warmup == 0:
        return then
    ramp = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / (warmup + 1), end_factor=1.0,
                                             total_iters=warmup)
    return torch.optim.lr_scheduler.SequentialLR(opt, [ramp, then], milestones=[warmup])


def tensors(model):
    """Every tensor mnistlab keeps in its parameter block, in its order: per layer the weight, the
    bias, and a batch norm's running mean and variance (PyTorch buffers, not parameters)."""
    out = []
    for mod in model.modules():
        out += list(mod.parameters(recurse=False))
        if isinstance(mod, nn.modules.batchnorm._BatchNorm):
            out += [mod.running_mean, mod.running_var]
    return out


BN_LAYERS = ("conv 4 3, batchnorm, relu, maxpool 2, conv 8 3, batchnorm, relu, maxpool 2,"
             " conv 16 3, relu, maxpool 2, dense 6, batchnorm, relu, dense 1")


def with_layers_sgd(spec, lr, momentum):
    """A variant's PyTorch change: other layers, trained with SGD and momentum. (With batch norm,
    Adam is no test: the bias of a layer before a batch norm has a gradient of zero but for
    rounding, and Adam divides that noise by its own size into full steps of lr, so even PyTorch
    float32 and float64 part by 3e-2.)"""
    def change(model, opt, epochs):
        new = twin.conv_net(spec)
        return new, torch.optim.SGD(new.parameters(), lr=lr, momentum=momentum), None
    return change


def decay_groups(model, decay):
    """mnistlab decays the tensors it calls weights, never the biases: two parameter groups."""
    named = list(model.named_parameters())
    return [{"params": [p for n, p in named if n.endswith("weight")], "weight_decay": decay},
            {"params": [p for n, p in named if not n.endswith("weight")], "weight_decay": 0.0}]


# name: (experiment, mnistlab settings, PyTorch change: (model, opt, epochs) -> (model, opt, sched))
VARIANTS = {
    "cnn-4v9+step": ("cnn-4v9", ["train.schedule=step 2 0.5", "train.warmup=1"],
                     lambda model, opt, epochs: (model, opt, warmed_up(
                         opt, 1, torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)))),
    "cnn-4v9+cosine": ("cnn-4v9", ["train.schedule=cosine", "train.warmup=2"],
                       lambda model, opt, epochs: (model, opt, warmed_up(
                           opt, 2, torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs - 2)))),
    "cnn-4v9+batchnorm": ("cnn-4v9", ["model.layers=" + BN_LAYERS, "train.optimizer=sgd",
                                      "train.lr=0.05", "train.momentum=0.9"],
                          with_layers_sgd(BN_LAYERS, 0.05, 0.9)),
    "cnn-4v9+adamw": ("cnn-4v9", ["train.optimizer=adamw", "train.weight_decay=0.05"],
                      lambda model, opt, epochs: (model, torch.optim.AdamW(
                          decay_groups(model, 0.05), lr=0.004), None)),
    "cnn-4v9+radam": ("cnn-4v9", ["train.optimizer=radam", "train.weight_decay=0.01"],
                      lambda model, opt, epochs: (model, torch.optim.RAdam(
                          decay_groups(model, 0.01), lr=0.004), None)),
    "cnn-4v9+nesterov": ("cnn-4v9", ["train.optimizer=sgd", "train.lr=0.05", "train.momentum=0.9",
                                     "train.nesterov=1", "train.l2=0.001"],
                         lambda model, opt, epochs: (model, torch.optim.SGD(
                             decay_groups(model, 0.001), lr=0.05, momentum=0.9, nesterov=True),
                             None)),
}


def build(name, epochs):
    """The PyTorch twin of an experiment or variant: (model, loss_fn, opt, sched or None, batch,
    norm, binary)."""
    exp = VARIANTS[name][0] if name in VARIANTS else name
    model, loss_fn, opt, batch, norm, binary = twin.build(exp)
    sched = None
    if name in VARIANTS:
        model, opt, sched = VARIANTS[name][2](model, opt, epochs)
    return model, loss_fn, opt, sched, batch, norm, binary


def c_options(name, steps):
    """mnistlab's options for a variant: its settings, the epoch length, the number of epochs."""
    if name not in VARIANTS:
        return []
    epochs = -(-steps // EPOCH_STEPS)
    opts = ["--epoch-steps", str(EPOCH_STEPS), "--set", f"train.epochs={epochs}"]
    for kv in VARIANTS[name][1]:
        opts += ["--set", kv]
    return opts


def c_layout(conf, threads, opts):
    """(batch, [(name, count)]) of mnistlab's parameter tensors, in its order."""
    out = subprocess.run([PARITY, conf, str(threads)] + opts, capture_output=True, text=True,
                         check=True)
    rows = [line.split() for line in out.stdout.splitlines()]
    return int(rows[0][1]), [(r[0], int(r[1])) for r in rows[1:]]


def check(name, steps, threads, seed, tmp):
    exp = VARIANTS[name][0] if name in VARIANTS else name
    conf = os.path.join(REPO, "experiments", exp + ".conf")
    opts, epochs = c_options(name, steps), -(-steps // EPOCH_STEPS)
    torch.manual_seed(seed)
    model, loss_fn, opt, sched, batch, norm, binary = build(name, epochs)
    c_batch, layout = c_layout(conf, threads, opts)
    params = tensors(model)
    shapes_ok = len(params) == len(layout) and all(p.numel() == n for p, (_, n) in zip(params, layout))
    if c_batch != batch or not shapes_ok:
        print(f"{exp}: the models differ: mnistlab batch {c_batch}, tensors {layout}; PyTorch batch "
              f"{batch}, tensors {[p.numel() for p in params]}")
        return False

    tx, ty, _, _, source = twin.load_data(os.path.join(REPO, "data", "mnist"), False, binary, None)
    if source != "mnist":
        print(f"{exp}: data/mnist is missing (make data)")
        return False
    gen = torch.Generator().manual_seed(seed)
    idx = torch.stack([torch.randperm(tx.shape[0], generator=gen)[:batch] for _ in range(steps)])
    init = np.concatenate([p.detach().numpy().ravel() for p in params]).astype(np.float32)

    paths = {k: os.path.join(tmp, f"{name}.{k}") for k in ("init", "idx", "out")}
    init.tofile(paths["init"])
    idx.numpy().astype(np.int32).tofile(paths["idx"])
    subprocess.run([PARITY, conf, str(threads), paths["init"], paths["idx"], str(steps),
                    paths["out"]] + opts, check=True)
    out = np.fromfile(paths["out"], dtype=np.float32)
    c_losses, c_params = out[:steps], out[steps:]

    # The reference: the same training in float64, from the same (float32) start.
    model64, loss64, opt64, sched64, _, _, _ = build(name, epochs)
    model64.load_state_dict(model.state_dict())
    model64.double()
    t32_losses, t32_params = train(model, loss_fn, opt, sched, tx, ty, idx, norm, binary,
                                   torch.float32)
    ref_losses, ref_params = train(model64, loss64, opt64, sched64, tx, ty, idx, norm, binary,
                                   torch.float64)

    def gaps(losses, params):
        return (float(np.max(np.abs(losses - ref_losses))),
                float(np.max(np.abs(params - ref_params))))

    c_gap, t_gap = gaps(c_losses, c_params), gaps(t32_losses, t32_params)
    between = (float(np.max(np.abs(c_losses - t32_losses))),
               float(np.max(np.abs(c_params - t32_params))))
    # mnistlab must be about as close to the float64 result as PyTorch's float32 is (within 10x:
    # rounding differs from step to step), with a floor for when both are at the last bit.
    floor = (1e-6, 1e-6)
    ok = all(c <= 10 * max(t, f) for c, t, f in zip(c_gap, t_gap, floor))
    print(f"{name:9s} {steps} steps of {batch}: loss {ref_losses[0]:.4f} -> {ref_losses[-1]:.4f}; "
          f"largest gap to float64, loss / parameter: mnistlab {c_gap[0]:.1e} / {c_gap[1]:.1e}, "
          f"PyTorch float32 {t_gap[0]:.1e} / {t_gap[1]:.1e}; mnistlab to PyTorch float32 "
          f"{between[0]:.1e} / {between[1]:.1e}: {'same' if ok else 'DIFFERENT'}")
    return ok


def train(model, loss_fn, opt, sched, tx, ty, idx, norm, binary, dtype):
    """Trains on the batches idx[s], stepping sched (when there is one) after every EPOCH_STEPS;
    returns (loss per step, final parameters) as float64 arrays."""
    losses = []
    model.train()
    for s, j in enumerate(idx):
        x = twin.to_input(tx[j], norm).to(dtype)
        y = ty[j].to(dtype).unsqueeze(1) if binary else ty[j]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if sched is not None and (s + 1) % EPOCH_STEPS == 0:
            sched.step()
        losses.append(loss.item())
    params = np.concatenate([p.detach().double().numpy().ravel() for p in tensors(model)])
    return np.array(losses), params


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exps", nargs="*", default=list(twin.EXPERIMENTS) + list(VARIANTS))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1, help="mnistlab's threads (PyTorch uses 1)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(1)
    if not os.access(PARITY, os.X_OK):
        print(f"{PARITY} is missing: run make parity", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        results = [check(e, args.steps, args.threads, args.seed, tmp) for e in args.exps]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
