// The reference function over real gRPC: discovery, TCK catalog exchanges, and proof that every
// deliberate fault breaks a behaviour the TCK checks.
#include <functional>
#include <map>
#include <set>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/empty.pb.h"

#include "cloudstate/entity_key.pb.h"
#include "google/api/annotations.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/reference_function/faults.h"
#include "scenarios.h"

namespace cloudstate::reference_function::testing {
namespace {

// ---- scenarios (true = behaves as the TCK expects) ------------------------------------------

using Scenario = std::function<bool(Function&)>;

bool Eq(const std::optional<EventSourcedStreamOut>& a, const EventSourcedStreamOut& b) {
  return a.has_value() && Same(*a, b);
}
bool Eq(const std::optional<ValueEntityStreamOut>& a, const ValueEntityStreamOut& b) {
  return a.has_value() && Same(*a, b);
}

const cloudstate::Entity* FindEntity(const cloudstate::EntitySpec& spec, const std::string& name) {
  for (const auto& e : spec.entities()) {
    if (e.service_name() == name) {
      return &e;
    }
  }
  return nullptr;
}

// ES4: single emitted event.
bool EsSingleEmit(Function& fn) {
  auto s = fn.OpenEs();
  s->Send(EsInit("entity-1"));
  return Eq(s->Ask(EsCmd(1, "entity-1", {Emit("A")})), EsR(1, "A", {"A"})) &&
         Eq(s->Ask(EsCmd(2, "entity-1", {})), EsR(2, "A")) && s->CloseCleanly();
}

// ES6: snapshots every 5 events.
bool EsSnapshots(Function& fn) {
  auto s = fn.OpenEs();
  s->Send(EsInit("entity-2"));
  bool ok = true;
  std::string state;
  const char* values[] = {"A", "B", "C", "D", "E", "F"};
  for (int i = 0; i < 6; ++i) {
    state += values[i];
    ok = ok && Eq(s->Ask(EsCmd(i + 1, "entity-2", {Emit(values[i])})),
                  EsR(i + 1, state, {values[i]}, i == 4 ? state : ""));
  }
  return ok && s->CloseCleanly();
}

// ES7 / ES8: initial snapshot and replayed events.
bool EsInitialSnapshotAndEvents(Function& fn) {
  auto a = fn.OpenEs();
  a->Send(EsInit("entity-3", 5, "ABCDE"));
  bool ok = Eq(a->Ask(EsCmd(1, "entity-3", {})), EsR(1, "ABCDE")) && a->CloseCleanly();
  auto b = fn.OpenEs();
  b->Send(EsInit("entity-4", 5, "ABCDE"));
  b->Send(EsEvent(6, "F"));
  b->Send(EsEvent(7, "G"));
  return ok && Eq(b->Ask(EsCmd(1, "entity-4", {})), EsR(1, "ABCDEFG")) && b->CloseCleanly();
}

// ES20 first part and ES21.
bool EsFailures(Function& fn) {
  auto s = fn.OpenEs();
  s->Send(EsInit("entity-5"));
  bool ok = Eq(s->Ask(EsCmd(1, "entity-5", {Emit("A"), Emit("B"), Emit("C")})),
               EsR(1, "ABC", {"A", "B", "C"}));
  std::optional<EventSourcedStreamOut> failed =
      s->Ask(EsCmd(2, "entity-5", {Emit("4"), Emit("5"), EsFail("failure 1")}));
  ok = ok && failed.has_value() && failed->reply().events_size() == 0 &&
       !failed->reply().has_snapshot() && failed->reply().side_effects_size() == 0 &&
       failed->reply().client_action().failure().command_id() == 2 &&
       failed->reply().client_action().failure().description() == "failure 1";
  auto t = fn.OpenEs();
  t->Send(EsInit("entity-6"));
  ok = ok &&
       Eq(t->Ask(EsCmd(1, "entity-6", {EsFx("x"), EsFail("expected failure")})),
          EsF(1, "expected failure")) &&
       t->CloseCleanly();
  return ok;
}

// ES21 on its own (side effects of a failed command).
bool EsFailureDropsEffects(Function& fn) {
  auto t = fn.OpenEs();
  t->Send(EsInit("entity-7"));
  return Eq(t->Ask(EsCmd(1, "entity-7", {EsFx("x"), EsFail("expected failure")})),
            EsF(1, "expected failure")) &&
         t->CloseCleanly();
}

// ES10: forward to the second service.
bool EsForward(Function& fn) {
  auto s = fn.OpenEs();
  s->Send(EsInit("entity-8"));
  std::optional<EventSourcedStreamOut> out = s->Ask(EsCmd(1, "entity-8", {EsFwd("x")}));
  return out.has_value() && out->reply().client_action().forward().service_name() == kEsTwo &&
         out->reply().client_action().forward().command_name() == "Call" && s->CloseCleanly();
}

// No entity before init: a stream-level Failure, then a normal end.
bool CommandBeforeInit(Function& fn) {
  auto s = fn.OpenEs();
  std::optional<EventSourcedStreamOut> out = s->Ask(EsCmd(1, "entity-9", {}));
  return out.has_value() && out->has_failure() && s->EndedCleanly();
}

// E4 / E5.
bool VeUpdateDelete(Function& fn) {
  auto s = fn.OpenVe();
  s->Send(VeInit("entity-10"));
  return Eq(s->Ask(VeCmd(1, "entity-10", {Up("A")})), VeR(1, "A", "A")) &&
         Eq(s->Ask(VeCmd(2, "entity-10", {Del()})), VeR(2, "", std::nullopt, true)) &&
         Eq(s->Ask(VeCmd(3, "entity-10", {})), VeR(3, "")) && s->CloseCleanly();
}

// E6.
bool VeCollapse(Function& fn) {
  auto s = fn.OpenVe();
  s->Send(VeInit("entity-11"));
  return Eq(s->Ask(VeCmd(1, "entity-11", {Up("A"), Up("B"), Up("C")})), VeR(1, "C", "C")) &&
         s->CloseCleanly();
}

// E17 / E19.
bool VeFailures(Function& fn) {
  auto s = fn.OpenVe();
  s->Send(VeInit("entity-12"));
  return Eq(s->Ask(VeCmd(1, "entity-12", {VeFail("expected failure")})),
            VeF(1, "expected failure")) &&
         Eq(s->Ask(VeCmd(2, "entity-12", {VeFx("x"), VeFail("expected failure")})),
            VeF(2, "expected failure")) &&
         s->CloseCleanly();
}

// E9 second stream.
bool VeInitState(Function& fn) {
  auto s = fn.OpenVe();
  s->Send(VeInit("entity-13", "D"));
  return Eq(s->Ask(VeCmd(1, "entity-13", {})), VeR(1, "D")) && s->CloseCleanly();
}

// A3, A4, A10, A15.
bool ActionUnaryEffects(Function& fn) {
  return Same(fn.Unary(AUnary("ProcessUnary", {{Reply("two"), AFx("other")}})),
              AR("two", {AEffect("other")})) &&
         Same(fn.Unary(AUnary("ProcessUnary", {{Reply("three"), AFx("another", true)}})),
              AR("three", {AEffect("another", true)})) &&
         Same(fn.Unary(AUnary("ProcessUnary", {{AFwd("one")}})), AFwdR("one")) &&
         Same(fn.Unary(AUnary("ProcessUnary", {{AFail("two"), AFx("other")}})),
              AF("two", {AEffect("other")}));
}

// A19.
bool ActionStreamedIn(Function& fn) {
  return Same(fn.StreamedIn(AHeader("ProcessStreamedIn"),
                            {AMsg({{Reply("two"), AFx("a")}}), AMsg({{AFx("b", true)}}),
                             AMsg({{AFx("c"), AFx("d")}})}),
              AR("two", {AEffect("a"), AEffect("b", true), AEffect("c"), AEffect("d")}));
}

// A27.
bool ActionStreamedOut(Function& fn) {
  std::vector<ActionResponse> out =
      fn.StreamedOut(AUnary("ProcessStreamedOut", {{Reply("one")},
                                                   {Reply("two"), AFx("other")},
                                                   {Reply("three")},
                                                   {Reply("four"), AFx("a"), AFx("b"), AFx("c")}}));
  return out.size() == 4 && Same(out[0], AR("one")) &&
         Same(out[1], AR("two", {AEffect("other")})) && Same(out[2], AR("three")) &&
         Same(out[3], AR("four", {AEffect("a"), AEffect("b"), AEffect("c")}));
}

// AP5: ActionTwo answers an empty Response.
bool ActionTwoEmpty(Function& fn) {
  act::OtherRequest other;
  other.set_id("x");
  ActionCommand c;
  c.set_service_name(kActionTwo);
  c.set_name("Call");
  *c.mutable_payload() = PackAny(other);
  return Same(fn.Unary(c), AR(""));
}

bool SpecProtocol(Function& fn) {
  auto spec = fn.Discover();
  return spec.service_info().protocol_major_version() == 0 &&
         spec.service_info().protocol_minor_version() == 2;
}

bool SpecImports(Function& fn) {
  auto spec = fn.Discover();
  google::protobuf::FileDescriptorSet files;
  if (!files.ParseFromString(spec.proto())) {
    return false;
  }
  google::protobuf::DescriptorPool pool;
  for (const auto& file : files.file()) {
    if (pool.BuildFile(file) == nullptr) {
      return false;
    }
  }
  for (const auto& entity : spec.entities()) {
    if (pool.FindServiceByName(entity.service_name()) == nullptr) {
      return false;
    }
  }
  return true;
}

bool SpecPassivation(Function& fn) {
  auto spec = fn.Discover();
  const auto* ve = FindEntity(spec, "cloudstate.tck.model.valueentity.ValueEntityConfigured");
  const auto* es = FindEntity(spec, "cloudstate.tck.model.EventSourcedConfigured");
  return ve != nullptr && es != nullptr && ve->passivation_strategy().timeout().timeout() == 100 &&
         es->passivation_strategy().timeout().timeout() == 100;
}

bool SpecPersistenceIds(Function& fn) {
  auto spec = fn.Discover();
  const auto* ve = FindEntity(spec, kVeModel);
  const auto* es = FindEntity(spec, kEsModel);
  return ve != nullptr && es != nullptr && ve->persistence_id() == "value-entity-tck-model" &&
         es->persistence_id() == "event-sourced-tck-model";
}

bool SpecEntityTypes(Function& fn) {
  auto spec = fn.Discover();
  const auto* two = FindEntity(spec, kActionTwo);
  return two != nullptr && two->entity_type() == "cloudstate.action.ActionProtocol";
}

// EV3: the JSON event of EventSourcedEntityTwo.
bool JsonEvent(Function& fn) {
  auto s = fn.OpenEs();
  s->Send(EsInit("eventlogeventing:3", 0, "", kEntityTwo));
  ev::JsonEvent json;
  json.set_id("eventlogeventing:3");
  json.set_message("some json message");
  EventSourcedStreamIn in;
  in.mutable_command()->set_entity_id("eventlogeventing:3");
  in.mutable_command()->set_id(1);
  in.mutable_command()->set_name("EmitJsonEvent");
  *in.mutable_command()->mutable_payload() = PackAny(json);
  std::optional<EventSourcedStreamOut> out = s->Ask(in);
  return out.has_value() && out->reply().events_size() == 1 &&
         out->reply().events(0).type_url().rfind("json.cloudstate.io/", 0) == 0 &&
         JsonText(out->reply().events(0)).value_or("").find("some json message") !=
             std::string::npos &&
         s->CloseCleanly();
}

ActionCommand SubscriberCommand(const std::string& name, google::protobuf::Any payload) {
  ActionCommand c;
  c.set_service_name(kSubscriber);
  c.set_name(name);
  *c.mutable_payload() = std::move(payload);
  auto add = [&](const std::string& k, const std::string& v) {
    auto* e = c.mutable_metadata()->add_entries();
    e->set_key(k);
    e->set_string_value(v);
  };
  add("ce-id", "1");
  add("ce-source", "eventlogeventing-one");
  add("ce-specversion", "1.0");
  add("ce-type", payload.type_url());
  add("ce-subject", "eventlogeventing:1");
  return c;
}

// EV1: the subscriber replies with the emitting entity's id (the CloudEvent subject).
bool SubscriberId(Function& fn) {
  ev::EventOne event;
  event.mutable_step()->mutable_reply()->set_message("some message");
  ActionResponse response = fn.Unary(SubscriberCommand("ProcessEventOne", PackAny(event)));
  ev::Response r;
  return UnpackAny(response.reply().payload(), &r) && r.id() == "eventlogeventing:1" &&
         r.message() == "some message";
}

std::map<std::string, Scenario> FaultScenarios() {
  return {
      {"discovery-wrong-protocol-version", SpecProtocol},
      {"discovery-missing-import", SpecImports},
      {"discovery-passivation-dropped", SpecPassivation},
      {"discovery-wrong-persistence-id", SpecPersistenceIds},
      {"discovery-wrong-entity-type", SpecEntityTypes},
      // protocol-crash-on-error exits the process, so it cannot run in this test's process; the
      // TCK catches it (tck_fault.protocol-crash-on-error).
      {"es-wrong-command-id", EsSingleEmit},
      {"es-event-not-applied-before-reply", EsSingleEmit},
      {"es-snapshot-ignored-on-init", EsInitialSnapshotAndEvents},
      {"es-replay-out-of-order", EsInitialSnapshotAndEvents},
      {"es-snapshot-every-off-by-one", EsSnapshots},
      {"es-failure-keeps-events", EsFailures},
      {"es-failure-keeps-side-effects", EsFailureDropsEffects},
      {"es-forward-wrong-target", EsForward},
      {"ve-delete-ignored", VeUpdateDelete},
      {"ve-updates-not-collapsed", VeCollapse},
      {"ve-failure-without-description", VeFailures},
      {"ve-failure-keeps-side-effects", VeFailures},
      {"ve-init-state-ignored", VeInitState},
      {"ve-reply-stale-state", VeUpdateDelete},
      {"action-streamed-out-ends-early", ActionStreamedOut},
      {"action-streamed-in-answers-early", ActionStreamedIn},
      {"action-side-effect-sync-lost", ActionUnaryEffects},
      {"action-side-effect-dropped", ActionUnaryEffects},
      {"action-failure-drops-side-effects", ActionUnaryEffects},
      {"action-forward-wrong-target", ActionUnaryEffects},
      {"action-two-non-empty-reply", ActionTwoEmpty},
      {"eventing-json-wrong-type-url", JsonEvent},
      {"eventing-id-from-source", SubscriberId},
  };
}

// ---- plain tests -----------------------------------------------------------------------------

TEST(ReferenceFunctionTest, DiscoveryListsEveryModelService) {
  Function fn;
  cloudstate::EntitySpec spec = fn.Discover();
  std::map<std::string, std::pair<std::string, std::string>> expected = {
      {kActionModel, {"cloudstate.action.ActionProtocol", ""}},
      {kActionTwo, {"cloudstate.action.ActionProtocol", ""}},
      {kVeModel, {"cloudstate.valueentity.ValueEntity", "value-entity-tck-model"}},
      {kVeTwo, {"cloudstate.valueentity.ValueEntity", "value-entity-tck-model-two"}},
      {"cloudstate.tck.model.valueentity.ValueEntityConfigured",
       {"cloudstate.valueentity.ValueEntity", "value-entity-configured"}},
      {kEsModel, {"cloudstate.eventsourced.EventSourced", "event-sourced-tck-model"}},
      {kEsTwo, {"cloudstate.eventsourced.EventSourced", "event-sourced-tck-model-two"}},
      {"cloudstate.tck.model.EventSourcedConfigured",
       {"cloudstate.eventsourced.EventSourced", "event-sourced-configured"}},
      {kSubscriber, {"cloudstate.action.ActionProtocol", ""}},
      {kEntityOne, {"cloudstate.eventsourced.EventSourced", "eventlogeventing-one"}},
      {kEntityTwo, {"cloudstate.eventsourced.EventSourced", "eventlogeventing-two"}},
      {"com.example.shoppingcart.ShoppingCart",
       {"cloudstate.eventsourced.EventSourced", "shopping-cart"}},
  };
  for (const auto& [name, type_and_id] : expected) {
    const cloudstate::Entity* entity = FindEntity(spec, name);
    ASSERT_NE(entity, nullptr) << name;
    EXPECT_EQ(entity->entity_type(), type_and_id.first) << name;
    EXPECT_EQ(entity->persistence_id(), type_and_id.second) << name;
  }
  EXPECT_TRUE(SpecProtocol(fn));
  EXPECT_TRUE(SpecImports(fn));
  // Custom options the proxy reads survive in the descriptor set: entity keys and HTTP rules.
  google::protobuf::FileDescriptorSet files;
  ASSERT_TRUE(files.ParseFromString(spec.proto()));
  bool saw_entity_key = false;
  bool saw_http = false;
  for (const auto& file : files.file()) {
    if (file.name() != "cloudstate/tck/model/valueentity.proto") {
      continue;
    }
    for (const auto& message : file.message_type()) {
      if (message.name() == "Request") {
        saw_entity_key = message.field(0).options().GetExtension(cloudstate::entity_key);
      }
    }
    for (const auto& service : file.service()) {
      for (const auto& method : service.method()) {
        if (method.options().HasExtension(google::api::http)) {
          saw_http = true;
        }
      }
    }
  }
  EXPECT_TRUE(saw_entity_key);
  EXPECT_TRUE(saw_http);
  EXPECT_TRUE(SpecPassivation(fn));
  // The CRDT models come from their own files; when built in, they must be declared correctly.
  if (const auto* crdt = FindEntity(spec, "cloudstate.tck.model.crdt.CrdtTckModel")) {
    EXPECT_EQ(crdt->entity_type(), "cloudstate.crdt.Crdt");
    const auto* configured = FindEntity(spec, "cloudstate.tck.model.crdt.CrdtConfigured");
    ASSERT_NE(configured, nullptr);
    EXPECT_EQ(configured->passivation_strategy().timeout().timeout(), 100);
    EXPECT_NE(FindEntity(spec, "cloudstate.tck.model.crdt.CrdtTwo"), nullptr);
  }
  EXPECT_EQ(spec.service_info().service_name(), kServiceName);
  EXPECT_EQ(spec.service_info().support_library_name(), "cloudstate-cpp-sdk");
}

TEST(ReferenceFunctionTest, EventSourcedCatalogCases) {
  Function fn;
  EXPECT_TRUE(EsSingleEmit(fn));
  EXPECT_TRUE(EsSnapshots(fn));
  EXPECT_TRUE(EsInitialSnapshotAndEvents(fn));
  EXPECT_TRUE(EsFailures(fn));
  EXPECT_TRUE(EsForward(fn));
}

TEST(ReferenceFunctionTest, EventSourcedFailureRestartFlow) {
  // ES20 with restart=true: the failed incarnation is replaced by a replayed one.
  Function fn;
  auto first = fn.OpenEs();
  first->Send(EsInit("entity-20"));
  EXPECT_TRUE(Eq(first->Ask(EsCmd(1, "entity-20", {Emit("A"), Emit("B"), Emit("C")})),
                 EsR(1, "ABC", {"A", "B", "C"})));
  EXPECT_TRUE(Eq(first->Ask(EsCmd(2, "entity-20", {Emit("4"), Emit("5"), EsFail("failure 1")})),
                 EsF(2, "failure 1", true)));
  EXPECT_TRUE(first->CloseCleanly());
  auto second = fn.OpenEs();
  second->Send(EsInit("entity-20"));
  second->Send(EsEvent(1, "A"));
  second->Send(EsEvent(2, "B"));
  second->Send(EsEvent(3, "C"));
  EXPECT_TRUE(Eq(second->Ask(EsCmd(1, "entity-20", {Emit("D")})), EsR(1, "ABCD", {"D"})));
  EXPECT_TRUE(Eq(second->Ask(EsCmd(2, "entity-20", {Emit("6"), EsFail("failure 2"), Emit("7")})),
                 EsF(2, "failure 2", true)));
  EXPECT_TRUE(second->CloseCleanly());
  auto third = fn.OpenEs();
  third->Send(EsInit("entity-20"));
  for (int i = 0; i < 4; ++i) {
    third->Send(EsEvent(i + 1, std::string(1, static_cast<char>('A' + i))));
  }
  EXPECT_TRUE(Eq(third->Ask(EsCmd(1, "entity-20", {Emit("E")})), EsR(1, "ABCDE", {"E"}, "ABCDE")));
  EXPECT_TRUE(third->CloseCleanly());
}

TEST(ReferenceFunctionTest, ValueEntityCatalogCases) {
  Function fn;
  EXPECT_TRUE(VeUpdateDelete(fn));
  EXPECT_TRUE(VeCollapse(fn));
  EXPECT_TRUE(VeFailures(fn));
  EXPECT_TRUE(VeInitState(fn));
}

TEST(ReferenceFunctionTest, ActionCatalogCases) {
  Function fn;
  EXPECT_TRUE(ActionUnaryEffects(fn));
  EXPECT_TRUE(ActionStreamedIn(fn));
  EXPECT_TRUE(ActionStreamedOut(fn));
  EXPECT_TRUE(ActionTwoEmpty(fn));
  // A6: no reply at all.
  EXPECT_TRUE(Same(fn.Unary(AUnary("ProcessUnary", {{}})), ActionResponse()));
  // A20: streamed-in without messages.
  EXPECT_TRUE(Same(fn.StreamedIn(AHeader("ProcessStreamedIn"), {}), ActionResponse()));
}

TEST(ReferenceFunctionTest, ActionBidirectionalStream) {
  // A31.
  Function fn;
  auto out = fn.Streamed(AHeader("ProcessStreamed"),
                         {AMsg({{Reply("one")}}), AMsg({{Reply("two"), AFx("other")}}),
                          AMsg({{Reply("five")}, {Reply("six"), AFx("other")}})},
                         {1, 1, 2});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(Same(out[0][0], AR("one")));
  EXPECT_TRUE(Same(out[1][0], AR("two", {AEffect("other")})));
  ASSERT_EQ(out[2].size(), 2u);
  EXPECT_TRUE(Same(out[2][1], AR("six", {AEffect("other")})));
}

TEST(ReferenceFunctionTest, EventingModels) {
  Function fn;
  EXPECT_TRUE(JsonEvent(fn));
  EXPECT_TRUE(SubscriberId(fn));
  // EV2: a forward step forwards to Effect with the id and message.
  ev::EventOne event;
  event.mutable_step()->mutable_forward()->set_message("fwd");
  ActionResponse response = fn.Unary(SubscriberCommand("ProcessEventOne", PackAny(event)));
  ASSERT_TRUE(response.has_forward());
  EXPECT_EQ(response.forward().service_name(), kSubscriber);
  EXPECT_EQ(response.forward().command_name(), "Effect");
  // ProcessAnyEvent decodes the JSON event.
  ActionResponse any =
      fn.Unary(SubscriberCommand("ProcessAnyEvent", PackJson("JsonEvent", R"({"message":"hi"})")));
  ev::Response r;
  ASSERT_TRUE(UnpackAny(any.reply().payload(), &r));
  EXPECT_EQ(r.message(), "hi");
  EXPECT_EQ(r.id(), "eventlogeventing:1");
}

TEST(ReferenceFunctionTest, ShoppingCart) {
  namespace cart = com::example::shoppingcart;
  Function fn;
  auto s = fn.OpenEs();
  EventSourcedStreamIn init;
  init.mutable_init()->set_service_name("com.example.shoppingcart.ShoppingCart");
  init.mutable_init()->set_entity_id("user-1");
  s->Send(init);
  auto command = [](int64_t id, const std::string& name, const google::protobuf::Message& m) {
    EventSourcedStreamIn in;
    in.mutable_command()->set_entity_id("user-1");
    in.mutable_command()->set_id(id);
    in.mutable_command()->set_name(name);
    *in.mutable_command()->mutable_payload() = PackAny(m);
    return in;
  };
  cart::AddLineItem add;
  add.set_user_id("user-1");
  add.set_product_id("p1");
  add.set_name("Pen");
  add.set_quantity(2);
  auto added = s->Ask(command(1, "AddItem", add));
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->reply().events_size(), 1);
  auto again = s->Ask(command(2, "AddItem", add));
  ASSERT_TRUE(again.has_value());
  cart::GetShoppingCart get;
  get.set_user_id("user-1");
  auto got = s->Ask(command(3, "GetCart", get));
  ASSERT_TRUE(got.has_value());
  cart::Cart c;
  ASSERT_TRUE(UnpackAny(got->reply().client_action().reply().payload(), &c));
  ASSERT_EQ(c.items_size(), 1);
  EXPECT_EQ(c.items(0).quantity(), 4);
  cart::RemoveLineItem remove;
  remove.set_user_id("user-1");
  remove.set_product_id("nope");
  auto failed = s->Ask(command(4, "RemoveItem", remove));
  ASSERT_TRUE(failed.has_value());
  EXPECT_TRUE(failed->reply().client_action().has_failure());
  add.set_quantity(-1);
  auto negative = s->Ask(command(5, "AddItem", add));
  ASSERT_TRUE(negative.has_value());
  EXPECT_TRUE(negative->reply().client_action().has_failure());
  // A quantity that would overflow the cart's int32 is a command failure (was signed overflow).
  add.set_quantity(2147483647);
  auto overflow = s->Ask(command(6, "AddItem", add));
  ASSERT_TRUE(overflow.has_value());
  EXPECT_TRUE(overflow->reply().client_action().has_failure());
  EXPECT_EQ(overflow->reply().events_size(), 0);
  auto after = s->Ask(command(7, "GetCart", get));
  ASSERT_TRUE(after.has_value());
  ASSERT_TRUE(UnpackAny(after->reply().client_action().reply().payload(), &c));
  ASSERT_EQ(c.items_size(), 1);
  EXPECT_EQ(c.items(0).quantity(), 4);
  EXPECT_TRUE(s->CloseCleanly());
}

TEST(ReferenceFunctionTest, MalformedInputIsSurvived) {
  Function fn;
  EXPECT_TRUE(CommandBeforeInit(fn));
  // Unknown service in init.
  auto s = fn.OpenEs();
  auto out = s->Ask(EsInit("x", 0, "", "no.such.Service"));
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->has_failure());
  EXPECT_TRUE(s->EndedCleanly());
  // Unknown / empty type URLs and unknown command names on a live entity.
  auto v = fn.OpenVe();
  v->Send(VeInit("entity-m"));
  ValueEntityStreamIn unknown = VeCmd(1, "entity-m", {});
  unknown.mutable_command()->mutable_payload()->set_type_url("type.googleapis.com/x.Y");
  auto r1 = v->Ask(unknown);
  ASSERT_TRUE(r1.has_value());
  EXPECT_TRUE(r1->reply().client_action().has_failure());
  ValueEntityStreamIn empty = VeCmd(2, "entity-m", {});
  empty.mutable_command()->mutable_payload()->clear_type_url();
  auto r2 = v->Ask(empty);
  ASSERT_TRUE(r2.has_value());
  EXPECT_TRUE(r2->reply().client_action().has_failure());
  ValueEntityStreamIn bad_name = VeCmd(3, "entity-m", {});
  bad_name.mutable_command()->set_name("Nope");
  auto r3 = v->Ask(bad_name);
  ASSERT_TRUE(r3.has_value());
  EXPECT_TRUE(r3->reply().client_action().has_failure());
  EXPECT_TRUE(Eq(v->Ask(VeCmd(4, "entity-m", {Up("ok")})), VeR(4, "ok", "ok")));
  // A second init is a protocol error.
  auto second = v->Ask(VeInit("entity-m"));
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->has_failure());
  EXPECT_TRUE(v->EndedCleanly());
  // Actions: unknown service answered with a failure.
  ActionCommand unknown_action;
  unknown_action.set_service_name("no.Such");
  unknown_action.set_name("X");
  EXPECT_TRUE(fn.Unary(unknown_action).has_failure());
  // The function still serves.
  EXPECT_TRUE(EsSingleEmit(fn));
}

