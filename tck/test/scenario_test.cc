// The DSL against a scripted in-process EventSourced server: matching, diffs, transcripts,
// timeouts, stream ends and the short-circuit after the first failure.

#include "cloudstate/tck/scenario.h"

#include <chrono>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "cloudstate/event_sourced.grpc.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"

#include "cloudstate/tck/discovery.h"
#include "cloudstate/tck/stream_transport.h"

namespace cloudstate::tck {
namespace {

using cloudstate::eventsourced::EventSourcedStreamIn;
using cloudstate::eventsourced::EventSourcedStreamOut;

cloudstate::tck::model::Response Resp(const std::string& m) {
  cloudstate::tck::model::Response r;
  r.set_message(m);
  return r;
}

// Commands: "Echo" replies with the command name; "Silent" answers nothing; "End" ends the stream;
// "Twice" answers two replies.
class ScriptedEventSourced final : public cloudstate::eventsourced::EventSourced::Service {
  grpc::Status handle(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<EventSourcedStreamOut, EventSourcedStreamIn>* stream) override {
    EventSourcedStreamIn in;
    while (stream->Read(&in)) {
      if (!in.has_command()) {
        continue;
      }
      const auto& c = in.command();
      if (c.name() == "End") {
        return grpc::Status::OK;
      }
      if (c.name() == "Fail") {
        return grpc::Status(grpc::StatusCode::INTERNAL, "scripted error");
      }
      if (c.name() == "Silent") {
        continue;
      }
      stream->Write(es::Reply(c.id(), Resp(c.name())));
      if (c.name() == "Twice") {
        stream->Write(es::Reply(c.id(), Resp(c.name())));
      }
    }
    return grpc::Status::OK;
  }
};

class ScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    spec_.name = "eventsourced.scenario_test";
    spec_.area = "eventsourced";
    spec_.rule_ids = {"ES-004"};
    spec_.hint = "a hint";
    discovery_ = AnalyzeDiscovery(KitProxyInfo(), cloudstate::EntitySpec());
    timing_.window = std::chrono::milliseconds(300);
    timing_.quiet = std::chrono::milliseconds(50);
    timing_.stream_budget = std::chrono::milliseconds(10000);
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<CaseContext> NewContext() {
    return std::make_unique<CaseContext>(&spec_, channel_, discovery_.get(), timing_, "run1");
  }

