// Discovery cases: the function-side part of the original P1, and each validation check of the
// EntitySpec as a case of its own. Discovery cases are never gated.

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "cloudstate/tck/discovery.h"
#include "model.h"

namespace cloudstate::tck::cases {
namespace {

bool IsEntityType(const std::string& type) {
  return type == kActionProtocol || type == kValueEntityProtocol || type == kEventSourcedProtocol ||
         type == kCrdtProtocol;
}

bool IsStateful(const std::string& type) {
  return type == kValueEntityProtocol || type == kEventSourcedProtocol;
}

// Runs `check` only when the descriptor set resolves (other cases report when it does not).
bool NeedPool(CaseContext& ctx) {
  return ctx.Check(ctx.discovery().pool != nullptr && ctx.discovery().descriptor_errors.empty(),
                   "the descriptor set does not resolve (see discovery.descriptor_set_complete)");
}

// cloudstate.entity_key is extension 1080 of FieldOptions; the legacy cloudstate.legacy_entity_key
// (50002) is accepted as well, as the original proxy does (the Python SDK still uses it).
bool IsEntityKeyExtension(int number) { return number == 1080 || number == 50002; }

bool HasEntityKey(const google::protobuf::Descriptor* input) {
  for (int i = 0; i < input->field_count(); ++i) {
    const auto& options = input->field(i)->options();
    // Read through reflection so that a descriptor from the function's own pool is understood.
    const auto* reflection = options.GetReflection();
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    reflection->ListFields(options, &fields);
    for (const auto* f : fields) {
      if (f->is_extension() && IsEntityKeyExtension(f->number())) {
        return true;
      }
    }
    if (options.unknown_fields().field_count() > 0) {
      for (int u = 0; u < options.unknown_fields().field_count(); ++u) {
        if (IsEntityKeyExtension(options.unknown_fields().field(u).number())) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

TCK_CASES(Discovery) {
  Case("discovery.entity_services_declared")
      .Original("P1")
      .Rules({"DISC-008", "DISC-007"})
      .Describe(
          "every Entity.service_name is a service declared in EntitySpec.proto (P1, function side)")
      .Hint("include the file declaring each entity service in the descriptor set, by full name")
      .Run([](CaseContext& ctx) {
        const auto& d = ctx.discovery();
        std::vector<std::string> missing;
        for (const auto& e : d.spec.entities()) {
          if (d.FindService(e.service_name()) == nullptr) {
            missing.push_back(e.service_name());
          }
        }
        ctx.Check(missing.empty(), absl::StrCat("services not found in the descriptor set: ",
                                                absl::StrJoin(missing, ", ")));
      });

  Case("discovery.answers_discover")
      .Rules({"DISC-006"})
      .Describe("discover answers the kit's ProxyInfo (protocol 0.2, all four entity types)")
      .Hint("serve cloudstate.EntityDiscovery/discover on the function's port")
      .Run([](CaseContext& ctx) { ctx.Discover(KitProxyInfo()); });

  Case("discovery.repeated_discover_same_answer")
      .Rules({"DISC-006"})
      .Describe("a second discover call returns the same entities")
      .Hint("discover may be called many times (probes, proxy restarts); answer each identically")
      .Run([](CaseContext& ctx) {
        auto again = ctx.Discover(KitProxyInfo());
        if (!again) {
          return;
        }
        auto r = CompareMessages(cloudstate::EntitySpec(ctx.discovery().spec), *again,
                                 {.normalize = [](google::protobuf::Message* m) {
                                   // Only the entity set must be stable.
                                   auto* spec = static_cast<cloudstate::EntitySpec*>(m);
                                   spec->clear_proto();
                                   spec->clear_service_info();
                                 }});
        ctx.Check(r.equal,
                  absl::StrCat("the entity list changed between discover calls:\n", r.diff));
      });

  Case("discovery.discover_from_other_proxy")
      .Rules({"DISC-006"})
      .Describe("discover answers a ProxyInfo from another proxy that supports fewer entity types")
      .Hint("do not reject discover because of the proxy's name or its supported entity types")
      .Run([](CaseContext& ctx) {
        cloudstate::ProxyInfo info;
        info.set_protocol_major_version(0);
        info.set_protocol_minor_version(2);
        info.set_proxy_name("some-other-proxy");
        info.set_proxy_version("9.9.9");
        info.add_supported_entity_types(kEventSourcedProtocol);
        ctx.Discover(info);
      });

  Case("discovery.descriptor_set_parses")
      .Rules({"DISC-007"})
      .Describe("EntitySpec.proto is a serialized FileDescriptorSet")
      .Hint("serialize a google.protobuf.FileDescriptorSet into EntitySpec.proto")
      .Run([](CaseContext& ctx) {
        ctx.Check(ctx.discovery().descriptor_set_parsed,
                  "EntitySpec.proto does not parse as a FileDescriptorSet");
      });

  Case("discovery.descriptor_set_complete")
      .Rules({"DISC-007"})
      .Describe("every file of the descriptor set builds with all its imports")
      .Hint("include every transitive import (google/api/*.proto, cloudstate/*.proto, ...)")
      .Run([](CaseContext& ctx) {
        const auto& d = ctx.discovery();
        ctx.Check(d.descriptor_set_parsed && d.descriptor_errors.empty(),
                  absl::StrCat("the descriptor set does not resolve: ",
                               absl::StrJoin(d.descriptor_errors, "; ")));
      });

  Case("discovery.entity_types_known")
      .Rules({"DISC-009"})
      .Describe("every entity type is one of the four protocol service names")
      .Hint(
          "entity_type: cloudstate.action.ActionProtocol, cloudstate.valueentity.ValueEntity, "
          "cloudstate.eventsourced.EventSourced or cloudstate.crdt.Crdt")
      .Run([](CaseContext& ctx) {
        std::vector<std::string> bad;
        for (const auto& e : ctx.discovery().spec.entities()) {
          if (!IsEntityType(e.entity_type())) {
            bad.push_back(absl::StrCat(e.service_name(), " (\"", e.entity_type(), "\")"));
          }
        }
        ctx.Check(bad.empty(), absl::StrCat("unknown entity types: ", absl::StrJoin(bad, ", ")));
      });

  Case("discovery.entity_list_non_empty_and_unique")
      .Rules({"DISC-010"})
      .Describe("at least one entity, no service declared twice")
      .Hint("declare each service once")
      .Run([](CaseContext& ctx) {
        const auto& entities = ctx.discovery().spec.entities();
        if (!ctx.Check(!entities.empty(), "the EntitySpec declares no entity")) {
          return;
        }
        std::set<std::string> seen;
        for (const auto& e : entities) {
          if (!ctx.Check(seen.insert(e.service_name()).second,
                         absl::StrCat(e.service_name(), " is declared twice"))) {
            return;
          }
        }
      });

  Case("discovery.persistence_ids_set")
      .Rules({"DISC-011"})
      .Describe("every event-sourced and value entity has a non-empty persistence id")
      .Hint("set Entity.persistence_id for stateful entities")
      .Run([](CaseContext& ctx) {
        std::vector<std::string> bad;
        for (const auto& e : ctx.discovery().spec.entities()) {
          if (IsStateful(e.entity_type()) && e.persistence_id().empty()) {
            bad.push_back(e.service_name());
          }
        }
        ctx.Check(bad.empty(), absl::StrCat("no persistence id: ", absl::StrJoin(bad, ", ")));
      });

  Case("discovery.passivation_timeouts_positive")
      .Rules({"DISC-013"})
      .Describe("a reported passivation strategy is a positive timeout in milliseconds")
      .Hint("report passivation_strategy.timeout.timeout > 0 or leave the strategy absent")
      .Run([](CaseContext& ctx) {
        for (const auto& e : ctx.discovery().spec.entities()) {
          if (e.has_passivation_strategy()) {
            if (!ctx.Check(e.passivation_strategy().has_timeout() &&
                               e.passivation_strategy().timeout().timeout() > 0,
                           absl::StrCat(e.service_name(), " reports passivation_strategy ",
                                        ShortText(e.passivation_strategy())))) {
              return;
            }
          }
        }
      });

  Case("discovery.protocol_version")
      .Rules({"DISC-014"})
      .Describe("ServiceInfo reports protocol version 0.2")
      .Hint("service_info.protocol_major_version = 0, protocol_minor_version = 2")
      .Run([](CaseContext& ctx) {
        const auto& d = ctx.discovery();
        const auto& info = d.spec.service_info();
        ctx.Check(d.spec.has_service_info() && info.protocol_major_version() == 0 &&
                      info.protocol_minor_version() == 2,
                  absl::StrCat("the function reports protocol ", info.protocol_major_version(), ".",
                               info.protocol_minor_version(),
                               d.spec.has_service_info() ? "" : " (no service_info at all)"));
      });

  Case("discovery.support_library_identified")
      .Rules({"DISC-015"})
      .Describe("ServiceInfo names the support library and its version")
      .Hint("fill support_library_name and support_library_version")
      .Run([](CaseContext& ctx) {
        const auto& info = ctx.discovery().spec.service_info();
        ctx.Check(!info.support_library_name().empty() && !info.support_library_version().empty(),
                  absl::StrCat("support library is \"", info.support_library_name(),
                               "\" version \"", info.support_library_version(), "\""));
      });

  Case("discovery.service_identified")
      .Rules({"DISC-029"})
      .Optional()
      .Describe("ServiceInfo states the service's version and runtime (its name is advisory)")
      .Hint("fill service_version and service_runtime")
      .Run([](CaseContext& ctx) {
        const auto& info = ctx.discovery().spec.service_info();
        if (info.service_name().empty()) {
          // All of ServiceInfo is optional in the original protocol; an empty name is only noted.
          ctx.Note("advisory: service_info.service_name is empty");
        }
        ctx.Check(!info.service_version().empty() && !info.service_runtime().empty(),
                  absl::StrCat("service_info is ", ShortText(info)));
      });

  Case("discovery.report_error_accepted")
      .Rules({"DISC-017"})
      .Optional()
      .Describe("reportError is answered with Empty")
      .Hint("implement EntityDiscovery.reportError: log the message and return Empty")
      .Run([](CaseContext& ctx) {
        ctx.ReportError("cloudstate-tck: this is a test error report; please ignore");
      });

  Case("discovery.keyed_entity_methods_have_entity_key")
      .Rules({"DISC-022"})
      .Describe("every method of an event-sourced, value or CRDT service has an entity-key field")
      .Hint("mark the id field of every entity method's input with (cloudstate.entity_key) = true")
      .Run([](CaseContext& ctx) {
        if (!NeedPool(ctx)) {
          return;
        }
        for (const auto& e : ctx.discovery().spec.entities()) {
          if (e.entity_type() == kActionProtocol) {
            continue;
          }
          const auto* service = ctx.discovery().FindService(e.service_name());
          if (service == nullptr) {
            continue;
          }
          for (int i = 0; i < service->method_count(); ++i) {
            const auto* m = service->method(i);
            if (!ctx.Check(HasEntityKey(m->input_type()),
                           absl::StrCat(m->full_name(), ": input ", m->input_type()->full_name(),
                                        " has no field marked (cloudstate.entity_key)"))) {
              return;
            }
          }
        }
      });

  Case("discovery.entity_method_shapes")
      .Rules({"DISC-023", "DISC-024"})
      .Describe(
          "event-sourced and value-entity methods are unary; CRDT methods are not client-streaming")
      .Hint("streaming is only for actions (any shape) and CRDT server-streaming methods")
      .Run([](CaseContext& ctx) {
        if (!NeedPool(ctx)) {
          return;
        }
        for (const auto& e : ctx.discovery().spec.entities()) {
          const auto* service = ctx.discovery().FindService(e.service_name());
          if (service == nullptr) {
            continue;
          }
          for (int i = 0; i < service->method_count(); ++i) {
            const auto* m = service->method(i);
            bool ok = true;
            if (IsStateful(e.entity_type())) {
              ok = !m->client_streaming() && !m->server_streaming();
            } else if (e.entity_type() == kCrdtProtocol) {
              ok = !m->client_streaming();
            }
            if (!ctx.Check(ok,
                           absl::StrCat(m->full_name(), " has a streaming shape not allowed for ",
                                        e.entity_type()))) {
              return;
            }
          }
        }
      });
}

}  // namespace cloudstate::tck::cases
