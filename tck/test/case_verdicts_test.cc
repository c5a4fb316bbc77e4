// Regression tests of case verdicts: each feeds a registered case a behaviour that conforms but
// differs from the reference function (the legacy entity-key option, an empty service name, a
// function that completes only after the proxy's half-close, an ORSet clear, an auto-increment
// register delta, the orderly reactions of the robustness level) and expects a pass, and feeds it
// a broken behaviour and expects a failure.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "google/protobuf/descriptor.pb.h"
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "cloudstate/crdt.grpc.pb.h"
#include "cloudstate/event_sourced.grpc.pb.h"

#include "../src/cases/crdt_helpers.h"
#include "../src/cases/model.h"
#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/discovery.h"
#include "cloudstate/tck/scenario.h"

namespace cloudstate::tck {
namespace {

using cloudstate::eventsourced::EventSourcedStreamIn;
using cloudstate::eventsourced::EventSourcedStreamOut;

Timing ShortTiming() {
  Timing t;
  t.window = std::chrono::milliseconds(400);
  t.quiet = std::chrono::milliseconds(50);
  t.stream_budget = std::chrono::milliseconds(10000);
  return t;
}

// Runs the registered case `name` against `channel` and `discovery`; returns "" when it passed,
// otherwise its failure message and details.
std::string RunCase(const std::string& name, const std::shared_ptr<grpc::Channel>& channel,
                    const DiscoveryInfo& discovery) {
  const CaseSpec* spec = CaseRegistry::Global().Find(name);
  if (spec == nullptr) {
    return "no case " + name;
  }
  CaseContext ctx(spec, channel, &discovery, ShortTiming(), "t1");
  spec->body(ctx);
  return ctx.failed() ? ctx.message() + "\n" + ctx.Details() : "";
}

std::shared_ptr<grpc::Channel> Unused() {
  return grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
}

// ---- discovery ----------------------------------------------------------------------------------

// An EntitySpec with one event-sourced service whose method input has a field carrying
// `key_extension` (0: none) as an unknown FieldOptions extension, as a foreign pool would send.
cloudstate::EntitySpec SpecWithKey(int key_extension) {
  google::protobuf::FileDescriptorProto file;
  file.set_name("keyed.proto");
  file.set_package("keyed");
  file.set_syntax("proto3");
  auto* message = file.add_message_type();
  message->set_name("Req");
  auto* field = message->add_field();
  field->set_name("id");
  field->set_number(1);
  field->set_type(google::protobuf::FieldDescriptorProto::TYPE_STRING);
  field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  if (key_extension != 0) {
    field->mutable_options()->mutable_unknown_fields()->AddVarint(key_extension, 1);
  }
  auto* service = file.add_service();
  service->set_name("Svc");
  auto* method = service->add_method();
  method->set_name("Do");
  method->set_input_type(".keyed.Req");
  method->set_output_type(".keyed.Req");
  google::protobuf::FileDescriptorSet set;
  *set.add_file() = file;
  cloudstate::EntitySpec spec;
  spec.set_proto(set.SerializeAsString());
  auto* entity = spec.add_entities();
  entity->set_entity_type(kEventSourcedProtocol);
  entity->set_service_name("keyed.Svc");
  entity->set_persistence_id("keyed");
  return spec;
}

TEST(DiscoveryVerdicts, LegacyEntityKeyExtensionIsAccepted) {
  for (int extension : {1080, 50002}) {
    auto d = AnalyzeDiscovery(KitProxyInfo(), SpecWithKey(extension));
    EXPECT_EQ(RunCase("discovery.keyed_entity_methods_have_entity_key", Unused(), *d), "")
        << "extension " << extension;
  }
  auto none = AnalyzeDiscovery(KitProxyInfo(), SpecWithKey(0));
  EXPECT_NE(RunCase("discovery.keyed_entity_methods_have_entity_key", Unused(), *none), "");
  auto other = AnalyzeDiscovery(KitProxyInfo(), SpecWithKey(50003));
  EXPECT_NE(RunCase("discovery.keyed_entity_methods_have_entity_key", Unused(), *other), "");
}

TEST(DiscoveryVerdicts, EmptyServiceNameIsOnlyAdvisory) {
  cloudstate::EntitySpec spec;
  spec.mutable_service_info()->set_service_version("1.0");
  spec.mutable_service_info()->set_service_runtime("python 3.8");
  auto d = AnalyzeDiscovery(KitProxyInfo(), spec);
  EXPECT_EQ(RunCase("discovery.service_identified", Unused(), *d), "");
  spec.mutable_service_info()->clear_service_version();
  auto missing = AnalyzeDiscovery(KitProxyInfo(), spec);
  EXPECT_NE(RunCase("discovery.service_identified", Unused(), *missing), "");
}

// ---- a scripted function ------------------------------------------------------------------------

template <typename Service>
class FakeFunction {
 public:
  explicit FakeFunction(Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
  }
  ~FakeFunction() { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2)); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

// What the scripted event-sourced function does with a message no conforming proxy sends.
enum class EsBehaviour {
  kFailThenWaitForHalfClose,  // stream-level failure, completes only after the half-close (JS)
  kFailThenHang,              // stream-level failure, never completes
  kEndWithError,              // ends the call with UNKNOWN and no message (Go)
  kAnswerAsValid,             // replies as if the command were fine
  kIgnoreEmpty,               // ignores an empty message and goes on
};

// Answers init + "Process" commands as the TCK model does for Process{Emit("A")}; reacts to a
// command before init, or an empty message, as `behaviour` says.
class ScriptedEventSourced final : public cloudstate::eventsourced::EventSourced::Service {
 public:
  explicit ScriptedEventSourced(EsBehaviour behaviour) : behaviour_(behaviour) {}
  ~ScriptedEventSourced() override { Release(); }

  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  grpc::Status handle(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<EventSourcedStreamOut, EventSourcedStreamIn>* stream) override {
    EventSourcedStreamIn in;
    bool initialised = false;
    while (stream->Read(&in)) {
      const bool undefined = (!initialised && !in.has_init()) ||
                             in.message_case() == EventSourcedStreamIn::MESSAGE_NOT_SET;
      if (in.has_init() && !undefined) {
        initialised = true;
        continue;
      }
      if (!undefined) {
        stream->Write(es::Reply(in.command().id(), cases::EsResponse("A"),
                                {.events = cases::EsEvents({"A"})}));
        continue;
      }
      switch (behaviour_) {
        case EsBehaviour::kFailThenWaitForHalfClose:
          stream->Write(es::StreamFailure(0, "protocol violation"));
          while (stream->Read(&in)) {
          }
          return grpc::Status::OK;
        case EsBehaviour::kFailThenHang: {
          stream->Write(es::StreamFailure(0, "protocol violation"));
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [this] { return released_; });
          return grpc::Status::OK;
        }
        case EsBehaviour::kEndWithError:
          return grpc::Status(grpc::StatusCode::UNKNOWN, "unexpected message");
        case EsBehaviour::kAnswerAsValid:
          stream->Write(es::Reply(in.command().id(), cases::EsResponse("A"),
                                  {.events = cases::EsEvents({"A"})}));
          initialised = true;
          continue;
        case EsBehaviour::kIgnoreEmpty:
          continue;
      }
    }
    return grpc::Status::OK;
  }

