// Starts a Server on 127.0.0.1:0 and talks to it over real gRPC streams.
#include <chrono>
#include <thread>

#include "google/protobuf/descriptor.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "cloudstate/action.grpc.pb.h"
#include "cloudstate/entity.grpc.pb.h"
#include "cloudstate/event_sourced.grpc.pb.h"
#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/value_entity.grpc.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/sdk/server.h"
#include "proto_matchers.h"
#include "test_entities.h"

namespace cloudstate::sdk {
namespace {

namespace m = cloudstate::tck::model;
using cloudstate::eventsourced::EventSourcedStreamIn;
using cloudstate::eventsourced::EventSourcedStreamOut;

constexpr char kModel[] = "cloudstate.tck.model.EventSourcedTckModel";
constexpr char kValueModel[] = "cloudstate.tck.model.valueentity.ValueEntityTckModel";
constexpr char kAction[] = "cloudstate.tck.model.action.ActionTckModel";

class UpperAction : public Action {
 public:
  absl::StatusOr<cloudstate::action::ActionResponse> HandleUnary(
      const ActionContext& ctx, const cloudstate::action::ActionCommand& command) override {
    m::action::Response r;
    r.set_message(MetadataString(ctx.metadata, "X-Test").value_or("none"));
    return ActionReply(r);
  }
  absl::StatusOr<std::vector<cloudstate::action::ActionResponse>> HandleStreamedMessage(
      const ActionContext& ctx, const cloudstate::action::ActionCommand& command) override {
    return std::vector<cloudstate::action::ActionResponse>{ActionReply(m::action::Response())};
  }
};

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(20);
}

EventSourcedStreamIn Init(const std::string& id) {
  EventSourcedStreamIn in;
  in.mutable_init()->set_service_name(kModel);
  in.mutable_init()->set_entity_id(id);
  return in;
}

EventSourcedStreamIn Emit(int64_t cmd_id, const std::string& value) {
  m::Request request;
  request.set_id("e");
  request.add_actions()->mutable_emit()->set_value(value);
  EventSourcedStreamIn in;
  in.mutable_command()->set_entity_id("e");
  in.mutable_command()->set_id(cmd_id);
  in.mutable_command()->set_name("Process");
  *in.mutable_command()->mutable_payload() = PackAny(request);
  return in;
}

std::string ReplyText(const EventSourcedStreamOut& out) {
  m::Response response;
  UnpackAny(out.reply().client_action().reply().payload(), &response);
  return response.message();
}

class ServerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(ServerOptions{"it-function", "1.2.3"});
    EventSourcedEntityOptions es;
    es.service = testing::Service(kModel);
    es.persistence_id = "es";
    es.snapshot_every = 5;
    server_->AddEventSourcedEntity(
        es, [](std::string_view) { return std::make_unique<testing::ConcatEntity>(); });
    ValueEntityOptions ve;
    ve.service = testing::Service(kValueModel);
    ve.persistence_id = "ve";
    ve.passivation_timeout_ms = 100;
    server_->AddValueEntity(
        ve, [](std::string_view) { return std::make_unique<testing::ValueModel>(); });
    (void)m::action::Request::descriptor();
    ActionOptions action;
    action.service = testing::Service(kAction);
    server_->AddAction(action, std::make_shared<UpperAction>());
    ASSERT_TRUE(server_->Start("127.0.0.1", 0).ok());
    ASSERT_GT(server_->port(), 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

// DISC-027: an unset persistence id defaults to the service's simple name (Java SDK), never "".
TEST(ServerDeclarationTest, StatefulEntitiesDefaultTheirPersistenceIdToTheServiceName) {
  Server server;
  EventSourcedEntityOptions es;
  es.service = testing::Service(kModel);
  server.AddEventSourcedEntity(
      es, [](std::string_view) { return std::make_unique<testing::ConcatEntity>(); });
  ValueEntityOptions ve;
  ve.service = testing::Service(kValueModel);
  ve.persistence_id = "configured";
  server.AddValueEntity(ve,
                        [](std::string_view) { return std::make_unique<testing::ValueModel>(); });
  (void)m::action::Request::descriptor();
  ActionOptions action;
  action.service = testing::Service(kAction);
  server.AddAction(action, std::make_shared<UpperAction>());
  const EntityDeclaration* es_declaration = server.FindDeclaration(kEventSourcedEntityType, kModel);
  ASSERT_NE(es_declaration, nullptr);
  EXPECT_EQ(es_declaration->persistence_id, "EventSourcedTckModel");
  const EntityDeclaration* ve_declaration = server.FindDeclaration(kValueEntityType, kValueModel);
  ASSERT_NE(ve_declaration, nullptr);
  EXPECT_EQ(ve_declaration->persistence_id, "configured");
  const EntityDeclaration* action_declaration = server.FindDeclaration(kActionEntityType, kAction);
  ASSERT_NE(action_declaration, nullptr);
  EXPECT_EQ(action_declaration->persistence_id, "");
}

TEST_F(ServerIntegrationTest, DiscoveryReportsEntitiesInfoAndCompleteDescriptors) {
  auto stub = cloudstate::EntityDiscovery::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  cloudstate::ProxyInfo info;
  info.set_protocol_major_version(0);
  info.set_protocol_minor_version(2);
  cloudstate::EntitySpec spec;
  ASSERT_TRUE(stub->discover(&ctx, info, &spec).ok());
  EXPECT_EQ(spec.service_info().service_name(), "it-function");
  EXPECT_EQ(spec.service_info().service_version(), "1.2.3");
  EXPECT_EQ(spec.service_info().support_library_name(), "cloudstate-cpp-sdk");
  EXPECT_EQ(spec.service_info().service_runtime().rfind("C++", 0), 0u);
  EXPECT_EQ(spec.service_info().protocol_major_version(), 0);
  EXPECT_EQ(spec.service_info().protocol_minor_version(), 2);
  ASSERT_EQ(spec.entities_size(), 3);
  EXPECT_EQ(spec.entities(0).entity_type(), "cloudstate.eventsourced.EventSourced");
  EXPECT_EQ(spec.entities(0).service_name(), kModel);
  EXPECT_EQ(spec.entities(0).persistence_id(), "es");
  EXPECT_FALSE(spec.entities(0).has_passivation_strategy());
  EXPECT_EQ(spec.entities(1).entity_type(), "cloudstate.valueentity.ValueEntity");
  EXPECT_EQ(spec.entities(1).passivation_strategy().timeout().timeout(), 100);
  EXPECT_EQ(spec.entities(2).entity_type(), "cloudstate.action.ActionProtocol");

  google::protobuf::FileDescriptorSet files;
  ASSERT_TRUE(files.ParseFromString(spec.proto()));
  google::protobuf::DescriptorPool pool;
  for (const auto& file : files.file()) {
    // Dependencies come first, so every file builds on its own.
    ASSERT_NE(pool.BuildFile(file), nullptr) << file.name();
  }
  for (const auto& entity : spec.entities()) {
    EXPECT_NE(pool.FindServiceByName(entity.service_name()), nullptr) << entity.service_name();
  }
}

TEST_F(ServerIntegrationTest, ReportErrorAnswersEmpty) {
  auto stub = cloudstate::EntityDiscovery::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  cloudstate::UserFunctionError error;
  error.set_message("test error from the proxy");
  google::protobuf::Empty empty;
  EXPECT_TRUE(stub->reportError(&ctx, error, &empty).ok());
}

TEST_F(ServerIntegrationTest, EventSourcedStream) {
  auto stub = cloudstate::eventsourced::EventSourced::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  auto stream = stub->handle(&ctx);
  ASSERT_TRUE(stream->Write(Init("a")));
  ASSERT_TRUE(stream->Write(Emit(1, "A")));
  EventSourcedStreamOut out;
  ASSERT_TRUE(stream->Read(&out));
  EXPECT_EQ(out.reply().command_id(), 1);
  EXPECT_EQ(ReplyText(out), "A");
  ASSERT_TRUE(stream->Write(Emit(2, "B")));
  ASSERT_TRUE(stream->Read(&out));
  EXPECT_EQ(ReplyText(out), "AB");
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&out));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ServerIntegrationTest, CommandBeforeInitGetsAFailureThenTheStreamEnds) {
  auto stub = cloudstate::eventsourced::EventSourced::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  auto stream = stub->handle(&ctx);
  ASSERT_TRUE(stream->Write(Emit(1, "A")));
  EventSourcedStreamOut out;
  ASSERT_TRUE(stream->Read(&out));
  ASSERT_TRUE(out.has_failure());
  EXPECT_EQ(out.failure().command_id(), 1);
  EXPECT_FALSE(stream->Read(&out));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ServerIntegrationTest, BadTypeUrlsDoNotKillTheEntity) {
  auto stub = cloudstate::eventsourced::EventSourced::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  auto stream = stub->handle(&ctx);
  ASSERT_TRUE(stream->Write(Init("b")));
  EventSourcedStreamIn unknown = Emit(1, "A");
  unknown.mutable_command()->mutable_payload()->set_type_url("type.googleapis.com/no.Such");
  EventSourcedStreamIn empty = Emit(2, "A");
  empty.mutable_command()->mutable_payload()->clear_type_url();
  EventSourcedStreamOut out;
  ASSERT_TRUE(stream->Write(unknown));
  ASSERT_TRUE(stream->Read(&out));
  EXPECT_TRUE(out.reply().client_action().has_failure());
  ASSERT_TRUE(stream->Write(empty));
  ASSERT_TRUE(stream->Read(&out));
  EXPECT_TRUE(out.reply().client_action().has_failure());
  ASSERT_TRUE(stream->Write(Emit(3, "C")));
  ASSERT_TRUE(stream->Read(&out));
  EXPECT_EQ(ReplyText(out), "C");
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ServerIntegrationTest, ManyStreamsAtOnce) {
  auto stub = cloudstate::eventsourced::EventSourced::NewStub(channel_);
  constexpr int kStreams = 16;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<
      std::unique_ptr<grpc::ClientReaderWriter<EventSourcedStreamIn, EventSourcedStreamOut>>>
      streams;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->set_deadline(Deadline());
    streams.push_back(stub->handle(contexts.back().get()));
    ASSERT_TRUE(streams.back()->Write(Init("m" + std::to_string(i))));
  }
  // Interleave: one command on every stream, replies read in reverse order.
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_TRUE(streams[i]->Write(Emit(1, std::to_string(i))));
  }
  for (int i = kStreams - 1; i >= 0; --i) {
    EventSourcedStreamOut out;
    ASSERT_TRUE(streams[i]->Read(&out));
    EXPECT_EQ(ReplyText(out), std::to_string(i));
  }
  for (auto& stream : streams) {
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
  }
}

