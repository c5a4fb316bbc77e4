// Cases for the rule areas where a mutation run of the reference SDK found no case to fail:
// discovery (shared persistence ids, another proxy protocol version), event-sourced snapshots on a
// crossed multiple, and metadata on action replies. CRDT ones live in crdt_coverage_cases.cc.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "cloudstate/tck/discovery.h"
#include "model.h"

namespace cloudstate::tck::cases {
namespace {

// The services whose persistence ids the kit knows to be independent: every stateful model
// service and the shopping cart example. Other services of the function may share an id on
// purpose (DISC-027 allows a configured share), so they are not judged.
const std::vector<std::string>& KitStatefulServices() {
  static const std::vector<std::string> kServices = {
      kEventSourcedTckModel,   kEventSourcedTwo,
      kEventSourcedConfigured, kValueEntityTckModel,
      kValueEntityTwo,         kValueEntityConfigured,
      kCrdtTckModel,           kCrdtTwo,
      kCrdtConfigured,         "com.example.shoppingcart.ShoppingCart"};
  return kServices;
}

cloudstate::Metadata TraceMetadata() {
  cloudstate::Metadata metadata;
  auto* entry = metadata.add_entries();
  entry->set_key("x-tck-trace");
  entry->set_string_value("trace-1");
  auto* bytes = metadata.add_entries();
  bytes->set_key("x-tck-bin");
  bytes->set_bytes_value(std::string("\x01\x02", 2));
  return metadata;
}

}  // namespace

TCK_CASES(CoverageDiscovery) {
  Case("discovery.persistence_ids_distinct")
      .Rules({"DISC-027", "DISC-011"})
      .Describe(
          "the stateful model services (event sourced, value entity, CRDT) and the shopping cart "
          "never share a persistence id within one entity type")
      .Hint(
          "default an entity's persistence id to its service's simple name (Java SDK), never to "
          "an empty or common value: the proxy keys state by persistence id and entity id")
      .Run([](CaseContext& ctx) {
        // entity type -> persistence id -> services
        std::map<std::string, std::map<std::string, std::vector<std::string>>> ids;
        for (const auto& service : KitStatefulServices()) {
          const cloudstate::Entity* e = ctx.discovery().FindEntity(service);
          if (e != nullptr && e->entity_type() != kActionProtocol) {
            ids[e->entity_type()][e->persistence_id()].push_back(service);
          }
        }
        std::vector<std::string> shared;
        for (const auto& [type, by_id] : ids) {
          for (const auto& [id, services] : by_id) {
            if (services.size() > 1) {
              shared.push_back(absl::StrCat("\"", id, "\" (", absl::StrJoin(services, ", "), ")"));
            }
          }
        }
        ctx.Check(shared.empty(),
                  absl::StrCat("services share a persistence id: ", absl::StrJoin(shared, "; ")));
      });

  Case("discovery.other_protocol_version_answered")
      .Rules({"DISC-028", "DISC-014", "DISC-006"})
      .Describe(
          "discover from a proxy announcing protocol 0.3 is answered with the entities and the "
          "function's own protocol version 0.2")
      .Hint(
          "do not reject or echo the proxy's protocol version: answer with your own (the Java and "
          "JavaScript SDKs only log it)")
      .Run([](CaseContext& ctx) {
        cloudstate::ProxyInfo info = KitProxyInfo();
        info.set_protocol_minor_version(3);
        auto spec = ctx.Discover(info);
        if (!spec) {
          return;
        }
        if (!ctx.Check(spec->entities_size() == ctx.discovery().spec.entities_size(),
                       absl::StrCat("the answer declares ", spec->entities_size(),
                                    " entities, the first discover declared ",
                                    ctx.discovery().spec.entities_size()))) {
          return;
        }
        const auto& version = spec->service_info();
        ctx.Check(version.protocol_major_version() == 0 && version.protocol_minor_version() == 2,
                  absl::StrCat("ServiceInfo reports protocol ", version.protocol_major_version(),
                               ".", version.protocol_minor_version(), ", expected 0.2"));
      });
}

TCK_CASES(CoverageEventSourced) {
  Case("eventsourced.snapshot_when_crossing_multiple")
      .Rules({"ES-013", "ES-014", "ES-012"})
      .Describe(
          "a command whose events go from sequence 4 to 6 crosses the model's snapshot multiple "
          "(5) without landing on it, and its reply carries the snapshot")
      .Hint(
          "snapshot when any sequence number of the reply's events is a multiple of "
          "snapshot-every, "
          "not only the last one")
      .Needs({kEventSourcedTckModel, kEventSourcedTwo})
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kEventSourcedTckModel, id));
        es.Send(es::Command(1, id, "Process",
                            EsRequest(id, {Emit("A"), Emit("B"), Emit("C"), Emit("D")})));
        es.Expect(es::Reply(1, EsResponse("ABCD"), {.events = EsEvents({"A", "B", "C", "D"})}));
        es.Send(es::Command(2, id, "Process", EsRequest(id, {Emit("E"), Emit("F")})));
        es.Expect(es::Reply(2, EsResponse("ABCDEF"),
                            {.events = EsEvents({"E", "F"}), .snapshot = EsPersisted("ABCDEF")}));
        es.Passivate();
      });
}

