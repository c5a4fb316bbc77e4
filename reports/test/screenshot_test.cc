// Renders report.html in headless Chromium with networking disabled and checks the screenshot.
// Skipped with a message when /usr/bin/chromium is not installed (`apt-get install chromium`).
// The PNG is kept at $CS_BINARY_DIR/reports/screenshot/report.png for people to look at.
#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace cloudstate::reports
