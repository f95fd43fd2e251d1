#!/bin/sh
# bench/run.sh BUILD: the benchmarks of issues 3 and 4 (`make bench`).
#
#  1. bench_core: decisions/s of the pure routing core;
#  2. bench_lookup: decisions/s of look-up + plan against SQLite;
#  3. POST /twilio/voice under wrk: a real vaktd on a temporary config
#     and database holding the 10,000-youth directory (vaktctl import),
#     BENCH_RUNS runs of wrk with distinct pre-signed calls, then the
#     checks that every 200 has its contact row, and vaktd's peak RSS;
#  4. bench/report.sh: vaktctl report over 1,000,000 contacts.
#
# Prints each bench's own lines, then a summary with the medians.
# Exits 1 if a check fails (a plan, a refused request, a 200 without its
# committed contact); missed targets are reported, not failed.
#
# Knobs (environment): BENCH_PARTS ("core lookup voice report"), BENCH_RUNS
# (3), BENCH_DURATION (10s), BENCH_THREADS (2), BENCH_CONNECTIONS (64),
# BENCH_REQUESTS per run (300000), BENCH_KEEP=1 keeps the temporary
# folder, TMPDIR (the database goes there: keep it on a real disk, or
# fsync costs nothing).
set -eu

BUILD=${1:-build}
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
NREQ=${BENCH_REQUESTS:-300000}
PARTS=${BENCH_PARTS:-core lookup voice report}
TOKEN=bench-token-0123456789abcdef0123456789
PUBLIC=https://vakt.example.no
SERVICE=+4755000000

cd "$(dirname "$0")/.."
${MAKE:-make} -s BUILD="$BUILD" all "$BUILD/bench/bench_core" \
    "$BUILD/bench/bench_lookup" "$BUILD/bench/gen_voice"
for tool in wrk sqlite3 curl; do
	command -v $tool >/dev/null || {
		echo "bench: $tool is missing (make bench-deps / make deps)" >&2
		exit 69
	}
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vakt-bench.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || :
		wait "$pid" 2>/dev/null || :
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# fsync on tmpfs costs nothing: the figures would flatter group commit.
fstype=$(stat -f -c %T "$tmp")
case $fstype in
tmpfs | ramfs)
	echo "bench: warning: $tmp is on $fstype; set TMPDIR to a real disk" >&2
	;;
esac
failed=0
fail() {
	echo "bench: FAILED: $*" >&2
	failed=1
}
has() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ---- 1 and 2: the routing core, then look-up + plan --------------------
: >"$tmp/core.out"
: >"$tmp/lookup.out"
if has core; then
	echo "== bench_core: $BUILD/bench/bench_core"
	"$BUILD/bench/bench_core" >"$tmp/core.out" || fail bench_core
	cat "$tmp/core.out"
fi
if has lookup; then
	echo "== bench_lookup: $BUILD/bench/bench_lookup config/vakt.conf"
	TMPDIR=$tmp "$BUILD/bench/bench_lookup" config/vakt.conf \
	    >"$tmp/lookup.out" || fail bench_lookup
	cat "$tmp/lookup.out"
fi
if ! has voice; then
	[ "$failed" = 0 ] || exit 1
	exit 0
fi

# ---- 3: vaktd under wrk --------------------------------------------------
cat >"$tmp/vakt.conf" <<EOF
timezone = "Europe/Oslo";
database = "vakt.db";
http = {
  listen = "127.0.0.1";
  port = 0;
  public_url = "$PUBLIC";
  max_connections = 512;
  max_connections_per_peer = 512; # wrk: 64 connections, one address
};
twilio = {
  account_sid = "AC0123456789abcdef0123456789abcdef";
  auth_token = "$TOKEN";
  api_url = "http://127.0.0.1:9";
};
services = (
  {
    id = "due";
    name = "DUE";
    number = "$SERVICE";
    beredskap = "+4790000000";
    fallback = "+4755555555";
  }
);
EOF
ctl() { "$BUILD/vaktctl" -c "$tmp/vakt.conf" "$@"; }
"$BUILD/bench/gen_voice" csv >"$tmp/directory.csv"
ctl import "$tmp/directory.csv"
"$BUILD/bench/gen_voice" absences | while read -r cid from to sub; do
	ctl absence add "$cid" --from "$from" --to "$to" \
	    ${sub:+--substitute "$sub"} >/dev/null
