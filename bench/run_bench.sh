#!/usr/bin/env bash
# bench/run_bench.sh — the driver behind `make bench`: runs implementation A (mnistlab's fast path),
# B (the PyTorch twin), on more than one thread O (the twin again on the OpenMP build of OpenBLAS;
# ratios take PyTorch's faster build), and R (mnistlab's reference path, models/reference/: what the
# fast kernels buy), and optionally C (another build, e.g. an older commit, to compare before/after
# in one run), on each experiment, interleaved A [C] B [O] R A [C] B [O] R, and writes a markdown
# table of medians, min–max, ratios, GFLOP/s and % of the measured FMA peak:
# results/bench/BENCH-Tt.md for T threads, and results/BENCH.md (--out) gathering the tables of
# every thread count run so far. It first says which BLAS PyTorch's libblas.so.3 is, and warns
# loudly when it is the reference BLAS.
#
# Usage: bench/run_bench.sh [--threads T] [--reps R] [--seconds S] [--batches N] [--warmup W]
#                           [--exps "softmax mlp ..."] [--out FILE] [--peak GFLOPS]
#                           [--max-bg PCT] [--retries N] [--quiet-wait SECONDS] [--no-profile]
# The commands are templates in A_CMD / B_CMD / R_CMD / C_CMD (names in A_NAME ...; C runs only
# when C_CMD is set, R not when R_CMD is "none"); {exp}, {threads}, {batches} and {warmup} are
# substituted. Each must print key=value lines with at least
# train_images_per_s= and eval_images_per_s=; peak_rss_mb=, batch= and train_mflop_per_image= are
# used when present. PyTorch's BLAS must not be Debian's reference BLAS (its Linear layers would run
# several times slower and every ratio would flatter mnistlab): the driver stops unless
# ALLOW_REFERENCE_BLAS=1; on more than one thread it stops without the OpenMP OpenBLAS
# (libopenblas0-openmp) unless ALLOW_ONE_BLAS=1 (O_CMD=none leaves O out). After the timed runs,
# each experiment is trained once more with `mnistlab train --profile` on a subset (PROFILE_SUBSET,
# default "6400 1000", one epoch; --no-profile leaves it out) and a table gives each layer's share
# of the step, GFLOP/s and % of the FMA peak.
# To test the driver without the C side, run the twin against itself:
#   A_NAME=twin A_CMD="$(bench/run_bench.sh --print-b-cmd)" bench/run_bench.sh --seconds 0.5
set -u

cd "$(dirname "$0")/.." || exit 1
PY=${PY:-/usr/bin/python3}
A_NAME=${A_NAME:-mnistlab}
B_NAME=${B_NAME:-PyTorch}
DEFAULT_A='bin/mnistlab bench experiments/{exp}.conf --batches {batches} --warmup {warmup} --threads {threads}'
DEFAULT_B="$PY"' bench/torch_twin.py {exp} --threads {threads} --train-batches {batches} --warmup {warmup} --eval'
A_CMD=${A_CMD:-$DEFAULT_A}
B_CMD=${B_CMD:-$DEFAULT_B}
# The reference path is one thread by definition and slow: training only, one warm-up batch.
R_NAME=${R_NAME:-reference}
R_CMD=${R_CMD:-'bin/mnistlab bench experiments/{exp}.conf --batches {batches} --warmup {warmup} --kernels reference --no-eval'}
R_WARMUP=1
C_NAME=${C_NAME:-before}
C_CMD=${C_CMD:-}
# PyTorch's best BLAS depends on the experiment, so on more than one thread the twin runs twice:
# B on the pthread OpenBLAS that libblas.so.3 points at, one BLAS thread per torch thread (its own
# pool would oversubscribe the cores), and O on the OpenMP OpenBLAS (libopenblas0-openmp), chosen
# with LD_LIBRARY_PATH, which shares torch's OpenMP threads: mlp's Linear products then run on both
# cores (measured on 2 threads: training 62k -> 77k images/s, evaluation 189k -> 268k), while
# softmax's tiny ones lose to the threading (456k -> 361k). Each ratio is against the faster of
# the two for that experiment and phase. One thread is one thread in both builds (mlp on 1 thread,
# 3 interleaved pairs, medians: training 65.2k against 65.9k, evaluation 185.6k against 185.7k):
# no O then.
OMP_BLAS_DIR=${OMP_BLAS_DIR:-/usr/lib/x86_64-linux-gnu/openblas-openmp}
O_NAME="PyTorch (OpenMP OpenBLAS)"
O_CMD=${O_CMD:-}
SIDES="A"
[ -n "$C_CMD" ] && SIDES="$SIDES C"
SIDES="$SIDES B"
side_name() { case $1 in A) echo "$A_NAME" ;; B) echo "$B_NAME" ;; C) echo "$C_NAME" ;; O) echo "$O_NAME" ;; R) echo "$R_NAME" ;; esac; }
side_cmd() { case $1 in A) echo "$A_CMD" ;; B) echo "$B_CMD" ;; C) echo "$C_CMD" ;; O) echo "$O_CMD" ;; R) echo "$R_CMD" ;; esac; }

