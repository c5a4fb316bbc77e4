// The proxy against a user function that misbehaves (hostile_function.h): unreadable messages,
// no answer, a dead function. Each call ends with the right code, the error is reported, and the
// entity serves the next command on a new stream.

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"

#include "cloudstate/tck/model/valueentity.grpc.pb.h"

#include "hostile_function.h"
#include "integration_util.h"

namespace cloudstate::proxy {
namespace {

namespace ve = cloudstate::tck::model::valueentity;
using testing::Ctx;
using testing::Eventually;
using testing::HostileFunction;
using testing::TestProxyOptions;

class HostileFunctionTest : public ::testing::Test {
 protected:
  void StartAll(std::function<void(ProxyOptions&)> configure = nullptr) {
    ASSERT_TRUE(function_.Start());
    ProxyOptions options = TestProxyOptions(function_.port());
    if (configure) {
      configure(options);
    }
    auto proxy = Proxy::Start(options);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
    stub_ = ve::ValueEntityTckModel::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(proxy_->grpc_port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (proxy_ != nullptr) {
      proxy_->Shutdown();
    }
    function_.Stop();
  }
  grpc::Status Process(const std::string& id, ve::Response* response) {
    ve::Request request;
    request.set_id(id);
    return stub_->Process(Ctx(60).get(), request, response);
  }

  HostileFunction function_;
  std::unique_ptr<Proxy> proxy_;
  std::unique_ptr<ve::ValueEntityTckModel::Stub> stub_;
};

TEST_F(HostileFunctionTest, UnreadableMessageFailsTheCallAndTheEntityRecovers) {
  StartAll();
  ve::Response response;
  ASSERT_TRUE(Process("cart", &response).ok());
  EXPECT_EQ(response.message(), "ok:cart");
  const int streams = function_.streams_opened();

  function_.set_mode(HostileFunction::Mode::kUnreadable);
  grpc::Status failed = Process("cart", &response);
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::UNAVAILABLE) << failed.error_message();
  EXPECT_TRUE(Eventually([&] {
    for (const std::string& e : function_.reported_errors()) {
      if (e.find("cannot read") != std::string::npos) {
        return true;
      }
    }
    return false;
  })) << "the unreadable message was not reported to the function";