// ---- every deliberate fault breaks a TCK-checked behaviour ----------------------------------

class FaultTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FaultTest, FaultBreaksItsScenario) {
  auto scenarios = FaultScenarios();
  ASSERT_TRUE(scenarios.count(GetParam())) << "no scenario for " << GetParam();
  const Scenario& scenario = scenarios.at(GetParam());
  {
    Function healthy;
    EXPECT_TRUE(scenario(healthy)) << "scenario fails without the fault";
  }
  {
    Function faulty({GetParam()});
    EXPECT_FALSE(scenario(faulty)) << "the fault " << GetParam() << " went unnoticed";
  }
}

std::vector<std::string> ScenarioFaults() {
  std::vector<std::string> names;
  for (const auto& [name, scenario] : FaultScenarios()) {
    names.push_back(name);
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(AllFaults, FaultTest, ::testing::ValuesIn(ScenarioFaults()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') {
                               c = '_';
                             }
                           }
                           return name;
                         });

// Every fault is proven caught by the TCK in its own ctest (tck_fault.<name>, generated from
// reference-function/faults.list); the scenarios here are a faster in-process check of the
// original faults. A scenario must still name a registered fault.
TEST(FaultRegistryTest, EveryScenarioNamesARegisteredFault) {
  for (const auto& [name, scenario] : FaultScenarios()) {
    EXPECT_TRUE(IsKnownFault(name)) << name;
  }
}

}  // namespace
}  // namespace cloudstate::reference_function::testing
