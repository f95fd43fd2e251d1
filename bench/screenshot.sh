#!/bin/sh
# bench/screenshot.sh BUILD OUT.png [OUT.pdf]: the HTML report in a real
# browser, for the README (issue 6).
#
# Generates a small contact log with bench/gen_log (SHOT_CONTACTS,
# default 20,000 contacts over 2026; 8 coordinators and 40 youths of
# service "due", the first of them the people of config/demo.csv) in a
# temporary folder, renders
#   vaktctl -c CONF report --period SHOT_PERIOD --by month --format html
# (SHOT_PERIOD default 2026-T2, a whole tertial) to a file, and has
# headless Chromium take a screenshot of it, SHOT_SIZE (1040,2300: the
# page's 980 px column and all of it) CSS pixels at SHOT_SCALE (1).
# With OUT.pdf, also prints the page to PDF as a leader would (A4, the
# page's own print styles).
#
# Chromium is Debian's `chromium` (make bench-deps).  Exit 69 if it is
# missing, 1 if a step fails.  BENCH_KEEP=1 keeps the temporary folder
# (the database and report.html are in it); BENCH_SEED is gen_log's.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: bench/screenshot.sh BUILD OUT.png [OUT.pdf]" >&2
	exit 64
fi
BUILD=$1
OUT=$2
PDF=${3:-}
PERIOD=${SHOT_PERIOD:-2026-T2}
SIZE=${SHOT_SIZE:-1040,2300}
SCALE=${SHOT_SCALE:-1}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

abspath() { # a path that need not exist yet
	case $1 in
	/*) echo "$1" ;;
	*) echo "$(pwd)/$1" ;;
	esac
}
OUT=$(abspath "$OUT")
[ -z "$PDF" ] || PDF=$(abspath "$PDF")

cd "$(dirname "$0")/.."
${MAKE:-make} -s BUILD="$BUILD" all "$BUILD/bench/gen_log"
[ -x "$CHROMIUM" ] || {
	echo "screenshot: $CHROMIUM is missing (make bench-deps)" >&2
	exit 69
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vakt-shot.XXXXXX")
cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "screenshot: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sed -e 's|^database = .*|database = "vakt.db";|' config/vakt.conf \
    >"$tmp/vakt.conf"
"$BUILD/bench/gen_log" -n "${SHOT_CONTACTS:-20000}" -f 2026-01-01 \
    -t 2026-12-31 -k 8 -y 40 "$tmp/vakt.conf" "$tmp/vakt.db"
"$BUILD/vaktctl" -c "$tmp/vakt.conf" report --period "$PERIOD" --by month \
    --format html --out "$tmp/report.html"
echo "screenshot: $tmp/report.html, $(wc -c <"$tmp/report.html") bytes"

# A fresh profile each time, and nothing that reaches the network.
browse() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$tmp/profile" --hide-scrollbars "$@" \
	    "file://$tmp/report.html" >"$tmp/chromium.log" 2>&1 || {
		cat "$tmp/chromium.log" >&2
		echo "screenshot: chromium failed" >&2
		exit 1
	}
}
mkdir -p "$(dirname "$OUT")"
browse --window-size="$SIZE" --force-device-scale-factor="$SCALE" \
    --screenshot="$OUT"
[ -s "$OUT" ] || {
	echo "screenshot: chromium wrote no $OUT" >&2
	exit 1
}
echo "screenshot: $OUT ($(wc -c <"$OUT") bytes, window $SIZE at ${SCALE}x)"
if [ -n "$PDF" ]; then
	mkdir -p "$(dirname "$PDF")"
	browse --no-pdf-header-footer --print-to-pdf="$PDF"
	[ -s "$PDF" ] || {
		echo "screenshot: chromium wrote no $PDF" >&2
		exit 1
	}
	echo "screenshot: $PDF ($(wc -c <"$PDF") bytes)"
fi