  ScriptedEventSourced service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  CaseSpec spec_;
  std::unique_ptr<DiscoveryInfo> discovery_;
  Timing timing_;
};

TEST_F(ScenarioTest, MatchingExchangePasses) {
  auto ctx = NewContext();
  auto es = ctx->EventSourced();
  es.Send(es::Init("svc", "id"));
  es.Send(es::Command(1, "id", "Echo", Resp("x")));
  es.Expect(es::Reply(1, Resp("Echo")));
  es.Passivate();
  EXPECT_FALSE(ctx->failed()) << ctx->message() << "\n" << ctx->Details();
}

TEST_F(ScenarioTest, MismatchFailsWithDiffAndNumberedTranscript) {
  auto ctx = NewContext();
  auto es = ctx->EventSourced();
  es.Send(es::Init("svc", "id"));
  es.Send(es::Command(1, "id", "Echo", Resp("x")));
  es.Expect(es::Reply(1, Resp("Other")));
  ASSERT_TRUE(ctx->failed());
  EXPECT_NE(ctx->message().find("differs"), std::string::npos) << ctx->message();
  std::string details = ctx->Details();
  EXPECT_NE(details.find("Rules: ES-004"), std::string::npos) << details;
  EXPECT_NE(details.find("  2 → eventsourced#1"), std::string::npos) << details;
  EXPECT_NE(details.find("← eventsourced#1"), std::string::npos) << details;
  EXPECT_NE(details.find("Differences:"), std::string::npos) << details;
  EXPECT_NE(details.find("\"Other\""), std::string::npos) << details;
}

TEST_F(ScenarioTest, SilenceTimesOutWithinTheWindow) {
  auto ctx = NewContext();
  auto es = ctx->EventSourced();
  es.Send(es::Init("svc", "id"));
  es.Send(es::Command(1, "id", "Silent", Resp("x")));
  auto start = std::chrono::steady_clock::now();
  es.Expect(es::Reply(1, Resp("Silent")));
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(ctx->failed());
  EXPECT_NE(ctx->message().find("nothing arrived"), std::string::npos) << ctx->message();
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_F(ScenarioTest, AfterAFailureEveryCallReturnsAtOnce) {
  auto ctx = NewContext();
  auto es = ctx->EventSourced();
  ctx->Fail("first failure");
  auto start = std::chrono::steady_clock::now();
  es.Send(es::Init("svc", "id"));
  es.Expect(es::Reply(1, Resp("never")));
  es.ExpectClosed();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(ctx->message(), "first failure");
}

TEST_F(ScenarioTest, EndedStreamIsReportedWithItsStatus) {
  auto ctx = NewContext();
  auto es = ctx->EventSourced();
  es.Send(es::Init("svc", "id"));
  es.Send(es::Command(1, "id", "Fail", Resp("x")));
  es.Expect(es::Reply(1, Resp("Fail")));
  ASSERT_TRUE(ctx->failed());
  EXPECT_NE(ctx->message().find("INTERNAL: scripted error"), std::string::npos) << ctx->message();
}

TEST_F(ScenarioTest, ExpectClosedAndExpectError) {
  {
    auto ctx = NewContext();
    auto es = ctx->EventSourced();
    es.Send(es::Init("svc", "id"));
    es.Send(es::Command(1, "id", "End", Resp("x")));
    es.ExpectClosed();
    EXPECT_FALSE(ctx->failed()) << ctx->message();
  }
  {
    auto ctx = NewContext();
    auto es = ctx->EventSourced();
    es.Send(es::Command(1, "id", "Fail", Resp("x")));
    es.ExpectClosed();
    EXPECT_TRUE(ctx->failed());
  }
  {
    auto ctx = NewContext();
    auto es = ctx->EventSourced();
    es.Send(es::Command(1, "id", "Fail", Resp("x")));
    es.ExpectError();
    EXPECT_FALSE(ctx->failed()) << ctx->message();
  }
}

TEST_F(ScenarioTest, ExpectNothingCatchesAnExtraMessage) {
  auto ctx = NewContext();
  auto es = ctx->EventSourced();
  es.Send(es::Init("svc", "id"));
  es.Send(es::Command(1, "id", "Twice", Resp("x")));
  es.Expect(es::Reply(1, Resp("Twice")));
  es.ExpectNothing();
  ASSERT_TRUE(ctx->failed());
  EXPECT_NE(ctx->message().find("no further message"), std::string::npos) << ctx->message();
}

TEST_F(ScenarioTest, ExpectThatUsesThePredicate) {
  auto ctx = NewContext();
  auto es = ctx->EventSourced();
  es.Send(es::Init("svc", "id"));
  es.Send(es::Command(7, "id", "Echo", Resp("x")));
  auto got = es.ExpectThat("a reply to 7", [](const EventSourcedStreamOut& out) {
    return out.reply().command_id() == 7 ? "" : "wrong id";
  });
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(ctx->failed());
  es.Send(es::Command(8, "id", "Echo", Resp("x")));
  es.ExpectThat("a reply to 9", [](const EventSourcedStreamOut& out) {
    return out.reply().command_id() == 9 ? "" : "wrong id";
  });
  EXPECT_TRUE(ctx->failed());
  EXPECT_NE(ctx->message().find("wrong id"), std::string::npos);
}

TEST_F(ScenarioTest, EntityIdsAreUniqueAndCarryThePrefix) {
  auto ctx = NewContext();
  std::string a = ctx->NewEntityId("GCounter");
  std::string b = ctx->NewEntityId("GCounter");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("GCounter-scenario_test-run1-", 0), 0u) << a;
}

// The same script as ScriptedEventSourced, without gRPC: the DSL over its transport seam
// (StreamOpener), as a target running an SDK in the same process uses it.
class InMemoryEventSourced final : public StreamTransport {
 public:
  bool Write(const std::string& bytes) override {
    if (inbound_.ended()) {
      return false;
    }
    EventSourcedStreamIn in;
    if (!in.ParseFromString(bytes) || !in.has_command()) {
      return true;
    }
    const auto& c = in.command();
    if (c.name() == "End") {
      End(true, "OK");
    } else if (c.name() == "Fail") {
      End(false, "INTERNAL: scripted error");
    } else if (c.name() != "Silent") {
      inbound_.Push(es::Reply(c.id(), Resp(c.name())).SerializeAsString());
    }
    return true;
  }
  void WritesDone() override { End(true, "OK"); }
  void Cancel() override { End(false, "CANCELLED: Cancelled"); }
  Arrival Wait(std::chrono::milliseconds timeout, std::string* bytes) override {
    return inbound_.Wait(timeout, bytes);
  }
  bool ReadDone() override { return inbound_.ended(); }
  const EndStatus& Finish(std::chrono::milliseconds grace) override {
    if (!inbound_.WaitForEnd(grace)) {
      End(false, "CANCELLED: Cancelled");
    }
    return end_;
  }

