#!/bin/sh
# Installs every Debian 12 package needed to build, run and test ivyd.
# Idempotent: safe to run again; apt-get only installs what is missing.
# Must run as root (or through sudo) on Debian 12 (bookworm).
set -eu

if [ "$(id -u)" -ne 0 ]; then
  echo "install-build-deps.sh: must run as root (try: sudo $0)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  ca-certificates cmake g++ make pkg-config \
  libboost-dev libboost-program-options-dev libboost-system-dev \
  libhyperscan-dev libpcre2-dev \
  libsqlite3-dev sqlite3 \
  nlohmann-json3-dev \
  libgtest-dev libgmock-dev libbenchmark-dev \
  libsystemd-dev \
  libssl-dev openssl \
  libpq-dev postgresql \
  libmosquitto-dev mosquitto mosquitto-clients \
  prometheus-cpp-dev \
  gnuplot-nox \
  faketime \
  dpkg-dev file python3 procps >/dev/null
echo "install-build-deps.sh: build dependencies are installed"
