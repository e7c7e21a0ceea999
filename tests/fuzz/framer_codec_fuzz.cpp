// libFuzzer target: TCP bytes -> LineFramer -> decode_frame -> PeerSession,
// and every decoded frame formatted back.
//
// Input layout:
//   byte 0      framer maximum: one of kMaxima[b % 4]
//   byte 1      n = b % 8: how many split-size bytes follow
//   n bytes     chunk sizes, used in turn: 1 + b (b = 0 gives byte-by-byte)
//   rest        the stream as received from a peer
// An input shorter than the header is a stream fed in one chunk.
//
// Invariants checked (a failure aborts, and libFuzzer keeps the input):
//   - the framer returns exactly the complete lines of the stream that fit
//     the maximum, in order, and counts the others (a naive reference split);
//   - a decoded frame's payload is the bytes after the first STX; a frame
//     type is 0..10, an unknown one is not;
//   - every frame we format has exactly one LF, at the end; formatting fails
//     only for a text holding ETX or NUL; decode(format(x)) == x, and a
//     canonical frame formats back to its own bytes;
//   - PeerSession replies only a PONG, ignores everything after close, and its
//     handshake() re-read by a fresh session gives the same name and table;
//   - line_snippet is bounded and holds no control byte.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec.hpp"
#include "core/line_framer.hpp"
#include "core/peer_session.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace ivy;

constexpr std::size_t kMaxima[] = {8, 64, 4096, LineFramer::kDefaultMaxFrameBytes};

