#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

#include "cloudstate/tck/bench/http_load.h"

namespace cloudstate::tck::bench {
namespace {

TEST(BenchHttpLoadTest, HttpStatusesMapToGrpcCodes) {
  EXPECT_EQ(GrpcCodeForHttpStatus(200), 0);
  EXPECT_EQ(GrpcCodeForHttpStatus(204), 0);
  EXPECT_EQ(GrpcCodeForHttpStatus(400), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GrpcCodeForHttpStatus(404), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GrpcCodeForHttpStatus(503), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(GrpcCodeForHttpStatus(500), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(GrpcCodeForHttpStatus(302), grpc::StatusCode::UNKNOWN);
}

TEST(BenchHttpLoadTest, AnUnreachableServerCountsAsUnavailable) {
  // Port 1 on loopback refuses connections: every request completes, as UNAVAILABLE.
  HttpIssuer issuer(
      "127.0.0.1:1", [](uint64_t) { return std::string("/x"); },
      [](uint64_t) { return std::string("{}"); }, 2, 5);
  SteadyClock clock;
  PhaseStats stats = RunClosedLoop(issuer, clock, 2, 0);
  EXPECT_EQ(stats.requests, 2u);
  EXPECT_EQ(stats.errors_by_code.at(grpc::StatusCode::UNAVAILABLE), 2u);
}

}  // namespace
}  // namespace cloudstate::tck::bench
