#!/usr/bin/env bash
# Runs an already built test tree (default: build/) with the wall clock 400
# days ahead, under libfaketime (Debian package faketime, installed by
# packaging/install-build-deps.sh). Every test must pass on any date: a test
# that fails here mixes a fixed date with the real clock.
#
# Only CLOCK_REALTIME moves (FAKETIME_DONT_FAKE_MONOTONIC=1). Dates live there;
# the monotonic clock has no date, and a shifted one breaks glibc's timed
# condition waits (pthread_cond_timedwait sleeps for the shift), which would
# fail every test that waits on a condition variable for reasons of
# libfaketime's, not ours.
#
# Known libfaketime limit: it rewrites absolute timerfd expiries, so an Asio
# timer armed when it has already expired sleeps until something else wakes
# the loop (ivyctl replay --wait 0 hung here; it now posts its start instead).
#
# No test is excluded.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build}"
shift || true

export FAKETIME_DONT_FAKE_MONOTONIC=1
offset='+400 days'
real_now=$(date +%s)
fake_now=$(faketime "$offset" date +%s)
if [ "$fake_now" -lt $((real_now + 399 * 86400)) ]; then
  echo "run-faketime.sh: libfaketime did not move the clock (date says $(faketime "$offset" date))" >&2
  exit 1
fi
echo "run-faketime.sh: running the tests in $build_dir at $(faketime "$offset" date -u '+%Y-%m-%d %H:%M UTC')"
faketime "$offset" ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" "$@"
