#!/bin/sh
# experiments/make-run.sh exp|sweep|diff: what `make exp-NAME`, `make sweep-NAME` and
# `make diff A=RUN_DIR B=RUN_DIR` run (diff: MNL_DIFF_A, MNL_DIFF_B). Every name and
# value comes in through the environment (MNL_EXP: the NAME of the target; EPOCHS, THREADS,
# OVERWRITE, SEEDS, VARY, VARY2, AGAINST: the make variables) and reaches mnistlab as one quoted
# argument each, so no name or value is ever read by the shell as code.
set -f          # no pathname expansion of SEEDS' words
MNISTLAB=${MNISTLAB:-bin/mnistlab}
what=$1
if [ "$what" = diff ]; then
    if [ -z "$MNL_DIFF_A" ] || [ -z "$MNL_DIFF_B" ]; then
        echo 'mnistlab: make diff needs A=RUN_DIR B=RUN_DIR, e.g. make diff A=results/softmax B=results/cnn' >&2
        exit 2
    fi
    exec "$MNISTLAB" diff "$MNL_DIFF_A" "$MNL_DIFF_B"
fi
conf="experiments/$MNL_EXP.conf"
# a name with no file: mnistlab says so, with the nearest experiment ("did you mean ...?")
[ -f "$conf" ] || { "$MNISTLAB" info "$conf" > /dev/null; exit 2; }

# the options both take, as positional parameters
set --
[ -z "$EPOCHS" ] || set -- "$@" --set "train.epochs=$EPOCHS"
[ -z "$THREADS" ] || set -- "$@" --threads "$THREADS"
[ "$OVERWRITE" != 1 ] || set -- "$@" --overwrite

if [ "$what" = sweep ]; then
    [ -n "$VARY" ] || { printf 'mnistlab: make sweep-%s needs VARY="section.key=v1,v2,..."\n' \
                          "$MNL_EXP" >&2; exit 2; }
    [ -z "$VARY2" ] || set -- "$@" --vary "$VARY2"
    [ -z "$SEEDS" ] || set -- "$@" --seeds "$SEEDS"
    [ -z "$AGAINST" ] || set -- "$@" --against "$AGAINST"
    exec "$MNISTLAB" sweep "$conf" --vary "$VARY" "$@"
fi

dir="results/$MNL_EXP${EPOCHS:+-epochs$EPOCHS}"
if [ -z "$SEEDS" ]; then
    exec "$MNISTLAB" train "$conf" "$@" --out "$dir"
fi
# SEEDS: whole numbers, each once (a repeated seed would train one run and count it twice)
for s in $SEEDS; do
    case $s in
        ''|*[!0-9]*) printf 'mnistlab: SEEDS="%s": seeds are whole numbers, e.g. "1 2 3"\n' \
                         "$SEEDS" >&2; exit 2 ;;
    esac
done
dup=$(for s in $SEEDS; do echo "$s"; done | awk '{ if (seen[$1 + 0]++) { print $1 + 0; exit } }')
if [ -n "$dup" ]; then
    printf 'mnistlab: SEEDS="%s": seed %s is given twice\n' "$SEEDS" "$dup" >&2
    exit 2
fi
for s in $SEEDS; do
    printf '=== %s seed %s ===\n' "$MNL_EXP" "$s"
    "$MNISTLAB" train "$conf" "$@" --set "train.seed=$s" --out "$dir/seed$s" || exit $?
done
