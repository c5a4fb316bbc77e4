#include "front_door.h"

#include "gtest/gtest.h"

namespace cloudstate::proxy {
namespace {

TEST(ClassifyPrefaceTest, Http2PrefaceIsRecognisedFromItsFirstFourBytes) {
  EXPECT_EQ(ClassifyPreface(kHttp2Preface), Preface::kHttp2);
  EXPECT_EQ(ClassifyPreface("PRI "), Preface::kHttp2);
  EXPECT_EQ(ClassifyPreface("PRI * HTTP/2.0"), Preface::kHttp2);
}

TEST(ClassifyPrefaceTest, PrefixesOfThePrefaceAreUndecided) {
  EXPECT_EQ(ClassifyPreface(""), Preface::kUndecided);
  EXPECT_EQ(ClassifyPreface("P"), Preface::kUndecided);
  EXPECT_EQ(ClassifyPreface("PR"), Preface::kUndecided);
  EXPECT_EQ(ClassifyPreface("PRI"), Preface::kUndecided);
}

TEST(ClassifyPrefaceTest, EveryHttp1RequestLineIsHttp1) {
  for (const char* line : {"GET / HTTP/1.1\r\n", "POST /x HTTP/1.1\r\n", "PUT /", "PATCH /",
                           "DELETE /", "OPTIONS *", "HEAD /", "PRIX", "\x16\x03\x01"}) {
    EXPECT_EQ(ClassifyPreface(line), Preface::kHttp1) << line;
  }
  // Decided on the first byte that differs, without waiting for more.
  EXPECT_EQ(ClassifyPreface("PO"), Preface::kHttp1);
  EXPECT_EQ(ClassifyPreface("G"), Preface::kHttp1);
}

TEST(AcceptBackoffTest, DoublesUpToTheCapAndResets) {
  AcceptBackoff backoff(absl::Milliseconds(10), absl::Milliseconds(50));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(10));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(20));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(40));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(50));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(50));
  EXPECT_EQ(backoff.failures(), 5);
  backoff.Reset();
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(10));
}

}  // namespace
}  // namespace cloudstate::proxy
