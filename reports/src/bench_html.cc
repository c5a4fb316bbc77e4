// bench.html: one self-contained page (inline CSS and SVG, no scripts, no network) with a table and
// two plots per scenario: latency by percentile (open loop) and latency against throughput
// (closed-loop sweep).
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "cloudstate/reports/bench.h"
#include "text.h"

namespace cloudstate::reports {
namespace {

using internal::HtmlEscape;

struct PlotSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // data coordinates
};

struct Plot {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool x_log = false;
  bool y_log = false;
  // Optional custom x tick labels (data value, text).
  std::vector<std::pair<double, std::string>> x_ticks;
};

const char* const kColors[] = {"#1b6ac9", "#d1495b", "#2e933c", "#8a4fbf", "#e08e0b"};

std::string Num(double v) {
  if (v >= 100) {
    return absl::StrFormat("%.0f", v);
  }
  if (v >= 10) {
    return absl::StrFormat("%.1f", v);
  }
  return absl::StrFormat("%.2f", v);
}

// A line chart as inline SVG. Log axes use decade ticks; non-positive values are skipped there.
std::string RenderPlot(const Plot& plot, const std::vector<PlotSeries>& series) {
  constexpr double kW = 560, kH = 300, kLeft = 64, kRight = 16, kTop = 28, kBottom = 44;
  auto tx = [&](double v) { return plot.x_log ? std::log10(v) : v; };
  auto ty = [&](double v) { return plot.y_log ? std::log10(v) : v; };
  double x0 = std::numeric_limits<double>::max(), x1 = std::numeric_limits<double>::lowest();
  double y0 = x0, y1 = x1;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      if ((plot.x_log && x <= 0) || (plot.y_log && y <= 0)) {
        continue;
      }
      x0 = std::min(x0, tx(x));
      x1 = std::max(x1, tx(x));
      y0 = std::min(y0, ty(y));
      y1 = std::max(y1, ty(y));
    }
  }
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
      "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">"
      "<text x=\"%.0f\" y=\"16\" class=\"t\">%s</text>",
      kW, kH, kW, kH, HtmlEscape(plot.title), kLeft, HtmlEscape(plot.title));
  if (x0 > x1) {
    absl::StrAppend(&svg, "<text x=\"", kLeft, "\" y=\"60\">no data</text></svg>");
    return svg;
  }
  if (plot.y_log) {
    y0 = std::floor(y0);
    y1 = std::max(std::ceil(y1), y0 + 1);
  } else {
    y0 = std::min(0.0, y0);
    y1 = y1 <= y0 ? y0 + 1 : y1 * 1.05;
  }
  if (x1 - x0 < 1e-9) {
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (!plot.x_log) {
    x0 = std::min(0.0, x0);
  }
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  auto px = [&](double v) { return kLeft + (tx(v) - x0) / (x1 - x0) * pw; };
  auto py = [&](double v) { return kTop + ph - (ty(v) - y0) / (y1 - y0) * ph; };
  absl::StrAppendFormat(&svg,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        "class=\"frame\"/>",
                        kLeft, kTop, pw, ph);
  // Y ticks: decades on a log axis, five steps on a linear one.
  std::vector<double> y_ticks;
  if (plot.y_log) {
    const int decades = static_cast<int>(std::lround(y1 - y0));
    for (int e = 0; e <= decades; ++e) {
      y_ticks.push_back(std::pow(10.0, y0 + e));
    }
  } else {
    for (int i = 0; i <= 5; ++i) {
      y_ticks.push_back(y0 + (y1 - y0) * i / 5);
    }
  }
  for (double v : y_ticks) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" class=\"yt\">%s</text>",
                          kLeft, kLeft + pw, py(v), py(v), kLeft - 4, py(v) + 4, Num(v));
  }
  std::vector<std::pair<double, std::string>> x_ticks = plot.x_ticks;
  if (x_ticks.empty()) {
    for (int i = 0; i <= 5; ++i) {
      const double v = x0 + (x1 - x0) * i / 5;
      x_ticks.emplace_back(plot.x_log ? std::pow(10.0, v) : v,
                           Num(plot.x_log ? std::pow(10, v) : v));
    }
  }
  for (const auto& [v, label] : x_ticks) {
    if (tx(v) < x0 - 1e-9 || tx(v) > x1 + 1e-9) {
      continue;
    }
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" class=\"xt\">%s</text>",
                          px(v), px(v), kTop, kTop + ph, px(v), kTop + ph + 14, HtmlEscape(label));
  }
  absl::StrAppendFormat(&svg,
                        "<text x=\"%.1f\" y=\"%.1f\" class=\"xl\">%s</text>"
                        "<text x=\"12\" y=\"%.1f\" class=\"yl\" transform=\"rotate(-90 12 %.1f)\">"
                        "%s</text>",
                        kLeft + pw / 2, kH - 8, HtmlEscape(plot.x_label), kTop + ph / 2,
                        kTop + ph / 2, HtmlEscape(plot.y_label));
  for (size_t i = 0; i < series.size(); ++i) {
    const char* color = kColors[i % std::size(kColors)];
    std::string points;
    for (const auto& [x, y] : series[i].points) {
      if ((plot.x_log && x <= 0) || (plot.y_log && y <= 0)) {
        continue;
      }
      absl::StrAppendFormat(&points, "%.1f,%.1f ", px(x), py(y));
      absl::StrAppendFormat(&svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", px(x),
                            py(y), color);
    }
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                          "stroke-width=\"1.6\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" class=\"lg\">%s</text>",
                          points, color, kLeft + 8, kTop + 14 + 14.0 * i, color,
                          HtmlEscape(series[i].name));
  }
  absl::StrAppend(&svg, "</svg>");
  return svg;
}

