// The proxy's fault plan and its two decorators, without a proxy: the table, the seeded plan, the
// faulty store over the memory store and the message rewrites of the faulty transport.
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/crdt.pb.h"
#include "cloudstate/entity.pb.h"
#include "cloudstate/event_sourced.pb.h"

#include "cloudstate/proxy/store.h"
#include "faults/fault_plan.h"
#include "faults/faulty_store.h"
#include "faults/faulty_transport.h"

namespace cloudstate::proxy::faults {
namespace {

std::shared_ptr<FaultPlan> Plan(std::vector<std::string> names, uint64_t seed = 1,
                                double probability = 1.0) {
  auto plan = FaultPlan::FromNames(names, seed, probability);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : std::make_shared<FaultPlan>();
}

TEST(ProxyFaultTable, NamesAreUniqueSortedAndInTheirArea) {
  std::set<std::string_view> names;
  std::string_view previous;
  for (const auto& info : AllProxyFaults()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_LT(previous, info.name) << "proxy_faults.def must stay sorted by name";
    previous = info.name;
    EXPECT_TRUE(info.area == "store" || info.area == "transport") << info.name;
    EXPECT_TRUE(info.name.starts_with(info.area)) << info.name;
    EXPECT_EQ(FindProxyFault(info.name), info.fault);
    EXPECT_EQ(InfoOf(info.fault).name, info.name);
    EXPECT_FALSE(info.description.empty());
  }
  EXPECT_EQ(names.size(), kProxyFaultCount);
  EXPECT_EQ(FindProxyFault("no-such-fault"), std::nullopt);
}

TEST(ProxyFaultTable, ListHasOneTabSeparatedLinePerFault) {
  const std::string list = FormatProxyFaultList();
  EXPECT_EQ(static_cast<size_t>(std::count(list.begin(), list.end(), '\n')), kProxyFaultCount);
  EXPECT_NE(list.find("store-journal-append-lost\tstore\t"), std::string::npos);
}

TEST(FaultPlan, RejectsUnknownNamesAndBadProbabilities) {
  EXPECT_EQ(FaultPlan::FromNames({"nope"}, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(FaultPlan::FromNames({}, 1, 0.0).ok());
  EXPECT_FALSE(FaultPlan::FromNames({}, 1, 1.5).ok());
}

TEST(FaultPlan, StrikesOnlyEnabledFaultsAlwaysAtProbabilityOne) {
  auto plan = Plan({"store-value-upsert-lost"});
  EXPECT_TRUE(plan->AnyInArea("store"));
  EXPECT_FALSE(plan->AnyInArea("transport"));
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(plan->Strikes(ProxyFault::kStoreValueUpsertLost));
    EXPECT_FALSE(plan->Strikes(ProxyFault::kStoreJournalAppendLost));
  }
}

TEST(FaultPlan, TheSameSeedStrikesAtTheSameOpportunities) {
  auto draws = [](uint64_t seed) {
    auto plan = Plan({"transport-events-dropped"}, seed, 0.5);
    std::vector<bool> out;
    for (int i = 0; i < 64; ++i) {
      out.push_back(plan->Strikes(ProxyFault::kTransportEventsDropped));
    }
    return out;
  };
  EXPECT_EQ(draws(7), draws(7));
  EXPECT_NE(draws(7), draws(8));
  const auto some = draws(7);
  EXPECT_NE(std::count(some.begin(), some.end(), true), 0);
  EXPECT_NE(std::count(some.begin(), some.end(), false), 0);
}

StoredAny Any(std::string value) { return {"type.googleapis.com/E", std::move(value)}; }

TEST(FaultyStore, WithoutFaultsPassesEverythingThrough) {
  auto store = WrapInFaultyStore(NewMemoryStore(), Plan({}));
  EXPECT_EQ(store->Kind(), "memory");
  ASSERT_EQ(*store->AppendEvents("k", 0, {Any("a"), Any("b")}), 2);
  auto events = store->ReadEvents("k", 1, 0);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].payload.value, "a");
  ASSERT_TRUE(store->UpsertValue("p", "e", Any("v")).ok());
  EXPECT_EQ((*store->LoadValue("p", "e"))->value, "v");
}

TEST(FaultyStore, AppendLostReportsSuccessButWritesNothing) {
  auto store = WrapInFaultyStore(NewMemoryStore(), Plan({"store-journal-append-lost"}));
  EXPECT_EQ(*store->AppendEvents("k", 0, {Any("a"), Any("b")}), 2);
  EXPECT_EQ(*store->HighestSequence("k"), 0);
  EXPECT_TRUE(store->ReadEvents("k", 1, 0)->empty());
}

TEST(FaultyStore, ReplayReversedKeepsSequencesAndSwapsPayloads) {
  auto store = WrapInFaultyStore(NewMemoryStore(), Plan({"store-journal-replay-reversed"}));
  ASSERT_EQ(*store->AppendEvents("k", 0, {Any("a"), Any("b"), Any("c")}), 3);
  auto events = *store->ReadEvents("k", 1, 0);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].sequence, 1);
  EXPECT_EQ(events[0].payload.value, "c");
  EXPECT_EQ(events[2].payload.value, "a");
}

