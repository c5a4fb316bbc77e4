#include "cloudstate/model_checker/html.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"

namespace cloudstate::model_checker {
namespace {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Shorten(std::string text, size_t max) {
  if (text.size() > max) {
    text.resize(max - 3);
    text += "...";
  }
  return text;
}

// The bar label: "write 3", "read 3", "cas [1,2]".
std::string Label(const Operation& op) {
  std::string label = op.f;
  if (!op.input.is_null()) {
    absl::StrAppend(&label, " ", op.input.dump());
  }
  if (!op.output.is_null() && op.status == OpStatus::kOk) {
    absl::StrAppend(&label, " \u2192 ", op.output.dump());
  }
  if (op.status == OpStatus::kInfo) {
    absl::StrAppend(&label, " ?");
  }
  return Shorten(label, 28);
}

constexpr int kLaneHeight = 34;
constexpr int kLabelWidth = 160;
constexpr int kStep = 56;  // pixels per distinct event time

void RenderEntity(const History& history, const EntityResult& er, const HtmlOptions& options,
                  std::string* out) {
  const Counterexample& cx = er.counterexample;
  std::vector<const Operation*> ops;
  if (er.verdict == Verdict::kNotLinearizable && !cx.prefix.empty()) {
    for (int id : cx.prefix) {
      ops.push_back(&history.operations[id]);
    }
  } else {
    for (const Operation& op : history.operations) {
      if (op.entity == er.entity && op.status != OpStatus::kFail) {
        ops.push_back(&op);
      }
    }
  }
  const size_t total = ops.size();
  if (ops.size() > static_cast<size_t>(options.max_operations_per_entity)) {
    // Keep the end of the prefix: that is where the violation is.
    ops.erase(ops.begin(), ops.end() - options.max_operations_per_entity);
  }
  std::set<int> culprits(cx.culprits.begin(), cx.culprits.end());
  std::map<int, int> order;  // op id -> position in the longest partial linearization
  for (size_t i = 0; i < cx.longest_linearization.size(); ++i) {
    order[cx.longest_linearization[i]] = static_cast<int>(i) + 1;
  }
  // Times are drawn by rank, so that every operation is visible whatever the time unit.
  std::vector<int64_t> times;
  for (const Operation* op : ops) {
    times.push_back(op->call);
    if (op->ret != kNeverReturned) {
      times.push_back(op->ret);
    }
  }
  // Fault windows that overlap the operations shown are drawn behind them.
  std::vector<const FaultWindow*> faults;
  if (!times.empty()) {
    const auto [first, last] = std::minmax_element(times.begin(), times.end());
    const int64_t lo = *first;
    const int64_t hi = *last;
    for (const FaultWindow& fault : history.faults) {
      if (fault.start <= hi && fault.end >= lo) {
        faults.push_back(&fault);
        for (int64_t t : {fault.start, fault.end}) {
          if (t >= lo && t <= hi) {
            times.push_back(t);
          }
        }
      }
    }
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  auto x_of = [&](int64_t t) {
    if (t == kNeverReturned) {
      return kLabelWidth + static_cast<int>(times.size() + 1) * kStep;
    }
    auto it = std::lower_bound(times.begin(), times.end(), t);
    return kLabelWidth + static_cast<int>(it - times.begin()) * kStep + kStep / 2;
  };
  std::map<std::string, int> lanes;
  for (const Operation* op : ops) {
    lanes.emplace(op->process, 0);
  }
  int lane = 0;
  for (auto& [process, index] : lanes) {
    index = lane++;
  }
  const int width = kLabelWidth + static_cast<int>(times.size() + 2) * kStep + 200;
  const int height = lane * kLaneHeight + 30;

  absl::StrAppend(out, "<section><h2>Entity \"", Escape(er.entity), "\": ", VerdictName(er.verdict),
                  "</h2>\n<p>",
                  Escape(er.message.empty() ? std::string("linearizable") : er.message), "</p>\n");
  if (ops.size() < total) {
    absl::StrAppend(out, "<p>Showing the last ", ops.size(), " of ", total, " operations.</p>\n");
  }
  if (!cx.longest_linearization.empty() || er.verdict == Verdict::kNotLinearizable) {
    absl::StrAppend(out,
                    "<p>Numbers give a longest partial linearization; after it the state is <code>",
                    Escape(Shorten(cx.state_after_longest, 200)), "</code>.</p>\n");
  }
  absl::StrAppend(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", width, "\" height=\"",
                  height, "\" role=\"img\">\n");
  for (const FaultWindow* fault : faults) {
    const int x1 = fault->start < times.front() ? kLabelWidth : x_of(fault->start);
    const int x2 = fault->end > times.back() ? width : x_of(fault->end);
    absl::StrAppend(out, "<g class=\"fault\"><title>", Escape(fault->name), ": ",
                    Escape(fault->description), "</title><rect x=\"", x1, "\" y=\"0\" width=\"",
                    std::max(x2 - x1, 4), "\" height=\"", height, "\"/><text x=\"", x1 + 2,
                    "\" y=\"", height - 4, "\">", Escape(Shorten(fault->name, 24)),
                    "</text></g>\n");
  }
  for (const auto& [process, index] : lanes) {
    const int y = 10 + index * kLaneHeight;
    absl::StrAppend(out, "<text class=\"lane\" x=\"4\" y=\"", y + 20, "\">client ",
                    Escape(Shorten(process, 16)), "</text><line class=\"grid\" x1=\"", kLabelWidth,
                    "\" x2=\"", width, "\" y1=\"", y + kLaneHeight - 2, "\" y2=\"",
                    y + kLaneHeight - 2, "\"/>\n");
  }
  for (const Operation* op : ops) {
    const int y = 10 + lanes[op->process] * kLaneHeight;
    const int x1 = x_of(op->call) - 8;
    const int x2 = std::max(x_of(op->ret) + 8, x1 + 16);
    std::string cls = "op";
    if (culprits.contains(op->id)) {
      cls += " culprit";
    } else if (order.contains(op->id)) {
      cls += " linearized";
    }
    if (op->status == OpStatus::kInfo || op->ret == kNeverReturned) {
      cls += " unknown";
    }
    absl::StrAppend(out, "<g class=\"", cls, "\"><title>", Escape(DescribeOperation(*op)),
                    "</title><rect x=\"", x1, "\" y=\"", y + 4, "\" width=\"", x2 - x1,
                    "\" height=\"", kLaneHeight - 10, "\" rx=\"4\"/><text x=\"", x1 + 4, "\" y=\"",
                    y + 21, "\">");
    if (order.contains(op->id)) {
      absl::StrAppend(out, order[op->id], ". ");
    }
    absl::StrAppend(out, Escape(Label(*op)), "</text></g>\n");
  }
  absl::StrAppend(out, "</svg>\n");
  if (er.verdict == Verdict::kNotLinearizable) {
    CheckResult one;
    one.model = "";
    one.entities = {er};
    std::string text = DescribeResult(history, one);
    text = text.substr(text.find('\n') + 1);  // drop the summary line of the one-entity result
    absl::StrAppend(out, "<details open><summary>Counterexample as text</summary><pre>",
                    Escape(text), "</pre></details>\n");
  }
  absl::StrAppend(out, "</section>\n");
}

}  // namespace

std::string RenderHistoryHtml(const History& history, const CheckResult& result,
                              const HtmlOptions& options) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>cloudstate-model-checker: ",
      VerdictName(result.verdict),
      "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:1.5em;color:#222}"
      "svg{font-family:monospace;font-size:11px;border:1px solid #ddd;background:#fcfcfc}"
      ".lane{font-weight:bold}.grid{stroke:#eee}pre{white-space:pre-wrap}"
      ".op rect{fill:#dbe7f5;stroke:#6b8db5}.op.linearized rect{fill:#d9f2d9;stroke:#4a9a4a}"
      ".op.culprit rect{fill:#f9d0d0;stroke:#c0392b;stroke-width:2}"
      ".op.unknown rect{stroke-dasharray:4 3;fill-opacity:.5}"
      ".fault rect{fill:#fff1c2;fill-opacity:.7}.fault text{fill:#8a6d00}"
      ".legend span{display:inline-block;padding:2px 8px;margin-right:8px;border:1px solid}"
      "\n</style></head><body>\n<h1>History check: ",
      VerdictName(result.verdict), "</h1>\n<p>Model <code>", Escape(result.model), "</code>, ",
      result.operations, " operations on ", result.entities.size(), " entities (",
      result.failed_operations,
      " failed operations left out).</p>\n"
      "<p class=\"legend\"><span style=\"background:#f9d0d0;border-color:#c0392b\">cannot be "
      "linearized</span><span style=\"background:#d9f2d9;border-color:#4a9a4a\">in a longest "
      "partial linearization (numbered)</span><span style=\"background:#dbe7f5;border-color:"
      "#6b8db5\">other</span><span style=\"border-style:dashed\">outcome unknown</span>"
      "<span style=\"background:#fff1c2;border-color:#e0c060\">fault injected</span></p>\n");
  if (!history.faults.empty()) {
    absl::StrAppend(&out, "<p>", history.faults.size(), " faults injected:</p><ul>\n");
    for (const FaultWindow& fault : history.faults) {
      absl::StrAppend(&out, "<li><code>", Escape(fault.name), "</code> ", Escape(fault.description),
                      "</li>\n");
    }
    absl::StrAppend(&out, "</ul>\n");
  }
  int drawn = 0;
  for (const EntityResult& er : result.entities) {
    if (er.verdict == Verdict::kLinearizable && !options.include_linearizable) {
      continue;
    }
    RenderEntity(history, er, options, &out);
    ++drawn;
  }
  if (drawn == 0) {
    absl::StrAppend(&out, "<p>Every entity is linearizable.</p>\n");
  }
  absl::StrAppend(&out, "</body></html>\n");
  return out;
}

}  // namespace cloudstate::model_checker
