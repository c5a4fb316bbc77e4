// CRDT protocol over a real gRPC stream: an in-process Server on 127.0.0.1:0 serving a small
// counter entity through AddCrdtEntity; the test plays the proxy with the generated stub.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "cloudstate/crdt.grpc.pb.h"
#include "cloudstate/entity.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/sdk/crdt.h"

namespace cloudstate::sdk {
namespace {

namespace tck = cloudstate::tck::model::crdt;
using cloudstate::crdt::CrdtStreamIn;
using cloudstate::crdt::CrdtStreamOut;
using google::protobuf::Any;

constexpr auto kTimeout = std::chrono::seconds(30);

Any CounterResponse(const Crdt* state) {
  tck::Response r;
  r.mutable_state()->mutable_gcounter()->set_value(
      state == nullptr ? 0 : static_cast<const GCounter*>(state)->value());
  return PackAny(r);
}

// Process: applies the gcounter increments; ProcessStreamed: streams the value on every change.
class CounterEntity : public CrdtEntity {
 public:
  explicit CounterEntity(CrdtCreationContext& ctx) {
    if (ctx.state() == nullptr) {
      (void)ctx.SetState(std::make_unique<GCounter>());
    }
  }
  absl::StatusOr<std::optional<Any>> HandleCommand(const Any& command,
                                                   CrdtCommandContext& ctx) override {
    if (ctx.command_name() == "ProcessStreamed") {
      ctx.OnChange([](CrdtSubscriptionContext& sub) -> std::optional<Any> {
        return CounterResponse(sub.state());
      });
      return CounterResponse(ctx.state());
    }
    tck::Request request;
    if (!UnpackAny(command, &request)) {
      return absl::InvalidArgumentError("bad request");
    }
    for (const auto& action : request.actions()) {
      if (action.has_update()) {
        ctx.StateAs<GCounter>()->Increment(action.update().gcounter().increment());
        ctx.SetWriteConsistency(
            static_cast<CrdtWriteConsistency>(action.update().write_consistency()));
      }
      if (action.has_delete_()) {
        ctx.Delete();
      }
    }
    return CounterResponse(ctx.state());
  }
};

class CrdtIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* service = tck::Request::descriptor()->file()->FindServiceByName("CrdtTckModel");
    ASSERT_TRUE(AddCrdtEntity(server_, {service, std::nullopt},
                              [](CrdtCreationContext& ctx) -> std::unique_ptr<CrdtEntity> {
                                return std::make_unique<CounterEntity>(ctx);
                              })
                    .ok());
    ASSERT_TRUE(server_.Start("127.0.0.1", 0).ok());
    ASSERT_GT(server_.port(), 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_.port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = cloudstate::crdt::Crdt::NewStub(channel_);
  }
  void TearDown() override { server_.Shutdown(); }

  struct Call {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<CrdtStreamIn, CrdtStreamOut>> stream;
  };
  std::unique_ptr<Call> Open(const std::string& entity_id) {
    auto call = std::make_unique<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + kTimeout);
    call->stream = stub_->handle(&call->context);
    CrdtStreamIn init;
    init.mutable_init()->set_service_name("cloudstate.tck.model.crdt.CrdtTckModel");
    init.mutable_init()->set_entity_id(entity_id);
    EXPECT_TRUE(call->stream->Write(init));
    return call;
  }
  static CrdtStreamIn Command(int64_t id, const std::string& name, const Any& payload,
                              bool streamed) {
    CrdtStreamIn in;
    in.mutable_command()->set_entity_id("GCounter-1");
    in.mutable_command()->set_id(id);
    in.mutable_command()->set_name(name);
    *in.mutable_command()->mutable_payload() = payload;
    in.mutable_command()->set_streamed(streamed);
    return in;
  }
  static CrdtStreamIn Increment(int64_t id, uint64_t by, tck::UpdateWriteConsistency wc) {
    tck::Request request;
    request.set_id("GCounter-1");
    auto* update = request.add_actions()->mutable_update();
    update->mutable_gcounter()->set_increment(by);
    update->set_write_consistency(wc);
    return Command(id, "Process", PackAny(request), false);
  }
  static uint64_t ValueOf(const Any& payload) {
    tck::Response r;
    EXPECT_TRUE(UnpackAny(payload, &r));
    return r.state().gcounter().value();
  }

  Server server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cloudstate::crdt::Crdt::Stub> stub_;
};

TEST_F(CrdtIntegrationTest, DiscoveryDeclaresTheCrdtEntity) {
  const EntityDeclaration* declaration =
      server_.FindDeclaration(kCrdtEntityType, "cloudstate.tck.model.crdt.CrdtTckModel");
  ASSERT_NE(declaration, nullptr);
  EXPECT_EQ(declaration->persistence_id, "CrdtTckModel");  // the default: simple name
}

