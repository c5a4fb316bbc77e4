// Flow control of client-streaming actions: a function that reads slowly slows the client, and the
// proxy holds at most ReadPacer::kDefaultCapacity messages of the call at any time. Checked step by
// step against a function that takes one message per permit (slow_action_function.h); nothing
// here depends on timing, only on counts observed while the function is stalled.

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

#include "cloudstate/tck/model/action.grpc.pb.h"

#include "cloudstate/proxy_core/read_pacer.h"
#include "integration_util.h"
#include "slow_action_function.h"

namespace cloudstate::proxy {
namespace {

namespace act = cloudstate::tck::model::action;
using testing::Ctx;
using testing::Eventually;
using testing::SlowActionFunction;
using testing::TestProxyOptions;

constexpr int kMessages = 96;
constexpr size_t kMessageBytes = 1 << 20;
// Messages the two gRPC transports (client to proxy, proxy to function) may buffer between them on
// top of what the proxy holds: their HTTP/2 windows grow with gRPC's BDP estimate (about 10 to 13
// messages of 1 MiB were seen in all), so this is generous, and still half the stream.
constexpr int kTransportSlack = 48;

double HeldMax(int http_port) {
  return testing::MetricValue(testing::HttpGet(http_port, "/metrics"),
                              "cloudstate_proxy_client_stream_held_messages_max");
}

TEST(FlowControlTest, SlowFunctionSlowsTheClientAndTheProxyHoldsABoundedNumberOfMessages) {
  SlowActionFunction function;
  ASSERT_TRUE(function.Start());
  auto started = Proxy::Start(TestProxyOptions(function.port()));
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<Proxy> proxy = std::move(*started);
  auto stub = act::ActionTckModel::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(proxy->grpc_port()), grpc::InsecureChannelCredentials()));

  std::atomic<int> written{0};
  act::Response response;
  grpc::Status status;
  std::thread client([&] {
    auto ctx = Ctx(300);
    auto writer = stub->ProcessStreamedIn(ctx.get(), &response);
    act::Request request;
    request.add_groups()->add_steps()->mutable_reply()->set_message(
        std::string(kMessageBytes, 'x'));
    for (int i = 0; i < kMessages; ++i) {
      if (!writer->Write(request)) {
        break;
      }
      ++written;
    }
    writer->WritesDone();
    status = writer->Finish();
  });

  for (int k = 0; k < kMessages; ++k) {
    // The function has taken k messages and waits: whatever the client managed to write beyond
    // that sits in the proxy or in the transports, and the proxy's share is bounded.
    ASSERT_TRUE(Eventually([&] { return function.stalled() && function.received() == k; }, 120))
        << "function did not reach message " << k << " (received " << function.received() << ")";
    EXPECT_LE(written.load(), k + kTransportSlack)
        << "the client ran ahead of a stalled function: the proxy reads without flow control";
    if (k == 1) {
      // With the function stalled the client is held back only once the proxy stops reading,
      // i.e. once it holds its full share: wait for that to be seen.
      ASSERT_TRUE(Eventually(
          [&] {
            return HeldMax(proxy->http_port()) >= static_cast<double>(ReadPacer::kDefaultCapacity);
          },
          120))
          << "the proxy never held a full share of messages";
    }
    const double held = HeldMax(proxy->http_port());
    EXPECT_LE(held, static_cast<double>(ReadPacer::kDefaultCapacity)) << "at message " << k;
    function.Grant(1);
  }
  function.Grant(1);  // the read that sees the half-close
  client.join();
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(response.message(), std::to_string(kMessages));
  EXPECT_EQ(written.load(), kMessages);
  // The bound was reached (the proxy did hold messages), never exceeded.
  EXPECT_EQ(HeldMax(proxy->http_port()), static_cast<double>(ReadPacer::kDefaultCapacity));

  proxy->Shutdown();
  function.Stop();
}

}  // namespace
}  // namespace cloudstate::proxy
