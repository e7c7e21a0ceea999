#!/bin/sh
# Checks systemd/ivyd.service with systemd-analyze: `verify` is clean (with
# ExecStart pointed at the built binary, since the unit is not installed
# here) and `security` rates the exposure at 2.0 or less.
# Usage: check_unit.sh SOURCE_DIR BIN_DIR. Exit 77 (skipped) without systemd-analyze.
set -eu
src=$1
bin=$2
command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not found: skipped"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/bin/ivyd|$bin/ivyd|" "$src/systemd/ivyd.service" > "$tmp/ivyd.service"

if ! out=$(systemd-analyze verify --man=no "$tmp/ivyd.service" 2>&1); then
  echo "$out"
  echo "systemd-analyze verify failed"
  exit 1
fi
if [ -n "$out" ]; then
  echo "$out"
  echo "systemd-analyze verify printed warnings"
  exit 1
fi

exposure=$(systemd-analyze security --offline=yes "$tmp/ivyd.service" 2>/dev/null |
  sed -n 's/.*Overall exposure level for ivyd.service: \([0-9.]*\).*/\1/p')
echo "exposure: $exposure"
[ -n "$exposure" ] || { echo "could not read the exposure level"; exit 1; }
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || { echo "exposure $exposure is over 2.0"; exit 1; }
echo "unit OK"
