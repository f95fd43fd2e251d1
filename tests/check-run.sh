#!/bin/sh
# check-run.sh LOG COMMAND...: run a test runner, its output shown and
# kept in LOG.  Fails if the runner fails, or if the output shows a
# sanitizer report or a test whose setup or teardown failed: Criterion
# 2.4.1 counts the latter as passing, and a report found by the helpers
# in a .fini teardown (vaktd's leak check at exit) ends up there.
set -u
log=$1
shift
{ "$@" 2>&1; echo $? >"$log.rc"; } | tee "$log"
rc=$(cat "$log.rc")
rm -f "$log.rc"
if grep -E -n 'ERROR: [A-Za-z]+Sanitizer|: runtime error: |sanitizer report:|crashed during its setup or teardown' "$log" >&2; then
	echo "check-run: $1: a sanitizer report or a failed setup/teardown (above)" >&2
	exit 1
fi
exit "$rc"
