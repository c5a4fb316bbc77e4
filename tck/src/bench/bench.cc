#include "cloudstate/tck/bench/bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "cloudstate/tck/bench/echo_child.h"
#include "cloudstate/tck/bench/http_load.h"

namespace cloudstate::tck::bench {
namespace {

// Each phase's sequence numbers start here * phase, so keys never repeat across phases.
constexpr uint64_t kSeqStride = uint64_t{1} << 32;

const double kPercentileCurve[] = {0,  10, 20,   30, 40,   50,   60,   70,    75,    80,     85,
                                   90, 95, 97.5, 99, 99.5, 99.7, 99.9, 99.95, 99.99, 99.999, 100};

// An implementation the kit measures, and how to build a fresh issuer for one phase.
struct Series {
  std::string target;  // "echo", "proxy", "function", "direct"
  std::string address;
  int pid = 0;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::function<std::unique_ptr<RequestIssuer>(const KeyDistribution& keys)> make;
};

// Sends requests one at a time until one succeeds: the proxy may still be discovering the
// function, or the function still starting.
bool WaitReady(Series& series, const KeyDistribution& keys, double timeout_seconds,
               std::ostream& log) {
  const auto deadline = absl::Now() + absl::Seconds(timeout_seconds);
  int last = -1;
  for (uint64_t seq = 0; absl::Now() < deadline; ++seq) {
    auto issuer = series.make(keys);
    SteadyClock clock;
    PhaseStats stats = RunClosedLoop(*issuer, clock, 1, 0, kSeqStride - 1000 + seq % 1000);
    if (stats.ok > 0) {
      return true;
    }
    last = stats.errors_by_code.empty() ? -1 : stats.errors_by_code.begin()->first;
    absl::SleepFor(absl::Milliseconds(100));  // a retry interval, not a wait for an event
  }
  log << "bench: " << series.target << " at " << series.address
      << " never answered OK (last: " << CodeName(last) << ")\n";
  return false;
}

reports::BenchPoint Measure(Series& series, const KeyDistribution& base_keys, uint64_t phase,
                            bool open, double rate, int concurrency, double seconds) {
  KeyDistribution keys = base_keys;
  if (keys.kind == KeyDistribution::Kind::kNew) {
    keys.prefix = absl::StrCat(keys.prefix, "p", phase, "-");
  }
  auto issuer = series.make(keys);
  SteadyClock clock;
  const double cpu_before = series.pid > 0 ? ProcessCpuMillis(series.pid) : -1;
  PhaseStats stats;
  if (open) {
    OpenLoopOptions o;
    o.rate_per_second = rate;
    o.duration_seconds = seconds;
    stats = RunOpenLoop(*issuer, clock, o, phase * kSeqStride);
  } else {
    stats = RunClosedLoop(*issuer, clock, concurrency, seconds, phase * kSeqStride);
  }
  const double cpu_after = series.pid > 0 ? ProcessCpuMillis(series.pid) : -1;
  issuer.reset();  // closes entity streams before the next phase
  reports::BenchPoint point = ToPoint(stats);
  point.mode = open ? "open" : "closed";
  point.offered_rate = open ? rate : 0;
  point.concurrency = open ? 0 : concurrency;
  if (cpu_before >= 0 && cpu_after >= 0 && stats.requests > 0) {
    point.target_cpu_ms_per_1000 = (cpu_after - cpu_before) * 1000.0 / stats.requests;
  }
  return point;
}

std::string NowRfc3339() {
  return absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone());
}

std::string Nonce() {
  std::random_device rd;
  return absl::StrFormat("%08x", rd());
}

}  // namespace

std::string CodeName(int code) {
  if (code == kFailureReply) {
    return "FAILURE_REPLY";
  }
  // gRPC and absl number their status codes alike and name them alike.
  if (code >= 0 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  }
  return absl::StrCat("CODE_", code);
}

