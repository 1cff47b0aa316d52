#!/usr/bin/env python3
"""bench/families.py: scikit-learn's side of `make bench-families` (bench/families.sh). The same
MNIST files mnistlab reads, pixels / 255 as float32, the same settings as experiments/knn.conf and
experiments/random-forest.conf, n_jobs = the suite's threads. Prints key=value lines.

Usage: families.py knn|forest|svm --threads T [--mnist DIR]"""
import argparse
import gzip
import os
import time

import numpy as np


def idx(path):
    opener = gzip.open if not os.path.exists(path) else open
    with opener(path if os.path.exists(path) else path + ".gz", "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(d):
    xtr = idx(os.path.join(d, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
    ytr = idx(os.path.join(d, "train-labels-idx1-ubyte")).astype(np.int64)
    xte = idx(os.path.join(d, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
    yte = idx(os.path.join(d, "t10k-labels-idx1-ubyte")).astype(np.int64)
    return xtr, ytr, xte, yte


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("family", choices=["knn", "forest", "svm"])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--mnist", default="data/mnist")
    a = ap.parse_args()
    import sklearn
    xtr, ytr, xte, yte = load(a.mnist)
    if a.family == "knn":
        from sklearn.neighbors import KNeighborsClassifier
        m = KNeighborsClassifier(n_neighbors=3, algorithm="brute", n_jobs=a.threads)
    elif a.family == "forest":
        from sklearn.ensemble import RandomForestClassifier
        m = RandomForestClassifier(n_estimators=100, n_jobs=a.threads, random_state=1)
    else:
        from sklearn.svm import SVC
        m = SVC(C=10, gamma="scale")
    t0 = time.perf_counter()
    m.fit(xtr, ytr)
    t1 = time.perf_counter()
    pred = m.predict(xte)
    t2 = time.perf_counter()
    print(f"sklearn={sklearn.__version__}")
    print(f"fit_s={t1 - t0:.3f}")
    print(f"predict_ms_per_1000={(t2 - t1) * 1000 / len(xte) * 1000:.1f}")
    print(f"test_acc={(pred == yte).mean():.4f}")


if __name__ == "__main__":
    main()
