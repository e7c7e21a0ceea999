#pragma once
// run_gnuplot: draws a picture by running gnuplot (Debian package
// gnuplot-nox) as a child process on a script. ivyctl draws nothing itself.
//
// The script goes to a private temporary file (mkdtemp) that gnuplot reads,
// and gnuplot's stderr to another, so no pipe can fill up and block either
// side; both are removed before returning. The call blocks until gnuplot
// exits.
//
// Failures, as values: gnuplot not found or not executable (with the package
// to install), killed by a signal, or exiting non-zero (with the end of its
// messages); also a clean exit that left `output` missing or empty.

#include <string>

#include "core/result.hpp"

namespace ivy::ctl {

// `gnuplot` is a path, or a name looked up in PATH ("gnuplot").
Status run_gnuplot(const std::string& gnuplot, const std::string& script, const std::string& output);

}  // namespace ivy::ctl