std::size_t count_lf(std::string_view s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

bool has_any(std::string_view s, std::string_view bytes) {
  return s.find_first_of(bytes) != std::string_view::npos;
}

const std::string_view kEtxNul("\x03\0", 2);

void check_formatted(std::string_view wire) {
  FUZZ_CHECK(!wire.empty() && wire.back() == '\n');
  FUZZ_CHECK(count_lf(wire) == 1);
}

// Decodes a frame we formatted and checks it carries (type, id, payload).
void check_reads_back(std::string_view wire, MsgType type, int id, std::string_view payload) {
  check_formatted(wire);
  const auto r = decode_frame(wire.substr(0, wire.size() - 1));
  FUZZ_CHECK(r.kind == DecodeResult::Kind::kFrame);
  FUZZ_CHECK(r.frame.type == type);
  FUZZ_CHECK(r.frame.id == id);
  FUZZ_CHECK(r.frame.payload == payload);
}

std::string canonical(MsgType type, int id, std::string_view payload) {
  return std::to_string(static_cast<int>(type)) + " " + std::to_string(id) + "\x02" +
         std::string(payload) + "\n";
}

// Formats a text frame back and checks the codec's promises.
void check_text_frame(const Result<std::string>& wire, MsgType type, int id,
                      std::string_view payload) {
  FUZZ_CHECK(wire.ok() == !has_any(payload, kEtxNul));
  if (!wire) return;
  FUZZ_CHECK(*wire == canonical(type, id, payload));
  check_reads_back(*wire, type, id, payload);
}

void check_reformat(const Frame& f) {
  switch (f.type) {
    case MsgType::kMsg: {
      const auto args = split_msg_args(f.payload);
      const auto wire = format_msg(f.id, args);
      FUZZ_CHECK(wire.ok() == (f.payload.find('\0') == std::string_view::npos));
      if (!wire) return;
      check_formatted(*wire);
      const auto back = decode_frame(std::string_view(*wire).substr(0, wire->size() - 1));
      FUZZ_CHECK(back.kind == DecodeResult::Kind::kFrame && back.frame.type == MsgType::kMsg);
      FUZZ_CHECK(back.frame.id == f.id);
      FUZZ_CHECK(split_msg_args(back.frame.payload) == args);
      // With its final ETX (or empty), the payload is canonical: same bytes.
      if (f.payload.empty() || f.payload.back() == kEtx)
        FUZZ_CHECK(*wire == canonical(f.type, f.id, f.payload));
      return;
    }
    case MsgType::kAddRegexp:
      return check_text_frame(format_add_regexp(f.id, f.payload), f.type, f.id, f.payload);
    case MsgType::kError:
      return check_text_frame(format_error(f.id, f.payload), f.type, f.id, f.payload);
    case MsgType::kStartRegexp:
      return check_text_frame(format_start_regexp(f.id, f.payload), f.type, f.id, f.payload);
    case MsgType::kDirectMsg:
      return check_text_frame(format_direct(f.id, f.payload), f.type, f.id, f.payload);
    case MsgType::kBye:
      return check_reads_back(format_bye(f.id), f.type, f.id, "");
    case MsgType::kDelRegexp:
      return check_reads_back(format_del_regexp(f.id), f.type, f.id, "");
    case MsgType::kEndRegexp:
      return check_reads_back(format_end_regexp(), f.type, 0, "");
    case MsgType::kDie:
      return check_reads_back(format_die(f.id), f.type, f.id, "");
    case MsgType::kPing:
      return check_reads_back(format_ping(f.id), f.type, f.id, "");
    case MsgType::kPong:
      return check_reads_back(format_pong(f.id), f.type, f.id, "");
  }
  FUZZ_CHECK(false);
}

void check_decode(std::string_view line) {
  const auto r = decode_frame(line);
  const auto stx = line.find(kStx);
  switch (r.kind) {
    case DecodeResult::Kind::kMalformed:
      FUZZ_CHECK(!r.reason.empty());
      return;
    case DecodeResult::Kind::kUnknown:
      FUZZ_CHECK(stx != std::string_view::npos);
      FUZZ_CHECK(r.raw_type < 0 || r.raw_type > 10);
      FUZZ_CHECK(r.frame.payload.data() == line.data() + stx + 1);
      FUZZ_CHECK(r.frame.payload.size() == line.size() - stx - 1);
      return;
    case DecodeResult::Kind::kFrame:
      FUZZ_CHECK(stx != std::string_view::npos);
      FUZZ_CHECK(r.raw_type >= 0 && r.raw_type <= 10);
      FUZZ_CHECK(static_cast<int>(r.frame.type) == r.raw_type);
      FUZZ_CHECK(r.frame.payload.data() == line.data() + stx + 1);
      FUZZ_CHECK(r.frame.payload.size() == line.size() - stx - 1);
      check_reformat(r.frame);
      return;
  }
  FUZZ_CHECK(false);
}

void check_snippet(std::string_view line) {
  const std::string s = line_snippet(line);
  FUZZ_CHECK(s.size() <= 4 * PeerSession::kSnippetBytes + 32);
  for (unsigned char c : s) FUZZ_CHECK(c >= 0x20 && c != 0x7f);
}

void check_session_output(PeerSession& session, std::string_view line) {
  const bool was_closed = session.state() == PeerSession::State::kClosed;
  const PeerOutput out = session.on_line(line);
  if (was_closed) {
    FUZZ_CHECK(!out.event && out.reply.empty() && !out.close);
    return;
  }
  FUZZ_CHECK(out.close == (session.state() == PeerSession::State::kClosed));
  if (!out.reply.empty()) {
    FUZZ_CHECK(out.event && std::holds_alternative<peer_event::Ping>(*out.event));
    check_reads_back(out.reply, MsgType::kPong, std::get<peer_event::Ping>(*out.event).id, "");
  }
  if (out.event) {
    if (const auto* m = std::get_if<peer_event::Message>(&*out.event)) {
      const auto r = decode_frame(line);
      FUZZ_CHECK(m->args == split_msg_args(r.frame.payload));
    }
    if (const auto* bad = std::get_if<peer_event::Malformed>(&*out.event))
      FUZZ_CHECK(bad->snippet == line_snippet(line));
  }
}

// Our handshake built from what the peer told us, read by a fresh session.
void check_handshake_round_trip(const PeerSession& session) {
  if (!session.started()) return;
  const auto hs =
      PeerSession::handshake(session.identity().port, session.identity().name, session.regexps());
  if (!hs) return;  // a name or pattern with ETX/NUL cannot go on the wire
  PeerSession copy(PeerIdentity{"127.0.0.1", 0, "", "", ""});
  LineFramer framer;
  framer.feed(*hs);
  while (auto line = framer.next()) FUZZ_CHECK(copy.on_line(*line).event.has_value());
  FUZZ_CHECK(framer.buffered_bytes() == 0);
  FUZZ_CHECK(copy.state() == PeerSession::State::kReady);
  FUZZ_CHECK(copy.identity().name == session.identity().name);
  if (session.identity().port != 0) FUZZ_CHECK(copy.identity().port == session.identity().port);
  FUZZ_CHECK(copy.regexps() == session.regexps());
}

// The reference: complete lines that fit, and how many do not.
void reference_split(std::string_view stream, std::size_t max, std::vector<std::string_view>& lines,
                     std::uint64_t& oversized) {
  std::size_t start = 0;
  for (;;) {
    const auto lf = stream.find('\n', start);
    if (lf == std::string_view::npos) break;
    if (lf - start > max) {
      ++oversized;
    } else {
      lines.push_back(stream.substr(start, lf - start));
    }
    start = lf + 1;
  }
  if (stream.size() - start > max) ++oversized;  // the open tail
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t max = LineFramer::kDefaultMaxFrameBytes;
  std::vector<std::size_t> chunks;
  if (input.size() >= 2) {
    max = kMaxima[static_cast<unsigned char>(input[0]) % 4];
    const std::size_t n = static_cast<unsigned char>(input[1]) % 8;
    input.remove_prefix(2);
    for (std::size_t i = 0; i < n && !input.empty(); ++i) {
      chunks.push_back(1 + static_cast<unsigned char>(input[0]));
      input.remove_prefix(1);
    }
  }
  if (chunks.empty()) chunks.push_back(input.size() + 1);

  std::vector<std::string_view> expected;
  std::uint64_t expected_oversized = 0;
  reference_split(input, max, expected, expected_oversized);

  LineFramer framer(max);
  PeerSession session(PeerIdentity{"192.168.1.7", 2010, "id", "PEER", ""});
  std::size_t got = 0;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < input.size(); ++i) {
    const std::size_t len = std::min(chunks[i % chunks.size()], input.size() - pos);
    framer.feed(input.substr(pos, len));
    pos += len;
    while (auto line = framer.next()) {
      FUZZ_CHECK(got < expected.size());
      FUZZ_CHECK(*line == expected[got]);
      ++got;
      check_decode(*line);
      check_snippet(*line);
      check_session_output(session, *line);
    }
    FUZZ_CHECK(framer.buffered_bytes() <= max);
  }
  FUZZ_CHECK(got == expected.size());
  FUZZ_CHECK(framer.oversized_frames() == expected_oversized);
  check_handshake_round_trip(session);
  return 0;
}