reports::BenchPoint ToPoint(const PhaseStats& stats) {
  reports::BenchPoint p;
  p.requests = stats.requests;
  p.ok = stats.ok;
  p.duration_seconds = static_cast<double>(stats.elapsed_ns) / 1e9;
  p.throughput = stats.Throughput();
  const auto& h = stats.latency_ns;
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  if (h.count() > 0) {
    p.latency_us = {{"p50", us(h.ValueAtPercentile(50))},
                    {"p90", us(h.ValueAtPercentile(90))},
                    {"p99", us(h.ValueAtPercentile(99))},
                    {"p99.9", us(h.ValueAtPercentile(99.9))},
                    {"max", us(h.max())},
                    {"mean", h.mean() / 1000.0}};
    for (double pct : kPercentileCurve) {
      p.percentiles.emplace_back(pct, us(h.ValueAtPercentile(pct)));
    }
  }
  for (const auto& [code, n] : stats.errors_by_code) {
    p.errors[CodeName(code)] += n;
  }
  return p;
}

double ProcessCpuMillis(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) {
    return -1;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = -1;
  double stime = -1;
  // After ')': field 3 is state; utime and stime are fields 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) {
      utime = std::strtod(field.c_str(), nullptr);
    } else if (index == 15) {
      stime = std::strtod(field.c_str(), nullptr);
    }
  }
  const int64_t ticks = sysconf(_SC_CLK_TCK);
  if (utime < 0 || stime < 0 || ticks <= 0) {
    return -1;
  }
  return (utime + stime) * 1000.0 / static_cast<double>(ticks);
}