THREADS=$(nproc)
REPS=3
SECS=3          # minimum training seconds per measurement, for the faster of A and B
BATCHES=""      # fixed batch count; empty = sized from a short probe of both sides
WARMUP=10
PROBE=30        # timed batches of the sizing probe (after the same warm-up as the real runs)
MAXBG=""        # a run during which other processes took more than this % of the CPU is redone
                # (default: 10 plus the share of the cores the run leaves idle, 60 for 1 thread of 2),
RETRIES=2       # at most this many times (2 threads on 2 cores collapse under any other load),
QUIET_WAIT=60   # after waiting up to this many seconds for the machine to be quiet
EXPS="softmax mlp cnn cnn-wide-b128-e10-pm1 lenet cnn-4v9"
OUT=results/BENCH.md
PEAK=""
PROFILE=1
PROFILE_SUBSET=${PROFILE_SUBSET:-6400 1000}

usage() { sed -n '/^# Usage/,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --threads) THREADS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --seconds) SECS=$2; shift 2 ;;
        --batches) BATCHES=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --exps) EXPS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --peak) PEAK=$2; shift 2 ;;
        --max-bg) MAXBG=$2; shift 2 ;;
        --retries) RETRIES=$2; shift 2 ;;
        --quiet-wait) QUIET_WAIT=$2; shift 2 ;;
        --no-profile) PROFILE=0; shift ;;
        --print-b-cmd) printf '%s\n' "$B_CMD"; exit 0 ;;
        *) usage ;;
    esac
done
[ "$REPS" -ge 1 ] 2>/dev/null || usage
if [ -z "$O_CMD" ]; then
    if [ "$THREADS" -gt 1 ] && [ "$B_CMD" = "$DEFAULT_B" ]; then
        O_CMD="LD_LIBRARY_PATH='$OMP_BLAS_DIR' $B_CMD"
    else
        O_CMD=none
    fi
fi
if [ "$O_CMD" != none ]; then
    if [ ! -e "$OMP_BLAS_DIR/libblas.so.3" ] && [ "${ALLOW_ONE_BLAS:-0}" != 1 ]; then
        echo "run_bench: no OpenMP OpenBLAS ($OMP_BLAS_DIR/libblas.so.3): on $THREADS threads PyTorch's Linear layers would multiply on one thread and every ratio would flatter mnistlab; run \`make bench-deps\` as root (installs libopenblas0-openmp), or set ALLOW_ONE_BLAS=1 to measure anyway" >&2
        exit 1
    fi
    if [ -e "$OMP_BLAS_DIR/libblas.so.3" ]; then
        SIDES="$SIDES O"
    else
        O_CMD=none
        O_WARN="PyTorch ran on the pthread OpenBLAS only (ALLOW_ONE_BLAS=1, no $OMP_BLAS_DIR/libblas.so.3): its Linear products used one thread, and every ratio may flatter mnistlab"
    fi
fi
[ "$R_CMD" != none ] && SIDES="$SIDES R"
# Other processes on cores this run does not use do not slow it: only load beyond them counts.
[ -n "$MAXBG" ] || MAXBG=$(awk -v n="$(nproc)" -v t="$THREADS" \
    'BEGIN { idle = n > t ? 100 * (n - t) / n : 0; printf "%d", 10 + idle }')

RAW_DIR=$(dirname "$OUT")/bench
mkdir -p "$RAW_DIR" || exit 1
RAW=$RAW_DIR/raw-${THREADS}t.tsv       # one row per run: every measurement, for later reading
LOG=$RAW_DIR/log-${THREADS}t.txt       # every command and its full output
TABLE=$RAW_DIR/BENCH-${THREADS}t.md    # this thread count's tables; $OUT gathers every such file
: >"$LOG"
printf 'exp\timpl\trep\tbatches\ttrain_ips\teval_ips\trss_mb\tbatch\ttrain_mflop\teval_mflop\tbg_cpu_pct\ttrain_images\n' >"$RAW"

