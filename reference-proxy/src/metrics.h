#pragma once
// Process-wide metrics rendered in the Prometheus text format (0.0.4) at /metrics:
//   cloudstate_proxy_<name>_total{entity_type="event-sourced"} 12          counters
//   cloudstate_proxy_<name>{entity_type="crdt"} 3                           gauges
//   cloudstate_proxy_<name>_bucket{method="/a.B/C",le="0.005"} 7            histograms
//   (each histogram also has its _sum and _count lines)
// Names are fixed by the proxy; label values are escaped. Thread-safe (one mutex; metrics are
// updated once per call or store operation, not in inner loops).

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cloudstate::proxy {

class Metrics {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Upper bounds (seconds) of the latency buckets; +Inf is implied.
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // Counters labelled by entity type (the common case).
  void Increment(std::string_view name, std::string_view entity_type) { Add(name, entity_type, 1); }
  void Add(std::string_view name, std::string_view entity_type, int64_t delta) {
    AddCounter(name, {{"entity_type", std::string(entity_type)}}, static_cast<double>(delta));
  }
  int64_t Get(std::string_view name, std::string_view entity_type) {
    std::lock_guard lock(mu_);
    auto it = counters_.find(Key(name, {{"entity_type", std::string(entity_type)}}));
    return it == counters_.end() ? 0 : static_cast<int64_t>(it->second);
  }

  void AddCounter(std::string_view name, const Labels& labels, double delta = 1) {
    std::lock_guard lock(mu_);
    counters_[Key(name, labels)] += delta;
  }
  void SetGauge(std::string_view name, const Labels& labels, double value) {
    std::lock_guard lock(mu_);
    gauges_[Key(name, labels)] = value;
  }
  void Observe(std::string_view name, const Labels& labels, double seconds) {
    std::lock_guard lock(mu_);
    Histogram& h = histograms_[Key(name, labels)];
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      if (seconds <= kBuckets[i]) {
        ++h.buckets[i];
      }
    }
    ++h.count;
    h.sum += seconds;
  }
  // Observation count of a histogram (tests).
  uint64_t HistogramCount(std::string_view name, const Labels& labels) {
    std::lock_guard lock(mu_);
    auto it = histograms_.find(Key(name, labels));
    return it == histograms_.end() ? 0 : it->second.count;
  }

  std::string Render() {
    std::lock_guard lock(mu_);
    std::string out;
    std::string last;
    auto header = [&](const std::string& metric, const char* type) {
      if (metric != last) {
        out += "# TYPE " + metric + " " + type + "\n";
        last = metric;
      }
    };
    for (const auto& [key, value] : counters_) {
      const std::string metric = "cloudstate_proxy_" + key.first + "_total";
      header(metric, "counter");
      out += metric + Braces(key.second) + " " + Number(value) + "\n";
    }
    for (const auto& [key, value] : gauges_) {
      const std::string metric = "cloudstate_proxy_" + key.first;
      header(metric, "gauge");
      out += metric + Braces(key.second) + " " + Number(value) + "\n";
    }
    for (const auto& [key, h] : histograms_) {
      const std::string metric = "cloudstate_proxy_" + key.first;
      header(metric, "histogram");
      const std::string sep = key.second.empty() ? "" : ",";
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        out += metric + "_bucket{" + key.second + sep + "le=\"" + Number(kBuckets[i]) + "\"} " +
               std::to_string(h.buckets[i]) + "\n";
      }
      out +=
          metric + "_bucket{" + key.second + sep + "le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      out += metric + "_sum" + Braces(key.second) + " " + Number(h.sum) + "\n";
      out += metric + "_count" + Braces(key.second) + " " + std::to_string(h.count) + "\n";
    }
    return out;
  }

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  // (name, rendered labels without braces)
  using MetricKey = std::pair<std::string, std::string>;

  static MetricKey Key(std::string_view name, const Labels& labels) {
    std::string rendered;
    for (const auto& [k, v] : labels) {
      if (!rendered.empty()) {
        rendered += ',';
      }
      rendered += k + "=\"";
      for (char c : v) {
        if (c == '\\' || c == '"') {
          rendered += '\\';
          rendered += c;
        } else if (c == '\n') {
          rendered += "\\n";
        } else {
          rendered += c;
        }
      }
      rendered += '"';
    }
    return {std::string(name), std::move(rendered)};
  }
  static std::string Braces(const std::string& labels) {
    return labels.empty() ? std::string() : "{" + labels + "}";
  }
  static std::string Number(double v) {
    if (v == static_cast<double>(static_cast<int64_t>(v))) {
      return std::to_string(static_cast<int64_t>(v));
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%.6g", v);
    return buf;
  }

  std::mutex mu_;
  std::map<MetricKey, double> counters_;
  std::map<MetricKey, double> gauges_;
  std::map<MetricKey, Histogram> histograms_;
};

}  // namespace cloudstate::proxy
