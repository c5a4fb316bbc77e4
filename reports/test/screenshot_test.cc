// Renders report.html in headless Chromium with networking disabled and checks the screenshot.
// Skipped with a message when /usr/bin/chromium is not installed (`apt-get install chromium`).
// The PNG is kept at $CS_BINARY_DIR/reports/screenshot/report.png for people to look at.
#include <filesystem>
#include <fstream>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

#include "cloudstate/reports/writers.h"
#include "test_data.h"

namespace cloudstate::reports {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

TEST(ScreenshotTest, ReportRendersInHeadlessChromium) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " is not installed; install the Debian package `chromium` "
                 << "to run the report screenshot test";
  }
  const std::filesystem::path out_dir =
      std::filesystem::path(CS_BINARY_DIR) / "reports" / "screenshot";
  std::filesystem::remove_all(out_dir);
  std::filesystem::create_directories(out_dir);
  ASSERT_TRUE(WriteAllReports(testing::MixedRun(), testing::SampleRules(), out_dir.string()).ok());
  const std::filesystem::path png = out_dir / "report.png";
  const std::filesystem::path profile = out_dir / "chromium-profile";

  // --proxy-server pointing at a closed port plus disabled background networking keeps the page
  // (and the browser) off the network: a self-contained report renders regardless.
  const std::string cmd =
      std::string(kChromium) +
      " --headless --no-sandbox --disable-gpu --disable-background-networking"
      " --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
      " --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>'"
      " --user-data-dir='" +
      profile.string() + "' --screenshot='" + png.string() + "' --window-size=1400,2000 'file://" +
      (out_dir / "report.html").string() + "'";
  std::string output;
  const int rc = testing::RunShell("timeout 120 " + cmd, &output);
  ASSERT_EQ(rc, 0) << cmd << "\n" << output;
  ASSERT_TRUE(std::filesystem::exists(png)) << output;

  const std::string bytes = testing::ReadFileOrDie(png.string());
  ASSERT_GE(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](size_t off) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(bytes[off])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[off + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[off + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[off + 3]));
  };
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), 1400u);
  EXPECT_EQ(be32(20), 2000u);
  // A blank page of that size compresses to a few kilobytes; a rendered report is far larger.
  EXPECT_GT(bytes.size(), 50u * 1024) << "screenshot looks blank";
  std::cout << "screenshot: " << png.string() << "\n";
}

// A 1,400-pixel window shows the whole page without horizontal scrolling, even when a case names
// many rules and has a long name: the page measures its own scroll width in Chromium and records it
// in the DOM, which --dump-dom prints.
TEST(ScreenshotTest, ReportFitsA1400PixelWindow) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " is not installed; install the Debian package `chromium` "
                 << "to run the report layout test";
  }
  const std::filesystem::path out_dir = std::filesystem::path(CS_BINARY_DIR) / "reports" / "layout";
  std::filesystem::remove_all(out_dir);
  std::filesystem::create_directories(out_dir);
  RunResults run = testing::MixedRun();
  ASSERT_FALSE(run.cases.empty());
  run.cases[0].rule_ids.clear();
  for (int i = 1; i <= 40; ++i) {
    run.cases[0].rule_ids.push_back(absl::StrFormat("CRDT-%03d", i));
  }
  run.cases[0].name =
      "crdt.ormap.nested-gcounter-pncounter-and-lww-register-deltas-" + std::string(120, 'x');
  run.configuration["spec_url"] = "https://example.invalid/" + std::string(300, 'y') + "/spec";
  std::string html = RenderHtml(run, testing::SampleRules());
  const std::string probe =
      "<script>window.addEventListener('load',function(){var d=document.documentElement;"
      "d.setAttribute('data-overflow',String(d.scrollWidth-d.clientWidth));"
      "d.setAttribute('data-client-width',String(d.clientWidth));});</script>";
  const size_t end = html.rfind("</body>");
  ASSERT_NE(end, std::string::npos);
  html.insert(end, probe);
  const std::filesystem::path page = out_dir / "report.html";
  {
    std::ofstream out(page);
    out << html;
  }
  const std::string cmd =
      std::string(kChromium) +
      " --headless --no-sandbox --disable-gpu --disable-background-networking"
      " --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
      " --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>'"
      " --user-data-dir='" +
      (out_dir / "chromium-profile").string() + "' --window-size=1400,2000 --dump-dom 'file://" +
      page.string() + "' 2>/dev/null";
  std::string dom;
  const int rc = testing::RunShell("timeout 120 " + cmd, &dom);
  ASSERT_EQ(rc, 0) << cmd << "\n" << dom;
  EXPECT_NE(dom.find("data-client-width=\""), std::string::npos) << "probe did not run:\n"
                                                                 << dom.substr(0, 2000);
  EXPECT_NE(dom.find("data-overflow=\"0\""), std::string::npos)
      << "the page scrolls horizontally in a 1400-pixel window: "
      << dom.substr(0, dom.find('>', 0) + 1);
}

}  // namespace
}  // namespace cloudstate::reports
