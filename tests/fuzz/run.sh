#!/bin/sh
# run.sh BUILD SECONDS: run every libFuzzer target in BUILD/fuzz for
# SECONDS each, from its seed corpus tests/fuzz/corpus/NAME (read only;
# new inputs go to BUILD/corpus/NAME, crashes to BUILD/artifacts/).
# Prints how many inputs each target executed; runs every target and
# then fails if any found something.
set -eu
build=$1
secs=$2
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp:print_suppressions=0
mkdir -p "$build/artifacts"
total=0
failed=
for bin in "$build"/fuzz/fuzz_*; do
	name=${bin##*/fuzz_}
	seeds=tests/fuzz/corpus/$name
	work=$build/corpus/$name
	log=$build/fuzz_$name.log
	mkdir -p "$work"
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" \
	    "$work" "$seeds" >"$log" 2>&1; then
		grep -E -A12 '^==[0-9]+==ERROR|runtime error|^SUMMARY' "$log" |
		    head -n 40
		echo "fuzz: $name FAILED (log $log, input in $build/artifacts/)" >&2
		failed="$failed $name"
		continue
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	total=$((total + ${runs:-0}))
	printf 'fuzz: %-12s %10s runs in %s s, no finding\n' "$name" \
	    "${runs:-?}" "$secs"
done
if [ -n "$failed" ]; then
	echo "fuzz: findings in:$failed" >&2
	exit 1
fi
echo "fuzz: $total runs in total, no finding"
