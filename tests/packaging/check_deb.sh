#!/bin/sh
# Builds the Debian package from the build tree (CPack) and checks what it
# holds: binaries, unit, sysusers/tmpfiles, the conffile, man pages,
# copyright, and Depends on the shared libraries; runs lintian when present.
# Usage: check_deb.sh BUILD_DIR. Exit 77 (skipped) without dpkg-deb/dpkg-shlibdeps.
set -eu
build=$1
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v $tool >/dev/null 2>&1 || { echo "$tool not found: skipped"; exit 77; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$build" && cpack -G DEB -B "$tmp" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/ivyd_*.deb)
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/ivyd ./usr/bin/ivyctl ./usr/lib/systemd/system/ivyd.service \
            ./usr/lib/sysusers.d/ivyd.conf ./usr/lib/tmpfiles.d/ivyd.conf ./etc/ivyd/ivyd.json \
            ./usr/share/man/man8/ivyd.8.gz ./usr/share/man/man1/ivyctl.1.gz \
            ./usr/share/doc/ivyd/copyright ./usr/share/doc/ivyd/changelog.Debian.gz \
            ./usr/share/doc/ivyd/examples/grafana-dashboard.json; do
  echo "$contents" | grep -q " $path\$" || { echo "missing from the package: $path"; echo "$contents"; exit 1; }
done
dpkg-deb -f "$deb" Depends | grep -q libhyperscan || { echo "Depends lacks libhyperscan"; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q libprometheus-cpp-pull || { echo "Depends lacks libprometheus-cpp-pull"; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q libmosquitto1 || { echo "Depends lacks libmosquitto1"; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q libpq5 || { echo "Depends lacks libpq5"; exit 1; }
dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -q conffiles || { echo "no conffiles"; exit 1; }
if command -v lintian >/dev/null 2>&1; then
  lintian --fail-on error "$deb"
fi
echo "package OK: $(basename "$deb")"
