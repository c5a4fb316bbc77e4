// bench.json (read back by --compare), the bench CTRF report, ratios and the comparison.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

#include "cloudstate/reports/bench.h"
#include "text.h"

namespace cloudstate::reports {

using nlohmann::json;

namespace {

constexpr int kBenchFormatVersion = 1;

json PointToJson(const BenchPoint& p) {
  json percentiles = json::array();
  for (const auto& [pct, us] : p.percentiles) {
    percentiles.push_back(json::array({pct, us}));
  }
  json j = {{"mode", p.mode},
            {"requests", p.requests},
            {"ok", p.ok},
            {"duration_seconds", p.duration_seconds},
            {"throughput", p.throughput},
            {"latency_us", p.latency_us},
            {"percentiles", percentiles},
            {"errors", p.errors}};
  if (p.mode == "open") {
    j["offered_rate"] = p.offered_rate;
  } else {
    j["concurrency"] = p.concurrency;
  }
  if (p.target_cpu_ms_per_1000 >= 0) {
    j["target_cpu_ms_per_1000"] = p.target_cpu_ms_per_1000;
  }
  return j;
}

BenchPoint PointFromJson(const json& j) {
  BenchPoint p;
  p.mode = j.value("mode", "");
  p.offered_rate = j.value("offered_rate", 0.0);
  p.concurrency = j.value("concurrency", 0);
  p.requests = j.value("requests", uint64_t{0});
  p.ok = j.value("ok", uint64_t{0});
  p.duration_seconds = j.value("duration_seconds", 0.0);
  p.throughput = j.value("throughput", 0.0);
  if (j.contains("latency_us") && j["latency_us"].is_object()) {
    p.latency_us = j["latency_us"].get<std::map<std::string, double>>();
  }
  if (j.contains("percentiles") && j["percentiles"].is_array()) {
    for (const auto& pair : j["percentiles"]) {
      if (pair.is_array() && pair.size() == 2 && pair[0].is_number() && pair[1].is_number()) {
        p.percentiles.emplace_back(pair[0].get<double>(), pair[1].get<double>());
      }
    }
  }
  if (j.contains("errors") && j["errors"].is_object()) {
    p.errors = j["errors"].get<std::map<std::string, uint64_t>>();
  }
  p.target_cpu_ms_per_1000 = j.value("target_cpu_ms_per_1000", -1.0);
  return p;
}

const BenchSeries* FindSeries(const BenchScenario& s, std::string_view target) {
  for (const auto& series : s.series) {
    if (series.target == target) {
      return &series;
    }
  }
  return nullptr;
}

double Latency(const BenchPoint& p, const std::string& key) {
  auto it = p.latency_us.find(key);
  return it == p.latency_us.end() ? 0 : it->second;
}

bool HigherIsBetter(const std::string& ratio) { return ratio.rfind("throughput", 0) == 0; }

}  // namespace

void ComputeBenchRatios(BenchScenario& scenario) {
  scenario.ratios.clear();
  // The measured implementation: the proxy when there is one, else the function.
  const BenchSeries* subject = FindSeries(scenario, "proxy");
  if (subject == nullptr) {
    subject = FindSeries(scenario, "function");
  }
  if (subject == nullptr) {
    return;
  }
  // The HTTP/JSON API of the same proxy, against the echo baseline and its own gRPC API.
  if (const BenchSeries* http = FindSeries(scenario, "proxy-http")) {
    for (const BenchSeries* base : {FindSeries(scenario, "echo"), subject}) {
      if (base == nullptr || base == http) {
        continue;
      }
      for (const char* pct : {"p50", "p99"}) {
        const double b = Latency(base->open_loop, pct);
        const double mine = Latency(http->open_loop, pct);
        if (b > 0 && mine > 0) {
          scenario.ratios[absl::StrCat("http_", pct, "_vs_", base->target)] = mine / b;
        }
      }
    }
  }
  for (const char* baseline_name : {"echo", "direct"}) {
    const BenchSeries* baseline = FindSeries(scenario, baseline_name);
    if (baseline == nullptr || baseline == subject) {
      continue;
    }
    for (const char* pct : {"p50", "p99"}) {
      const double base = Latency(baseline->open_loop, pct);
      const double mine = Latency(subject->open_loop, pct);
      if (base > 0 && mine > 0) {
        scenario.ratios[absl::StrCat(pct, "_vs_", baseline_name)] = mine / base;
      }
    }
    if (baseline->saturation_throughput > 0 && subject->saturation_throughput > 0) {
      scenario.ratios[absl::StrCat("throughput_vs_", baseline_name)] =
          subject->saturation_throughput / baseline->saturation_throughput;
    }
  }
}

std::string RenderBenchJson(const BenchRun& run) {
  json scenarios = json::array();
  for (const auto& s : run.scenarios) {
    json series = json::array();
    for (const auto& x : s.series) {
      json sweep = json::array();
      for (const auto& p : x.sweep) {
        sweep.push_back(PointToJson(p));
      }
      series.push_back({{"target", x.target},
                        {"address", x.address},
                        {"open_loop", PointToJson(x.open_loop)},
                        {"sweep", sweep},
                        {"saturation_throughput", x.saturation_throughput},
                        {"saturation_concurrency", x.saturation_concurrency}});
    }
    scenarios.push_back({{"name", s.name},
                         {"distribution", s.distribution},
                         {"description", internal::SanitizeUtf8(s.description)},
                         {"series", series},
                         {"ratios", s.ratios}});
  }
  json configuration = json::object();
  for (const auto& [k, v] : run.configuration) {
    configuration[k] = internal::SanitizeUtf8(v);
  }
  json j = {{"format", "cloudstate-bench"},
            {"version", kBenchFormatVersion},
            {"tool", run.tool},
            {"started_at", run.started_at},
            {"duration_seconds", run.duration_seconds},
            {"target_kind", run.target_kind},
            {"configuration", configuration},
            {"scenarios", scenarios}};
  return j.dump(2) + "\n";
}

absl::StatusOr<BenchRun> ParseBenchJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("bench.json: not a JSON object");
  }
  if (j.value("format", "") != "cloudstate-bench") {
    return absl::InvalidArgumentError("bench.json: not a cloudstate-bench report");
  }
  if (j.value("version", 0) > kBenchFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat("bench.json: format version ",
                                                   j.value("version", 0), " is newer than ",
                                                   kBenchFormatVersion));
  }
  BenchRun run;
  // Exceptions stay inside nlohmann (value() on wrong types throws): catch them here only.
  try {
    run.tool = j.value("tool", run.tool);
    run.started_at = j.value("started_at", "");
    run.duration_seconds = j.value("duration_seconds", 0.0);
    run.target_kind = j.value("target_kind", "");
    if (j.contains("configuration") && j["configuration"].is_object()) {
      run.configuration = j["configuration"].get<std::map<std::string, std::string>>();
    }
    for (const auto& sj : j.value("scenarios", json::array())) {
      BenchScenario s;
      s.name = sj.value("name", "");
      s.distribution = sj.value("distribution", "");
      s.description = sj.value("description", "");
      for (const auto& xj : sj.value("series", json::array())) {
        BenchSeries x;
        x.target = xj.value("target", "");
        x.address = xj.value("address", "");
        x.open_loop = PointFromJson(xj.value("open_loop", json::object()));
        for (const auto& pj : xj.value("sweep", json::array())) {
          x.sweep.push_back(PointFromJson(pj));
        }
        x.saturation_throughput = xj.value("saturation_throughput", 0.0);
        x.saturation_concurrency = xj.value("saturation_concurrency", 0);
        s.series.push_back(std::move(x));
      }
      if (sj.contains("ratios") && sj["ratios"].is_object()) {
        s.ratios = sj["ratios"].get<std::map<std::string, double>>();
      }
      run.scenarios.push_back(std::move(s));
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("bench.json: ", e.what()));
  }
  return run;
}

