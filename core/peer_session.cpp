#include "core/peer_session.hpp"

#include <cstdio>

#include "core/codec.hpp"

namespace ivy {

std::string PeerIdentity::display() const {
  return ip + ":" + std::to_string(port) + " (" + name + ")";
}

std::string PeerIdentity::user_display() const {
  return name + "@" + (host.empty() ? ip : host);
}

PeerSession::PeerSession(PeerIdentity identity, PeerLimits limits)
    : identity_(std::move(identity)), limits_(limits) {}

void PeerSession::start_init(std::string_view name, int port) {
  started_ = true;
  identity_.name = std::string(name);
  if (port > 0 && port <= 65535) identity_.port = static_cast<std::uint16_t>(port);
}

Status PeerSession::end_init() {
  if (state_ != State::kHandshaking) {
    return fail("END_REGEXP received twice from " + identity_.display());
  }
  state_ = State::kReady;
  return {};
}

std::optional<std::string> PeerSession::add_regexp(int id, std::string pattern) {
  auto [it, inserted] = regexps_.try_emplace(id, std::move(pattern));
  if (inserted) return std::nullopt;
  return std::exchange(it->second, std::move(pattern));
}

std::optional<std::string> PeerSession::remove_regexp(int id) {
  auto it = regexps_.find(id);
  if (it == regexps_.end()) return std::nullopt;
  std::string pattern = std::move(it->second);
  regexps_.erase(it);
  return pattern;
}

PeerOutput PeerSession::on_line(std::string_view line) {
  if (state_ == State::kClosed) return {};
  const DecodeResult decoded = decode_frame(line);
  switch (decoded.kind) {
    case DecodeResult::Kind::kMalformed:
      ++malformed_lines_;
      return {peer_event::Malformed{decoded.reason, line_snippet(line)}, {}, false};
    case DecodeResult::Kind::kUnknown:
      ++frames_received_;
      return {peer_event::UnknownType{decoded.raw_type}, {}, false};
    case DecodeResult::Kind::kFrame:
      break;
  }
  ++frames_received_;
  return on_frame(decoded.raw_type, decoded.frame.id, decoded.frame.payload);
}

PeerOutput PeerSession::on_add(int id, std::string_view pattern) {
  const bool replacing = regexps_.count(id) != 0;
  if (pattern.size() > limits_.max_pattern_bytes) {
    return {peer_event::SubscriptionRefused{id, std::string(pattern.substr(0, kSnippetBytes)),
                                            "pattern longer than " + std::to_string(limits_.max_pattern_bytes) +
                                                " bytes"},
            {}, false};
  }
  if (!replacing && regexps_.size() >= limits_.max_subscriptions) {
    return {peer_event::SubscriptionRefused{
                id, std::string(pattern),
                "more than " + std::to_string(limits_.max_subscriptions) + " subscriptions from one peer"},
            {}, false};
  }
  auto replaced = add_regexp(id, std::string(pattern));
  return {peer_event::SubscriptionAdded{id, std::string(pattern), std::move(replaced)}, {}, false};
}

PeerOutput PeerSession::on_frame(int type, int id, std::string_view payload) {
  switch (static_cast<MsgType>(type)) {
    case MsgType::kBye:
      state_ = State::kClosed;
      return {peer_event::Bye{}, {}, true};
    case MsgType::kAddRegexp:
      return on_add(id, payload);
    case MsgType::kMsg:
      return {peer_event::Message{id, split_msg_args(payload)}, {}, false};
    case MsgType::kError:
      return {peer_event::PeerError{id, std::string(payload)}, {}, false};
    case MsgType::kDelRegexp: {
      auto removed = remove_regexp(id);
      if (!removed) return {};  // unknown id: ignored, like ivy-c
      return {peer_event::SubscriptionRemoved{id, std::move(*removed)}, {}, false};
    }
    case MsgType::kEndRegexp: {
      if (auto st = end_init(); !st) return {peer_event::IllegalState{st.error().message}, {}, false};
      return {peer_event::Ready{}, {}, false};
    }
    case MsgType::kStartRegexp: {
      if (started_) {
        return {peer_event::IllegalState{"START_REGEXP received twice from " + identity_.display()}, {}, false};
      }
      start_init(payload, id);
      return {peer_event::Started{id, std::string(payload)}, {}, false};
    }
    case MsgType::kDirectMsg:
      return {peer_event::Direct{id, std::string(payload)}, {}, false};
    case MsgType::kDie:
      return {peer_event::Die{id}, {}, false};
    case MsgType::kPing:
      return {peer_event::Ping{id}, format_pong(id), false};
    case MsgType::kPong:
      return {peer_event::Pong{id}, {}, false};
  }
  return {peer_event::UnknownType{type}, {}, false};
}

Result<std::string> PeerSession::handshake(int our_port, std::string_view our_name,
                                           const std::map<int, std::string>& our_subscriptions) {
  auto start = format_start_regexp(our_port, our_name);
  if (!start) return start;
  std::string frames = std::move(*start);
  for (const auto& [id, pattern] : our_subscriptions) {
    auto add = format_add_regexp(id, pattern);
    if (!add) return add;
    frames += *add;
  }
  frames += format_end_regexp();
  return frames;
}

std::string line_snippet(std::string_view line, std::size_t max_bytes) {
  std::string out;
  const auto shown = line.substr(0, max_bytes);
  for (unsigned char c : shown) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (line.size() > max_bytes) out += "...(" + std::to_string(line.size()) + " bytes)";
  return out;
}

}  // namespace ivy
