#!/usr/bin/python3
"""bench/torch_twin.py - the PyTorch twin of each mnistlab experiment, for `make bench`.

Times the same network, batch size and optimizer as experiments/NAME.conf: a full training step
(gather the batch along a shuffled order from the normalised training set, zero_grad, forward,
loss, backward, optimizer step) -- the work `bin/mnistlab bench` times -- then an evaluation of
10000 test images (loss and predictions) in batches of the training batch size, as mnistlab
evaluates. --premade-batches takes the gathering out of the timed loop; --eval-batch 1000 gives
PyTorch its larger evaluation batches.
Prints key=value lines that bench/run_bench.sh parses, the same keys as `bin/mnistlab bench`.

    /usr/bin/python3 bench/torch_twin.py cnn --threads 2 --train-batches 300 --warmup 20 --eval
"""
import os

# Must happen before torch (or numpy) is imported: both load OpenBLAS, which reads this variable
# once at load time. Debian's torch sends matrix products (Linear layers, and any im2col GEMM)
# through OpenBLAS. Its pthread build (libopenblas0-pthread) would start one thread per core
# *inside* each of torch's N OpenMP threads; the pools then oversubscribe the cores and halve the
# speed, so it gets one BLAS thread per torch thread. Its OpenMP build (libopenblas0-openmp, which
# bench/run_bench.sh also runs the twin on, through LD_LIBRARY_PATH) shares torch's OpenMP threads
# whatever this says: a Linear layer's product on all N of them, one thread inside torch's own
# parallel regions. A caller's own setting is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

EXPERIMENTS = ("softmax", "mlp", "cnn", "cnn-wide-b128-e10-pm1", "lenet", "cnn-4v9")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVAL_IMAGES = 10000
POOL_IMAGES = 20000  # distinct pre-made training images (63 MB of floats), reused in a cycle


def conv_net(spec):
    """Builds nn.Sequential from a layer spec written as in the .conf files: 'conv C K [pad P]',
    'relu', 'maxpool S', 'dense N' (a flatten is implied before the first dense), 'batchnorm'
    (BatchNorm2d after a conv, BatchNorm1d after a dense). Shapes are tracked as [C, H, W] from the
    [1, 28, 28] input."""
    layers, c, h, flat = [], 1, 28, None
    for item in spec.split(","):
        w = item.split()
        if w[0] == "conv":
            out, k = int(w[1]), int(w[2])
            pad = int(w[4]) if len(w) > 3 and w[3] == "pad" else 0
            layers.append(nn.Conv2d(c, out, k, padding=pad))
            c, h = out, h + 2 * pad - k + 1
        elif w[0] == "relu":
            layers.append(nn.ReLU())
        elif w[0] == "batchnorm":
            layers.append(nn.BatchNorm1d(flat) if flat is not None else nn.BatchNorm2d(c))
        elif w[0] == "maxpool":
            layers.append(nn.MaxPool2d(int(w[1])))
            h //= int(w[1])
        elif w[0] == "dense":
            if flat is None:
                layers.append(nn.Flatten())
                flat = c * h * h
            layers.append(nn.Linear(flat, int(w[1])))
            flat = int(w[1])
        else:
            raise ValueError("unknown layer " + item)
    return nn.Sequential(*layers)


def build(exp):
    """(model, loss_fn, optimizer, batch, normalisation, binary) exactly as issue 9's table."""
    if exp == "softmax":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        with torch.no_grad():
            model[1].weight.uniform_(-0.08, 0.08)
            model[1].bias.zero_()
        # L2 1e-4 on W only: weight_decay adds lambda*W to W's gradient, the gradient of
        # (lambda/2)||W||^2; the bias gets none.
        opt = torch.optim.SGD([{"params": [model[1].weight], "weight_decay": 1e-4},
                               {"params": [model[1].bias], "weight_decay": 0.0}], lr=0.1)
        return model, nn.CrossEntropyLoss(), opt, 100, "none", False
    if exp == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                              nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        return (model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-3),
                128, "meanstd", False)
    if exp in ("cnn", "cnn-wide-b128-e10-pm1"):
        c1, c2 = (16, 32) if exp == "cnn" else (32, 64)
        model = conv_net(f"conv {c1} 3 pad 1, relu, maxpool 2, conv {c2} 3 pad 1, relu, maxpool 2,"
                         " dense 128, relu, dense 10")
        return (model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-3),
                64 if exp == "cnn" else 128, "meanstd" if exp == "cnn" else "pm1", False)
    if exp == "lenet":
        model = conv_net("conv 6 3, relu, maxpool 2, conv 16 3, relu, maxpool 2,"
                         " dense 120, relu, dense 84, relu, dense 10")
        return (model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-3),
                64, "none", False)
    if exp == "cnn-4v9":
        model = conv_net("conv 4 3, relu, maxpool 2, conv 8 3, relu, maxpool 2,"
                         " conv 16 3, relu, maxpool 2, dense 1")
        return (model, nn.BCEWithLogitsLoss(), torch.optim.Adam(model.parameters(), lr=0.004),
                100, "none", True)
    raise ValueError(exp)