absl::StatusOr<BenchRun> ReadBenchJson(const std::string& path) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) {
    p /= "bench.json";
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", p.string()));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseBenchJson(buffer.str());
}

std::string RenderBenchCtrf(const BenchRun& run) {
  const int64_t start = internal::Rfc3339ToEpochMillis(run.started_at);
  json tests = json::array();
  int passed = 0;
  int failed = 0;
  for (const auto& s : run.scenarios) {
    // A scenario "fails" when any request of it failed: the figures would not mean much.
    uint64_t errors = 0;
    double seconds = 0;
    json figures = json::object();
    for (const auto& x : s.series) {
      for (const BenchPoint* p : {&x.open_loop}) {
        for (const auto& [status, n] : p->errors) {
          errors += n;
        }
        seconds += p->duration_seconds;
      }
      for (const auto& p : x.sweep) {
        for (const auto& [status, n] : p.errors) {
          errors += n;
        }
        seconds += p.duration_seconds;
      }
      json f = {{"open_loop_latency_us", x.open_loop.latency_us},
                {"open_loop_rate", x.open_loop.offered_rate},
                {"open_loop_throughput", x.open_loop.throughput},
                {"saturation_throughput", x.saturation_throughput},
                {"saturation_concurrency", x.saturation_concurrency},
                {"errors", x.open_loop.errors}};
      if (x.open_loop.target_cpu_ms_per_1000 >= 0) {
        f["target_cpu_ms_per_1000"] = x.open_loop.target_cpu_ms_per_1000;
      }
      figures[x.target] = f;
    }
    const bool ok = errors == 0;
    ok ? ++passed : ++failed;
    json t = {{"name", absl::StrCat("bench/", s.name, "/", s.distribution)},
              {"status", ok ? "passed" : "failed"},
              {"duration", internal::SecondsToMillis(seconds)},
              {"suite", json::array({"bench"})},
              {"extra", {{"ratios", s.ratios}, {"series", figures}}}};
    if (!ok) {
      t["message"] = absl::StrCat(errors, " request(s) failed; see bench.json for statuses");
    }
    tests.push_back(std::move(t));
  }
  json summary = {{"tests", passed + failed},
                  {"passed", passed},
                  {"failed", failed},
                  {"pending", 0},
                  {"skipped", 0},
                  {"other", 0},
                  {"start", start},
                  {"stop", start + internal::SecondsToMillis(run.duration_seconds)}};
  json j = {{"reportFormat", "CTRF"},
            {"specVersion", "0.0.0"},
            {"results",
             {{"tool", {{"name", "cloudstate-tck bench"}}},
              {"summary", summary},
              {"tests", tests},
              {"extra", {{"target_kind", run.target_kind}}}}}};
  return j.dump(2) + "\n";
}