# Train batch size and MFLOP/image (6 x forward multiply-adds; issue 5's table), used when a
# command does not report them.
default_batch() {
    case $1 in softmax|cnn-4v9) echo 100 ;; mlp|cnn-wide-b128-e10-pm1) echo 128 ;; *) echo 64 ;; esac
}
default_mflop() {
    case $1 in softmax) echo 0.047 ;; mlp) echo 1.409 ;; cnn) echo 7.308 ;;
        cnn-wide-b128-e10-pm1) echo 25.447 ;; lenet) echo 1.200 ;; cnn-4v9) echo 0.417 ;; *) echo 0 ;; esac
}
# Ratio targets of issue 26 (A over B): every experiment at least 3.5x in training and 3x in
# inference on 2 threads (or more), 2.5x in both on one thread (where the FMA peak allows it:
# docs/performance.md, "Limits").
target() { [ "$THREADS" -eq 1 ] && echo 2.5 || echo 3.5; }
inference_target() { [ "$THREADS" -eq 1 ] && echo 2.5 || echo 3.0; }
# "≥ T ✓" or "≥ T ✗" for ratio R and target T
target_met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "NA" && r + 0 >= t + 0) ? "≥ " t " ✓" : "≥ " t " ✗" }'; }

# Jiffies: all cores' busy time (user nice system irq softirq steal), all cores' total time, and the
# CPU time of this shell's finished children, so a run can tell how much CPU others took during it.
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
cpu_total() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t }' /proc/stat; }
child_cpu() { awk '{ print $16 + $17 }' "/proc/$1/stat"; }   # PID: its reaped children's CPU

# wait_quiet: up to QUIET_WAIT seconds, until other processes use at most MAXBG% of the CPU over
# one second (this shell is idle meanwhile, so all busy time is theirs)
wait_quiet() {
    local waited=0 b0 t0 p
    while :; do
        b0=$(cpu_busy); t0=$(cpu_total); sleep 1
        p=$(awk -v b=$(($(cpu_busy) - b0)) -v t=$(($(cpu_total) - t0)) \
            'BEGIN { printf "%.0f", (t > 0 ? 100 * b / t : 0) }')
        [ "$p" -le "$MAXBG" ] && return 0
        [ "$waited" -ge "$QUIET_WAIT" ] && { echo "  machine still busy (${p}%), going on" >&2; return 1; }
        [ "$waited" -eq 0 ] && echo "  other processes use ${p}% of the CPU; waiting up to ${QUIET_WAIT}s" >&2
        sleep 4; waited=$((waited + 5))
    done
}

# run_cmd TEMPLATE EXP BATCHES WARMUP -> the command's stdout (also logged) plus a line
# bg_cpu_pct=P: the share of the machine's CPU that other processes used meanwhile (100 = every
# core busy); status = the command's
run_cmd() {
    local c=$1
    c=${c//\{exp\}/$2}; c=${c//\{threads\}/$THREADS}; c=${c//\{batches\}/$3}; c=${c//\{warmup\}/$4}
    printf '\n$ %s\n' "$c" >>"$LOG"
    local out rc b0 t0 c0 b1 t1 c1 me=$BASHPID
    b0=$(cpu_busy); t0=$(cpu_total); c0=$(child_cpu "$me")
    out=$(bash -c "$c" 2>>"$LOG"); rc=$?
    b1=$(cpu_busy); t1=$(cpu_total); c1=$(child_cpu "$me")
    out=$(printf '%s\nbg_cpu_pct=%s' "$out" "$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) \
        -v c=$((c1 - c0)) 'BEGIN { p = t >= 20 ? 100 * (b - c) / t : 0; printf "%.0f", p < 0 ? 0 : p }')")
    printf '%s\n' "$out" >>"$LOG"
    printf '%s\n' "$out"
    return $rc
}
# key OUTPUT NAME -> value of the last NAME= line, or empty
key() { printf '%s\n' "$1" | sed -n "s/^$2=//p" | tail -n 1; }

# Which BLAS PyTorch multiplies with: Debian's torch calls libblas.so.3, which the alternatives
# system points at OpenBLAS, BLIS, ATLAS or the unoptimised reference BLAS. (Its convolutions go
# through its own oneDNN and do not depend on it; its Linear layers do.)
BLAS_PATH=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null)
BLAS_WARN=""
case $BLAS_PATH in
    *openblas*) BLAS_KIND="OpenBLAS" ;;
    *blis*) BLAS_KIND="BLIS" ;;
    *atlas*) BLAS_KIND="ATLAS" ;;
    */blas/libblas.so.3*) BLAS_KIND="the REFERENCE BLAS"
        BLAS_WARN="PyTorch multiplies matrices with the unoptimised reference BLAS: its dense layers run many times slower than they can, and the comparison is MEANINGLESS. Install OpenBLAS (apt-get install libopenblas0-pthread) or select it with update-alternatives --config libblas.so.3-x86_64-linux-gnu." ;;
    "") BLAS_KIND="unknown (no /usr/lib/x86_64-linux-gnu/libblas.so.3)" ;;
    *) BLAS_KIND="unknown" ;;
