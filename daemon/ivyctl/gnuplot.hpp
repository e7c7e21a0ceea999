#pragma once
// run_gnuplot: draws a picture by running gnuplot (Debian package
// gnuplot-nox) as a child process on a script. ivyctl draws nothing itself.
//
// Everything happens in a private temporary directory (mkdtemp): the script
// gnuplot reads, its stderr (files, so no pipe can fill up and block either
// side), and the picture, which gnuplot writes there under a name of ours
// (the user's path never goes into the script) and which is moved to
// `output` only once gnuplot succeeded: a failure leaves no half picture and
// never touches an existing file. The directory is removed before
// returning. The call blocks until gnuplot exits.
//
// Failures, as values: gnuplot not found or not executable (with the package
// to install), killed by a signal, or exiting non-zero (with the end of its
// messages); a clean exit without a picture; `output` not writable.

#include <functional>
#include <string>

#include "core/result.hpp"

namespace ivy::ctl {

// The script that draws into `picture`.
using GnuplotScriptFor = std::function<std::string(const std::string& picture)>;

// `gnuplot` is a path, or a name looked up in PATH ("gnuplot").
Status run_gnuplot(const std::string& gnuplot, const GnuplotScriptFor& script,
                   const std::string& output);

}  // namespace ivy::ctl
