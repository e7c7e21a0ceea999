#!/usr/bin/env bash
# The sanitizer runs (README.md, "Sanitizers"; CI runs this after the tests).
#   build-asan: everything with ASan + UBSan (-DIVYD_SANITIZE=ON), whole ctest suite.
#   build-tsan: ThreadSanitizer (-DIVYD_TSAN=ON), the suites that run threads:
#               the storage tests (recorder writer thread), the matcher's
#               compile-worker tests and the metrics endpoint's (civetweb's
#               threads reading what the event loop publishes).
# Any report fails the run: UBSan does not recover, ASan and TSan exit non-zero.
# Needs the build dependencies (packaging/install-build-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

cmake -S . -B build-asan -DIVYD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DIVYD_BUILD_BENCH=OFF
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs"

cmake -S . -B build-tsan -DIVYD_TSAN=ON -DCMAKE_BUILD_TYPE=Debug -DIVYD_BUILD_BENCH=OFF
cmake --build build-tsan -j"$jobs" --target storage_tests core_tests daemon_tests
TSAN_OPTIONS=halt_on_error=1 build-tsan/bin/storage_tests
TSAN_OPTIONS=halt_on_error=1 build-tsan/bin/core_tests --gtest_filter='HyperscanMatcher*:HsDatabase*:HsCompileWorker*'
TSAN_OPTIONS=halt_on_error=1 build-tsan/bin/daemon_tests --gtest_filter='MetricsServer*'
