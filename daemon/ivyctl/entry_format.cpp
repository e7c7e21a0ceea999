#include "daemon/ivyctl/entry_format.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace ivy::ctl {
namespace {

using storage::Entry;
using storage::EntryKind;

std::string who(const Entry& e) { return e.agent.name.empty() ? "?" : e.agent.name; }

std::string receivers_text(const Entry& e) {
  std::string out;
  for (const auto& r : e.receivers) {
    if (!out.empty()) out += ' ';
    out += r.name + "#" + std::to_string(r.regexp_id);
  }
  return out;
}

std::string iso_utc(std::int64_t wall_ns) {
  const std::time_t secs = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((wall_ns % 1'000'000'000) / 1000));
  return buf;
}

}  // namespace

std::optional<OutputFormat> parse_output_format(std::string_view name) {
  if (name == "text") return OutputFormat::kText;
  if (name == "json" || name == "jsonl") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return std::nullopt;
}

std::string format_time(std::int64_t wall_ns, TimeZone zone) {
  const std::time_t secs = static_cast<std::time_t>(wall_ns / 1'000'000'000);
  std::tm tm{};
  if (zone == TimeZone::kUtc) gmtime_r(&secs, &tm);
  else localtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((wall_ns % 1'000'000'000) / 1000));
  return buf;
}

std::string format_text(const Entry& e, TimeZone zone) {
  std::string line = format_time(e.wall_ns, zone) + " ";
  if (!e.site.empty()) line += "[" + e.site + "] ";
  switch (e.kind) {
    case EntryKind::kMsg: {
      line += who(e) + " sent '" + e.text + "'";
      const auto to = receivers_text(e);
      line += to.empty() ? " -> nobody" : " -> " + to;
      if (!e.origin.bus.empty() || !e.origin.agent.empty()) {
        line += " (bridged from " + e.origin.agent + "@" + e.origin.bus + ")";
      }
      return line;
    }
    case EntryKind::kDirect:
      return line + who(e) + " sent a direct message, id=" + std::to_string(e.code) + ", message=" + e.text;
    case EntryKind::kJoin:
      return line + who(e) + " joined from " + e.agent.host + ":" + std::to_string(e.agent.port) + " on bus " +
             e.agent.bus;
    case EntryKind::kLeave:
      return line + who(e) + " left (" + (e.text.empty() ? "unknown" : e.text) + ")";
    case EntryKind::kBind:
      return line + who(e) + " add regexp " + std::to_string(e.code) + " : " + e.text;
    case EntryKind::kUnbind:
      return line + who(e) + " remove regexp " + std::to_string(e.code);
    case EntryKind::kDie:
      return line + who(e) + " sent DIE " + std::to_string(e.code);
    case EntryKind::kError:
      return line + who(e) + " sent ERROR " + std::to_string(e.code) + " " + e.text;
    case EntryKind::kGap:
      return line + "GAP: " + std::to_string(e.code) + " records lost until " + format_time(e.end_ns, zone);
    case EntryKind::kDropped:
      return line + who(e) + " missed " + std::to_string(e.code) + " frames (its queue was full) until " +
             format_time(e.end_ns, zone);
  }
  return line;
}

std::string format_json(const Entry& e) {
  nlohmann::json j;
  j["kind"] = std::string(storage::to_string(e.kind));
  if (!e.site.empty()) j["site"] = e.site;
  j["time"] = iso_utc(e.wall_ns);
  j["wall_ns"] = e.wall_ns;
  if (e.kind != EntryKind::kGap) {
    j["agent"] = {{"name", e.agent.name}, {"app_id", e.agent.app_id}, {"host", e.agent.host},
                  {"port", e.agent.port}, {"bus", e.agent.bus}};
  }
  switch (e.kind) {
    case EntryKind::kMsg: {
      j["text"] = e.text;
      auto receivers = nlohmann::json::array();
      for (const auto& r : e.receivers) receivers.push_back({{"name", r.name}, {"app_id", r.app_id}, {"regexp_id", r.regexp_id}});
      j["receivers"] = std::move(receivers);
      if (!e.origin.bus.empty() || !e.origin.agent.empty()) j["origin"] = {{"bus", e.origin.bus}, {"agent", e.origin.agent}};
      break;
    }
    case EntryKind::kDirect:
    case EntryKind::kDie:
    case EntryKind::kError:
      j["id"] = e.code;
      j["text"] = e.text;
      break;
    case EntryKind::kBind:
    case EntryKind::kUnbind:
      j["regexp_id"] = e.code;
      j["pattern"] = e.text;
      break;
    case EntryKind::kLeave: j["how"] = e.text; break;
    case EntryKind::kGap:
    case EntryKind::kDropped:
      j["dropped"] = e.code;
      j["end_ns"] = e.end_ns;
      break;
    case EntryKind::kJoin: break;
  }
  // Ivy traffic is bytes: invalid UTF-8 is replaced (U+FFFD), never fatal.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_header(bool with_site) {
  return std::string("time,wall_ns,kind,agent,app_id,host,port,bus,code,text,receivers") + (with_site ? ",site" : "");
}

std::string format_csv(const Entry& e, bool with_site) {
  std::string line = iso_utc(e.wall_ns) + "," + std::to_string(e.wall_ns) + "," +
                     std::string(storage::to_string(e.kind)) + "," + csv_field(e.agent.name) + "," +
                     csv_field(e.agent.app_id) + "," + csv_field(e.agent.host) + "," + std::to_string(e.agent.port) +
                     "," + csv_field(e.agent.bus) + "," + std::to_string(e.code) + "," + csv_field(e.text) + ",";
  line += csv_field(receivers_text(e));
  return with_site ? line + "," + csv_field(e.site) : line;
}

}  // namespace ivy::ctl
