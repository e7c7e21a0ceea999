// ivyctl who-gets: asks the running daemon who would receive a text now
// ("who-gets <bus> <text>" on the status socket, daemon_who_gets.cpp) and
// prints each receiver with its regexp and captures, or, when nobody would,
// the patterns that come closest.
#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/codec.hpp"
#include "daemon/ivyctl/command_args.hpp"
#include "daemon/ivyctl/commands.hpp"
#include "daemon/ivyctl/daemon_socket.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace ivy::ctl {
namespace {

constexpr const char* kCaption =
    "usage: ivyctl who-gets TEXT... [--bus ID] [--socket PATH] [--json]\n\n"
    "Asks the running daemon which agents would receive TEXT if it were published\n"
    "on its bus now: for each, the agent, its regexp id, the pattern and the\n"
    "captures it would get. When nobody would, it lists the agents' patterns that\n"
    "come closest (same first word, or the longest matching prefix of TEXT) and\n"
    "where TEXT parts from them. Several TEXT arguments are joined by single spaces;\n"
    "quote TEXT to keep it exact, and put -- before a TEXT that starts with '-'.\n\nOptions";
constexpr const char* kEpilog =
    "Exit status: 0 some agent would receive TEXT, 1 nobody would (or the daemon\n"
    "cannot be reached, or has no bus ID), 2 bad usage.\n";
constexpr std::size_t kSnippetBytes = 24;

std::string quoted(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string who(const json& entry) {
  return entry.value("agent", "") + "@" + entry.value("host", "") + ":" + std::to_string(entry.value("port", 0)) +
         "  regexp " + std::to_string(entry.value("regexp_id", 0)) + "  " + entry.value("pattern", "");
}

// Where the text parts from a close pattern.
std::string parting(const json& entry, const std::string& text) {
  const auto agreed = entry.value("agreed_bytes", std::size_t{0});
  std::string why = entry.value("same_first_word", false) ? "same first word; " : "";
  if (agreed >= text.size()) return why + "the whole text fits, the pattern wants more";
  return why + "fits up to byte " + std::to_string(agreed) + ", parts at " +
         quoted(text.substr(agreed, kSnippetBytes) + (text.size() - agreed > kSnippetBytes ? "..." : ""));
}

// Prints the answer; true if anybody would receive the text.
bool print_answer(const json& doc, const std::string& text) {
  bool received = false;
  for (const auto& bus : doc.value("buses", json::array())) {
    const auto& receivers = bus.value("receivers", json::array());
    received = received || !receivers.empty();
    std::cout << "bus " << bus.value("id", "") << ": ";
    if (!receivers.empty()) {
      std::cout << receivers.size() << (receivers.size() == 1 ? " receiver\n" : " receivers\n");
      for (const auto& r : receivers) {
        std::cout << "  " << who(r);
        for (const auto& c : r.value("captures", json::array())) {
          std::cout << "  " << quoted(c.is_string() ? c.get<std::string>() : c.dump());
        }
        std::cout << "\n";
      }
      continue;
    }
    const auto& closest = bus.value("closest", json::array());
    std::cout << "nobody would receive it" << (closest.empty() ? "; no pattern comes close\n" : "; closest:\n");
    for (const auto& c : closest) std::cout << "  " << who(c) << "\n      " << parting(c, text) << "\n";
  }
  return received;
}

bool anybody_receives(const json& doc) {
  const auto buses = doc.value("buses", json::array());
  return std::any_of(buses.begin(), buses.end(),
                     [](const json& b) { return !b.value("receivers", json::array()).empty(); });
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
  return text;
}

}  // namespace

int run_who_gets(int argc, char** argv) {
  std::string socket_path = kDefaultSocket;
  std::string bus = "*";
  bool as_json = false;
  std::vector<std::string> words;
  po::options_description desc(kCaption);
  desc.add_options()("help,h", "show this help and exit")(
      "bus", po::value(&bus)->value_name("ID"), "only this bus of the daemon (default: every bus)")(
      "socket", po::value(&socket_path)->value_name("PATH")->default_value(kDefaultSocket),
      "the daemon's status socket (status.path in its config)")("json", po::bool_switch(&as_json),
                                                                "print the daemon's JSON answer");
  po::options_description hidden;
  hidden.add_options()("text", po::value(&words)->required());
  po::positional_options_description positional;
  positional.add("text", -1);
  po::variables_map vm;
  int exit_code = kExitOk;
  if (!parse_command_args(CommandSpec{"who-gets", &desc, &hidden, &positional, kEpilog}, argc, argv, vm, exit_code)) {
    return exit_code;
  }
  const std::string text = joined(words);
  if (auto st = check_wire_text(text, "TEXT"); !st || bus.empty() || bus.find(' ') != std::string::npos) {
    std::cerr << "ivyctl who-gets: " << (st ? "--bus takes a bus id" : st.error().message) << "\n";
    return kExitUsage;
  }
  auto reply = ask_daemon(socket_path, "who-gets " + bus + " " + text);
  const json doc = reply ? json::parse(*reply, nullptr, false) : json();
  if (!reply || !doc.is_object() || doc.contains("error")) {
    std::cerr << "ivyctl who-gets: "
              << (!reply                ? reply.error().message
                  : doc.is_object()     ? doc.value("error", std::string("the daemon refused the request"))
                                        : "the daemon's reply is not a who-gets answer")
              << "\n";
    return kExitFailure;
  }
  if (!as_json) return print_answer(doc, text) ? kExitOk : kExitFailure;
  std::cout << doc.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  return anybody_receives(doc) ? kExitOk : kExitFailure;
}

}  // namespace ivy::ctl
