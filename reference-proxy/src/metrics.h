#pragma once
// Process-wide counters rendered in the Prometheus text format at /metrics:
//   cloudstate_proxy_<name>_total{entity_type="event-sourced"} 12

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace cloudstate::proxy {

class Metrics {
 public:
  void Increment(std::string_view name, std::string_view entity_type) {
    Add(name, entity_type, 1);
  }
  void Add(std::string_view name, std::string_view entity_type, int64_t delta) {
    std::lock_guard lock(mu_);
    counters_[{std::string(name), std::string(entity_type)}] += delta;
  }
  int64_t Get(std::string_view name, std::string_view entity_type) {
    std::lock_guard lock(mu_);
    auto it = counters_.find({std::string(name), std::string(entity_type)});
    return it == counters_.end() ? 0 : it->second;
  }
  std::string Render() {
    std::lock_guard lock(mu_);
    std::string out;
    std::string last;
    for (const auto& [key, value] : counters_) {
      const std::string metric = "cloudstate_proxy_" + key.first + "_total";
      if (metric != last) {
        out += "# TYPE " + metric + " counter\n";
        last = metric;
      }
      out += metric + "{entity_type=\"" + key.second + "\"} " + std::to_string(value) + "\n";
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int64_t> counters_;
};

}  // namespace cloudstate::proxy
