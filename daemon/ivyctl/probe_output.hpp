#pragma once
// ProbeOutput: what `ivyctl probe` prints, kept in a buffer and written when
// the event loop has nothing more to do (flush(), called by the probe's loop
// after every burst of handlers), or as soon as 64 KiB wait. A flood of
// "-> Sent to N peers" or of received messages costs one write per burst
// instead of one per line, while a person at a terminal still sees every
// line at once: the loop goes idle right after the event that printed it.
//
// Thread: the loop's thread. Write errors (stdout closed) drop the text.

#include <string>
#include <string_view>

namespace ivy::ctl {

class ProbeOutput {
 public:
  static constexpr std::size_t kFlushBytes = 64 * 1024;

  explicit ProbeOutput(int fd) : fd_(fd) {}
  ~ProbeOutput() { flush(); }
  ProbeOutput(const ProbeOutput&) = delete;
  ProbeOutput& operator=(const ProbeOutput&) = delete;

  // `line` and a LF.
  void line(std::string_view line);
  // Text as is (multi-line help).
  void text(std::string_view text);
  // Writes everything buffered.
  void flush();

 private:
  int fd_;
  std::string buffer_;
};

}  // namespace ivy::ctl