done
echo "absences: $(sqlite3 "$tmp/vakt.db" 'SELECT count(*) FROM absences')"

# vaktd logs one info line per request; they go to a file (as they would
# to journald), which also tells the port it picked.
"$BUILD/vaktd" -c "$tmp/vakt.conf" 2>"$tmp/vaktd.log" &
pid=$!
port=
for _ in $(seq 100); do
	port=$(sed -n 's/.*vaktd: listening .*port=\([0-9]*\).*/\1/p' \
	    "$tmp/vaktd.log")
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$port" ]; then
	cat "$tmp/vaktd.log" >&2
	echo "bench: vaktd did not start" >&2
	exit 1
fi
url=http://127.0.0.1:$port
echo "vaktd: pid $pid at $url, log $tmp/vaktd.log"

# CPU seconds: vaktd's (utime + stime), this shell's finished children
# (wrk), the whole machine's; and the wall clock.  They tell whether
# something else was loading the machine during a run.
hz=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$hz" '{ print ($14 + $15) / hz }' "/proc/$pid/stat"; }
# Call `times >"$tmp/times"` first, in this shell (not in a subshell).
child_s() {
	awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
	    print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$tmp/times"
}
machine_s() {
	awk -v hz="$hz" '$1 == "cpu" { print ($2 + $3 + $4 + $7 + $8 + $9) / hz }' \
	    /proc/stat
}
: >"$tmp/wrk.lines"
: >"$tmp/cpu.lines"
for run in $(seq "$RUNS"); do
	req=$tmp/requests.txt
	"$BUILD/bench/gen_voice" requests "$NREQ" "$PUBLIC" "$TOKEN" \
	    "$SERVICE" "$run" >"$req"
	cmd="wrk -t$THREADS -c$CONNS -d$DURATION --latency -s bench/voice.lua"
	cmd="$cmd $url/twilio/voice -- $req $THREADS"
	echo "== wrk run $run/$RUNS ($NREQ calls, seed $run): $cmd"
	times >"$tmp/times"
	c0=$(cpu_s) k0=$(child_s) m0=$(machine_s) t0=$(date +%s.%N)
	$cmd | tee "$tmp/wrk.$run.out"
	times >"$tmp/times"
	c1=$(cpu_s) k1=$(child_s) m1=$(machine_s) t1=$(date +%s.%N)
	# vaktd's busy cores over wrk's own span (requests / rate); the
	# others over the whole command (wrk loads its requests first).
	sed -n 's/^voice.lua: requests=\([0-9]*\) .* rps=\([0-9]*\) .*/\1 \2/p' \
	    "$tmp/wrk.$run.out" | awk -v c0="$c0" -v c1="$c1" -v k0="$k0" \
	    -v k1="$k1" -v m0="$m0" -v m1="$m1" -v t0="$t0" -v t1="$t1" '{
		c = c1 - c0; k = k1 - k0; m = m1 - m0; w = t1 - t0
		t = $2 > 0 ? $1 / $2 : 0
		busy = t > 0 ? c / t : 0
		printf("vaktd: %.2f cores busy (%.2f CPU s in %.2f s); " \
		    "in %.1f s wall: wrk %.2f cores, rest of the machine %.2f\n",
		    busy, c, t, w, k / w, (m - c - k) / w)
	    }' | tee -a "$tmp/cpu.lines"
	grep '^voice.lua: requests=' "$tmp/wrk.$run.out" >>"$tmp/wrk.lines" ||
	    fail "wrk run $run printed no summary"
	rm -f "$req"
done

metrics=$(curl -sf "$url/metrics") || fail "GET /metrics"
ok200=$(printf '%s\n' "$metrics" |
    sed -n 's/^vakt_http_requests_total{path="\/twilio\/voice",code="200"} //p')
errors=$(printf '%s\n' "$metrics" |
    sed -n 's/^vakt_store_errors_total //p')
failsafe=$(printf '%s\n' "$metrics" |
    sed -n 's/^vakt_failsafe_plans_total //p')
hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "vaktd exited $rc after SIGTERM"
contacts=$(sqlite3 "$tmp/vakt.db" 'SELECT count(*) FROM contacts')
legs=$(sqlite3 "$tmp/vakt.db" 'SELECT count(*) FROM legs')

