// The TCK model services of the reference function driven through the proxy over real gRPC: the
// client-visible side of the catalog's proxy cases (EP1, ESP1, ESP3, CP1, CP4, AP1-AP5),
// passivation, reconnect after a function restart, malformed and oversized requests, protocol
// violations.

#include <filesystem>

#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"

#include "cloudstate/tck/model/action.grpc.pb.h"
#include "cloudstate/tck/model/crdt.grpc.pb.h"
#include "cloudstate/tck/model/eventsourced.grpc.pb.h"
#include "cloudstate/tck/model/valueentity.grpc.pb.h"

#include "cloudstate/proxy/store.h"
#include "integration_util.h"
#include "reflection_client.h"

namespace cloudstate::proxy {
namespace {

namespace ve = cloudstate::tck::model::valueentity;
namespace es = cloudstate::tck::model;
namespace cr = cloudstate::tck::model::crdt;
namespace ac = cloudstate::tck::model::action;
using testing::Ctx;
using testing::Eventually;
using testing::HttpCall;
using testing::HttpGet;
using testing::MetricValue;
using testing::ReferenceFunction;
using testing::TestProxyOptions;

class TckModelTest : public ::testing::Test {
 protected:
  void StartAll(std::vector<std::string> faults = {},
                std::function<void(ProxyOptions&)> configure = nullptr) {
    std::vector<std::string> args;
    for (auto& f : faults) {
      args.push_back("--fault");
      args.push_back(f);
    }
    function_ = std::make_unique<ReferenceFunction>(std::move(args));
    ASSERT_TRUE(function_->Start());
    ProxyOptions options = TestProxyOptions(function_->port());
    if (configure) {
      configure(options);
    }
    auto proxy = Proxy::Start(options);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = std::move(*proxy);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(proxy_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (proxy_ != nullptr) {
      proxy_->Shutdown();
    }
  }
  std::string Metrics() { return HttpGet(proxy_->http_port(), "/metrics"); }

  // Value-entity Process with the given actions; returns the message or "ERROR: <description>".
  std::string VeProcess(const std::string& id, std::vector<ve::RequestAction> actions) {
    auto stub = ve::ValueEntityTckModel::NewStub(channel_);
    ve::Request request;
    request.set_id(id);
    for (auto& a : actions) {
      *request.add_actions() = a;
    }
    ve::Response response;
    grpc::Status s = stub->Process(Ctx().get(), request, &response);
    return s.ok() ? response.message() : "ERROR: " + s.error_message();
  }
  std::string EsProcess(const std::string& id, std::vector<std::string> emits,
                        std::optional<std::string> fail_after = std::nullopt,
                        size_t fail_index = 0) {
    auto stub = es::EventSourcedTckModel::NewStub(channel_);
    es::Request request;
    request.set_id(id);
    for (size_t i = 0; i <= emits.size(); ++i) {
      if (fail_after.has_value() && i == fail_index) {
        request.add_actions()->mutable_fail()->set_message(*fail_after);
      }
      if (i < emits.size()) {
        request.add_actions()->mutable_emit()->set_value(emits[i]);
      }
    }
    es::Response response;
    grpc::Status s = stub->Process(Ctx().get(), request, &response);
    return s.ok() ? response.message() : "ERROR: " + s.error_message();
  }

  std::unique_ptr<ReferenceFunction> function_;
  std::unique_ptr<Proxy> proxy_;
  std::shared_ptr<grpc::Channel> channel_;
};

ve::RequestAction Up(const std::string& v) {
  ve::RequestAction a;
  a.mutable_update()->set_value(v);
  return a;
}
ve::RequestAction Del() {
  ve::RequestAction a;
  a.mutable_delete_();
  return a;
}

TEST_F(TckModelTest, ValueEntityStateChangesEP1) {
  StartAll();
  const std::string id = "ep1";
  EXPECT_EQ(VeProcess(id, {}), "");
  EXPECT_EQ(VeProcess(id, {Up("one")}), "one");
  EXPECT_EQ(VeProcess(id, {Up("two")}), "two");
  EXPECT_EQ(VeProcess(id, {}), "two");
  EXPECT_EQ(VeProcess(id, {Del()}), "");
  EXPECT_EQ(VeProcess(id, {}), "");
  EXPECT_EQ(VeProcess(id, {Up("foo")}), "foo");
  EXPECT_EQ(VeProcess(id, {Del()}), "");
  // EP3: a failure leaves the state alone.
  EXPECT_EQ(VeProcess(id, {Up("one")}), "one");
  ve::RequestAction fail;
  fail.mutable_fail()->set_message("expected failure");
  EXPECT_EQ(VeProcess(id, {fail}), "ERROR: expected failure");
  EXPECT_EQ(VeProcess(id, {}), "one");
}

TEST_F(TckModelTest, EventSourcedSnapshotsESP1) {
  const std::string db = ::testing::TempDir() + "/esp1_" + std::to_string(getpid()) + ".db";
  std::filesystem::remove(db);
  StartAll({}, [&](ProxyOptions& o) { o.store = "sqlite:" + db; });
  const std::string id = "esp1";
  EXPECT_EQ(EsProcess(id, {}), "");
  EXPECT_EQ(EsProcess(id, {"A"}), "A");
  EXPECT_EQ(EsProcess(id, {"B", "C", "D"}), "ABCD");
  EXPECT_EQ(EsProcess(id, {"E"}), "ABCDE");  // snapshot at sequence 5
  {
    auto store = OpenSqliteStore(db);
    ASSERT_TRUE(store.ok()) << store.status();
    auto snapshot = (*store)->LoadSnapshot("event-sourced-tck-model|" + id);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    ASSERT_TRUE(snapshot->has_value());
    EXPECT_EQ((*snapshot)->sequence, 5);
    es::Persisted p;
    ASSERT_TRUE(p.ParseFromString((*snapshot)->payload.value));
    EXPECT_EQ(p.value(), "ABCDE");
  }
  EXPECT_EQ(EsProcess(id, {"F", "G", "H", "I"}), "ABCDEFGHI");
  EXPECT_EQ(EsProcess(id, {"J", "K"}), "ABCDEFGHIJK");  // snapshot at sequence 11
  auto store = OpenSqliteStore(db);
  ASSERT_TRUE(store.ok());
  auto snapshot = (*store)->LoadSnapshot("event-sourced-tck-model|" + id);
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->sequence, 11);
  es::Persisted p;
  ASSERT_TRUE(p.ParseFromString((*snapshot)->payload.value));
  EXPECT_EQ(p.value(), "ABCDEFGHIJK");
  auto high = (*store)->HighestSequence("event-sourced-tck-model|" + id);
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(*high, 11);
  proxy_->Shutdown();
  std::filesystem::remove(db);
}

TEST_F(TckModelTest, EventSourcedFailureAndRestartESP3) {
  StartAll();
  const std::string id = "esp3";
  EXPECT_EQ(EsProcess(id, {"1", "2", "3"}), "123");
  EXPECT_EQ(EsProcess(id, {}, "expected failure", 0), "ERROR: expected failure");
  EXPECT_EQ(EsProcess(id, {}), "123");
  // Emit, fail, emit: the function asks for a restart; the proxy drops the events, replays the
  // journal on a new stream, and the entity carries on from "123".
  EXPECT_EQ(EsProcess(id, {"4", "5"}, "another failure", 1), "ERROR: another failure");
  EXPECT_EQ(EsProcess(id, {"4", "5"}), "12345");
  EXPECT_EQ(EsProcess(id, {}), "12345");
}

cr::Request CrdtReq(const std::string& id, std::vector<int64_t> changes, bool del = false) {
  cr::Request r;
  r.set_id(id);
  for (int64_t c : changes) {
    r.add_actions()->mutable_update()->mutable_pncounter()->set_change(c);
  }
  if (del) {
    r.add_actions()->mutable_delete_();
  }
  return r;
}

TEST_F(TckModelTest, CrdtPNCounterWithDeleteCP1) {
  StartAll();
  auto stub = cr::CrdtTckModel::NewStub(channel_);
  const std::string id = "PNCounter-cp1";
  cr::Response response;
  ASSERT_TRUE(stub->Process(Ctx().get(), CrdtReq(id, {}), &response).ok());
  EXPECT_EQ(response.state().pncounter().value(), 0);
  ASSERT_TRUE(stub->Process(Ctx().get(), CrdtReq(id, {1, -2, 3}), &response).ok());
  EXPECT_EQ(response.state().pncounter().value(), 2);
  ASSERT_TRUE(stub->Process(Ctx().get(), CrdtReq(id, {4, -5, 6}), &response).ok());
  EXPECT_EQ(response.state().pncounter().value(), 7);
  grpc::Status s = stub->Process(Ctx().get(), CrdtReq(id, {}, true), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.state().pncounter().value(), 7);
  s = stub->Process(Ctx().get(), CrdtReq(id, {}), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "Entity deleted");
  // The same id in another CRDT service is another entity (tck/PROXY_SUITE.md F2).
  auto two = cr::CrdtTwo::NewStub(channel_);
  cr::Request call;
  call.set_id(id);
  s = two->Call(Ctx().get(), call, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  // Another entity of the same service is unaffected.
  ASSERT_TRUE(stub->Process(Ctx().get(), CrdtReq("PNCounter-other", {5}), &response).ok());
  EXPECT_EQ(response.state().pncounter().value(), 5);
}

// Two CRDT services declaring one persistence id share their values, as the original proxy's
// Distributed Data key "<persistence id>-<entity id>" does. A delete by CrdtTwo changes the value
// outside any command of CrdtTckModel's entity: its function is sent a CrdtDelete and the open
// streamed call ends.
TEST_F(TckModelTest, CrdtDeleteByAnotherServiceOnTheSamePersistenceIdReachesTheStreamedCall) {
  StartAll({"discovery-shared-persistence-id"});
  auto stub = cr::CrdtTckModel::NewStub(channel_);
  const std::string id = "GCounter-shared";
  cr::StreamedRequest monitor_request;
  monitor_request.set_id(id);
  monitor_request.mutable_initial_update()->mutable_gcounter()->set_increment(3);
  auto monitor_ctx = Ctx();
  auto monitor = stub->ProcessStreamed(monitor_ctx.get(), monitor_request);
  cr::Response r;
  ASSERT_TRUE(monitor->Read(&r));
  EXPECT_EQ(r.state().gcounter().value(), 3u);

  auto two = cr::CrdtTwo::NewStub(channel_);
  cr::Request del;
  del.set_id(id);
  del.add_actions()->mutable_delete_();
  grpc::Status s = two->Call(Ctx().get(), del, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();

  cr::Response ignored;
  while (monitor->Read(&ignored)) {
  }
  s = monitor->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "Entity deleted");
  s = stub->Process(Ctx().get(), CrdtReq(id, {}), &r);
  EXPECT_EQ(s.error_message(), "Entity deleted");
}

TEST_F(TckModelTest, CrdtStreamedVoteWithCancellationCP4) {
  StartAll();
  auto stub = cr::CrdtTckModel::NewStub(channel_);
  const std::string id = "Vote-cp4";
  cr::StreamedRequest monitor_request;
  monitor_request.set_id(id);
  auto monitor_ctx = Ctx();
  auto monitor = stub->ProcessStreamed(monitor_ctx.get(), monitor_request);
  cr::Response r;
  ASSERT_TRUE(monitor->Read(&r));
  EXPECT_FALSE(r.state().vote().self_vote());
  EXPECT_EQ(r.state().vote().votes_for(), 0);
  EXPECT_EQ(r.state().vote().total_voters(), 1);

  cr::StreamedRequest connect_request;
  connect_request.set_id(id);
  connect_request.mutable_initial_update()->mutable_vote()->set_self_vote(true);
  connect_request.mutable_cancel_update()->mutable_vote()->set_self_vote(false);
  connect_request.set_empty(true);
  auto connect_ctx = Ctx();
  auto connect = stub->ProcessStreamed(connect_ctx.get(), connect_request);
  ASSERT_TRUE(monitor->Read(&r));
  EXPECT_TRUE(r.state().vote().self_vote());
  EXPECT_EQ(r.state().vote().votes_for(), 1);
  EXPECT_EQ(r.state().vote().total_voters(), 1);

  // Cancelling "connect": the proxy sends stream_cancelled, the function's cancel update votes no,
  // and the monitor sees it.
  connect_ctx->TryCancel();
  cr::Response ignored;
  while (connect->Read(&ignored)) {
  }
  EXPECT_EQ(connect->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(monitor->Read(&r));
  EXPECT_FALSE(r.state().vote().self_vote());
  EXPECT_EQ(r.state().vote().votes_for(), 0);

  monitor_ctx->TryCancel();
  while (monitor->Read(&ignored)) {
  }
  monitor->Finish();

  cr::Request del;
  del.set_id(id);
  del.add_actions()->mutable_delete_();
  grpc::Status s = stub->Process(Ctx().get(), del, &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TckModelTest, ActionsAllFourShapesAndForwardsAP1toAP5) {
  StartAll();
  auto stub = ac::ActionTckModel::NewStub(channel_);
  auto step_reply = [](ac::Request* r, const std::string& m) {
    r->add_groups()->add_steps()->mutable_reply()->set_message(m);
  };
  // AP1 unary.
  ac::Request req;
  step_reply(&req, "one");
  ac::Response resp;
  grpc::Status s = stub->ProcessUnary(Ctx().get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.message(), "one");

  // AP2 streamed in.
  {
    auto ctx = Ctx();
    ac::Response out;
    auto writer = stub->ProcessStreamedIn(ctx.get(), &out);
    ac::Request r;
    step_reply(&r, "two");
    ASSERT_TRUE(writer->Write(r));
    writer->WritesDone();
    s = writer->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.message(), "two");
  }
  // AP3 streamed out.
  {
    auto ctx = Ctx();
    ac::Request r;
    step_reply(&r, "A");
    step_reply(&r, "B");
    step_reply(&r, "C");
    auto reader = stub->ProcessStreamedOut(ctx.get(), r);
    std::vector<std::string> got;
    ac::Response out;
    while (reader->Read(&out)) {
      got.push_back(out.message());
    }
    s = reader->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(got, (std::vector<std::string>{"A", "B", "C"}));
  }
  // AP4 bidi: one response per request, in order.
  {
    auto ctx = Ctx();
    auto stream = stub->ProcessStreamed(ctx.get());
    std::vector<std::string> got;
    for (const char* m : {"X", "Y", "Z"}) {
      ac::Request r;
      step_reply(&r, m);
      ASSERT_TRUE(stream->Write(r));
      ac::Response out;
      ASSERT_TRUE(stream->Read(&out));
      got.push_back(out.message());
    }
    stream->WritesDone();
    ac::Response extra;
    EXPECT_FALSE(stream->Read(&extra));
    s = stream->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(got, (std::vector<std::string>{"X", "Y", "Z"}));
  }
  // AP5 forward: the reply is ActionTwo.Call's (empty) response.
  {
    ac::Request r;
    r.add_groups()->add_steps()->mutable_forward()->set_id("other");
    s = stub->ProcessUnary(Ctx().get(), r, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.message(), "");
  }
  // AP5 side effect (async and sync) with a reply.
  for (bool sync : {false, true}) {
    ac::Request r;
    auto* group = r.add_groups();
    group->add_steps()->mutable_reply()->set_message("");
    auto* effect = group->add_steps()->mutable_effect();
    effect->set_id("another");
    effect->set_synchronous(sync);
    s = stub->ProcessUnary(Ctx().get(), r, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // AP7 failure.
  {
    ac::Request r;
    r.add_groups()->add_steps()->mutable_fail()->set_message("expected failure");
    s = stub->ProcessUnary(Ctx().get(), r, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
    EXPECT_EQ(s.error_message(), "expected failure");
  }
}

TEST_F(TckModelTest, ConfiguredEntityPassivatesAndStateIsReloaded) {
  StartAll({}, [](ProxyOptions& o) { o.passivation_timeout = absl::Milliseconds(150); });
  // ValueEntityConfigured announces a 100 ms passivation timeout in discovery.
  auto configured = ve::ValueEntityConfigured::NewStub(channel_);
  ve::Request req;
  req.set_id("passivate-me");
  ve::Response resp;
  ASSERT_TRUE(configured->Call(Ctx().get(), req, &resp).ok());
  const std::string passivated =
      "cloudstate_proxy_passivated_entities_total{entity_type=\"value-entity\"}";
  ASSERT_TRUE(Eventually([&] { return MetricValue(Metrics(), passivated) >= 1; })) << Metrics();

  // The model entity (proxy-wide 150 ms here) passivates too; its state comes back from the store.
  EXPECT_EQ(VeProcess("reload", {Up("kept")}), "kept");
  const double before = MetricValue(Metrics(), passivated);
  ASSERT_TRUE(Eventually([&] { return MetricValue(Metrics(), passivated) > before; }));
  const std::string activated =
      "cloudstate_proxy_activated_entities_total{entity_type=\"value-entity\"}";
  const double activations = MetricValue(Metrics(), activated);
  EXPECT_EQ(VeProcess("reload", {}), "kept");
  EXPECT_GT(MetricValue(Metrics(), activated), activations);  // a new incarnation loaded it
}

TEST_F(TckModelTest, ReconnectsAfterTheFunctionRestarts) {
  StartAll();
  EXPECT_EQ(VeProcess("rc", {Up("before")}), "before");
  const int port = function_->port();
  function_->Stop();
  // While the function is down calls fail; they must not hang.
  EXPECT_EQ(VeProcess("rc", {}).rfind("ERROR: ", 0), 0u);
  ASSERT_TRUE(function_->Start(port));
  std::string got;
  ASSERT_TRUE(Eventually([&] {
    got = VeProcess("rc", {});
    return got == "before";
  })) << got;
  EXPECT_EQ(EsProcess("rc-es", {"x"}), "x");
}

// Sends raw bytes to a method through the generic stub.
grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const std::string& bytes) {
  grpc::GenericStub stub(channel);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  auto ctx = Ctx();
  stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard lock(mu);
    status = s;
    done = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  return status;
}

TEST_F(TckModelTest, MalformedRequestIsInvalidArgumentAndProxyKeepsServing) {
  StartAll();
  const std::string method = "/cloudstate.tck.model.valueentity.ValueEntityTckModel/Process";
  // Field 1 (length-delimited) claiming 100 bytes but carrying 2.
  grpc::Status s = RawCall(channel_, method, std::string("\x0a\x64\x61\x62", 4));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  s = RawCall(channel_, method, std::string("\xff\xff\xff\xff", 4));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(VeProcess("after-bad", {Up("fine")}), "fine");
}

TEST_F(TckModelTest, OversizedMessageIsResourceExhausted) {
  StartAll({}, [](ProxyOptions& o) { o.max_message_bytes = 64 * 1024; });
  auto stub = ve::ValueEntityTckModel::NewStub(channel_);
  ve::Request big;
  big.set_id("big");
  big.add_actions()->mutable_update()->set_value(std::string(200 * 1024, 'x'));
  ve::Response resp;
  grpc::Status s = stub->Process(Ctx().get(), big, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_EQ(VeProcess("big", {Up("small")}), "small");
}

TEST_F(TckModelTest, FunctionProtocolViolationIsAClearErrorAndProxyKeepsServing) {
  StartAll({"es-wrong-command-id"});
  std::string got = EsProcess("bad-ids", {"a"});
  EXPECT_NE(got.find("Unexpected entity reply for command id 2"), std::string::npos) << got;
  EXPECT_NE(got.find("in-flight command id 1"), std::string::npos) << got;
  // Other entity kinds keep working; the broken entity fails again on a fresh incarnation.
  EXPECT_EQ(VeProcess("fine", {Up("ok")}), "ok");
  got = EsProcess("bad-ids", {});
  EXPECT_NE(got.find("Unexpected entity reply"), std::string::npos) << got;
  EXPECT_GE(MetricValue(Metrics(),
                        "cloudstate_proxy_failed_entities_total{entity_type=\"event-sourced\"}"),
            2);
}

TEST_F(TckModelTest, ReadyAndAlive) {
  StartAll();
  EXPECT_EQ(HttpGet(proxy_->http_port(), "/alive"), "200\nOK");
  EXPECT_EQ(HttpGet(proxy_->http_port(), "/ready"), "200\nOK");
}

TEST_F(TckModelTest, ServerReflectionOfDiscoveredServices) {
  StartAll();
  static const char kPath[] = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  grpc::internal::RpcMethod method(kPath, grpc::internal::RpcMethod::BIDI_STREAMING, channel_);
  auto ctx = Ctx();
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel_.get(), method, ctx.get()));
  testing::ReflectionMessages messages;
  auto ask = [&](const std::string& request) -> std::string {
    grpc::Slice slice(request);
    grpc::ByteBuffer out(&slice, 1);
    EXPECT_TRUE(stream->Write(out));
    grpc::ByteBuffer in;
    if (!stream->Read(&in)) {
      return "";
    }
    std::vector<grpc::Slice> slices;
    (void)in.Dump(&slices);
    std::string bytes;
    for (auto& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    auto response = messages.Response(bytes);
    return response == nullptr ? "unparsable" : testing::Text(*response);
  };
  const std::string services = ask(messages.Request("list_services", ""));
  // Sorted: the reflection service among the entity services.
  const size_t action = services.find("name: \"cloudstate.tck.model.action.ActionTckModel\"");
  const size_t reflection = services.find("name: \"grpc.reflection.v1alpha.ServerReflection\"");
  const size_t cart = services.find("name: \"com.example.shoppingcart.ShoppingCart\"");
  ASSERT_NE(action, std::string::npos) << services;
  ASSERT_NE(reflection, std::string::npos) << services;
  ASSERT_NE(cart, std::string::npos) << services;
  // FE-023: the reflection service first, then the user's services sorted.
  EXPECT_LT(reflection, action);
  EXPECT_LT(action, cart);
  const std::string file =
      ask(messages.Request("file_containing_symbol", "cloudstate.tck.model.crdt.CrdtTckModel"));
  EXPECT_NE(file.find("file_descriptor_response"), std::string::npos) << file;
  // FE-024: an unknown symbol gets an empty file list, not an error.
  const std::string unknown = ask(messages.Request("file_containing_symbol", "x.Y"));
  EXPECT_NE(unknown.find("file_descriptor_response"), std::string::npos) << unknown;
  EXPECT_EQ(unknown.find("error_response"), std::string::npos) << unknown;
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TckModelTest, PrometheusMetrics) {
  StartAll();
  EXPECT_EQ(VeProcess("m1", {Up("one")}), "one");
  EXPECT_EQ(EsProcess("m1", {"a"}), "a");
  EXPECT_EQ(VeProcess("m1", {Del()}), "");
  const std::string m = Metrics();
  const std::string method =
      "method=\"/cloudstate.tck.model.valueentity.ValueEntityTckModel/Process\"";
  EXPECT_EQ(MetricValue(m, "cloudstate_proxy_requests_total{" + method + ",code=\"0\"}"), 2) << m;
  EXPECT_EQ(MetricValue(m, "cloudstate_proxy_request_duration_seconds_count{" + method + "}"), 2);
  EXPECT_EQ(MetricValue(
                m, "cloudstate_proxy_request_duration_seconds_bucket{" + method + ",le=\"+Inf\"}"),
            2);
  EXPECT_NE(m.find("# TYPE cloudstate_proxy_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_EQ(MetricValue(m, "cloudstate_proxy_journal_duration_seconds_count{operation=\"append\"}"),
            1);
  EXPECT_EQ(MetricValue(m, "cloudstate_proxy_journal_duration_seconds_count{operation=\"replay\"}"),
            1);
  EXPECT_EQ(MetricValue(m, "cloudstate_proxy_active_entities{entity_type=\"value-entity\"}"), 1);
  EXPECT_EQ(MetricValue(m, "cloudstate_proxy_active_entities{entity_type=\"event-sourced\"}"), 1);
  EXPECT_EQ(MetricValue(m, "cloudstate_proxy_ready"), 1);
  // Failures are counted.
  ve::RequestAction fail;
  fail.mutable_fail()->set_message("x");
  VeProcess("m1", {fail});
  EXPECT_EQ(MetricValue(Metrics(), "cloudstate_proxy_requests_total{" + method + ",code=\"2\"}"),
            1);
}

TEST_F(TckModelTest, HttpTranscodingIsWired) {
  StartAll();
  EXPECT_EQ(HttpCall(proxy_->http_port(), "POST", "/tck/model/entity/http1",
                     R"({"actions":[{"update":{"value":"json"}}]})"),
            "200\n{\"message\":\"json\"}");
  EXPECT_EQ(VeProcess("http1", {}), "json");
}

}  // namespace
}  // namespace cloudstate::proxy
