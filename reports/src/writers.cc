#include "cloudstate/reports/writers.h"

#include <filesystem>
#include <fstream>
#include <functional>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace cloudstate::reports {
namespace {

// Writes through a temporary file and renames, so a reader never sees half a report.
absl::Status WriteFile(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      return absl::UnavailableError(absl::StrCat("cannot write ", tmp.string()));
    }
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      return absl::UnavailableError(absl::StrCat("error writing ", tmp.string()));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", tmp.string(), " to ", path.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteAllReports(const RunResults& run, const std::vector<RuleInfo>& rules,
                             const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  const std::vector<std::pair<const char*, std::function<std::string()>>> files = {
      {"junit.xml", [&] { return RenderJUnitXml(run, rules); }},
      {"ctrf.json", [&] { return RenderCtrfJson(run); }},
      {"results.tap", [&] { return RenderTap(run); }},
      {"report.html", [&] { return RenderHtml(run, rules); }},
      {"report.md", [&] { return RenderMarkdown(run, rules); }},
      {"badge.json", [&] { return RenderBadgeJson(run, rules); }},
      {"badge.svg", [&] { return RenderBadgeSvg(run, rules); }},
      {"summary.json", [&] { return RenderSummaryJson(run, rules); }},
      {"results.json", [&] { return RenderResultsJson(run); }},
  };
  for (const auto& [name, render] : files) {
    absl::Status st = WriteFile(std::filesystem::path(dir) / name, render());
    if (!st.ok()) {
      return st;
    }
  }
  spdlog::info("wrote {} report files to {}", files.size(), dir);
  return absl::OkStatus();
}

}  // namespace cloudstate::reports