absl::Status WriteBenchReports(const BenchRun& run, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  const std::pair<const char*, std::string> files[] = {{"bench.json", RenderBenchJson(run)},
                                                       {"ctrf.json", RenderBenchCtrf(run)},
                                                       {"bench.html", RenderBenchHtml(run)}};
  for (const auto& [name, content] : files) {
    const auto path = std::filesystem::path(dir) / name;
    const auto tmp = std::filesystem::path(path.string() + ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << content;
      if (!out.flush()) {
        return absl::InternalError(absl::StrCat("cannot write ", tmp.string()));
      }
    }
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot write ", path.string(), ": ", ec.message()));
    }
  }
  return absl::OkStatus();
}

std::vector<BenchRegression> CompareBench(const BenchRun& old_run, const BenchRun& new_run,
                                          double threshold) {
  std::map<std::string, const BenchScenario*> old_by_key;
  for (const auto& s : old_run.scenarios) {
    old_by_key[absl::StrCat(s.name, "/", s.distribution)] = &s;
  }
  std::vector<BenchRegression> out;
  for (const auto& s : new_run.scenarios) {
    const std::string key = absl::StrCat(s.name, "/", s.distribution);
    auto it = old_by_key.find(key);
    if (it == old_by_key.end()) {
      continue;
    }
    for (const auto& [ratio, new_value] : s.ratios) {
      auto old_it = it->second->ratios.find(ratio);
      if (old_it == it->second->ratios.end() || old_it->second <= 0) {
        continue;
      }
      const double old_value = old_it->second;
      const bool worse = HigherIsBetter(ratio) ? new_value < old_value * (1 - threshold)
                                               : new_value > old_value * (1 + threshold);
      if (worse) {
        out.push_back({key, ratio, old_value, new_value});
      }
    }
  }
  return out;
}

int RunBenchCompare(const std::string& old_path, const std::string& new_path, double threshold,
                    std::ostream& out) {
  auto old_run = ReadBenchJson(old_path);
  auto new_run = ReadBenchJson(new_path);
  for (const auto* r : {&old_run, &new_run}) {
    if (!r->ok()) {
      out << "error: " << r->status().message() << "\n";
      return 2;
    }
  }
  int compared = 0;
  for (const auto& s : new_run->scenarios) {
    for (const auto& o : old_run->scenarios) {
      if (o.name != s.name || o.distribution != s.distribution) {
        continue;
      }
      for (const auto& [ratio, value] : s.ratios) {
        auto it = o.ratios.find(ratio);
        if (it != o.ratios.end()) {
          out << absl::StrFormat("%-28s %-20s %8.3f -> %8.3f\n",
                                 absl::StrCat(s.name, "/", s.distribution), ratio, it->second,
                                 value);
          ++compared;
        }
      }
    }
  }
  const auto regressions = CompareBench(*old_run, *new_run, threshold);
  for (const auto& r : regressions) {
    out << absl::StrFormat("REGRESSION %s %s: %.3f -> %.3f (threshold %.0f%%)\n", r.scenario,
                           r.ratio, r.old_value, r.new_value, threshold * 100);
  }
  out << compared << " ratio(s) compared, " << regressions.size() << " regression(s)\n";
  return regressions.empty() ? 0 : 1;
}

}  // namespace cloudstate::reports