esac
echo "PyTorch's BLAS: $BLAS_KIND ($BLAS_PATH)" >&2
if [ -n "$BLAS_WARN" ] && [ "${ALLOW_REFERENCE_BLAS:-0}" != 1 ]; then
    echo "run_bench: refusing to compare with PyTorch on the reference BLAS ($BLAS_PATH): run \`make bench-deps\` as root (installs libopenblas0-pthread), or set ALLOW_REFERENCE_BLAS=1 to measure anyway" >&2
    exit 1
fi
if [ -n "$BLAS_WARN" ]; then
    printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
    printf '!!! %s\n' "$BLAS_WARN" >&2
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
fi

# The machine's FMA peak for THREADS threads, measured, not assumed.
ISA=unknown
if [ -z "$PEAK" ]; then
    FMA=build/bench/fma_peak
    if [ ! -x "$FMA" ] || [ bench/fma_peak.c -nt "$FMA" ]; then
        mkdir -p build/bench
        ${CC:-cc} -std=c11 -O2 -fopenmp -Wall -Wextra -o "$FMA" bench/fma_peak.c || exit 1
    fi
    # A peak is a maximum and other load only lowers it (366 instead of ~470 GFLOP/s was seen,
    # which made the table claim 120% of peak): the runs' quiet-machine rule, best of three runs
    # during which others used at most MAXBG% of the CPU (a louder one is redone, up to 9 tries).
    PEAK=0; PEAK_BG=0; quiet_runs=0; tries=0; worst_bg=0
    while [ "$quiet_runs" -lt 3 ] && [ "$tries" -lt 9 ]; do
        [ "$tries" -eq 0 ] || [ "${bg:-0}" -gt "$MAXBG" ] && wait_quiet
        tries=$((tries + 1))
        fma_out=$(run_cmd "$FMA --threads {threads}" peak 0 0)
        bg=$(key "$fma_out" bg_cpu_pct)
        if [ "$THREADS" -eq 1 ]; then p=$(key "$fma_out" fma_peak_gflops_1thread)
        else p=$(key "$fma_out" fma_peak_gflops_Nthreads); fi
        ISA=$(key "$fma_out" isa)
        worst_bg=$(( ${bg:-0} > worst_bg ? ${bg:-0} : worst_bg ))
        [ "${bg:-0}" -le "$MAXBG" ] || { echo "  FMA peak: others took ${bg}% of the CPU; again" >&2; continue; }
        quiet_runs=$((quiet_runs + 1))
        PEAK_BG=$(( ${bg:-0} > PEAK_BG ? ${bg:-0} : PEAK_BG ))
        PEAK=$(awk -v a="$PEAK" -v b="${p:-0}" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
    done
    if [ "$quiet_runs" -eq 0 ]; then      # never quiet: say so in the table, use what there is
        PEAK=${p:-0}; PEAK_BG=$worst_bg; PEAK_NOTE=" — **measured on a busy machine (others ${worst_bg}%): the % of peak below are too high**"
    fi
fi
PEAK_NOTE=${PEAK_NOTE:-}
CPU=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
CPU_FM=$(awk -F ': *' '/^cpu family/ { f = $2 } /^model[ \t]*:/ { m = $2 } f != "" && m != "" { print "family " f ", model " m; exit }' /proc/cpuinfo)
echo "FMA peak on $THREADS thread(s): $PEAK GFLOP/s ($ISA); $CPU ($CPU_FM)" >&2

B_INFO=""; O_INFO=""
for exp in $EXPS; do
    # Size the run: a short probe of each side gives its rate; the faster one gets >= SECS.
    nb=$BATCHES
    batch=$(default_batch "$exp")
    if [ -z "$nb" ]; then
        wait_quiet
        best=0
        for side in A B; do
            tmpl=$(side_cmd $side)
            out=$(run_cmd "$tmpl" "$exp" "$PROBE" "$WARMUP") || continue
            b=$(key "$out" batch); [ -n "$b" ] && batch=$b
            r=$(key "$out" train_images_per_s)
            best=$(awk -v a="$best" -v b="${r:-0}" 'BEGIN { print (b > a) ? b : a }')
        done
        nb=$(awk -v r="$best" -v s="$SECS" -v b="$batch" \
             'BEGIN { n = int(r * s / b) + 1; if (n < 20) n = 20; print n }')
    fi
    # The reference path gets its own count: at least SECS seconds at its rate, at least 2 batches.
    nb_r=2
    if [ "$R_CMD" != none ]; then
        out=$(run_cmd "$R_CMD" "$exp" 2 "$R_WARMUP")
        r=$(key "$out" train_images_per_s)
        nb_r=$(awk -v r="${r:-0}" -v s="$SECS" -v b="$batch" \
               'BEGIN { n = int(r * s / b) + 1; if (n < 2) n = 2; print n }')
    fi
    echo "$exp: $nb batches ($nb_r on the reference path) x $REPS reps" >&2
    wait_quiet
    for rep in $(seq 1 "$REPS"); do
        for side in $SIDES; do
            tmpl=$(side_cmd $side); name=$(side_name $side)
            n_side=$nb; w_side=$WARMUP
            [ $side = R ] && n_side=$nb_r && w_side=$R_WARMUP
            try=0
            while :; do
                out=$(run_cmd "$tmpl" "$exp" "$n_side" "$w_side") || {
                    echo "  $name $exp rep $rep failed (see $LOG)" >&2; out=""; break; }
                bg=$(key "$out" bg_cpu_pct)
                [ "${bg:-0}" -le "$MAXBG" ] || [ "$try" -ge "$RETRIES" ] && break
                try=$((try + 1))
                echo "  $name rep $rep: other processes took ${bg}% of the CPU; again" >&2
                wait_quiet
            done
            [ $side = B ] && [ -n "$out" ] && B_INFO=$out
            [ $side = O ] && [ -n "$out" ] && O_INFO=$out
            tips=$(key "$out" train_images_per_s); eips=$(key "$out" eval_images_per_s)
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$exp" "$side" "$rep" \
                "$n_side" "${tips:-NA}" "${eips:-NA}" "$(key "$out" peak_rss_mb)" "$(key "$out" batch)" \
                "$(key "$out" train_mflop_per_image)" "$(key "$out" eval_mflop_per_image)" \
                "$(key "$out" bg_cpu_pct)" "$(key "$out" train_images)" >>"$RAW"
            echo "  $name rep $rep: train ${tips:-failed} img/s, eval ${eips:-failed} img/s," \
                 "others ${bg:-?}% CPU" >&2
        done
    done
done

# Where each experiment's step goes: one profiled training epoch on a subset, on THREADS threads;
# the profile's text is kept in results/bench/profile-EXP-Tt.txt.
if [ "$PROFILE" = 1 ] && [ "$A_CMD" = "$DEFAULT_A" ]; then
    for exp in $EXPS; do
        wait_quiet
        pdir=$(mktemp -d "${TMPDIR:-/tmp}/mnistlab-bench-profile.XXXXXX") || exit 1
        echo "$exp: profile (--profile, subset $PROFILE_SUBSET, 1 epoch)" >&2
        run_cmd "bin/mnistlab train experiments/{exp}.conf --set 'data.subset=$PROFILE_SUBSET' --set train.epochs=1 --set data.validation=none --threads {threads} --profile --no-live --out '$pdir/run'" "$exp" 0 0 |
            sed -n '/^profile:/,/^total/p' >"$RAW_DIR/profile-$exp-${THREADS}t.txt"
        rm -rf -- "$pdir"
    done
fi

# stats EXP SIDE COLUMN -> "median min max" over the runs that produced a number, or "NA NA NA"
stats() {
    awk -F '\t' -v e="$1" -v s="$2" -v c="$3" \
        'NR > 1 && $1 == e && $2 == s && $c != "NA" && $c != "" { print $c }' "$RAW" |
    sort -g |
    awk '{ v[NR] = $1 }
         END { if (NR == 0) { print "NA NA NA"; exit }
               m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
               print m, v[1], v[NR] }'
}
# first non-empty value of COLUMN for EXP, preferring side B (the twin reports MFLOP/image)
first() {
    awk -F '\t' -v e="$1" -v c="$2" 'NR > 1 && $1 == e && $c != "" { print ($2 == "B"), $c }' "$RAW" |
    sort | tail -n 1 | cut -d' ' -f2
}
# fmt_ips MEDIAN MIN MAX -> "12,345 (12,001–12,900)"
fmt_ips() {
    [ "$1" = NA ] && { echo "failed"; return; }
    awk -v m="$1" -v lo="$2" -v hi="$3" 'function f(x) { return sprintf("%.0f", x) }
        BEGIN { printf "%s (%s–%s)", f(m), f(lo), f(hi) }'
}
# torch_best EXP COLUMN -> "median min max which": PyTorch's faster side (B, or O when it ran and
# its median is higher) for that experiment and column
torch_best() {
    local b o
    b=$(stats "$1" B "$2")
    [ "$O_CMD" = none ] && { echo "$b B"; return; }
    o=$(stats "$1" O "$2")
    awk -v b="$b" -v o="$o" 'BEGIN { split(b, x, " "); split(o, y, " ")
        if (y[1] != "NA" && (x[1] == "NA" || y[1] + 0 > x[1] + 0)) print o, "O"; else print b, "B" }'
}
# both_blas EXP COLUMN -> " pthread / OpenMP |" medians, the faster one bold; empty without O
both_blas() {
    [ "$O_CMD" = none ] && return
    local bm om
    read -r bm _ _ <<<"$(stats "$1" B "$2")"; read -r om _ _ <<<"$(stats "$1" O "$2")"
    awk -v b="$bm" -v o="$om" 'function f(x) { return x == "NA" ? "failed" : sprintf("%.0f", x) }
        BEGIN { fb = f(b); fo = f(o)
                if (o != "NA" && (b == "NA" || o + 0 > b + 0)) fo = "**" fo "**"; else fb = "**" fb "**"
                printf " %s / %s |", fb, fo }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f", a / b }'; }
gflops() {  # IPS MFLOP -> "GFLOP/s (pct%)"
    awk -v i="$1" -v f="$2" -v p="$PEAK" 'BEGIN {
        if (i == "NA" || f == "") { print "NA"; exit }
        g = i * f / 1000; if (p > 0) printf "%.1f (%.1f%%)", g, 100 * g / p; else printf "%.1f", g }'
}