TEST(FaultyStore, UpsertLostKeepsTheOldValue) {
  auto store = WrapInFaultyStore(NewMemoryStore(), Plan({"store-value-upsert-lost"}));
  ASSERT_TRUE(store->UpsertValue("p", "e", Any("v")).ok());
  EXPECT_EQ(*store->LoadValue("p", "e"), std::nullopt);
}

constexpr char kEsHandle[] = "/cloudstate.eventsourced.EventSourced/handle";

TEST(FaultyTransport, LeavesMessagesAloneWithoutFaults) {
  auto plan = Plan({});
  cloudstate::eventsourced::EventSourcedStreamOut out;
  out.mutable_reply()->add_events()->set_type_url("t");
  out.mutable_reply()->add_side_effects()->set_service_name("s");
  EXPECT_FALSE(ApplyReceiveFaults(*plan, kEsHandle, out));
  EXPECT_EQ(out.reply().events_size(), 1);
  EXPECT_EQ(out.reply().side_effects_size(), 1);
}

TEST(FaultyTransport, RewritesOutgoingCommandsAndProxyInfo) {
  auto plan = Plan({"transport-command-entity-id-dropped", "transport-crdt-streamed-flag-lost",
                    "transport-proxy-info-old-version"});
  cloudstate::crdt::CrdtStreamIn in;
  in.mutable_command()->set_entity_id("e");
  in.mutable_command()->set_streamed(true);
  EXPECT_TRUE(ApplySendFaults(*plan, "/cloudstate.crdt.Crdt/handle", in));
  EXPECT_EQ(in.command().entity_id(), "");
  EXPECT_FALSE(in.command().streamed());
  cloudstate::ProxyInfo info;
  info.set_protocol_minor_version(2);
  EXPECT_TRUE(ApplySendFaults(*plan, "/cloudstate.EntityDiscovery/discover", info));
  EXPECT_EQ(info.protocol_minor_version(), 1);
}

TEST(FaultyTransport, RewritesIncomingRepliesAndSpecs) {
  auto plan = Plan({"transport-events-dropped", "transport-failure-description-lost",
                    "transport-spec-last-entity-dropped", "transport-spec-passivation-dropped",
                    "transport-crdt-delete-ignored", "transport-forward-as-empty-reply"});
  cloudstate::eventsourced::EventSourcedStreamOut es;
  es.mutable_reply()->add_events()->set_type_url("t");
  es.mutable_reply()->mutable_client_action()->mutable_failure()->set_description("boom");
  EXPECT_TRUE(ApplyReceiveFaults(*plan, kEsHandle, es));
  EXPECT_EQ(es.reply().events_size(), 0);
  EXPECT_EQ(es.reply().client_action().failure().description(), "");

  cloudstate::EntitySpec spec;
  spec.add_entities()->set_service_name("a");
  spec.mutable_entities(0)->mutable_passivation_strategy()->mutable_timeout()->set_timeout(100);
  spec.add_entities()->set_service_name("b");
  EXPECT_TRUE(ApplyReceiveFaults(*plan, "/cloudstate.EntityDiscovery/discover", spec));
  ASSERT_EQ(spec.entities_size(), 1);
  EXPECT_FALSE(spec.entities(0).has_passivation_strategy());

  cloudstate::crdt::CrdtStreamOut crdt;
  crdt.mutable_reply()->mutable_state_action()->mutable_delete_();
  EXPECT_TRUE(ApplyReceiveFaults(*plan, "/cloudstate.crdt.Crdt/handle", crdt));
  EXPECT_FALSE(crdt.reply().has_state_action());

  cloudstate::action::ActionResponse action;
  action.mutable_forward()->mutable_payload()->set_type_url("type.googleapis.com/R");
  EXPECT_TRUE(ApplyReceiveFaults(*plan, "/cloudstate.action.ActionProtocol/handleUnary", action));
  ASSERT_TRUE(action.has_reply());
  EXPECT_EQ(action.reply().payload().type_url(), "type.googleapis.com/R");
}

}  // namespace
}  // namespace cloudstate::proxy::faults
