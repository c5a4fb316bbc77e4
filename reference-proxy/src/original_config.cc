#include "cloudstate/proxy/original_config.h"

#include <cctype>
#include <cmath>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cloudstate::proxy {

namespace {

// Percent-encodes what may not appear in the user-info part of a postgres:// URL.
std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += c;
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// Splits "12.5 seconds" into the number and the unit.
std::pair<absl::string_view, absl::string_view> NumberAndUnit(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  return {text.substr(0, i), absl::StripAsciiWhitespace(text.substr(i))};
}

enum class Kind { kPort, kInterface, kUfHost, kUfPort, kBool, kDuration, kSize, kIgnored };

struct Key {
  const char* flag;  // our flag, or a note for kIgnored
  Kind kind;
};

// cloudstate.proxy.<key> -> our flag. Keys not listed here are rejected, so that a typo in a
// deployment does not pass silently.
const std::map<std::string, Key, std::less<>>& Keys() {
  static const auto* keys = new std::map<std::string, Key, std::less<>>{
      {"http-port", {"--http-port", Kind::kPort}},
      {"http-interface", {"--bind", Kind::kInterface}},
      {"user-function-host", {"--user-function-host", Kind::kUfHost}},
      {"user-function-port", {"--user-function-port", Kind::kUfPort}},
      {"protocol-compatibility-check", {"--protocol-compatibility-check", Kind::kBool}},
      {"max-inbound-message-size", {"--max-message-bytes", Kind::kSize}},
      {"graceful-termination-timeout", {"--shutdown-timeout", Kind::kDuration}},
      {"backoff.min", {"--discovery-backoff-min", Kind::kDuration}},
      {"backoff.max", {"--discovery-backoff-max", Kind::kDuration}},
      // One passivation timeout serves every entity type here.
      {"eventsourced-entity.passivation-timeout", {"--passivation-timeout", Kind::kDuration}},
      {"value-entity.passivation-timeout", {"--passivation-timeout", Kind::kDuration}},
      {"crdt-entity.passivation-timeout", {"--passivation-timeout", Kind::kDuration}},
      {"backoff.random-factor", {"discovery retries are not randomised", Kind::kIgnored}},
      {"dev-mode-enabled", {"always a single node", Kind::kIgnored}},
      {"ready-timeout", {"readiness is computed locally, without a timeout", Kind::kIgnored}},
      {"relay-timeout", {"--command-timeout", Kind::kDuration}},
      {"relay-buffer-size", {"no buffer towards the function to size", Kind::kIgnored}},
      {"number-of-shards", {"no cluster sharding", Kind::kIgnored}},
      {"proxy-parallelism", {"no Akka stream to size", Kind::kIgnored}},
      {"eventsourced-entity.journal-enabled", {"the journal follows --store", Kind::kIgnored}},
      {"value-entity.enabled", {"value entities are always enabled", Kind::kIgnored}},
      {"value-entity.persistence.store", {"the store follows --store", Kind::kIgnored}},
      {"telemetry.disabled", {"/metrics is always served", Kind::kIgnored}},
      {"telemetry.prometheus.host", {"/metrics is served on the proxy's ports", Kind::kIgnored}},
      {"telemetry.prometheus.port", {"/metrics is served on the proxy's ports", Kind::kIgnored}},
      {"autoscaler.enabled", {"no autoscaler", Kind::kIgnored}},
      // Event-log eventing needs no setting here (the original needed projection support, which
      // every store of ours has); topics always use the embedded in-process broker.
      {"eventing.support",
       {"event-log eventing is always on; topics use the embedded in-process broker",
        Kind::kIgnored}},
  };
  return *keys;
}

absl::Status Translate(absl::string_view key, absl::string_view value, TranslatedConfig* out) {
  const std::string arg = absl::StrCat("-D", key, "=", value);
  if (key == "config.resource" || key == "config.file") {
    // The original picked its store with a bundled configuration file.
    if (value == "dev-mode.conf" || value == "in-memory.conf" || value == "no-store.conf") {
      out->args.insert(out->args.end(), {"--store", "memory"});
    } else {
      out->notes.push_back(arg + ": ignored (HOCON files are not read; use --config YAML)");
    }
    return absl::OkStatus();
  }
  absl::string_view name = key;
  if (!absl::ConsumePrefix(&name, "cloudstate.proxy.")) {
    out->notes.push_back(arg + ": ignored (Akka setting, no meaning here)");
    return absl::OkStatus();
  }
  // The autoscaler subtree is wholly without effect; so is the Google Pub/Sub client's.
  if (absl::StartsWith(name, "autoscaler.")) {
    out->notes.push_back(arg + ": ignored (not implemented)");
    return absl::OkStatus();
  }
  if (absl::StartsWith(name, "eventing.google-pubsub.")) {
    out->notes.push_back(arg +
                         ": ignored (no Google Pub/Sub client; topics use the embedded "
                         "in-process broker)");
    return absl::OkStatus();
  }
  if (name == "eventing.support" && value == "google-pubsub") {
    out->notes.push_back(arg +
                         ": ignored (Google Pub/Sub is not built in; topics use the embedded "
                         "in-process broker, see the proxy README)");
    return absl::OkStatus();
  }
  const auto it = Keys().find(name);
  if (it == Keys().end()) {
    return absl::InvalidArgumentError(arg + ": unknown setting of the original proxy");
  }
  const Key& k = it->second;
  std::string flag_value(value);
  int port = 0;
  switch (k.kind) {
    case Kind::kIgnored:
      out->notes.push_back(absl::StrCat(arg, ": ignored (", k.flag, ")"));
      return absl::OkStatus();
    case Kind::kPort:
    case Kind::kUfPort:
      if (!absl::SimpleAtoi(value, &port) || port < 0 || port > 65535) {
        return absl::InvalidArgumentError(arg + ": not a port number");
      }
      break;
    case Kind::kBool: {
      const std::string lower = absl::AsciiStrToLower(value);
      if (lower == "true" || lower == "on" || lower == "yes") {
        flag_value = "true";
      } else if (lower == "false" || lower == "off" || lower == "no") {
        flag_value = "false";
      } else {
        return absl::InvalidArgumentError(arg + ": not a boolean");
      }
      break;
    }
    case Kind::kDuration: {
      auto d = HoconDurationToFlag(value);
      if (!d.ok()) {
        return absl::InvalidArgumentError(arg + ": " + std::string(d.status().message()));
      }
      flag_value = *d;
      break;
    }
    case Kind::kSize: {
      auto bytes = HoconSizeToBytes(value);
      if (!bytes.ok() || *bytes > (int64_t{1} << 31) - 1) {
        return absl::InvalidArgumentError(arg + ": not a size below 2 GiB");
      }
      flag_value = absl::StrCat(*bytes);
      break;
    }
    case Kind::kInterface:
    case Kind::kUfHost:
      break;
  }
  out->args.insert(out->args.end(), {k.flag, flag_value});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> HoconDurationToFlag(absl::string_view text) {
  auto [number, unit] = NumberAndUnit(text);
  double v = 0;
  if (number.empty() || !absl::SimpleAtod(number, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("not a duration: '", text, "'"));
  }
  static const auto* factors =
      new std::map<std::string, double, std::less<>>{{"", 1},
                                                     {"ms", 1},
                                                     {"milli", 1},
                                                     {"millis", 1},
                                                     {"millisecond", 1},
                                                     {"milliseconds", 1},
                                                     {"us", 1e-3},
                                                     {"micro", 1e-3},
                                                     {"micros", 1e-3},
                                                     {"microsecond", 1e-3},
                                                     {"microseconds", 1e-3},
                                                     {"ns", 1e-6},
                                                     {"nano", 1e-6},
                                                     {"nanos", 1e-6},
                                                     {"nanosecond", 1e-6},
                                                     {"nanoseconds", 1e-6},
                                                     {"s", 1e3},
                                                     {"second", 1e3},
                                                     {"seconds", 1e3},
                                                     {"m", 60e3},
                                                     {"minute", 60e3},
                                                     {"minutes", 60e3},
                                                     {"h", 3600e3},
                                                     {"hour", 3600e3},
                                                     {"hours", 3600e3},
                                                     {"d", 86400e3},
                                                     {"day", 86400e3},
                                                     {"days", 86400e3}};
  const auto it = factors->find(unit);
  if (it == factors->end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown duration unit in '", text, "'"));
  }
  const auto micros = static_cast<int64_t>(std::llround(v * it->second * 1000));
  return micros % 1000 == 0 ? absl::StrCat(micros / 1000, "ms") : absl::StrCat(micros, "us");
}

absl::StatusOr<int64_t> HoconSizeToBytes(absl::string_view text) {
  auto [number, unit] = NumberAndUnit(text);
  double v = 0;
  if (number.empty() || !absl::SimpleAtod(number, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("not a size: '", text, "'"));
  }
  static const auto* factors = new std::map<std::string, double, std::less<>>{
      {"", 1.0},           {"b", 1.0},           {"byte", 1.0},         {"bytes", 1.0},
      {"k", 1024.0},       {"ki", 1024.0},       {"kib", 1024.0},       {"kb", 1e3},
      {"m", 1048576.0},    {"mi", 1048576.0},    {"mib", 1048576.0},    {"mb", 1e6},
      {"g", 1073741824.0}, {"gi", 1073741824.0}, {"gib", 1073741824.0}, {"gb", 1e9}};
  const auto it = factors->find(absl::AsciiStrToLower(unit));
  if (it == factors->end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown size unit in '", text, "'"));
  }
  return static_cast<int64_t>(v * it->second);
}

TranslatedConfig FlagsFromOriginalEnvironment(
    const std::function<const char*(const char*)>& getenv) {
  TranslatedConfig out;
  auto get = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    return v != nullptr ? std::string(v) : std::string();
  };
  const std::pair<const char*, const char*> direct[] = {
      {"HTTP_PORT", "--http-port"},
      {"USER_FUNCTION_HOST", "--user-function-host"},
      {"USER_FUNCTION_PORT", "--user-function-port"},
      {"MANAGEMENT_PORT", "--management-port"},
  };
  for (const auto& [name, flag] : direct) {
    if (std::string v = get(name); !v.empty()) {
      out.args.insert(out.args.end(), {flag, v});
    }
  }
  // The original's PostgreSQL image: POSTGRES_SERVICE, _PORT, _DATABASE, _USERNAME, _PASSWORD
  // with its defaults (localhost, 5432, cloudstate, cloudstate, cloudstate).
  const std::string service = get("POSTGRES_SERVICE");
  const std::string pg_port = get("POSTGRES_PORT");
  const std::string database = get("POSTGRES_DATABASE");
  const std::string user = get("POSTGRES_USERNAME");
  const std::string password = get("POSTGRES_PASSWORD");
  if (!service.empty() || !pg_port.empty() || !database.empty() || !user.empty() ||
      !password.empty()) {
    out.args.insert(
        out.args.end(),
        {"--store", absl::StrCat("postgres://", UrlEncode(user.empty() ? "cloudstate" : user), ":",
                                 UrlEncode(password.empty() ? "cloudstate" : password), "@",
                                 service.empty() ? "localhost" : service, ":",
                                 pg_port.empty() ? "5432" : pg_port, "/",
                                 UrlEncode(database.empty() ? "cloudstate" : database))});
  }
  const std::pair<const char*, const char*> ignored[] = {
      {"METRICS_PORT", "/metrics is served on the client and management ports"},
      {"METRICS_HOST", "/metrics is served on the client and management ports"},
      {"REMOTING_PORT", "single node, no cluster remoting"},
      {"SELECTOR_LABEL", "single node, no cluster bootstrap"},
      {"SELECTOR_LABEL_VALUE", "single node, no cluster bootstrap"},
      {"REQUIRED_CONTACT_POINT_NR", "single node, no cluster bootstrap"},
      {"PUBSUB_PROJECT_ID", "no Google Pub/Sub client; topics use the embedded in-process broker"},
      {"CASSANDRA_CONTACT_POINTS", "no Cassandra store (use --store postgres://... or sqlite:)"},
  };
  for (const auto& [name, why] : ignored) {
    if (!get(name).empty()) {
      out.notes.push_back(absl::StrCat(name, ": ignored (", why, ")"));
    }
  }
  return out;
}

absl::StatusOr<TranslatedConfig> TranslateOriginalArgs(const std::vector<std::string>& args) {
  TranslatedConfig out;
  for (const std::string& arg : args) {
    absl::string_view rest = arg;
    if (!absl::ConsumePrefix(&rest, "-D")) {
      out.args.push_back(arg);
      continue;
    }
    const size_t eq = rest.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(arg + ": expected -Dkey=value");
    }
    absl::Status s = Translate(rest.substr(0, eq), rest.substr(eq + 1), &out);
    if (!s.ok()) {
      return s;
    }
  }
  return out;
}

}  // namespace cloudstate::proxy