def count_macs(model):
    """Multiply-adds of one image's forward pass through the Conv2d and Linear layers."""
    macs = []

    def hook(mod, inp, out):
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
            macs.append(out[0].numel() * k)
        elif isinstance(mod, nn.Linear):
            macs.append(mod.in_features * mod.out_features)

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in handles:
        h.remove()
    return sum(macs)


def read_idx(path):
    """A raw IDX file (magic 0x0000080N, big-endian dims) as a uint8 numpy array."""
    with open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_data(data_dir, use_random, binary, gen):
    """(train_x [N,28,28] uint8, train_y [N] int64, test_x [10000,28,28] uint8, test_y [10000],
    source). For the 4-vs-9 net the training images are the 4s and 9s and a label is 1 for a 9
    (in the test set too, where other digits count as 0: only the time is measured there). Random
    pixels stand in when the MNIST files are missing: the arithmetic per image is the same."""
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte"]
    paths = [os.path.join(data_dir, n) for n in names]
    if not use_random and all(os.path.exists(p) for p in paths):
        tx, ty, vx, vy = (read_idx(p) for p in paths)
        tx, ty = torch.from_numpy(tx.copy()), torch.from_numpy(ty.astype(np.int64))
        vx = torch.from_numpy(vx[:EVAL_IMAGES].copy())
        vy = torch.from_numpy(vy[:EVAL_IMAGES].astype(np.int64))
        if binary:
            keep = (ty == 4) | (ty == 9)
            tx, ty = tx[keep], (ty[keep] == 9).long()
            vy = (vy == 9).long()
        return tx, ty, vx, vy, "mnist"
    n = 11791 if binary else 60000
    tx = torch.randint(0, 256, (n, 28, 28), generator=gen, dtype=torch.uint8)
    ty = torch.randint(0, 2 if binary else 10, (n,), generator=gen)
    vx = torch.randint(0, 256, (EVAL_IMAGES, 28, 28), generator=gen, dtype=torch.uint8)
    vy = torch.randint(0, 2 if binary else 10, (EVAL_IMAGES,), generator=gen)
    return tx, ty, vx, vy, "random"


def to_input(u8, how):
    """uint8 [B,28,28] -> float [B,1,28,28] with the experiment's normalisation."""
    x = u8.float().div_(255.0).unsqueeze(1)
    if how == "meanstd":
        return x.sub_(0.1307).div_(0.3081)
    if how == "pm1":
        return x.mul_(2.0).sub_(1.0)
    return x


