#pragma once
// Rate limit for log lines that a broken or dead function can cause once per command.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "spdlog/spdlog.h"

namespace cloudstate::proxy {

class LogLimiter {
 public:
  void Log(spdlog::level::level_enum level, const std::string& key, const std::string& message) {
    constexpr int kLinesPerSecond = 5;
    int64_t suppressed = 0;
    {
      std::lock_guard lock(mu_);
      Window& window = windows_[key];
      const auto now = std::chrono::steady_clock::now();
      if (now - window.start >= std::chrono::seconds(1)) {
        window.start = now;
        window.lines = 0;
      }
      if (window.lines >= kLinesPerSecond) {
        ++window.suppressed;
        return;
      }
      ++window.lines;
      suppressed = std::exchange(window.suppressed, 0);
    }
    if (suppressed > 0) {
      spdlog::log(level, "{} ({} similar lines left out)", message, suppressed);
    } else {
      spdlog::log(level, "{}", message);
    }
  }

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    int lines = 0;
    int64_t suppressed = 0;
  };
  std::mutex mu_;
  std::map<std::string, Window> windows_;
};

}  // namespace cloudstate::proxy