TCK_CASES(CoverageSecondServices) {
  Case("eventsourced.second_services_answer_empty")
      .Rules({"ES-029"})
      .Describe(
          "EventSourcedTwo (and EventSourcedConfigured when declared) answer Call with an empty "
          "Response and no events")
      .Hint("the second model services reply Response{} to every Call")
      .Needs({kEventSourcedTwo})
      .Run([](CaseContext& ctx) {
        for (const char* service : {kEventSourcedTwo, kEventSourcedConfigured}) {
          if (!ctx.discovery().Declares(service) || ctx.failed()) {
            continue;
          }
          const std::string id = ctx.NewEntityId("es");
          auto es = ctx.EventSourced();
          es.Send(es::Init(service, id));
          es.Send(es::Command(1, id, "Call", EsRequest(id)));
          es.Expect(es::Reply(1, EsResponse("")));
          es.Passivate();
        }
      });

  Case("valueentity.second_services_answer_empty")
      .Rules({"VE-019"})
      .Describe(
          "ValueEntityTwo (and ValueEntityConfigured when declared) answer Call with an empty "
          "Response and no state action")
      .Hint("the second model services reply Response{} to every Call")
      .Needs({kValueEntityTwo})
      .Run([](CaseContext& ctx) {
        for (const char* service : {kValueEntityTwo, kValueEntityConfigured}) {
          if (!ctx.discovery().Declares(service) || ctx.failed()) {
            continue;
          }
          const std::string id = ctx.NewEntityId("ve");
          auto ve = ctx.ValueEntity();
          ve.Send(ve::Init(service, id));
          ve.Send(ve::Command(1, id, "Call", VeRequest(id)));
          ve.Expect(ve::Reply(1, VeResponse("")));
          ve.Passivate();
        }
      });
}

TCK_CASES(CoverageAction) {
  Case("action.metadata_not_echoed")
      .Rules({"PROT-018"})
      .Describe(
          "a unary command carrying metadata gets a reply, a forward and side effects without "
          "metadata (the model sets none)")
      .Hint(
          "leave Reply/Forward/SideEffect.metadata absent unless user code supplied metadata; do "
          "not copy the command's metadata onto them")
      .Needs({kActionTckModel, kActionTwo})
      .Run([](CaseContext& ctx) {
        auto command = action::Command(kActionTckModel, "ProcessUnary",
                                       ActRequest({{EffectStep("e1"), ReplyStep("r1")}}));
        *command.mutable_metadata() = TraceMetadata();
        auto call = ctx.ActionUnary(command);
        call.Expect(action::Reply(ActResponse("r1"), {ActTwoEffect("e1")}));
        call.ExpectClosed();
        if (ctx.failed()) {
          return;
        }
        auto forward = action::Command(kActionTckModel, "ProcessUnary",
                                       ActRequest({{EffectStep("e2", true), ForwardStep("f1")}}));
        *forward.mutable_metadata() = TraceMetadata();
        auto call2 = ctx.ActionUnary(forward);
        call2.Expect(action::Forward(kActionTwo, "Call", Other("f1"), {ActTwoEffect("e2", true)}));
        call2.ExpectClosed();
      });
}

}  // namespace cloudstate::tck::cases