// Percentile p (0..100) on the x axis as -log10(1 - p/100): 90 -> 1, 99 -> 2, 99.9 -> 3.
double PercentileX(double p) { return std::pow(10.0, -std::log10(std::max(1e-6, 1 - p / 100))); }

std::string Figure(const std::map<std::string, double>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? "-" : Num(it->second);
}

std::string Errors(const BenchPoint& p) {
  if (p.errors.empty()) {
    return "0";
  }
  std::string out;
  for (const auto& [status, n] : p.errors) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", HtmlEscape(status), " ", n);
  }
  return out;
}

}  // namespace

std::string RenderBenchHtml(const BenchRun& run) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>cloudstate-tck bench</title><style>"
      "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}"
      "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;"
      "text-align:right}th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}"
      "svg{margin:4px 12px 4px 0;background:#fff}.frame{fill:none;stroke:#999}"
      ".grid{stroke:#e4e4e4}.t{font-weight:600;font-size:13px}.xt{font-size:10px;"
      "text-anchor:middle}.yt{font-size:10px;text-anchor:end}.xl,.yl{font-size:11px;"
      "text-anchor:middle}.lg{font-size:11px}.plots{display:flex;flex-wrap:wrap}"
      ".bad{color:#b00020}</style></head><body>\n<h1>cloudstate-tck bench</h1>\n";
  absl::StrAppend(&h, "<p>Target: <b>", HtmlEscape(run.target_kind), "</b>, started ",
                  HtmlEscape(run.started_at), ", ", Num(run.duration_seconds),
                  " s. Latency in microseconds; open-loop latency is measured from each "
                  "request's intended send time. Ratios are this target over the baseline "
                  "(below 1 is faster, for throughput above 1 is faster).</p>\n<table>");
  for (const auto& [k, v] : run.configuration) {
    absl::StrAppend(&h, "<tr><td>", HtmlEscape(k), "</td><td>", HtmlEscape(v), "</td></tr>");
  }
  absl::StrAppend(&h, "</table>\n");
  for (const auto& s : run.scenarios) {
    absl::StrAppend(&h, "<h2>", HtmlEscape(s.name), " / ", HtmlEscape(s.distribution), "</h2>\n");
    if (!s.description.empty()) {
      absl::StrAppend(&h, "<p>", HtmlEscape(s.description), "</p>\n");
    }
    absl::StrAppend(&h,
                    "<table><tr><th>target</th><th>rate/s</th><th>p50</th><th>p90</th>"
                    "<th>p99</th><th>p99.9</th><th>max</th><th>throughput/s</th>"
                    "<th>saturation/s (conc.)</th><th>CPU ms/1000</th><th>errors</th></tr>\n");
    for (const auto& x : s.series) {
      const auto& o = x.open_loop;
      absl::StrAppend(
          &h, "<tr><td>", HtmlEscape(x.target), "</td><td>", Num(o.offered_rate), "</td><td>",
          Figure(o.latency_us, "p50"), "</td><td>", Figure(o.latency_us, "p90"), "</td><td>",
          Figure(o.latency_us, "p99"), "</td><td>", Figure(o.latency_us, "p99.9"), "</td><td>",
          Figure(o.latency_us, "max"), "</td><td>", Num(o.throughput), "</td><td>",
          Num(x.saturation_throughput), " (", x.saturation_concurrency, ")</td><td>",
          o.target_cpu_ms_per_1000 >= 0 ? Num(o.target_cpu_ms_per_1000) : "-", "</td><td",
          o.errors.empty() ? "" : " class=\"bad\"", ">", Errors(o), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
    if (!s.ratios.empty()) {
      absl::StrAppend(&h, "<table><tr><th>ratio</th><th>value</th></tr>");
      for (const auto& [k, v] : s.ratios) {
        absl::StrAppend(&h, "<tr><td>", HtmlEscape(k), "</td><td>", absl::StrFormat("%.3f", v),
                        "</td></tr>");
      }
      absl::StrAppend(&h, "</table>\n");
    }
    std::vector<PlotSeries> by_percentile;
    std::vector<PlotSeries> by_throughput;
    for (const auto& x : s.series) {
      PlotSeries p{x.target, {}};
      for (const auto& [pct, us] : x.open_loop.percentiles) {
        if (pct < 100) {
          p.points.emplace_back(PercentileX(pct), us);
        }
      }
      by_percentile.push_back(std::move(p));
      PlotSeries t{absl::StrCat(x.target, " p99"), {}};
      for (const auto& point : x.sweep) {
        auto it = point.latency_us.find("p99");
        if (it != point.latency_us.end()) {
          t.points.emplace_back(point.throughput, it->second);
        }
      }
      by_throughput.push_back(std::move(t));
    }
    Plot percentile_plot{"Latency by percentile (open loop)", "percentile", "latency (us)", true,
                         true};
    percentile_plot.x_ticks = {{1, "0"},    {2, "50"},      {10, "90"},
                               {100, "99"}, {1000, "99.9"}, {10000, "99.99"}};
    Plot throughput_plot{"p99 latency against throughput (closed-loop sweep)",
                         "throughput (requests/s)", "p99 latency (us)", false, true};
    absl::StrAppend(&h, "<div class=\"plots\">", RenderPlot(percentile_plot, by_percentile),
                    RenderPlot(throughput_plot, by_throughput), "</div>\n");
  }
  absl::StrAppend(&h, "</body></html>\n");
  return h;
}

}  // namespace cloudstate::reports
