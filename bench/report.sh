#!/bin/sh
# bench/report.sh BUILD: the report benchmark of issue 6.
#
# Generates a contact log of BENCH_CONTACTS (1,000,000) contacts over
# 2025-01-01..2026-12-31 with bench/gen_log (50 coordinators, 200
# youths, service "due" of config/vakt.conf) in a temporary folder, then
# times three reports over it:
#   vaktctl -c CONF report --by coordinator --period 2026-T3 --format json --out /dev/null
#   vaktctl -c CONF report --by coordinator --period 2026    --format json --out /dev/null
#   vaktctl -c CONF report --by coordinator --period 2026    --format html --out /dev/null
# Each period is first reported once (which warms the page cache) and
# checked: its offered calls + SMS received must equal the contacts
# SQLite counts in the period.  Then each command runs BENCH_RUNS (5)
# times: with hyperfine when it is installed (and BENCH_HYPERFINE is
# not 0; it adds a warm-up run), otherwise with date +%s%N.
# Prints the median wall time of each in ms against the target of
# issue 6 (under 1000 ms), and the machine.
#
# Knobs (environment): BENCH_CONTACTS, BENCH_RUNS, BENCH_HYPERFINE=0,
# BENCH_SEED (gen_log's), BENCH_KEEP=1 keeps the temporary folder,
# TMPDIR (the database goes there, about 0.4 GB per million contacts).
# Exit 1 if a report fails or its figures do not match the database;
# a missed target is reported, not failed.
set -eu

BUILD=${1:-build}
RUNS=${BENCH_RUNS:-5}
CONTACTS=${BENCH_CONTACTS:-1000000}
TARGET_MS=1000

cd "$(dirname "$0")/.."
${MAKE:-make} -s BUILD="$BUILD" all "$BUILD/bench/gen_log"
for tool in sqlite3 python3; do
	command -v $tool >/dev/null || {
		echo "report bench: $tool is missing (make deps)" >&2
		exit 69
	}
done
use_hf=0
if [ "${BENCH_HYPERFINE:-1}" != 0 ] && command -v hyperfine >/dev/null; then
	use_hf=1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vakt-report.XXXXXX")
cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "report bench: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
failed=0
fail() {
	echo "report bench: FAILED: $*" >&2
	failed=1
}
# "median min max" of numbers, one a line.
stats() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }'; }

# The example configuration as it is, with the database in $tmp.
sed -e 's|^database = .*|database = "vakt.db";|' config/vakt.conf \
    >"$tmp/vakt.conf"
echo "== gen_log: $CONTACTS contacts, 2025-01-01..2026-12-31"
"$BUILD/bench/gen_log" -n "$CONTACTS" "$tmp/vakt.conf" "$tmp/vakt.db" |
    tee "$tmp/gen.out"
seed=$(sed -n 's/^gen_log: seed \([0-9a-fx]*\).*/\1/p' "$tmp/gen.out")
echo "database: $(du -m "$tmp/vakt.db" | cut -f1) MB," \
    "$(sqlite3 "$tmp/vakt.db" 'SELECT count(*) FROM contacts') contacts," \
    "$(sqlite3 "$tmp/vakt.db" 'SELECT count(*) FROM legs') legs"
VAKTCTL=$(cd "$BUILD" && pwd)/vaktctl

# Contacts received in [from, to + 1 day) local time, as the report
# reads them.  SQLite's 'utc' modifier converts under TZ.
count_period() { # from to
	TZ=Europe/Oslo sqlite3 "$tmp/vakt.db" "SELECT count(*) FROM contacts
	    WHERE received_ms >= unixepoch('$1', 'utc') * 1000
	    AND received_ms < unixepoch('$2', '+1 day', 'utc') * 1000"
}

# The warm-up run, checked against the database.
check() { # period from to
	"$VAKTCTL" -c "$tmp/vakt.conf" report --by coordinator --period "$1" \
	    --format json --out "$tmp/check.json" || {
		fail "report --period $1 failed"
		return
	}
	got=$(python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))["total"]
print(t["offered"] + t["sms_received"])' "$tmp/check.json")
	want=$(count_period "$2" "$3")
	if [ "$got" = "$want" ]; then
		echo "check $1: offered + SMS = $got = contacts in the period"
	else
		fail "report --period $1 counts $got contacts, the database $want"
	fi
}

# "median min max" ms of RUNS runs of the report (args: period format).
time_runs() {
	if [ "$use_hf" = 1 ]; then
		hyperfine -N --style none --warmup 1 --runs "$RUNS" \
		    --export-csv "$tmp/hf.csv" \
		    "$VAKTCTL -c $tmp/vakt.conf report --by coordinator --period $1 --format $2 --out /dev/null" \
		    >/dev/null 2>&1 || {
			fail "hyperfine --period $1 --format $2"
			echo "?"
			return
		}
		awk -F, 'NR == 2 { printf "%.0f %.0f %.0f\n", $4 * 1000,
		    $7 * 1000, $8 * 1000 }' "$tmp/hf.csv"
		return
	fi
	: >"$tmp/runs"
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		"$VAKTCTL" -c "$tmp/vakt.conf" report --by coordinator \
		    --period "$1" --format "$2" --out /dev/null || {
			fail "report --period $1 --format $2"
			echo "?"
			return
		}
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000)) >>"$tmp/runs"
	done
	stats <"$tmp/runs"
}

# "N ms (min..max; target < 1000: met)" from "median min max".
show() {
	# shellcheck disable=SC2086 # split "median min max" on purpose
	set -- $1
	case $1 in
	'?') echo "? ms (FAILED)" ;;
	*) if [ "$1" -lt "$TARGET_MS" ]; then v=met; else v=MISSED; fi
	   echo "$1 ms  (runs $2..$3 ms; target < $TARGET_MS: $v)" ;;
	esac
}

check 2026-T3 2026-09-01 2026-12-31
check 2026 2026-01-01 2026-12-31
tool="date +%s%N, $RUNS runs, after one warm-up"
[ "$use_hf" = 1 ] && tool="hyperfine -N --warmup 1 --runs $RUNS"
echo "== timing ($tool)"
t3=$(time_runs 2026-T3 json)
year=$(time_runs 2026 json)
html=$(time_runs 2026 html)
# time_runs ran in subshells: a failure there shows as "?".
case "$t3 $year $html" in *'?'*) failed=1 ;; esac
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

cat <<EOF

== summary (median wall time of \`vaktctl report --by coordinator\`)
machine:               $(nproc) cores, ${cpu:-unknown CPU}, $(uname -sr), SQLite $(sqlite3 --version | cut -d' ' -f1)
log:                   $CONTACTS contacts over 2025-2026 (gen_log, seed ${seed:-?})
tertial 2026-T3 json:  $(show "$t3")
year 2026 json:        $(show "$year")
year 2026 html:        $(show "$html")
EOF
if [ "$failed" != 0 ]; then
	echo "report bench: some checks FAILED (see above)"
	exit 1
fi
echo "report bench: all checks passed"
