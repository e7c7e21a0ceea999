#!/bin/sh
# core/ is sans-I/O: no Asio, no SQLite, no clocks, no threads. The one
# documented exception is the Hyperscan matcher's background compile
# (core/hs_compile_worker.*), which owns the only thread.
# Usage: check_sans_io.sh SOURCE_DIR
set -eu
core=$1/core
bad=$(grep -nE '#include <(boost/asio|asio)|#include <sqlite3.h>|steady_clock|system_clock|high_resolution_clock|#include <thread>|std::thread|getenv|socket\(' \
        "$core"/*.hpp "$core"/*.cpp | grep -v "^$core/hs_compile_worker\." || true)
if [ -n "$bad" ]; then
  echo "core/ must stay sans-I/O; found:"
  echo "$bad"
  exit 1
fi
echo "core/ is sans-I/O"
