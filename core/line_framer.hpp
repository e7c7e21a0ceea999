#pragma once
// LineFramer: TCP bytes in, complete Ivy frames out (§3.2-3.4).
//
// Bytes arrive in any split, down to one byte at a time; ivy-c writes a MSG in
// two segments. A frame ends at LF; the LF is not part of the frame returned.
// There is no protocol maximum, so the framer has a configurable one: a frame
// longer than max_frame_bytes is skipped up to its LF and counted, and the
// frames after it come out normally (the link survives).
//
//   LineFramer framer;
//   framer.feed(bytes);
//   while (auto line = framer.next()) handle(*line);
//
// A view returned by next() stays valid until the next call to feed().
// Not thread-safe; one framer per link.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ivy {

class LineFramer {
 public:
  static constexpr std::size_t kDefaultMaxFrameBytes = 16 * 1024 * 1024;

  explicit LineFramer(std::size_t max_frame_bytes = kDefaultMaxFrameBytes);

  // Appends received bytes. Invalidates views returned by next().
  void feed(std::string_view bytes);

  // The next complete frame (without its LF), or nullopt when more bytes are
  // needed.
  std::optional<std::string_view> next();

  // Frames skipped because they were longer than the maximum.
  std::uint64_t oversized_frames() const { return oversized_frames_; }

  // Bytes held waiting for an LF (for queue/memory reporting).
  std::size_t buffered_bytes() const { return buffer_.size() - read_pos_; }

  std::size_t max_frame_bytes() const { return max_frame_bytes_; }

 private:
  void compact();

  std::string buffer_;
  std::size_t read_pos_ = 0;   // start of the first unreturned byte
  std::size_t scan_pos_ = 0;   // bytes before this (from read_pos_) hold no LF
  std::size_t max_frame_bytes_;
  bool skipping_ = false;      // inside an over-long frame, dropping to its LF
  std::uint64_t oversized_frames_ = 0;
};

}  // namespace ivy
