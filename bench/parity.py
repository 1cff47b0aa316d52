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

    /usr/bin/python3 bench/parity.py [--steps 20] [--threads 1] [cnn-4v9 softmax ...]
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before torch loads OpenBLAS (see torch_twin.py)

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import torch_twin as twin  # noqa: E402

REPO = twin.REPO
PARITY = os.path.join(REPO, "build", "bench", "parity")


def c_layout(conf, threads):
    """(batch, [(name, count)]) of mnistlab's parameter tensors, in its order."""
    out = subprocess.run([PARITY, conf, str(threads)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.splitlines()]
    return int(rows[0][1]), [(r[0], int(r[1])) for r in rows[1:]]


def check(exp, steps, threads, seed, tmp):
    conf = os.path.join(REPO, "experiments", exp + ".conf")
    torch.manual_seed(seed)
    model, loss_fn, opt, batch, norm, binary = twin.build(exp)
    c_batch, layout = c_layout(conf, threads)
    params = list(model.parameters())
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

    paths = {k: os.path.join(tmp, f"{exp}.{k}") for k in ("init", "idx", "out")}
    init.tofile(paths["init"])
    idx.numpy().astype(np.int32).tofile(paths["idx"])
    subprocess.run([PARITY, conf, str(threads), paths["init"], paths["idx"], str(steps),
                    paths["out"]], check=True)
    out = np.fromfile(paths["out"], dtype=np.float32)
    c_losses, c_params = out[:steps], out[steps:]

    # The reference: the same training in float64, from the same (float32) start.
    model64, loss64, opt64, _, _, _ = twin.build(exp)
    model64.load_state_dict(model.state_dict())
    model64.double()
    t32_losses, t32_params = train(model, loss_fn, opt, tx, ty, idx, norm, binary, torch.float32)
    ref_losses, ref_params = train(model64, loss64, opt64, tx, ty, idx, norm, binary, torch.float64)

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
    print(f"{exp:9s} {steps} steps of {batch}: loss {ref_losses[0]:.4f} -> {ref_losses[-1]:.4f}; "
          f"largest gap to float64, loss / parameter: mnistlab {c_gap[0]:.1e} / {c_gap[1]:.1e}, "
          f"PyTorch float32 {t_gap[0]:.1e} / {t_gap[1]:.1e}; mnistlab to PyTorch float32 "
          f"{between[0]:.1e} / {between[1]:.1e}: {'same' if ok else 'DIFFERENT'}")
    return ok


def train(model, loss_fn, opt, tx, ty, idx, norm, binary, dtype):
    """Trains on the batches idx[s]; returns (loss per step, final parameters) as float64 arrays."""
    losses = []
    model.train()
    for j in idx:
        x = twin.to_input(tx[j], norm).to(dtype)
        y = ty[j].to(dtype).unsqueeze(1) if binary else ty[j]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    params = np.concatenate([p.detach().double().numpy().ravel() for p in model.parameters()])
    return np.array(losses), params


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exps", nargs="*", default=list(twin.EXPERIMENTS))
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
