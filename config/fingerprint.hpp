#pragma once
// Certificate fingerprints as the config writes them (`link.tls.peer_fingerprints`):
// the SHA-256 digest of a certificate's DER encoding, in hex, with or without
// ':' between the bytes, either case, and optionally prefixed with "sha256:"
// or "SHA256 Fingerprint=" (what `openssl x509 -noout -fingerprint -sha256`
// prints, so it can be pasted as is):
//
//   parse_fingerprint("AB:CD:...:EF")        // 32 bytes
//   parse_fingerprint("abcd...ef")           // the same 32 bytes
//   parse_fingerprint("ab:cd")               // error "... 2 bytes, a SHA-256 fingerprint has 32"
//
// Pure; error messages start with the quoted text, ready for a ConfigProblem.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ivy::config {

using Fingerprint = std::array<std::uint8_t, 32>;

Result<Fingerprint> parse_fingerprint(std::string_view text);

// "AB:CD:...": upper-case hex bytes joined by ':' (openssl's spelling).
std::string to_string(const Fingerprint& fingerprint);

}  // namespace ivy::config
