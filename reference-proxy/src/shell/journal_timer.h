#pragma once
// Times one store operation into a latency histogram.

#include <chrono>
#include <string>
#include <utility>

#include "metrics.h"

namespace cloudstate::proxy {

class JournalTimer {
 public:
  JournalTimer(Metrics& metrics, std::string operation,
               std::string metric = "journal_duration_seconds")
      : metrics_(metrics),
        operation_(std::move(operation)),
        metric_(std::move(metric)),
        start_(std::chrono::steady_clock::now()) {}
  ~JournalTimer() {
    metrics_.Observe(
        metric_, {{"operation", operation_}},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  Metrics& metrics_;
  std::string operation_;
  std::string metric_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cloudstate::proxy
