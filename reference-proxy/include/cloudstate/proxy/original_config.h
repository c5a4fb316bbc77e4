#pragma once
// The original (Akka) proxy's configuration, translated into our command-line flags so that a
// deployment written for it starts ours unchanged (reference-proxy/README.md has the table):
//
//   * its environment variables (HTTP_PORT, USER_FUNCTION_HOST, USER_FUNCTION_PORT,
//     MANAGEMENT_PORT, POSTGRES_*) become flags, which main.cc places before the command line
//     (precedence: see main.cc);
//   * its -D system properties (-Dcloudstate.proxy.http-port=9000, -Dconfig.resource=...) on the
//     command line are rewritten into our flags in place.
//
// Settings that have no meaning for a single-node proxy are accepted and reported as notes.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cloudstate::proxy {

struct TranslatedConfig {
  std::vector<std::string> args;   // our flags, e.g. {"--http-port", "9000"}
  std::vector<std::string> notes;  // settings accepted but without effect here, one line each
};

// `getenv` returns nullptr for unset variables (empty values count as unset).
TranslatedConfig FlagsFromOriginalEnvironment(
    const std::function<const char*(const char*)>& getenv);

// Rewrites every "-D<key>=<value>" argument into our flags; other arguments pass unchanged.
// Errors name the argument: a cloudstate.proxy key we do not know, or a value we cannot read.
absl::StatusOr<TranslatedConfig> TranslateOriginalArgs(const std::vector<std::string>& args);

// A HOCON duration ("30s", "1m", "500 millis", "10 seconds"; a bare number is milliseconds) as
// text our flags accept ("30000ms").
absl::StatusOr<std::string> HoconDurationToFlag(absl::string_view text);
// A HOCON size ("12M", "12MiB", "1024", "64k"; K/M/G are powers of two) in bytes.
absl::StatusOr<int64_t> HoconSizeToBytes(absl::string_view text);

}  // namespace cloudstate::proxy