# ---- checks and summary --------------------------------------------------
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$tmp/wrk.lines"; }
sum() { field "$1" | awk '{ s += $1 } END { print s + 0 }'; }
wrk_total=$(sum requests)
[ "$(sum non2xx)" = 0 ] || fail "$(sum non2xx) responses were not 2xx"
[ "$(sum errors)" = 0 ] || fail "wrk saw $(sum errors) socket errors"
[ "$(sum wrapped)" = 0 ] ||
    fail "requests ran out and wrapped (raise BENCH_REQUESTS)"
[ "${ok200:-x}" = "$contacts" ] ||
    fail "vaktd answered ${ok200:-?} calls with 200 but $contacts contacts are in the database"
[ "$contacts" = "$legs" ] || fail "$contacts contacts but $legs legs"
[ "${errors:-x}" = 0 ] || fail "vakt_store_errors_total ${errors:-?}"
[ "${failsafe:-x}" = 0 ] || fail "vakt_failsafe_plans_total ${failsafe:-?}"
# wrk stops with up to CONNS requests answered but not counted.
if [ "$wrk_total" -gt "${ok200:-0}" ] ||
    [ "${ok200:-0}" -gt $((wrk_total + CONNS * RUNS)) ]; then
	fail "wrk counted $wrk_total responses, vaktd ${ok200:-?}"
fi

core=$(sed -n 's/^core: decisions\/s median=\([0-9]*\).*/\1/p' \
    "$tmp/core.out")
lookup=$(sed -n 's/^lookup+plan: decisions\/s median=\([0-9]*\).*/\1/p' \
    "$tmp/lookup.out")
rps=$(field rps | median)
p50=$(field p50_ms | median)
p99=$(field p99_ms | median)
cores=$(sed -n 's/^vaktd: \([0-9.]*\) cores.*/\1/p' "$tmp/cpu.lines" | median)
cpu_us=$(sed -n 's/.*(\([0-9.]*\) CPU s.*/\1/p' "$tmp/cpu.lines" |
    awk -v n="${ok200:-0}" '{ s += $1 }
    END { if (n > 0) printf "%.0f", s / n * 1e6; else print "?" }')
hwm_mb=$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f", k / 1024 }')
verdict() { # value op target
	if awk -v v="$1" -v t="$3" "BEGIN { exit !(v $2 t) }"; then
		echo met
	else
		echo MISSED
	fi
}
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

cat <<EOF

== summary (medians; wrk -t$THREADS -c$CONNS -d$DURATION --latency, $RUNS runs)
machine:             $(nproc) cores, ${cpu:-unknown CPU}, $(uname -sr)
EOF
if has core; then
	echo "core decisions/s:    ${core:-?}  (target >= 1000000:" \
	    "$(verdict "${core:-0}" '>=' 1000000))"
fi
if has lookup; then
	echo "lookup+plan /s:      ${lookup:-?}  (target >= 50000:" \
	    "$(verdict "${lookup:-0}" '>=' 50000))"
fi
cat <<EOF
voice requests/s:    $rps  (runs: $(field rps | xargs); target >= 10000: $(verdict "$rps" '>=' 10000))
voice latency p50:   $p50 ms  (runs: $(field p50_ms | xargs))
voice latency p99:   $p99 ms  (runs: $(field p99_ms | xargs); target < 15: $(verdict "$p99" '<' 15))
vaktd CPU:           $cpu_us us per call, $cores cores busy while loaded
other load:          $(sed -n 's/.*rest of the machine \([0-9.-]*\).*/\1/p' "$tmp/cpu.lines" | xargs) cores besides vaktd and wrk (other processes, interrupts)
vaktd peak RSS:      $hwm_mb MB  (VmHWM $hwm_kb kB; target < 20: $(verdict "$hwm_mb" '<' 20))
durability:          $contacts contacts = ${ok200:-?} answers 200 (wrk counted $wrk_total), synchronous=FULL, database on $fstype
EOF
if has report; then
	echo
	sh bench/report.sh "$BUILD" || failed=1
fi
if [ "$failed" != 0 ]; then
	echo "bench: some checks FAILED (see above)"
	exit 1
fi
echo "bench: all checks passed"