 private:
  EsBehaviour behaviour_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

std::unique_ptr<DiscoveryInfo> EsDiscovery() {
  return AnalyzeDiscovery(KitProxyInfo(), cloudstate::EntitySpec());
}

std::string RunEsCase(const std::string& name, EsBehaviour behaviour) {
  ScriptedEventSourced service(behaviour);
  FakeFunction<ScriptedEventSourced> function(&service);
  auto d = EsDiscovery();
  std::string result = RunCase(name, function.channel(), *d);
  service.Release();
  return result;
}

TEST(RobustnessVerdicts, StreamFailureThenCompletionAfterTheKitsHalfClosePasses) {
  EXPECT_EQ(RunEsCase("eventsourced.command_before_init", EsBehaviour::kFailThenWaitForHalfClose),
            "");
  const std::string hang =
      RunEsCase("eventsourced.command_before_init", EsBehaviour::kFailThenHang);
  EXPECT_NE(hang, "");
  EXPECT_NE(hang.find("stayed open"), std::string::npos) << hang;
}

TEST(RobustnessVerdicts, AnyOrderlyReactionPassesAndAnAnswerAsIfValidFails) {
  EXPECT_EQ(RunEsCase("eventsourced.command_before_init", EsBehaviour::kEndWithError), "");
  const std::string valid =
      RunEsCase("eventsourced.command_before_init", EsBehaviour::kAnswerAsValid);
  EXPECT_NE(valid.find("as if it were valid"), std::string::npos) << valid;
  EXPECT_EQ(RunEsCase("eventsourced.empty_stream_message", EsBehaviour::kIgnoreEmpty), "");
  EXPECT_EQ(RunEsCase("eventsourced.empty_stream_message", EsBehaviour::kEndWithError), "");
  // Silence is orderly only for an empty message: a command before init must get a reaction.
  EXPECT_NE(RunEsCase("eventsourced.command_before_init", EsBehaviour::kIgnoreEmpty), "");
}

TEST(RobustnessVerdicts, RobustnessCasesAreTheirOwnLevel) {
  for (const char* name : {"eventsourced.command_before_init", "valueentity.second_init",
                           "action.unknown_payload_type", "crdt.empty_stream_message_fails_stream",
                           "eventsourced.unknown_snapshot_type"}) {
    const CaseSpec* spec = CaseRegistry::Global().Find(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_EQ(spec->level, CaseLevel::kRobustness) << name;
  }
}

// ---- CRDT: scripted replies by command id -------------------------------------------------------

class ScriptedCrdt final : public cloudstate::crdt::Crdt::Service {
 public:
  explicit ScriptedCrdt(std::map<int64_t, crdt::Out> replies) : replies_(std::move(replies)) {}

  grpc::Status handle(grpc::ServerContext*,
                      grpc::ServerReaderWriter<crdt::Out, crdt::In>* stream) override {
    crdt::In in;
    while (stream->Read(&in)) {
      if (!in.has_command()) {
        continue;
      }
      auto it = replies_.find(in.command().id());
      if (it != replies_.end()) {
        stream->Write(it->second);
      }
    }
    return grpc::Status::OK;
  }

 private:
  std::map<int64_t, crdt::Out> replies_;
};

std::string RunCrdtCase(const std::string& name, std::map<int64_t, crdt::Out> replies) {
  ScriptedCrdt service(std::move(replies));
  FakeFunction<ScriptedCrdt> function(&service);
  auto d = AnalyzeDiscovery(KitProxyInfo(), cloudstate::EntitySpec());
  return RunCase(name, function.channel(), *d);
}

namespace cc = crdt_cases;

TEST(CrdtVerdicts, RemovingTheLastOrSetElementMayBeSentAsCleared) {
  auto script = [](const cloudstate::crdt::CrdtDelta& removal) {
    return std::map<int64_t, crdt::Out>{
        {1, cc::ReplyDelta(1, cc::ORSetS({"a"}), cc::ORSetAdded({"a"}))},
        {2, cc::ReplyDelta(2, cc::ORSetS({}), removal)},
        {3, cc::ReplyState(3, cc::ORSetS({}))}};
  };
  EXPECT_EQ(RunCrdtCase("crdt.orset_remove_last_element", script(cc::ORSetD(false, {"a"}, {}))),
            "");
  EXPECT_EQ(RunCrdtCase("crdt.orset_remove_last_element", script(cc::ORSetD(true, {}, {}))), "");
  EXPECT_NE(RunCrdtCase("crdt.orset_remove_last_element", script(cc::ORSetD(false, {"b"}, {}))),
            "");
  EXPECT_NE(RunCrdtCase("crdt.orset_remove_last_element", script(cc::ORSetD(true, {}, {"a"}))), "");
}

TEST(CrdtVerdicts, RepeatedAutoIncrementSetMaySendADelta) {
  const auto kAuto = cloudstate::crdt::CUSTOM_AUTO_INCREMENT;
  auto script = [&](const crdt::Out& second) {
    return std::map<int64_t, crdt::Out>{
        {1, cc::ReplyDelta(1, cc::LWWS("A"), cc::LWWD("A", kAuto, 10))},
        {2, second},
        {3, cc::ReplyDelta(3, cc::LWWS("B"), cc::LWWD("B", kAuto, 10))},
        {4, cc::ReplyDelta(4, cc::LWWS("B"), cc::LWWD("B", kAuto, 11))},
        {5, cc::ReplyDelta(5, cc::LWWS("B"), cc::LWWD("B"))}};
  };
  const char* name = "crdt.lwwregister_custom_auto_increment_clock";
  EXPECT_EQ(RunCrdtCase(name, script(cc::ReplyState(2, cc::LWWS("A")))), "");
  EXPECT_EQ(RunCrdtCase(name, script(cc::ReplyDelta(2, cc::LWWS("A"), cc::LWWD("A", kAuto, 10)))),
            "");
  EXPECT_NE(RunCrdtCase(name, script(cc::ReplyDelta(2, cc::LWWS("A"), cc::LWWD("A")))), "");
}

}  // namespace
}  // namespace cloudstate::tck