TEST_F(CrdtIntegrationTest, CommandsDeltasAndStreamedUpdatesOverGrpc) {
  auto call = Open("GCounter-1");
  tck::StreamedRequest watch;
  watch.set_id("GCounter-1");
  ASSERT_TRUE(call->stream->Write(Command(1, "ProcessStreamed", PackAny(watch), true)));
  CrdtStreamOut out;
  ASSERT_TRUE(call->stream->Read(&out));
  EXPECT_EQ(out.reply().command_id(), 1);
  EXPECT_TRUE(out.reply().streamed());
  EXPECT_EQ(ValueOf(out.reply().client_action().reply().payload()), 0u);

  ASSERT_TRUE(call->stream->Write(Increment(2, 5, tck::MAJORITY)));
  ASSERT_TRUE(call->stream->Read(&out));
  EXPECT_EQ(out.reply().command_id(), 2);
  EXPECT_EQ(out.reply().state_action().update().gcounter().increment(), 5u);
  EXPECT_EQ(out.reply().state_action().write_consistency(), cloudstate::crdt::MAJORITY);
  ASSERT_TRUE(call->stream->Read(&out));
  EXPECT_EQ(out.streamed_message().command_id(), 1);
  EXPECT_EQ(ValueOf(out.streamed_message().client_action().reply().payload()), 5u);

  CrdtStreamIn delta;
  delta.mutable_delta()->mutable_gcounter()->set_increment(10);
  ASSERT_TRUE(call->stream->Write(delta));
  ASSERT_TRUE(call->stream->Read(&out));
  EXPECT_EQ(ValueOf(out.streamed_message().client_action().reply().payload()), 15u);

  CrdtStreamIn cancel;
  cancel.mutable_stream_cancelled()->set_entity_id("GCounter-1");
  cancel.mutable_stream_cancelled()->set_id(1);
  ASSERT_TRUE(call->stream->Write(cancel));
  ASSERT_TRUE(call->stream->Read(&out));
  EXPECT_EQ(out.stream_cancelled_response().command_id(), 1);
  EXPECT_FALSE(out.stream_cancelled_response().has_state_action());

  ASSERT_TRUE(call->stream->WritesDone());
  EXPECT_FALSE(call->stream->Read(&out));
  EXPECT_TRUE(call->stream->Finish().ok());
}

TEST_F(CrdtIntegrationTest, MalformedInputGetsAFailureNotACrash) {
  auto call = std::make_unique<Call>();
  call->context.set_deadline(std::chrono::system_clock::now() + kTimeout);
  call->stream = stub_->handle(&call->context);
  ASSERT_TRUE(call->stream->Write(Increment(7, 1, tck::LOCAL)));
  CrdtStreamOut out;
  ASSERT_TRUE(call->stream->Read(&out));
  EXPECT_EQ(out.failure().command_id(), 7);
  EXPECT_NE(out.failure().description().find("before init"), std::string::npos);
  EXPECT_FALSE(call->stream->Read(&out));
  call->stream->WritesDone();
  (void)call->stream->Finish();

  // The server still serves other streams.
  auto ok = Open("GCounter-2");
  ASSERT_TRUE(ok->stream->Write(Increment(1, 3, tck::LOCAL)));
  ASSERT_TRUE(ok->stream->Read(&out));
  EXPECT_EQ(out.reply().state_action().update().gcounter().increment(), 3u);
  ok->stream->WritesDone();
  EXPECT_TRUE(ok->stream->Finish().ok());
}

TEST_F(CrdtIntegrationTest, ManyStreamsAtOnce) {
  constexpr int kStreams = 8;
  constexpr int kCommands = 20;
  std::vector<std::thread> threads;
  std::vector<int> ok(kStreams, 0);
  for (int s = 0; s < kStreams; ++s) {
    threads.emplace_back([&, s] {
      auto call = Open("GCounter-" + std::to_string(s));
      // Pipeline every command before reading: several are outstanding at once.
      for (int i = 1; i <= kCommands; ++i) {
        if (!call->stream->Write(Increment(i, 1, tck::LOCAL))) return;
      }
      CrdtStreamOut out;
      for (int i = 1; i <= kCommands; ++i) {
        if (!call->stream->Read(&out) || out.reply().command_id() != i ||
            ValueOf(out.reply().client_action().reply().payload()) != static_cast<uint64_t>(i)) {
          return;
        }
      }
      call->stream->WritesDone();
      if (call->stream->Finish().ok()) ok[s] = 1;
    });
  }
  for (auto& t : threads) t.join();
  for (int s = 0; s < kStreams; ++s) EXPECT_EQ(ok[s], 1) << "stream " << s;
}

TEST_F(CrdtIntegrationTest, DeleteFromTheProxyCompletesSilently) {
  auto call = Open("GCounter-9");
  CrdtStreamIn del;
  del.mutable_delete_();
  ASSERT_TRUE(call->stream->Write(del));
  ASSERT_TRUE(call->stream->WritesDone());
  CrdtStreamOut out;
  EXPECT_FALSE(call->stream->Read(&out));
  EXPECT_TRUE(call->stream->Finish().ok());
}

}  // namespace
}  // namespace cloudstate::sdk