absl::StatusOr<reports::BenchRun> RunBench(const BenchOptions& options, std::ostream& log) {
  const bool proxy = !options.proxy_address.empty();
  if (!proxy && options.function_address.empty()) {
    return absl::InvalidArgumentError("bench needs --proxy HOST:PORT or --function HOST:PORT");
  }
  std::vector<const Scenario*> scenarios;
  for (const auto& name : options.scenarios) {
    const Scenario* s = FindScenario(name);
    if (s == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown scenario '", name, "' (see --list)"));
    }
    scenarios.push_back(s);
  }
  std::vector<KeyDistribution> distributions;
  for (const auto& text : options.distributions) {
    auto d = ParseDistribution(text);
    if (!d.ok()) {
      return d.status();
    }
    distributions.push_back(*d);
  }
  if (distributions.empty() || options.concurrency.empty()) {
    return absl::InvalidArgumentError("bench needs at least one distribution and concurrency");
  }

  reports::BenchRun run;
  run.started_at = NowRfc3339();
  run.target_kind = proxy ? "proxy" : "function";
  const auto run_start = std::chrono::steady_clock::now();
  run.configuration = {{"rate", absl::StrCat(options.rate)},
                       {"duration_seconds", absl::StrCat(options.duration_seconds)},
                       {"warmup_seconds", absl::StrCat(options.warmup_seconds)},
                       {"concurrency", absl::StrJoin(options.concurrency, ",")},
                       {"connections", absl::StrCat(options.connections)},
                       {"scenarios", absl::StrJoin(options.scenarios, ",")},
                       {"distributions", absl::StrJoin(options.distributions, ",")},
                       {"cpus", absl::StrCat(sysconf(_SC_NPROCESSORS_ONLN))}};
  if (proxy) {
    run.configuration["proxy"] = options.proxy_address;
  }
  if (!options.http_address.empty()) {
    run.configuration["http"] = options.http_address;
  }
  if (!options.function_address.empty()) {
    run.configuration["function"] = options.function_address;
  }

  std::unique_ptr<EchoServer> echo_server;
  std::unique_ptr<EchoChild> echo_child;
  std::string echo_address;
  int echo_pid = 0;
  if (options.echo_baseline && !options.echo_executable.empty()) {
    auto started = EchoChild::Start(options.echo_executable, options.ready_timeout_seconds);
    if (!started.ok()) {
      return started.status();
    }
    echo_child = std::move(*started);
    echo_address = echo_child->address();
    echo_pid = echo_child->pid();
    run.configuration["echo"] = "child process";
  } else if (options.echo_baseline) {
    auto started = EchoServer::Start();
    if (!started.ok()) {
      return started.status();
    }
    echo_server = std::move(*started);
    echo_address = echo_server->address();
    run.configuration["echo"] = "in process";
  }
  const bool echo = !echo_address.empty();
  auto channels_for = [&](const std::string& address) {
    return MakeChannels(address, options.connections);
  };
  std::vector<std::shared_ptr<grpc::Channel>> echo_channels;
  if (echo) {
    echo_channels = channels_for(echo_address);
  }
  std::vector<std::shared_ptr<grpc::Channel>> proxy_channels;
  if (proxy) {
    proxy_channels = channels_for(options.proxy_address);
  }
  std::vector<std::shared_ptr<grpc::Channel>> function_channels;
  if (!options.function_address.empty()) {
    function_channels = channels_for(options.function_address);
  }
  const double deadline = options.request_deadline_seconds;
  const double stream_deadline = deadline + options.duration_seconds + options.warmup_seconds + 60;
  const std::string nonce = Nonce();
  uint64_t phase = 1;

  for (const Scenario* scenario : scenarios) {
    std::vector<KeyDistribution> dists = distributions;
    if (!scenario->keyed) {
      dists.resize(1);  // the distribution does not apply: measure once
    }
    for (KeyDistribution keys : dists) {
      keys.prefix = absl::StrCat("bench-", nonce, "-", scenario->name, "-");
      if (scenario->stream_per_request) {
        keys.kind = KeyDistribution::Kind::kNew;  // a stream per request
      }
      // The function, driven as a proxy would: an entity stream or an action call.
      auto function_series = [&](const std::string& target, const std::string& address,
                                 const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                 int pid) -> Series {
        Series s{target, address, pid, channels, nullptr};
        if (scenario->function_streamed) {
          s.make = [channels, scenario, stream_deadline](const KeyDistribution& k) {
            return std::make_unique<EntityStreamIssuer>(channels, scenario->function_stream, k,
                                                        stream_deadline);
          };
        } else {
          s.make = [channels, scenario, deadline](const KeyDistribution&) {
            return std::make_unique<UnaryIssuer>(channels, scenario->function_unary_method,
                                                 scenario->function_unary_request,
                                                 scenario->function_unary_check, deadline);
          };
        }
        return s;
      };
      std::vector<Series> series;
      if (echo) {
        // The echo baseline carries the subject's messages in the subject's shape.
        const bool streamed = proxy ? scenario->proxy_streamed : scenario->function_streamed;
        Series s{"echo", echo_address, echo_pid, echo_channels, nullptr};
        if (!streamed) {
          s.make = [channels = echo_channels, scenario, proxy, deadline](const KeyDistribution& k) {
            std::function<std::string(uint64_t)> build;
            if (proxy) {
              build = [scenario, k](uint64_t seq) {
                return scenario->proxy_request(k.KeyFor(seq), seq);
              };
            } else {
              build = scenario->function_unary_request;
            }
            return std::make_unique<UnaryIssuer>(channels, "/cloudstate.bench.Echo/Unary", build,
                                                 nullptr, deadline);
          };
        } else {
          StreamProtocol echo_protocol = proxy ? scenario->proxy_stream : scenario->function_stream;
          echo_protocol.init = nullptr;  // an echoed init would read as a reply
          echo_protocol.classify = [](const std::string&) { return 0; };
          s.make = [channels = echo_channels, echo_protocol,
                    stream_deadline](const KeyDistribution& k) {
            return std::make_unique<EntityStreamIssuer>(channels, echo_protocol, k,
                                                        stream_deadline);
          };
        }
        series.push_back(std::move(s));
      }
      if (proxy) {
        Series s{"proxy", options.proxy_address, options.target_pid, proxy_channels, nullptr};
        s.make = [channels = proxy_channels, scenario, deadline,
                  stream_deadline](const KeyDistribution& k) -> std::unique_ptr<RequestIssuer> {
          if (scenario->proxy_streamed) {
            return std::make_unique<EntityStreamIssuer>(channels, scenario->proxy_stream, k,
                                                        stream_deadline);
          }
          return std::make_unique<UnaryIssuer>(
              channels, scenario->proxy_method,
              [scenario, k](uint64_t seq) { return scenario->proxy_request(k.KeyFor(seq), seq); },
              nullptr, deadline);
        };
        series.push_back(std::move(s));
        if (!options.http_address.empty() && scenario->http_path) {
          // No gRPC channels: readiness is the first OK answer.
          Series h{"proxy-http", options.http_address, 0, {}, nullptr};
          h.make = [address = options.http_address, scenario, deadline,
                    workers = options.http_workers](const KeyDistribution& k) {
            return std::make_unique<HttpIssuer>(
                address,
                [scenario, k](uint64_t seq) { return scenario->http_path(k.KeyFor(seq), seq); },
                [scenario, k](uint64_t seq) { return scenario->http_body(k.KeyFor(seq), seq); },
                workers, deadline);
          };
          series.push_back(std::move(h));
        }
        if (!options.function_address.empty()) {
          series.push_back(function_series("direct", options.function_address, function_channels,
                                           options.function_pid));
        }
      } else {
        series.push_back(function_series("function", options.function_address, function_channels,
                                         options.target_pid));
      }

      reports::BenchScenario result;
      result.name = scenario->name;
      result.distribution = scenario->keyed ? keys.Name() : "-";
      result.description = scenario->description;
      for (Series& s : series) {
        log << "bench: " << scenario->name << "/" << result.distribution << " " << s.target << " ("
            << s.address << ")\n";
        if (!WaitConnected(s.channels, options.ready_timeout_seconds)) {
          return absl::UnavailableError(
              absl::StrCat("cannot connect to ", s.target, " at ", s.address));
        }
        reports::BenchSeries out;
        out.target = s.target;
        out.address = s.address;
        // A target that never answers OK is still measured: its errors by status say why.
        WaitReady(s, keys, options.ready_timeout_seconds, log);
        if (options.warmup_seconds > 0) {
          Measure(s, keys, phase++, true, options.rate, 0, options.warmup_seconds);
        }
        out.open_loop = Measure(s, keys, phase++, true, options.rate, 0, options.duration_seconds);
        for (int c : options.concurrency) {
          out.sweep.push_back(Measure(s, keys, phase++, false, 0, c, options.duration_seconds));
          if (out.sweep.back().throughput > out.saturation_throughput) {
            out.saturation_throughput = out.sweep.back().throughput;
            out.saturation_concurrency = c;
          }
        }
        const auto& lat = out.open_loop.latency_us;
        auto at = [&](const char* k) {
          auto it = lat.find(k);
          return it == lat.end() ? 0.0 : it->second;
        };
        log << absl::StrFormat(
            "  open %.0f/s: p50 %.0fus p99 %.0fus max %.0fus, %d/%d ok; saturation %.0f/s at "
            "%d\n",
            options.rate, at("p50"), at("p99"), at("max"), out.open_loop.ok, out.open_loop.requests,
            out.saturation_throughput, out.saturation_concurrency);
        result.series.push_back(std::move(out));
      }
      reports::ComputeBenchRatios(result);
      for (const auto& [k, v] : result.ratios) {
        log << absl::StrFormat("  %s %.2f\n", k, v);
      }
      run.scenarios.push_back(std::move(result));
    }
  }
  run.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  return run;
}

}  // namespace cloudstate::tck::bench
