#!/usr/bin/env python3
"""bench/families.py: the other side of `make bench-families` (bench/families.sh). The same MNIST
files mnistlab reads, pixels / 255 as float32, the same settings as the experiment, the suite's
threads. knn and forest: scikit-learn's KNeighborsClassifier (brute force) and
RandomForestClassifier, n_jobs = threads (experiments/knn.conf, random-forest.conf). libsvm: Debian's
python3-libsvm (svmutil), the very libsvm models/svm.c calls, with its parameters (C-SVC, RBF, C = 10,
gamma "scale", cache 200 MB, eps 0.001, shrinking; experiments/svm.conf). xgboost: Debian's
python3-xgboost, the very XGBoost models/boosted.c calls, with its parameters (hist, softprob,
depth 6, eta 0.3, nthread = threads, seed 1, train (first 2,000 images) and test scored after every
round as mnistlab records them). svm: scikit-learn's SVC, libsvm's fork inside scikit-learn.
Prints key=value lines; the fit is timed alone (the data conversion is not in it).

Usage: families.py knn|forest|libsvm|xgboost|svm --threads T [--mnist DIR] [--rounds R]
       families.py subset --train N --out DIR [--mnist DIR]: the first N training images and every
       test image as uncompressed IDX files in DIR, for both sides to read (MNIST_DIR=DIR)."""
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


def write_subset(src, n, out):
    os.makedirs(out, exist_ok=True)
    for name, keep in [("train-images-idx3-ubyte", n), ("train-labels-idx1-ubyte", n),
                       ("t10k-images-idx3-ubyte", None), ("t10k-labels-idx1-ubyte", None)]:
        a = idx(os.path.join(src, name))
        a = a[:keep] if keep else a
        head = bytes([0, 0, 8, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
        with open(os.path.join(out, name), "wb") as f:
            f.write(head + a.tobytes())


def report(version, fit_s, predict_s, n_test, acc):
    print(f"version={version}")
    print(f"fit_s={fit_s:.3f}")
    print(f"predict_ms_per_1000={predict_s * 1000 / n_test * 1000:.1f}")
    print(f"test_acc={acc:.4f}")


def libsvm_side(xtr, ytr, xte, yte):
    import numpy.ctypeslib
    import scipy
    import scipy.sparse
    # Debian 12's svm.py (libsvm 3.24) reaches numpy through scipy's old aliases, which scipy 1.10
    # no longer has: lend them back (numpy's own functions, so nothing else changes).
    for name in ["arange", "asarray", "ascontiguousarray", "empty", "errstate", "frombuffer",
                 "ndarray", "where"]:
        if not hasattr(scipy, name):
            setattr(scipy, name, getattr(np, name))
    if not hasattr(scipy, "ctypeslib"):
        scipy.ctypeslib = numpy.ctypeslib
    import svmutil
    # gamma "scale" as models/svm.c computes it, bit for bit: 1 / (features * variance of every
    # value), the sums taken one value after another in double (cumsum keeps that order; np.mean's
    # pairwise sum differs in the 12th digit, enough to send libsvm down another path: another
    # model, another fit time)
    x64 = xtr.astype(np.float64).ravel()
    n = x64.size
    total, total_sq = np.cumsum(x64)[-1], np.cumsum(x64 * x64)[-1]
    gamma = 1.0 / (xtr.shape[1] * (total_sq / n - (total / n) * (total / n)))
    prob = svmutil.svm_problem(ytr.astype(np.float64), scipy.sparse.csr_matrix(xtr), isKernel=False)
    param = svmutil.svm_parameter(f"-s 0 -t 2 -c 10 -g {gamma!r} -m 200 -e 0.001 -h 1 -q")
    t0 = time.perf_counter()
    m = svmutil.svm_train(prob, param)
    t1 = time.perf_counter()
    xs = scipy.sparse.csr_matrix(xte)
    t2 = time.perf_counter()
    pred, _, _ = svmutil.svm_predict(yte.astype(np.float64), xs, m, "-q")
    t3 = time.perf_counter()
    report("python3-libsvm svmutil", t1 - t0, t3 - t2, len(xte),
           (np.array(pred, dtype=np.int64) == yte).mean())
    print(f"support_vectors={m.l}")


def xgboost_side(xtr, ytr, xte, yte, threads, rounds):
    import xgboost as xgb
    dtrain = xgb.DMatrix(xtr, label=ytr, missing=np.nan, nthread=threads)
    dscored = xgb.DMatrix(xtr[:2000], label=ytr[:2000], missing=np.nan, nthread=threads)
    dtest = xgb.DMatrix(xte, label=yte, missing=np.nan, nthread=threads)
    params = {"tree_method": "hist", "objective": "multi:softprob", "eval_metric": ["mlogloss", "merror"],
              "num_class": 10, "max_depth": 6, "eta": 0.3, "nthread": threads, "seed": 1, "verbosity": 0}
    t0 = time.perf_counter()
    b = xgb.train(params, dtrain, num_boost_round=rounds, evals=[(dscored, "train"), (dtest, "test")],
                  verbose_eval=False)
    t1 = time.perf_counter()
    probs = b.predict(xgb.DMatrix(xte, missing=np.nan, nthread=threads))
    t2 = time.perf_counter()
    report("xgboost " + xgb.__version__, t1 - t0, t2 - t1, len(xte), (probs.argmax(1) == yte).mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("family", choices=["knn", "forest", "libsvm", "xgboost", "svm", "subset"])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--mnist", default="data/mnist")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--train", type=int, default=0)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    if a.family == "subset":
        return write_subset(a.mnist, a.train, a.out)
    xtr, ytr, xte, yte = load(a.mnist)
    if a.family == "libsvm":
        return libsvm_side(xtr, ytr, xte, yte)
    if a.family == "xgboost":
        return xgboost_side(xtr, ytr, xte, yte, a.threads, a.rounds)
    import sklearn
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
    report("scikit-learn " + sklearn.__version__, t1 - t0, t2 - t1, len(xte), (pred == yte).mean())


if __name__ == "__main__":
    main()
