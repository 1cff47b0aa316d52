#!/usr/bin/python3
"""bench/torch_train.py - full training runs of an experiment's PyTorch twin, over several seeds.

The reference for issue 9's accuracy floors: the twin of bench/torch_twin.py (same layers, loss,
optimizer, initialisation family, batch size, normalisation) trained for the experiment's epochs
on its data (softmax: 50000 of the training images, a random 10000 held out; lenet: the first
50000; cnn-4v9: a random 2000 training and 500 test images of the 4s and 9s, drawn per seed;
cnn-4v9-full: every 4 and 9), reshuffled every epoch, the last batch short. Prints one line per
seed -- final and best test accuracy, the epoch of the lowest test loss, final / lowest test loss --
and the mean and standard deviation of the final accuracy, to set beside
`make exp-NAME SEEDS="..."`.

    /usr/bin/python3 bench/torch_train.py cnn-4v9-full --seeds 1-20 [--threads 1]
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before torch loads OpenBLAS (see torch_twin.py)

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import torch_twin as twin  # noqa: E402

EPOCHS = {"softmax": 200, "mlp": 10, "cnn": 5, "cnn-wide-b128-e10-pm1": 10, "lenet": 10, "cnn-4v9": 40,
          "cnn-4v9-full": 40}


def load(exp, seed):
    """(train_x uint8, train_y, test_x uint8, test_y) for one seed's run of exp."""
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte"]
    tx, ty, vx, vy = (twin.read_idx(os.path.join(twin.REPO, "data", "mnist", n)) for n in names)
    gen = np.random.default_rng(seed)
    if exp.startswith("cnn-4v9"):
        keep, keep_test = np.isin(ty, (4, 9)), np.isin(vy, (4, 9))
        tx, ty, vx, vy = tx[keep], (ty[keep] == 9), vx[keep_test], (vy[keep_test] == 9)
        if exp == "cnn-4v9":
            a = np.sort(gen.choice(len(ty), 2000, replace=False))
            b = np.sort(gen.choice(len(vy), 500, replace=False))
            tx, ty, vx, vy = tx[a], ty[a], vx[b], vy[b]
    elif exp == "softmax":
        held_out = gen.choice(len(ty), 10000, replace=False)
        keep = np.setdiff1d(np.arange(len(ty)), held_out)
        tx, ty = tx[keep], ty[keep]
    elif exp == "lenet":
        tx, ty = tx[:50000], ty[:50000]
    return (torch.from_numpy(tx.copy()), torch.from_numpy(ty.astype(np.int64)),
            torch.from_numpy(vx.copy()), torch.from_numpy(vy.astype(np.int64)))


def run(exp, seed, epochs):
    torch.manual_seed(seed)
    model, loss_fn, opt, batch, norm, binary = twin.build("cnn-4v9" if exp == "cnn-4v9-full" else exp)
    if exp == "cnn-4v9-full":   # the same network with Adam 1e-3
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    tx, ty, vx, vy = load(exp, seed)
    x, test_x = twin.to_input(tx, norm), twin.to_input(vx, norm)
    y = ty.float().unsqueeze(1) if binary else ty
    test_y = vy.float().unsqueeze(1) if binary else vy
    accs, losses = [], []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            j = order[i:i + batch]
            opt.zero_grad()
            loss_fn(model(x[j]), y[j]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            z = model(test_x)
            pred = (z > 0).float() if binary else z.argmax(1)
            accs.append(100.0 * float((pred == test_y).float().mean()))
            losses.append(float(loss_fn(z, test_y)))
    low = int(np.argmin(losses))
    print(f"{exp} seed {seed}: final test acc {accs[-1]:.3f}%, best {max(accs):.3f}% "
          f"(epoch {int(np.argmax(accs)) + 1}), lowest test loss {losses[low]:.4f} at epoch "
          f"{low + 1}, final / lowest {losses[-1] / losses[low]:.2f}", flush=True)
    return accs[-1]


def seed_list(text):
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    return seeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exp", choices=sorted(EPOCHS))
    ap.add_argument("--seeds", type=seed_list, default=[1], help="e.g. 1-20 or 1,3,5")
    ap.add_argument("--epochs", type=int, help="default: the experiment's")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    finals = [run(args.exp, s, args.epochs or EPOCHS[args.exp]) for s in args.seeds]
    if len(finals) > 1:
        print(f"{args.exp}: final test acc {statistics.mean(finals):.3f} ± "
              f"{statistics.stdev(finals):.3f}% over {len(finals)} seeds, "
              f"lowest {min(finals):.3f}%, below 99.0%: {sum(f < 99.0 for f in finals)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