  function_.set_mode(HostileFunction::Mode::kReply);
  grpc::Status again = Process("cart", &response);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(response.message(), "ok:cart");
  EXPECT_GT(function_.streams_opened(), streams) << "the entity did not open a new stream";
}

TEST_F(HostileFunctionTest, SilentFunctionGetsDeadlineExceededAndTheEntityRecovers) {
  StartAll([](ProxyOptions& options) { options.command_timeout = absl::Milliseconds(200); });
  function_.set_mode(HostileFunction::Mode::kSilent);
  ve::Response response;
  grpc::Status timed_out = Process("stuck", &response);
  EXPECT_EQ(timed_out.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << timed_out.error_message();
  // The proxy's timeout, not the client's (60 s) deadline.
  EXPECT_NE(timed_out.error_message().find("did not answer"), std::string::npos)
      << timed_out.error_message();

  function_.set_mode(HostileFunction::Mode::kReply);
  grpc::Status again = Process("stuck", &response);
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(response.message(), "ok:stuck");
}

TEST_F(HostileFunctionTest, EntityKeyThatIsNotUtf8IsInvalidArgument) {
  StartAll();
  ve::Response response;
  grpc::Status bad = Process(std::string("\xff\xfe", 2), &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.error_message();
  const std::string http =
      testing::HttpCall(proxy_->http_port(), "POST", "/tck/model/entity/%FF%FE", "{}");
  EXPECT_EQ(http.substr(0, 3), "400") << http;
  ASSERT_TRUE(Process("fine", &response).ok());
}

TEST_F(HostileFunctionTest, RequestJustUnderTheLimitIsForwarded) {
  constexpr int kLimit = 1024 * 1024;
  StartAll([](ProxyOptions& options) { options.max_message_bytes = kLimit; });
  ve::Request request;
  request.set_id("big");
  request.add_actions()->mutable_update()->set_value(std::string(kLimit - 64, 'x'));
  ve::Response response;
  grpc::Status status = stub_->Process(Ctx(60).get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(response.message(), "ok:big");
  // A request that is all key: the command carries the key twice (payload and entity id), more
  // than the function channel takes. Refused before it reaches the entity, which stays usable.
  request.Clear();
  request.set_id(std::string(kLimit - 64, 'k'));
  status = stub_->Process(Ctx(60).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  ASSERT_TRUE(Process("big", &response).ok());
}

// Peak resident memory of this process in KiB (VmHWM), or -1.
long PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

TEST_F(HostileFunctionTest, CompressedRequestIsRefusedBeforeItIsInflated) {
  StartAll();
  // 64 MiB of zeros: about 64 KiB of gzip on the wire, far under the 12 MiB front-door limit.
  ve::Request request;
  request.set_id("bomb");
  request.add_actions()->mutable_update()->set_value(std::string(64 << 20, '\0'));
  grpc::ChannelArguments args;
  args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  args.SetMaxSendMessageSize(-1);
  auto stub = ve::ValueEntityTckModel::NewStub(
      grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(proxy_->grpc_port()),
                                grpc::InsecureChannelCredentials(), args));
  const long before = PeakRssKib();
  ve::Response response;
  grpc::Status status = stub->Process(Ctx(60).get(), request, &response);
  const long after = PeakRssKib();
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
  // The client's own serialisation (64 MiB) is in this process too; an inflated copy in the proxy
  // would add at least another 64 MiB.
  std::printf("peak RSS growth during the compressed call: %ld KiB\n", after - before);
  EXPECT_LT(after - before, 112L << 10) << "the proxy inflated the compressed request";
  ASSERT_TRUE(Process("after-bomb", &response).ok());
}

TEST_F(HostileFunctionTest, OversizedRequestIsCountedWithTheCodeTheClientSees) {
  StartAll([](ProxyOptions& options) { options.max_message_bytes = 64 * 1024; });
  ve::Request request;
  request.set_id("big");
  request.add_actions()->mutable_update()->set_value(std::string(100 * 1024, 'x'));
  ve::Response response;
  grpc::Status status = stub_->Process(Ctx(60).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  const std::string metrics = testing::HttpGet(proxy_->http_port(), "/metrics");
  const std::string method =
      "method=\"/cloudstate.tck.model.valueentity.ValueEntityTckModel/Process\"";
  EXPECT_EQ(
      testing::MetricValue(metrics, "cloudstate_proxy_requests_total{" + method + ",code=\"8\"}"),
      1)
      << metrics;
  EXPECT_EQ(
      testing::MetricValue(metrics, "cloudstate_proxy_requests_total{" + method + ",code=\"13\"}"),
      -1)
      << metrics;
}

// A stream the function had not ended when the proxy was destroyed used to outlive the proxy and,
// when it ended, post into the freed executor (flaky "ref_counted.h: prior > 0" abort).
TEST_F(HostileFunctionTest, ShutdownLeavesNoStreamToTheFunctionBehind) {
  StartAll();
  function_.set_hold_streams_open(true);
  ve::Response response;
  ASSERT_TRUE(Process("slow-to-close", &response).ok());
  EXPECT_EQ(function_.streams_open(), 1);
  proxy_->Shutdown();
  proxy_.reset();
  // Nothing of the proxy is left to end the stream later: it ended during shutdown.
  EXPECT_TRUE(Eventually([&] { return function_.streams_open() == 0; }));
}

TEST_F(HostileFunctionTest, DeadFunctionIsUnavailable) {
  StartAll();
  function_.Stop();
  ve::Response response;
  grpc::Status dead = Process("gone", &response);
  EXPECT_EQ(dead.error_code(), grpc::StatusCode::UNAVAILABLE) << dead.error_message();
  EXPECT_TRUE(Eventually([&] {
    return testing::HttpGet(proxy_->http_port(), "/ready").substr(0, 3) == "503";
  })) << "/ready still reports a dead function as ready";
}

TEST_F(HostileFunctionTest, ReadyWhileTheFunctionIsReachable) {
  StartAll();
  EXPECT_EQ(testing::HttpGet(proxy_->http_port(), "/ready").substr(0, 3), "200");
}

}  // namespace
}  // namespace cloudstate::proxy