TORCH=$(key "$B_INFO" torch_version); LIBBLAS=$(key "$B_INFO" libblas); O_LIBBLAS=$(key "$O_INFO" libblas)
CORE=$(key "$B_INFO" blas_core); O_CORE=$(key "$O_INFO" blas_core)
O_WARN=${O_WARN:-}
case $O_LIBBLAS in *openblas-openmp*|"") ;; *) O_WARN="the OpenMP side loaded $O_LIBBLAS, not the OpenMP OpenBLAS: its column is not what it says" ;; esac
hb=""; sb=""
[ "$O_CMD" != none ] && hb=" $B_NAME img/s on pthread / OpenMP OpenBLAS |" && sb="---:|"
{
    echo "## $THREADS thread(s): $A_NAME vs $B_NAME"
    echo
    echo "- Machine: ${CPU:-unknown} ($CPU_FM), $(nproc) cores; run on $THREADS thread(s); $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- FMA peak measured by bench/fma_peak.c on $THREADS thread(s): **$PEAK GFLOP/s** ($ISA), best of the runs during which others used at most ${PEAK_BG:-?}% of the CPU$PEAK_NOTE"
    [ -n "$TORCH" ] && echo "- $B_NAME: torch $TORCH, OPENBLAS_NUM_THREADS=1; its BLAS (libblas.so.3, as mapped): **$BLAS_KIND** (\`${LIBBLAS:-$BLAS_PATH}\`), whose kernels for this CPU are **${CORE:-unknown}** (openblas_get_corename; a ratio against OpenBLAS depends on them: see docs/performance.md, \"Two CPUs\")"
    [ "$O_CMD" != none ] && echo "- $O_NAME: the same twin with \`LD_LIBRARY_PATH=$OMP_BLAS_DIR\` (mapped: \`${O_LIBBLAS:-none}\`, kernels ${O_CORE:-unknown}), whose products share torch's $THREADS OpenMP threads; the $B_NAME columns and every ratio take the faster of the two builds for each experiment and phase (medians of both shown, the faster in bold)"
    [ -n "$O_WARN" ] && echo "- **WARNING: $O_WARN**"
    [ -n "$BLAS_WARN" ] && echo "- **WARNING: $BLAS_WARN**"
    order=""; for sd in $SIDES; do order="$order$(side_name $sd), "; done
    echo "- $REPS repetitions per experiment, interleaved $order…;" \
         "images/s shown as median (min–max); ratio = median $A_NAME / median $B_NAME"
    [ "$R_CMD" != none ] && echo "- $R_NAME: \`--kernels reference\`, the plain loops of models/reference/ on one thread" \
         "(training only); ×$R_NAME = median $A_NAME / median $R_NAME, what the fast kernels buy;" \
         "s/epoch = the experiment's training images / median $R_NAME img/s"
    [ -n "$C_CMD" ] && echo "- $C_NAME: \`${C_CMD}\`, timed in the same interleaved run"
    echo "- Each experiment starts when other processes use at most $MAXBG% of the CPU (waiting up to" \
         "${QUIET_WAIT}s); a run during which they used more was redone (at most $RETRIES times);" \
         "the last column shows the worst that remained"
    echo "- GFLOP/s counts the convolution and dense layers' multiply-adds as 2 FLOP, a training step" \
         "as 3 forward passes; % is of the FMA peak above"
    echo
    echo "### Training"
    echo
    hc=""; sc=""; hr=""; sr=""
    [ -n "$C_CMD" ] && hc=" $C_NAME img/s | $C_NAME ratio |" && sc="---:|---:|"
    [ "$R_CMD" != none ] && hr=" $R_NAME img/s | ×$R_NAME | $R_NAME s/epoch |" && sr="---:|---:|---:|"
    echo "| experiment | batch | batches | MFLOP/img | $A_NAME img/s | $B_NAME img/s | ratio | target |$hb$hc$hr $A_NAME GFLOP/s (% peak) | $B_NAME GFLOP/s (% peak) | others' CPU, max |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|$sb$sc$sr---:|---:|---:|"
    for exp in $EXPS; do
        read -r am alo ahi <<<"$(stats "$exp" A 5)"
        read -r bm blo bhi _ <<<"$(torch_best "$exp" 5)"
        mf=$(first "$exp" 9); mf=${mf:-$(default_mflop "$exp")}
        b=$(first "$exp" 8); b=${b:-$(default_batch "$exp")}
        nb=$(awk -F '\t' -v e="$exp" 'NR > 1 && $1 == e { print $4; exit }' "$RAW")
        r=$(ratio "$am" "$bm"); t=$(target "$exp")
        met=$(target_met "$r" "$t")
        bgmax=$(awk -F '\t' -v e="$exp" 'NR > 1 && $1 == e && $11 != "" && $11 + 0 > m { m = $11 + 0 }
                    END { print m + 0 }' "$RAW")
        cc=""; rc=""
        if [ -n "$C_CMD" ]; then
            read -r cm clo chi <<<"$(stats "$exp" C 5)"
            cc=" $(fmt_ips "$cm" "$clo" "$chi") | $(ratio "$cm" "$bm") |"
        fi
        if [ "$R_CMD" != none ]; then
            read -r rm rlo rhi <<<"$(stats "$exp" R 5)"
            nimg=$(awk -F '\t' -v e="$exp" 'NR > 1 && $1 == e && $2 == "R" && $12 != "" { print $12; exit }' "$RAW")
            spe=$(awk -v n="${nimg:-0}" -v r="$rm" 'BEGIN { if (r == "NA" || r == 0 || n == 0) print "NA"; else printf "%.1f", n / r }')
            rc=" $(fmt_ips "$rm" "$rlo" "$rhi") | $(ratio "$am" "$rm") | $spe |"
        fi
        echo "| $exp | $b | $nb | $mf | $(fmt_ips "$am" "$alo" "$ahi") | $(fmt_ips "$bm" "$blo" "$bhi") | **$r** | $met |$(both_blas "$exp" 5)$cc$rc $(gflops "$am" "$mf") | $(gflops "$bm" "$mf") | $bgmax% |"
    done
    echo
    echo "### Inference (an evaluation of the test set: loss and predictions, in batches of the training batch size on both sides)"
    echo
    echo "| experiment | MFLOP/img | $A_NAME img/s | $B_NAME img/s | ratio | target |$hb$hc $A_NAME GFLOP/s (% peak) | $B_NAME GFLOP/s (% peak) | $A_NAME peak RSS MB | $B_NAME peak RSS MB |"
    echo "|---|---:|---:|---:|---:|---:|$sb$sc---:|---:|---:|---:|"
    for exp in $EXPS; do
        read -r am alo ahi <<<"$(stats "$exp" A 6)"
        read -r bm blo bhi bside <<<"$(torch_best "$exp" 6)"
        mf=$(first "$exp" 10)
        [ -z "$mf" ] && mf=$(awk -v f="$(default_mflop "$exp")" 'BEGIN { printf "%.3f", f / 3 }')
        read -r ar _ _ <<<"$(stats "$exp" A 7)"
        read -r br _ _ <<<"$(stats "$exp" "$bside" 7)"
        cc=""
        if [ -n "$C_CMD" ]; then
            read -r cm clo chi <<<"$(stats "$exp" C 6)"
            cc=" $(fmt_ips "$cm" "$clo" "$chi") | $(ratio "$cm" "$bm") |"
        fi
        r=$(ratio "$am" "$bm")
        echo "| $exp | $mf | $(fmt_ips "$am" "$alo" "$ahi") | $(fmt_ips "$bm" "$blo" "$bhi") | **$r** | $(target_met "$r" "$(inference_target)") |$(both_blas "$exp" 6)$cc $(gflops "$am" "$mf") | $(gflops "$bm" "$mf") | $ar | $br |"
    done
    if [ "$PROFILE" = 1 ] && [ "$A_CMD" = "$DEFAULT_A" ]; then
        echo
        echo "### Where the training step goes: each layer's share of the step and of the FMA peak"
        echo
        echo "\`bin/mnistlab train experiments/EXP.conf --profile\` on a subset ($PROFILE_SUBSET images, one epoch) on $THREADS thread(s):" \
             "milliseconds per batch of thread 0 (the layer's wall time), the layer's useful FLOP/s (forward; backward: the" \
             "weight gradient and, but for the first layer, the input gradient) and their % of the FMA peak above. Layers" \
             "without products (pooling, ReLU, flatten), the loss and the optimizer move memory: no GFLOP/s. The profile's" \
             "timers cost a little; its total is close to, not equal to, the step the table above times."
        echo
        echo "| experiment | layer | spec | train fwd ms | backward ms | share of step | train GFLOP/s | % of peak | eval GFLOP/s | % of peak |"
        echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
        for exp in $EXPS; do
            f=$RAW_DIR/profile-$exp-${THREADS}t.txt
            [ -s "$f" ] || { echo "| $exp | (profile failed: see \`$LOG\`) | | | | | | | | |"; continue; }
            awk -v e="$exp" -v p="$PEAK" '
                function pct(g) { return (g == "-" || p + 0 <= 0) ? "–" : sprintf("%.1f%%", 100 * g / p) }
                function gf(g) { return g == "-" ? "–" : sprintf("%.1f", g) }
                /^profile:/ || /^layer / { next }
                /^total/ { printf "| %s | **total** | training step | %s ms | (eval %s ms) | 100%% | %s | %s | %s | %s |\n", e, $4, $5, gf($6), pct($6), gf($8), pct($8); next }
                {   # name, spec (several words), train fwd, backward, share, eval fwd, 4 rate fields
                    n = NF; if (index($0, "(in the layer above)") || index($0, "(in dense layers)")) next
                    spec = $2; for (i = 3; i <= n - 8; i++) spec = spec " " $i
                    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", e, $1, spec, $(n - 7), $(n - 6), $(n - 5), gf($(n - 3)), pct($(n - 3)), gf($(n - 1)), pct($(n - 1))
                }' "$f"
        done
    fi
    echo
    echo "Raw runs: \`$RAW\`; commands and their output: \`$LOG\`."
} >"$TABLE.tmp" && mv "$TABLE.tmp" "$TABLE" || exit 1

# $OUT: every thread count measured so far, the most threads first.
{
    echo "# Training and inference speed: $A_NAME vs $B_NAME"
    echo
    echo "Written by \`make bench\` (2 threads) and \`make bench THREADS=1\` (bench/run_bench.sh);"
    echo "targets from issue 26. Each section below is one run of the driver."
    for f in $(ls "$RAW_DIR"/BENCH-*t.md | sort -t- -k2 -rn); do
        echo
        cat "$f"
    done
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
echo "wrote $TABLE and $OUT" >&2
