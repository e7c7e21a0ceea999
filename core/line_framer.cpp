#include "core/line_framer.hpp"

namespace ivy {

LineFramer::LineFramer(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void LineFramer::compact() {
  // Drop what next() already returned, but only when it is worth the move:
  // when nothing is left, or the consumed prefix is at least half the buffer.
  if (read_pos_ == 0) return;
  if (read_pos_ == buffer_.size()) {
    buffer_.clear();
  } else if (read_pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, read_pos_);
  } else {
    return;
  }
  // scan_pos_ counts from read_pos_, so it is unchanged by the move.
  read_pos_ = 0;
}

void LineFramer::feed(std::string_view bytes) {
  compact();
  if (skipping_) {
    // Inside an over-long frame: keep nothing before its LF.
    const auto lf = bytes.find('\n');
    if (lf == std::string_view::npos) return;
    skipping_ = false;
    bytes.remove_prefix(lf + 1);
  }
  buffer_.append(bytes);
}

std::optional<std::string_view> LineFramer::next() {
  for (;;) {
    const std::size_t from = read_pos_ + scan_pos_;
    const auto lf = buffer_.find('\n', from);
    if (lf == std::string::npos) {
      scan_pos_ = buffer_.size() - read_pos_;
      if (scan_pos_ > max_frame_bytes_) {
        // Over-long and still open: drop it and skip to its LF. Mark it
        // consumed rather than clearing the buffer here: views returned
        // earlier must stay valid until the next feed(), which compacts.
        ++oversized_frames_;
        skipping_ = true;
        read_pos_ = buffer_.size();
        scan_pos_ = 0;
      }
      return std::nullopt;
    }
    const std::size_t start = read_pos_;
    read_pos_ = lf + 1;
    scan_pos_ = 0;
    if (lf - start > max_frame_bytes_) {
      ++oversized_frames_;
      continue;
    }
    return std::string_view(buffer_).substr(start, lf - start);
  }
}

}  // namespace ivy
