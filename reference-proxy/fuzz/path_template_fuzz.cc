// libFuzzer harness: HTTP path templates. The input's first line is a template, the rest a path
// matched against it; both are also percent-decoded on their own.

#include <cstddef>
#include <cstdint>
#include <string>

#include "http/path_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string text = input.substr(0, newline);
  const std::string path = newline == std::string::npos ? std::string() : input.substr(newline + 1);
  (void)cloudstate::proxy::http::PercentDecode(input);
  (void)cloudstate::proxy::http::PercentDecode(input, /*keep_slash=*/true);
  auto parsed = cloudstate::proxy::http::PathTemplate::Parse(text);
  if (parsed.ok()) {
    (void)parsed->Match(path);
    (void)parsed->Match(text);
  }
  return 0;
}