 private:
  void End(bool ok, std::string text) {
    if (!inbound_.ended()) {
      end_ = EndStatus{.ok = ok, .text = std::move(text)};
      inbound_.End();
    }
  }
  InboundFrames inbound_;
  EndStatus end_;
};

TEST_F(ScenarioTest, TheSameExpectationsRunOverAnInMemoryTransport) {
  std::vector<std::string> opened;
  StreamOpener opener = [&](const std::string& method) -> std::unique_ptr<StreamTransport> {
    opened.push_back(method);
    return std::make_unique<InMemoryEventSourced>();
  };
  CaseContext ctx(&spec_, opener, nullptr, discovery_.get(), timing_, "run1");
  auto es = ctx.EventSourced();
  es.Send(es::Init("svc", "id"));
  es.Send(es::Command(1, "id", "Echo", Resp("x")));
  es.Expect(es::Reply(1, Resp("Echo")));
  es.Passivate();
  EXPECT_FALSE(ctx.failed()) << ctx.message() << "\n" << ctx.Details();
  EXPECT_EQ(opened, std::vector<std::string>{"/cloudstate.eventsourced.EventSourced/handle"});

  CaseContext failing(&spec_, opener, nullptr, discovery_.get(), timing_, "run1");
  auto es2 = failing.EventSourced();
  es2.Send(es::Command(1, "id", "Fail", Resp("x")));
  es2.Expect(es::Reply(1, Resp("Fail")));
  EXPECT_TRUE(failing.failed());
  EXPECT_NE(failing.message().find("INTERNAL: scripted error"), std::string::npos)
      << failing.message();
}

TEST(ScenarioUnreachableTest, UnreachableFunctionFailsFastWithAReason) {
  CaseSpec spec;
  spec.name = "eventsourced.unreachable";
  spec.rule_ids = {"ES-004"};
  auto discovery = AnalyzeDiscovery(KitProxyInfo(), cloudstate::EntitySpec());
  Timing timing;
  timing.window = std::chrono::milliseconds(500);
  // Port 1 on loopback: nothing listens there.
  CaseContext ctx(&spec, grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()),
                  discovery.get(), timing, "r");
  auto start = std::chrono::steady_clock::now();
  auto es = ctx.EventSourced();
  es.Send(es::Init("svc", "id"));
  es.Expect(es::Reply(1, Resp("x")));
  EXPECT_TRUE(ctx.failed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(ctx.message().empty());
}

}  // namespace
}  // namespace cloudstate::tck