def loaded_blas():
    """The libblas.so.3 this process has mapped (LD_LIBRARY_PATH can choose another one than the
alternatives link points at), or "none"."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if line.rstrip().endswith("/libblas.so.3")}
    return ",".join(sorted(paths)) or "none"


def blas_core():
    """The kernels OpenBLAS picked for this CPU (openblas_get_corename: Debian 12's 0.3.21 names
"Cooperlake", its AVX-512 kernels, on Zen 4; a CPU newer than the library gets older kernels), or
"unknown"."""
    import ctypes
    for path in loaded_blas().split(","):
        try:
            name = ctypes.CDLL(path).openblas_get_corename
        except (OSError, AttributeError):
            continue
        name.restype = ctypes.c_char_p
        return name().decode(errors="replace").strip() or "unknown"
    return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exp", choices=EXPERIMENTS)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--train-batches", type=int, default=200, help="timed training steps")
    ap.add_argument("--warmup", type=int, default=10, help="untimed steps before timing")
    ap.add_argument("--eval", action="store_true",
                    help="also time an evaluation of the test set (loss and predictions)")
    ap.add_argument("--eval-batch", type=int, default=0,
                    help="evaluation batch (default: the training batch, as mnistlab)")
    ap.add_argument("--eval-min-seconds", type=float, default=1.0,
                    help="repeat whole passes over the test images until this long")
    ap.add_argument("--data-dir", default=os.path.join(REPO, "data", "mnist"))
    ap.add_argument("--random-data", action="store_true", help="use random images, not MNIST")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--premade-batches", action="store_true",
                    help="time steps over batches made before the clock starts (PyTorch's best "
                         "case), instead of gathering each batch in the step as mnistlab does")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    model, loss_fn, opt, batch, norm, binary = build(args.exp)
    macs = count_macs(model)

    tx, ty, vx, vy, source = load_data(args.data_dir, args.random_data, binary, gen)
    # Pre-made batches: consecutive slices of one shuffled pass over the training set, so loading,
    # shuffling and normalising stay outside the timed loop (as on the C side). A long run cycles
    # through a pool of at most POOL_IMAGES images instead of holding all of them: 3 s of softmax
    # training would otherwise need gigabytes.
    total = args.warmup + args.train_batches
    if args.premade_batches:
        pool = max(1, min(total, POOL_IMAGES // batch, tx.shape[0] // batch))
        perm = torch.randperm(tx.shape[0], generator=gen)
        batches = []
        for i in range(pool):
            j = perm[i * batch:(i + 1) * batch]
            x = to_input(tx[j], norm)
            y = ty[j].float().unsqueeze(1) if binary else ty[j]
            batches.append((x, y))

        def next_batch(i):
            return batches[i % pool]
    else:
        # As `mnistlab bench` does: the whole training set normalised to float32 once, and each
        # step gathers its batch from it along a shuffled order (a new one every pass).
        train_f = to_input(tx, norm)
        train_y = ty.float().unsqueeze(1) if binary else ty
        per_pass = tx.shape[0] // batch
        orders = {}

        def next_batch(i):
            p, k = divmod(i, per_pass)
            if p not in orders:
                orders.clear()
                orders[p] = torch.randperm(tx.shape[0], generator=gen)
            j = orders[p][k * batch:(k + 1) * batch]
            return train_f.index_select(0, j), train_y.index_select(0, j)

    model.train()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for i in range(args.warmup):
        step(*next_batch(i))
    t0 = time.perf_counter()
    for i in range(args.warmup, total):
        last = step(*next_batch(i))
    train_s = time.perf_counter() - t0
    images = args.train_batches * batch

    print(f"exp={args.exp}")
    print("impl=pytorch")
    print(f"threads={torch.get_num_threads()}")
    print(f"batch={batch}")
    print(f"data={source}")
    print(f"train_images={images}")
    print(f"train_seconds={train_s:.4f}")
    print(f"train_images_per_s={images / train_s:.1f}")
    print(f"train_loss_last={last.item():.4f}")
    print(f"train_mflop_per_image={6 * macs / 1e6:.3f}")
    print(f"eval_mflop_per_image={2 * macs / 1e6:.3f}")

    if args.eval:
        # A test-set evaluation as mnistlab's: batches of the training batch size (unless
        # --eval-batch), each one's loss and predictions, the accuracy counted.
        model.eval()
        eb = args.eval_batch or batch
        test_f = to_input(vx, norm)
        test_y = vy.float().unsqueeze(1) if binary else vy

        def evaluate_pass():
            correct, total_loss = 0, 0.0
            for i in range(0, test_f.shape[0], eb):
                x, y = test_f[i:i + eb], test_y[i:i + eb]
                logits = model(x)
                total_loss += loss_fn(logits, y).item() * x.shape[0]
                pred = (logits > 0).float() if binary else logits.argmax(1)
                correct += int((pred == y).sum())
            return correct, total_loss

        passes, eval_s = 0, 0.0
        with torch.no_grad():
            model(test_f[:eb])  # warm-up: the first call allocates and picks kernels
            t0 = time.perf_counter()
            while passes == 0 or eval_s < args.eval_min_seconds:
                evaluate_pass()
                passes += 1
                eval_s = time.perf_counter() - t0
        print(f"eval_batch={eb}")
        print(f"eval_images={passes * vx.shape[0]}")
        print(f"eval_seconds={eval_s:.4f}")
        print(f"eval_images_per_s={passes * vx.shape[0] / eval_s:.1f}")

    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(f"peak_rss_mb={rss_kb / 1024:.1f}")
    print(f"torch_version={torch.__version__}")
    blas = [w.split("=", 1)[1] for w in torch.__config__.show().replace(",", " ").split()
            if w.startswith("BLAS_INFO=")]
    print(f"torch_blas_info={blas[0] if blas else 'unknown'}")
    print(f"libblas={loaded_blas()}")
    print(f"blas_core={blas_core()}")
    try:
        link = subprocess.run(["readlink", "-f", "/usr/lib/x86_64-linux-gnu/libblas.so.3"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        link = "unknown"
    print(f"libblas_link={link}")
    print(f"openblas_num_threads={os.environ.get('OPENBLAS_NUM_THREADS')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
