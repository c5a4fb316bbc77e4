// Proxy cases of value entities (EP1-EP5), event-sourced entities (ESP1-ESP5) and CRDTs (CP1-CP6).
#include "absl/strings/str_cat.h"

#include "cloudstate/tck/proxy_suite/proxy_suite.h"
#include "model_builders.h"

namespace cloudstate::tck::proxy_suite {
namespace {

using namespace model;  // NOLINT(build/namespaces): builders only

// Matches an entity stream whose first message is an init of `service` for `entity_id`.
template <typename In>
std::function<bool(const InterceptedCall&)> InitFor(std::string service, std::string entity_id) {
  return [service, entity_id](const InterceptedCall& c) {
    if (c.in.empty()) {
      return false;
    }
    In m;
    return m.ParseFromString(c.in[0]) && m.has_init() && m.init().service_name() == service &&
           m.init().entity_id() == entity_id;
  };
}

template <typename Resp>
void Call(ProxyCaseContext& ctx, const std::string& method, const google::protobuf::Message& req,
          const Resp& expected) {
  Resp response;
  auto status = ctx.Unary(method, req, &response);
  ctx.ExpectOk(status, method);
  if (status.ok()) {
    ctx.ExpectMessage(expected, response, method);
  }
}

// ---------------- value entity ----------------

const std::string kVeProcess = Method(kValueEntityTckModel, "Process");
const std::string kVeTwoCall = Method(kValueEntityTwo, "Call");

void VeStateChanges(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  struct Step {
    std::vector<vem::RequestAction> actions;
    std::string state;
    ve::Effects effects;
  };
  std::vector<Step> steps = {
      {{}, "", ve::Effects()},
      {{Update("one")}, "one", VeUpdated("one")},
      {{Update("two")}, "two", VeUpdated("two")},
      {{}, "two", {}},
      {{Delete()}, "", VeDeleted()},
      {{}, "", {}},
      {{Update("foo")}, "foo", VeUpdated("foo")},
      {{Delete()}, "", VeDeleted()},
  };
  for (const auto& s : steps) {
    Call(ctx, kVeProcess, VeRequest(id, s.actions), VeResponse(s.state));
  }
  if (auto c =
          ctx.AwaitCall(kVeHandle, InitFor<ve::In>(kValueEntityTckModel, id), "entity stream")) {
    ctx.ExpectIn(*c, 0, ve::Init(kValueEntityTckModel, id));
    for (size_t i = 0; i < steps.size(); ++i) {
      const int64_t n = static_cast<int64_t>(i + 1);
      ctx.ExpectIn(*c, i + 1, ve::Command(n, id, "Process", VeRequest(id, steps[i].actions)));
      ctx.ExpectOut(*c, i, ve::Reply(n, VeResponse(steps[i].state), steps[i].effects));
    }
  }
}

void VeForwardsAndEffects(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  Call(ctx, kVeProcess, VeRequest(id, {Update("one")}), VeResponse("one"));
  Call(ctx, kVeProcess, VeRequest(id, {VeForwardTo(id)}), VeResponse(""));
  Call(ctx, kVeProcess, VeRequest(id, {VeEffect(id)}), VeResponse("one"));
  Call(ctx, kVeProcess, VeRequest(id), VeResponse("one"));
  if (auto c =
          ctx.AwaitCall(kVeHandle, InitFor<ve::In>(kValueEntityTckModel, id), "entity stream")) {
    ctx.ExpectOut(*c, 0, ve::Reply(1, VeResponse("one"), VeUpdated("one")));
    ctx.ExpectOut(*c, 1, ve::Forward(2, kValueEntityTwo, "Call", VeRequest(id)));
    ctx.ExpectOut(*c, 2,
                  ve::Reply(3, VeResponse("one"),
                            VeEffects({SideEffect(kValueEntityTwo, "Call", VeRequest(id))})));
    ctx.ExpectOut(*c, 3, ve::Reply(4, VeResponse("one")));
  }
  if (auto c =
          ctx.AwaitCall(kVeHandle, InitFor<ve::In>(kValueEntityTwo, id), "second service stream")) {
    ctx.ExpectIn(*c, 0, ve::Init(kValueEntityTwo, id));
    ctx.ExpectIn(*c, 1, ve::Command(1, id, "Call", VeRequest(id)));
    ctx.ExpectOut(*c, 0, ve::Reply(1, VeResponse("")));
    ctx.ExpectIn(*c, 2, ve::Command(2, id, "Call", VeRequest(id)));
    ctx.ExpectOut(*c, 1, ve::Reply(2, VeResponse("")));
  }
}

void VeFailures(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  Call(ctx, kVeProcess, VeRequest(id, {Update("one")}), VeResponse("one"));
  vem::Response ignored;
  ctx.ExpectFailure(ctx.Unary(kVeProcess, VeRequest(id, {VeFail("expected failure")}), &ignored),
                    "expected failure", "Process (fail)");
  Call(ctx, kVeProcess, VeRequest(id), VeResponse("one"));
  if (auto c =
          ctx.AwaitCall(kVeHandle, InitFor<ve::In>(kValueEntityTckModel, id), "entity stream")) {
    ctx.ExpectOut(*c, 0, ve::Reply(1, VeResponse("one"), VeUpdated("one")));
    ctx.ExpectIn(*c, 2, ve::Command(2, id, "Process", VeRequest(id, {VeFail("expected failure")})));
    ctx.ExpectOut(*c, 1, ve::Failure(2, "expected failure"));
    ctx.ExpectOut(*c, 2, ve::Reply(3, VeResponse("one")));
  }
}

void VeHttp(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  const std::string path = "/tck/model/entity/" + id;
  ctx.HttpExpectJson(path, "{}", R"({"message":""})");
  ctx.HttpExpectJson("/cloudstate.tck.model.valueentity.ValueEntityTwo/Call",
                     absl::StrCat(R"({"id":")", id, R"("})"), R"({"message":""})");
  ctx.HttpExpectJson(path, R"({"actions":[{"update":{"value":"one"}}]})", R"({"message":"one"})");
  ctx.HttpExpectFailure(path, R"({"actions":[{"fail":{"message":"expected failure"}}]})",
                        "expected failure");
  ctx.HttpExpectJson(path, R"({"actions":[{"update":{"value":"two"}}]})", R"({"message":"two"})");
  ctx.HttpExpectJson(path, "{}", R"({"message":"two"})");
  if (auto c =
          ctx.AwaitCall(kVeHandle, InitFor<ve::In>(kValueEntityTckModel, id), "entity stream")) {
    ctx.ExpectIn(*c, 1, ve::Command(1, id, "Process", VeRequest(id)));
    ctx.ExpectIn(*c, 2, ve::Command(2, id, "Process", VeRequest(id, {Update("one")})));
    ctx.ExpectOut(*c, 2, ve::Failure(3, "expected failure"));
    ctx.ExpectOut(*c, 4, ve::Reply(5, VeResponse("two")));
  }
  if (auto c =
          ctx.AwaitCall(kVeHandle, InitFor<ve::In>(kValueEntityTwo, id), "second service stream")) {
    ctx.ExpectIn(*c, 1, ve::Command(1, id, "Call", VeRequest(id)));
  }
}

template <typename In, typename Out>
void PassivationCase(ProxyCaseContext& ctx, const std::string& service, const std::string& handle,
                     const google::protobuf::Message& request,
                     const google::protobuf::Message& response, const In& init, const In& command,
                     const Out& reply) {
  std::unique_ptr<google::protobuf::Message> got(response.New());
  auto status = ctx.Unary(Method(service, "Call"), request, got.get());
  ctx.ExpectOk(status, "Call");
  const std::string& id = init.init().entity_id();
  if (auto c = ctx.AwaitCall(handle, InitFor<In>(service, id), "configured entity stream")) {
    ctx.ExpectIn(*c, 0, init);
    ctx.ExpectIn(*c, 1, command);
    ctx.ExpectOut(*c, 0, reply);
    ctx.ExpectCallEnded(*c, ctx.passivation(), "passivation (timeout 100 ms declared)");
  }
}

void VePassivation(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  PassivationCase(ctx, kValueEntityConfigured, kVeHandle, VeRequest(id), VeResponse(""),
                  ve::Init(kValueEntityConfigured, id), ve::Command(1, id, "Call", VeRequest(id)),
                  ve::Reply(1, VeResponse("")));
}

// ---------------- event sourced ----------------

const std::string kEsProcess = Method(kEventSourcedTckModel, "Process");

void EsStateChanges(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  struct Step {
    std::vector<std::string> emits;
    std::string state;
    std::optional<std::string> snapshot;
  };
  std::vector<Step> steps = {{{}, "", {}},
                             {{"A"}, "A", {}},
                             {{"B", "C", "D"}, "ABCD", {}},
                             {{"E"}, "ABCDE", "ABCDE"},
                             {{"F", "G", "H", "I"}, "ABCDEFGHI", {}},
                             {{"J", "K"}, "ABCDEFGHIJK", "ABCDEFGHIJK"}};
  auto actions = [](const Step& s) {
    std::vector<esm::RequestAction> out;
    for (const auto& e : s.emits) {
      out.push_back(Emit(e));
    }
    return out;
  };
  for (const auto& s : steps) {
    Call(ctx, kEsProcess, EsRequest(id, actions(s)), EsResponse(s.state));
  }
  if (auto c =
          ctx.AwaitCall(kEsHandle, InitFor<es::In>(kEventSourcedTckModel, id), "entity stream")) {
    ctx.ExpectIn(*c, 0, es::Init(kEventSourcedTckModel, id));
    for (size_t i = 0; i < steps.size(); ++i) {
      const int64_t n = static_cast<int64_t>(i + 1);
      std::vector<google::protobuf::Any> events;
      for (const auto& e : steps[i].emits) {
        events.push_back(EsPersisted(e));
      }
      es::Effects effects = EsEffects(events, steps[i].snapshot);
      ctx.ExpectIn(*c, i + 1, es::Command(n, id, "Process", EsRequest(id, actions(steps[i]))));
      ctx.ExpectOut(*c, i, es::Reply(n, EsResponse(steps[i].state), effects));
    }
  }
}

void EsForwardsAndEffects(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  Call(ctx, kEsProcess, EsRequest(id, {Emit("one")}), EsResponse("one"));
  Call(ctx, kEsProcess, EsRequest(id, {EsForwardTo(id)}), EsResponse(""));
  Call(ctx, kEsProcess, EsRequest(id, {EsEffect(id)}), EsResponse("one"));
  Call(ctx, kEsProcess, EsRequest(id), EsResponse("one"));
  if (auto c =
          ctx.AwaitCall(kEsHandle, InitFor<es::In>(kEventSourcedTckModel, id), "entity stream")) {
    ctx.ExpectOut(*c, 0, es::Reply(1, EsResponse("one"), EsEffects(EsEvents({"one"}))));
    ctx.ExpectOut(*c, 1, es::Forward(2, kEventSourcedTwo, "Call", EsRequest(id)));
    ctx.ExpectOut(*c, 2,
                  es::Reply(3, EsResponse("one"),
                            EsEffects({}, std::nullopt,
                                      {SideEffect(kEventSourcedTwo, "Call", EsRequest(id))})));
    ctx.ExpectOut(*c, 3, es::Reply(4, EsResponse("one")));
  }
  if (auto c = ctx.AwaitCall(kEsHandle, InitFor<es::In>(kEventSourcedTwo, id),
                             "second service stream")) {
    ctx.ExpectIn(*c, 0, es::Init(kEventSourcedTwo, id));
    ctx.ExpectIn(*c, 1, es::Command(1, id, "Call", EsRequest(id)));
    ctx.ExpectOut(*c, 0, es::Reply(1, EsResponse("")));
    ctx.ExpectIn(*c, 2, es::Command(2, id, "Call", EsRequest(id)));
    ctx.ExpectOut(*c, 1, es::Reply(2, EsResponse("")));
  }
}

// Reads the failure reply at `index` of `call`; returns its restart flag.
std::optional<bool> FailureRestart(ProxyCaseContext& ctx, int call, size_t index,
                                   int64_t command_id, const std::string& description) {
  std::optional<bool> restart;
  ctx.interceptor()->WaitFor(
      [&](const std::vector<InterceptedCall>& calls) {
        return calls[static_cast<size_t>(call)].out.size() > index ||
               calls[static_cast<size_t>(call)].done;
      },
      ctx.window());
  auto record = ctx.CallRecord(call);
  es::Out out;
  if (!record || record->out.size() <= index || !out.ParseFromString(record->out[index])) {
    ctx.Fail(
        absl::StrCat("interceptor call #", call, ": no reply ", index + 1, " from the function"));
    return restart;
  }
  restart = out.reply().client_action().failure().restart();
  ctx.ExpectOut(call, index, es::Failure(command_id, description, *restart));
  return restart;
}

void EsFailures(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  esm::Response ignored;
  Call(ctx, kEsProcess, EsRequest(id, {Emit("1"), Emit("2"), Emit("3")}), EsResponse("123"));
  ctx.ExpectFailure(ctx.Unary(kEsProcess, EsRequest(id, {EsFail("expected failure")}), &ignored),
                    "expected failure", "Process (fail)");
  Call(ctx, kEsProcess, EsRequest(id), EsResponse("123"));
  ctx.ExpectFailure(
      ctx.Unary(kEsProcess, EsRequest(id, {Emit("4"), EsFail("another failure"), Emit("5")}),
                &ignored),
      "another failure", "Process (emit then fail)");
  Call(ctx, kEsProcess, EsRequest(id, {Emit("4"), Emit("5")}), EsResponse("12345"));
  auto c = ctx.AwaitCall(kEsHandle, InitFor<es::In>(kEventSourcedTckModel, id), "entity stream");
  if (!c) {
    return;
  }
  ctx.ExpectOut(*c, 0, es::Reply(1, EsResponse("123"), EsEffects(EsEvents({"1", "2", "3"}))));
  ctx.ExpectOut(*c, 1, es::Failure(2, "expected failure"));
  ctx.ExpectOut(*c, 2, es::Reply(3, EsResponse("123")));
  auto restart = FailureRestart(ctx, *c, 3, 4, "another failure");
  if (!restart || ctx.failed()) {
    return;
  }
  if (*restart) {
    ctx.ExpectCallEnded(*c, ctx.window(), "restart after a failure with restart=true");
    auto again =
        ctx.AwaitCall(kEsHandle, InitFor<es::In>(kEventSourcedTckModel, id), "restarted stream");
    if (again) {
      ctx.ExpectIn(*again, 0, es::Init(kEventSourcedTckModel, id));
      ctx.ExpectIn(*again, 1, es::Event(1, EsState("1")));
      ctx.ExpectIn(*again, 2, es::Event(2, EsState("2")));
      ctx.ExpectIn(*again, 3, es::Event(3, EsState("3")));
      ctx.ExpectIn(*again, 4, es::Command(1, id, "Process", EsRequest(id, {Emit("4"), Emit("5")})));
      ctx.ExpectOut(*again, 0,
                    es::Reply(1, EsResponse("12345"), EsEffects(EsEvents({"4", "5"}), "12345")));
    }
  } else {
    ctx.ExpectOut(*c, 4,
                  es::Reply(5, EsResponse("12345"), EsEffects(EsEvents({"4", "5"}), "12345")));
  }
}

void EsHttp(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  const std::string path = "/tck/model/eventsourced/" + id;
  ctx.HttpExpectJson(path, "{}", R"({"message":""})");
  ctx.HttpExpectJson("/cloudstate.tck.model.EventSourcedTwo/Call",
                     absl::StrCat(R"({"id":")", id, R"("})"), R"({"message":""})");
  ctx.HttpExpectJson(path, R"({"actions":[{"emit":{"value":"x"}}]})", R"({"message":"x"})");
  ctx.HttpExpectFailure(path, R"({"actions":[{"fail":{"message":"expected failure"}}]})",
                        "expected failure");
  ctx.HttpExpectJson(path, R"({"actions":[{"emit":{"value":"y"}}]})", R"({"message":"xy"})");
  ctx.HttpExpectFailure(
      path, R"({"actions":[{"emit":{"value":"z"}},{"fail":{"message":"emit then fail"}}]})",
      "emit then fail");
  ctx.HttpExpectJson(path, R"({"actions":[{"emit":{"value":"z"}}]})", R"({"message":"xyz"})");
  auto c = ctx.AwaitCall(kEsHandle, InitFor<es::In>(kEventSourcedTckModel, id), "entity stream");
  if (!c) {
    return;
  }
  ctx.ExpectIn(*c, 1, es::Command(1, id, "Process", EsRequest(id)));
  ctx.ExpectOut(*c, 2, es::Failure(3, "expected failure"));
  auto restart = FailureRestart(ctx, *c, 4, 5, "emit then fail");
  if (restart && *restart && !ctx.failed()) {
    auto again =
        ctx.AwaitCall(kEsHandle, InitFor<es::In>(kEventSourcedTckModel, id), "restarted stream");
    if (again) {
      ctx.ExpectIn(*again, 1, es::Event(1, EsState("x")));
      ctx.ExpectIn(*again, 2, es::Event(2, EsState("y")));
      ctx.ExpectOut(*again, 0, es::Reply(1, EsResponse("xyz"), EsEffects(EsEvents({"z"}))));
    }
  }
}

void EsPassivation(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("entity");
  PassivationCase(ctx, kEventSourcedConfigured, kEsHandle, EsRequest(id), EsResponse(""),
                  es::Init(kEventSourcedConfigured, id), es::Command(1, id, "Call", EsRequest(id)),
                  es::Reply(1, EsResponse("")));
}

// ---------------- CRDT ----------------

const std::string kCrdtProcess = Method(kCrdtTckModel, "Process");
const std::string kCrdtStreamed = Method(kCrdtTckModel, "ProcessStreamed");

void CrdtStateChanges(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("PNCounter");
  Call(ctx, kCrdtProcess, Req(id), PNCounterS(0));
  Call(ctx, kCrdtProcess, Req(id, PNChange({1, -2, 3})), PNCounterS(2));
  Call(ctx, kCrdtProcess, Req(id, PNChange({4, -5, 6})), PNCounterS(7));
  Call(ctx, kCrdtProcess, Req(id, DeleteA()), PNCounterS(7));
  if (auto c = ctx.AwaitCall(kCrdtHandle, InitFor<crdt::In>(kCrdtTckModel, id), "entity stream")) {
    ctx.ExpectIn(*c, 0, crdt::Init(kCrdtTckModel, id));
    ctx.ExpectIn(*c, 1, crdt::Command(1, id, "Process", Req(id)));
    ctx.ExpectOut(*c, 0, crdt::Reply(1, PNCounterS(0)));
    ctx.ExpectOut(*c, 1,
                  crdt::Reply(2, PNCounterS(2), CrdtAction(crdt::UpdateAction(PNCounterD(2)))));
    ctx.ExpectOut(*c, 2,
                  crdt::Reply(3, PNCounterS(7), CrdtAction(crdt::UpdateAction(PNCounterD(5)))));
    ctx.ExpectOut(*c, 3, crdt::Reply(4, PNCounterS(7), CrdtAction(crdt::DeleteAction())));
    ctx.ExpectCallEnded(*c, ctx.window(), "a deleted CRDT's stream is closed by the proxy");
  }
}

void CrdtForwardsAndEffects(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("GSet");
  crm::Response empty;
  Call(ctx, kCrdtProcess, Req(id, GSetAdd({"one"})), GSetS({"one"}));
  Call(ctx, kCrdtProcess, Req(id, ForwardA(id)), empty);
  Call(ctx, kCrdtProcess, Req(id, EffectA(id)), GSetS({"one"}));
  Call(ctx, kCrdtProcess, Req(id, DeleteA()), GSetS({"one"}));
  auto two = ctx.AwaitCall(kCrdtHandle, InitFor<crdt::In>(kCrdtTwo, id), "second service stream");
  if (two) {
    ctx.ExpectIn(*two, 2, crdt::Command(2, id, "Call", Req(id)));  // the side effect
  }
  Call(ctx, Method(kCrdtTwo, "Call"), Req(id, DeleteA()), empty);
  if (auto c = ctx.AwaitCall(kCrdtHandle, InitFor<crdt::In>(kCrdtTckModel, id), "entity stream")) {
    ctx.ExpectOut(*c, 0,
                  crdt::Reply(1, GSetS({"one"}), CrdtAction(crdt::UpdateAction(GSetD({"one"})))));
    ctx.ExpectOut(*c, 1, crdt::Forward(2, kCrdtTwo, "Call", Req(id)));
    ctx.ExpectOut(
        *c, 2,
        crdt::Reply(3, GSetS({"one"}), CrdtEffects({SideEffect(kCrdtTwo, "Call", Req(id))})));
    ctx.ExpectOut(*c, 3, crdt::Reply(4, GSetS({"one"}), CrdtAction(crdt::DeleteAction())));
    ctx.ExpectCallEnded(*c, ctx.window(), "deleted entity");
  }
  if (two) {
    ctx.ExpectIn(*two, 0, crdt::Init(kCrdtTwo, id));
    ctx.ExpectIn(*two, 1, crdt::Command(1, id, "Call", Req(id)));
    ctx.ExpectOut(*two, 0, crdt::Reply(1, empty));
    ctx.ExpectOut(*two, 1, crdt::Reply(2, empty));
    ctx.ExpectIn(*two, 3, crdt::Command(3, id, "Call", Req(id, DeleteA())));
    ctx.ExpectOut(*two, 2, crdt::Reply(3, empty, CrdtAction(crdt::DeleteAction())));
    ctx.ExpectCallEnded(*two, ctx.window(), "deleted second entity");
  }
}

void CrdtFailures(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("GCounter");
  crm::Response ignored;
  Call(ctx, kCrdtProcess, Req(id, GInc({42})), GCounterS(42));
  ctx.ExpectFailure(ctx.Unary(kCrdtProcess, Req(id, FailA("expected failure")), &ignored),
                    "expected failure", "Process (fail)");
  Call(ctx, kCrdtProcess, Req(id, DeleteA()), GCounterS(42));
  if (auto c = ctx.AwaitCall(kCrdtHandle, InitFor<crdt::In>(kCrdtTckModel, id), "entity stream")) {
    ctx.ExpectOut(*c, 0,
                  crdt::Reply(1, GCounterS(42), CrdtAction(crdt::UpdateAction(GCounterD(42)))));
    ctx.ExpectOut(*c, 1, crdt::Failure(2, "expected failure"));
    ctx.ExpectOut(*c, 2, crdt::Reply(3, GCounterS(42), CrdtAction(crdt::DeleteAction())));
    ctx.ExpectCallEnded(*c, ctx.window(), "deleted entity");
  }
}

std::optional<crm::Response> ReadCrdt(ProxyCaseContext& ctx, ClientCall& call,
                                      std::string_view what) {
  if (ctx.failed()) {
    return std::nullopt;
  }
  auto bytes = call.Read(ctx.window());
  crm::Response r;
  if (!bytes || !r.ParseFromString(*bytes)) {
    ctx.Fail(absl::StrCat(std::string(what), ": expected a streamed response, none arrived"));
    return std::nullopt;
  }
  ctx.Note(absl::StrCat("client <- ", ShortText(r)));
  return r;
}

void CrdtStreamed(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("Vote");
  crm::StreamedRequest monitor_request;
  monitor_request.set_id(id);
  auto monitor = ctx.Open(kCrdtStreamed);
  ctx.Check(monitor->Write(monitor_request.SerializeAsString()), "monitor: write failed");
  monitor->WritesDone();
  if (auto r = ReadCrdt(ctx, *monitor, "monitor")) {
    ctx.ExpectMessage(VoteS(false, 0, 1), *r, "monitor's first state");
  }
  crm::StreamedRequest connect_request;
  connect_request.set_id(id);
  connect_request.mutable_initial_update()->mutable_vote()->set_self_vote(true);
  connect_request.mutable_cancel_update()->mutable_vote()->set_self_vote(false);
  connect_request.set_empty(true);
  auto connect = ctx.Open(kCrdtStreamed);
  ctx.Check(connect->Write(connect_request.SerializeAsString()), "connect: write failed");
  connect->WritesDone();
  if (auto r = ReadCrdt(ctx, *monitor, "monitor after connect")) {
    ctx.ExpectMessage(VoteS(true, 1, 1), *r, "monitor sees the vote");
  }
  if (!ctx.failed() && connect->Read(ctx.quiet())) {
    ctx.Fail("connect: an empty streamed call must not receive messages");
  }
  connect->Cancel();
  if (auto r = ReadCrdt(ctx, *monitor, "monitor after cancel")) {
    ctx.ExpectMessage(VoteS(false, 0, 1), *r, "monitor sees the vote withdrawn on cancel");
  }
  // The interceptor must see each cancellation before the next step (as the original waited).
  auto c = ctx.AwaitCall(kCrdtHandle, InitFor<crdt::In>(kCrdtTckModel, id), "entity stream");
  if (c) {
    ctx.ExpectIn(*c, 1, crdt::Command(1, id, "ProcessStreamed", monitor_request, true));
    ctx.ExpectIn(*c, 2, crdt::Command(2, id, "ProcessStreamed", connect_request, true));
    ctx.ExpectIn(*c, 3, crdt::StreamCancelled(id, 2));
  }
  monitor->Cancel();
  if (c) {
    ctx.ExpectIn(*c, 4, crdt::StreamCancelled(id, 1));
  }
  crm::Response ignored;
  ctx.ExpectOk(ctx.Unary(kCrdtProcess, Req(id, DeleteA()), &ignored), "Process (delete)");
  if (c) {
    ctx.ExpectIn(*c, 5, crdt::Command(3, id, "Process", Req(id, DeleteA())));
    ctx.ExpectCallEnded(*c, ctx.window(), "deleted entity");
  }
}

void CrdtHttp(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("PNCounter");
  const std::string path = "/tck/model/crdt/" + id;
  ctx.HttpExpectJson(path, "{}", R"({"state":{"pncounter":{"value":"0"}}})");
  ctx.HttpExpectJson("/cloudstate.tck.model.crdt.CrdtTwo/Call",
                     absl::StrCat(R"({"id":")", id, R"("})"), "{}");
  ctx.HttpExpectJson(path, R"({"actions":[{"update":{"pncounter":{"change":"42"}}}]})",
                     R"({"state":{"pncounter":{"value":"42"}}})");
  ctx.HttpExpectFailure(path, R"({"actions":[{"fail":{"message":"expected failure"}}]})",
                        "expected failure");
  ctx.HttpExpectJson(path, R"({"actions":[{"update":{"pncounter":{"change":"-123"}}}]})",
                     R"({"state":{"pncounter":{"value":"-81"}}})");
  ctx.HttpExpectJson(path, R"({"actions":[{"delete":{}}]})",
                     R"({"state":{"pncounter":{"value":"-81"}}})");
  if (auto c = ctx.AwaitCall(kCrdtHandle, InitFor<crdt::In>(kCrdtTckModel, id), "entity stream")) {
    ctx.ExpectOut(*c, 1,
                  crdt::Reply(2, PNCounterS(42), CrdtAction(crdt::UpdateAction(PNCounterD(42)))));
    ctx.ExpectOut(*c, 4, crdt::Reply(5, PNCounterS(-81), CrdtAction(crdt::DeleteAction())));
    ctx.ExpectCallEnded(*c, ctx.window(), "deleted entity");
  }
}

void CrdtPassivation(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("GCounter");
  PassivationCase(ctx, kCrdtConfigured, kCrdtHandle, Req(id), crm::Response(),
                  crdt::Init(kCrdtConfigured, id), crdt::Command(1, id, "Call", Req(id)),
                  crdt::Reply(1, crm::Response()));
}

#define VE_SERVICES \
  { kValueEntityTckModel, kValueEntityTwo }
#define ES_SERVICES \
  { kEventSourcedTckModel, kEventSourcedTwo }
#define CRDT_SERVICES \
  { kCrdtTckModel, kCrdtTwo }

PROXY_CASE(
    {.name = "proxy.valueentity_state_changes",
     .rule_ids = {"VE-001", "VE-003", "PROT-010", "PROT-032", "FE-009", "FE-004"},
     .description =
         "eight commands on one value entity: client replies and one stream with ids 1-8",
     .hint = "one stream per entity, init with an empty ValueEntityInitState, command ids from 1",
     .original_id = "EP1",
     .services = VE_SERVICES,
     .body = VeStateChanges});
PROXY_CASE(
    {.name = "proxy.valueentity_forwards_and_side_effects",
     .rule_ids = {"PROT-020", "PROT-019", "FE-012", "FE-009"},
     .description =
         "a forward and a side effect reach ValueEntityTwo on its own stream for the same id",
     .hint = "forwards and side effects are new commands; the same id in another service is "
             "another entity",
     .original_id = "EP2",
     .services = VE_SERVICES,
     .body = VeForwardsAndEffects});
PROXY_CASE(
    {.name = "proxy.valueentity_failures",
     .rule_ids = {"FE-018", "VE-011", "VE-010", "PROT-023"},
     .description = "a failure reaches the client as its description and leaves the entity usable",
     .hint = "ClientAction.failure -> gRPC UNKNOWN with the description; keep the stream open",
     .original_id = "EP3",
     .services = VE_SERVICES,
     .body = VeFailures});
PROXY_CASE(
    {.name = "proxy.valueentity_http",
     .rule_ids = {"FE-013", "FE-014", "FE-015", "FE-019"},
     .description =
         "HTTP bindings, the default /<service>/<method> route, exact JSON bodies and 500 failures",
     .hint = "path variables fill the key; defaults are printed ({\"message\":\"\"})",
     .original_id = "EP4",
     .services = VE_SERVICES,
     .needs_http = true,
     .body = VeHttp});
PROXY_CASE(
    {.name = "proxy.valueentity_passivation",
     .rule_ids = {"DUR-006", "DUR-007", "DISC-013"},
     .description = "an entity with a 100 ms passivation timeout has its stream closed within 2 s",
     .hint = "honour Entity.passivation_strategy.timeout from discovery; half-close the stream",
     .original_id = "EP5",
     .services = {kValueEntityConfigured},
     .needs_interceptor = true,
     .body = VePassivation});
PROXY_CASE(
    {.name = "proxy.eventsourced_state_changes",
     .rule_ids = {"ES-001", "ES-002", "ES-006", "ES-025", "PROT-010", "PROT-032", "FE-009"},
     .description =
         "six commands on one event-sourced entity: replies, events and snapshots on one stream",
     .hint = "init without snapshot for a new entity, command ids from 1, events journaled",
     .original_id = "ESP1",
     .services = ES_SERVICES,
     .body = EsStateChanges});
PROXY_CASE({.name = "proxy.eventsourced_forwards_and_side_effects",
            .rule_ids = {"PROT-020", "PROT-019", "ES-025", "FE-012"},
            .description = "a forward and a side effect reach EventSourcedTwo on its own stream",
            .hint = "forwards and side effects are new commands routed by the target's entity key",
            .original_id = "ESP2",
            .services = ES_SERVICES,
            .body = EsForwardsAndEffects});
PROXY_CASE(
    {.name = "proxy.eventsourced_failures",
     .rule_ids = {"ES-020", "ES-021", "ES-003", "FE-018"},
     .description =
         "failures reach the client; a failure with restart replays the journal on a new stream",
     .hint = "drop the failed command's events; on restart=true close the stream and recover from "
             "the journal",
     .original_id = "ESP3",
     .services = ES_SERVICES,
     .body = EsFailures});
PROXY_CASE(
    {.name = "proxy.eventsourced_http",
     .rule_ids = {"FE-013", "FE-014", "FE-015", "FE-019", "ES-021", "ES-003"},
     .description = "HTTP API of the event-sourced model including an emit-then-fail command",
     .hint = "HTTP 500 with the description; events of a failed command must not be persisted",
     .original_id = "ESP4",
     .services = ES_SERVICES,
     .needs_http = true,
     .body = EsHttp});
PROXY_CASE(
    {.name = "proxy.eventsourced_passivation",
     .rule_ids = {"DUR-006", "DUR-007", "DISC-013"},
     .description = "an entity with a 100 ms passivation timeout has its stream closed within 2 s",
     .hint = "honour Entity.passivation_strategy.timeout from discovery; half-close the stream",
     .original_id = "ESP5",
     .services = {kEventSourcedConfigured},
     .needs_interceptor = true,
     .body = EsPassivation});
PROXY_CASE(
    {.name = "proxy.crdt_state_changes",
     .rule_ids = {"CRDT-001", "CRDT-045", "PROT-010", "PROT-032", "FE-009"},
     .description = "PNCounter updates and delete; the proxy closes the stream of a deleted CRDT",
     .hint = "init without delta for a new CRDT; after a delete action the entity stream ends",
     .original_id = "CP1",
     .services = CRDT_SERVICES,
     .body = CrdtStateChanges});
PROXY_CASE({.name = "proxy.crdt_forwards_and_side_effects",
            .rule_ids = {"PROT-020", "PROT-019", "CRDT-045", "FE-012"},
            .description = "GSet forward and side effect to CrdtTwo, then both entities deleted",
            .hint = "forwards/side effects are new commands on CrdtTwo's stream for the same id",
            .original_id = "CP2",
            .services = CRDT_SERVICES,
            .body = CrdtForwardsAndEffects});
PROXY_CASE(
    {.name = "proxy.crdt_failures",
     .rule_ids = {"FE-018", "CRDT-050", "CRDT-045"},
     .description = "a GCounter failure reaches the client; state and stream survive until delete",
     .hint = "ClientAction.failure -> gRPC UNKNOWN with the description",
     .original_id = "CP3",
     .services = CRDT_SERVICES,
     .body = CrdtFailures});
PROXY_CASE(
    {.name = "proxy.crdt_streamed_connection_tracking",
     .rule_ids = {"CRDT-054", "CRDT-055", "CRDT-056", "CRDT-058", "CRDT-059", "CRDT-060",
                  "CRDT-061", "CRDT-005", "CRDT-045"},
     .description = "Vote streamed calls: streamed updates reach the monitor, client cancel "
                    "becomes StreamCancelled",
     .hint =
         "relay streamed replies to the right call; a cancelled client call sends StreamCancelled",
     .original_id = "CP4",
     .services = CRDT_SERVICES,
     .body = CrdtStreamed});
PROXY_CASE(
    {.name = "proxy.crdt_http",
     .rule_ids = {"FE-013", "FE-014", "FE-015", "FE-019", "CRDT-045"},
     .description = "HTTP API of the PNCounter model: nested oneofs and int64 as JSON strings",
     .hint = "JSON printing: int64 as strings, defaults printed, unset messages omitted ({})",
     .original_id = "CP5",
     .services = CRDT_SERVICES,
     .needs_http = true,
     .body = CrdtHttp});
PROXY_CASE(
    {.name = "proxy.crdt_passivation",
     .rule_ids = {"DUR-006", "DUR-007", "DISC-013"},
     .description = "a CRDT with a 100 ms passivation timeout has its stream closed within 2 s",
     .hint = "honour Entity.passivation_strategy.timeout when no streamed call is open",
     .original_id = "CP6",
     .services = {kCrdtConfigured},
     .needs_interceptor = true,
     .body = CrdtPassivation});

}  // namespace
}  // namespace cloudstate::tck::proxy_suite
