#!/bin/sh
# tests/fuzz/run.sh SECONDS DIR TARGET...: run each libFuzzer target DIR/fuzz_TARGET for SECONDS on
# its corpus DIR/corpus/TARGET (with tests/fuzz/TARGET.dict when there is one), one at a time.
# Prints executions, executions per second and the verdict of each; a crash's input is kept as
# DIR/artifacts/TARGET-crash-* and the run exits 1.
secs=$1 dir=$2
shift 2
status=0
mkdir -p "$dir/artifacts"
printf '%-11s %8s %12s %10s  %s\n' target seconds executions "exec/s" result
for t in "$@"; do
    log="$dir/fuzz_$t.log"
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    mkdir -p "$dir/corpus/$t"
    # One thread: the kernels run on tiny models, and the machine is shared.
    MNISTLAB_THREADS=1 "$dir/fuzz_$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/$t-" $dict \
        "$dir/corpus/$t" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    if [ "$rc" -eq 0 ]; then
        result="no crash"
    else
        result="CRASH (exit $rc), log $log"
        status=1
    fi
    printf '%-11s %8s %12s %10s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "$result"
    if [ "$rc" -ne 0 ]; then
        grep -m 4 -E '^(==[0-9]+==ERROR|SUMMARY|bad refusal|canonical text|.*runtime error)' "$log" |
            sed 's/^/    /'
        grep -m 1 -E 'Test unit written to' "$log" | sed 's/^/    /'
    fi
done
exit $status