TEST_F(ServerIntegrationTest, ActionUnarySeesMetadata) {
  auto stub = cloudstate::action::ActionProtocol::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  cloudstate::action::ActionCommand command;
  command.set_service_name(kAction);
  command.set_name("ProcessUnary");
  *command.mutable_payload() = PackAny(m::action::Request());
  auto* entry = command.mutable_metadata()->add_entries();
  entry->set_key("x-test");
  entry->set_string_value("hello");
  cloudstate::action::ActionResponse response;
  ASSERT_TRUE(stub->handleUnary(&ctx, command, &response).ok());
  m::action::Response r;
  ASSERT_TRUE(UnpackAny(response.reply().payload(), &r));
  EXPECT_EQ(r.message(), "hello");
}

TEST_F(ServerIntegrationTest, ActionStreamedWithoutHandlerEndsWithStatus) {
  auto stub = cloudstate::action::ActionProtocol::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  auto stream = stub->handleStreamedOut(&ctx, [] {
    cloudstate::action::ActionCommand command;
    command.set_service_name(kAction);
    command.set_name("ProcessStreamedOut");
    *command.mutable_payload() = PackAny(m::action::Request());
    return command;
  }());
  cloudstate::action::ActionResponse response;
  EXPECT_FALSE(stream->Read(&response));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(ServerIntegrationTest, ShutdownWithOpenStreamsDoesNotHang) {
  auto stub = cloudstate::eventsourced::EventSourced::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  auto stream = stub->handle(&ctx);
  ASSERT_TRUE(stream->Write(Init("open")));
  ASSERT_TRUE(stream->Write(Emit(1, "A")));
  EventSourcedStreamOut out;
  ASSERT_TRUE(stream->Read(&out));
  server_->Shutdown();
  EXPECT_FALSE(stream->Read(&out));
  EXPECT_FALSE(stream->Finish().ok());
}

TEST(ServerStartTest, StartFailsWithoutEntities) {
  Server server;
  EXPECT_FALSE(server.Start("127.0.0.1", 0).ok());
}

TEST(ServerStartTest, DuplicateServiceIsAnError) {
  Server server;
  EventSourcedEntityOptions es;
  es.service = testing::Service(kModel);
  auto factory = [](std::string_view) { return std::make_unique<testing::ConcatEntity>(); };
  server.AddEventSourcedEntity(es, factory);
  server.AddEventSourcedEntity(es, factory);
  EXPECT_FALSE(server.Start("127.0.0.1", 0).ok());
}

}  // namespace
}  // namespace cloudstate::sdk
