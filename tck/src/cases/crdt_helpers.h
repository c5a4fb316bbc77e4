#pragma once
// Builders shared by the CRDT cases (crdt_cases.cc, crdt_new_cases.cc): model requests and actions
// of cloudstate.tck.model.crdt, the model's Response states, protocol deltas with
// p.cloudstate.io/string elements, and the expected CrdtStreamOut shapes.
//
//   auto s = ctx.Crdt();
//   s.Send(crdt::Init(kCrdtTckModel, id));
//   s.Send(Process(1, id, GInc({1, 2})));
//   s.Expect(ReplyDelta(1, GCounterS(3), GCounterD(3)));
//   s.Passivate();
//
// Everything here is header-only and local to the CRDT case files; it only adds shorthand on top
// of messages.h and compare.h (nothing the DSL lacks had to be re-implemented).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudstate/crdt.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/compare.h"
#include "cloudstate/tck/messages.h"
#include "cloudstate/tck/model_builders.h"
#include "cloudstate/tck/scenario.h"

// The cases build expected messages with designated initializers that name only the fields they
// need (crdt::Effects, MapDeltaParts); GCC's -Wextra flags every omitted member there, although the
// omitted members have default initializers. Silenced for the CRDT case files only.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cloudstate::tck::crdt_cases {

namespace tm = ::cloudstate::tck::model::crdt;
namespace pc = ::cloudstate::crdt;

using namespace ::cloudstate::tck::builders;  // NOLINT(build/namespaces): builders only

// ---- registration
// --------------------------------------------------------------------------------

// The one way a CRDT case registers: required, gated on the CRDT model services (CrdtTckModel,
// CrdtTwo); the returned builder refines it (.Optional(), .Robustness(), ...).
inline CaseBuilder CrdtCase(const char* name, std::vector<std::string> rules,
                            const char* description, const char* hint, CaseBody body) {
  CaseBuilder builder = Case(name);
  builder.Rules(std::move(rules))
      .Required()
      .Describe(description)
      .Hint(hint)
      .Needs({kCrdtTckModel, kCrdtTwo})
      .Run(std::move(body));
  return builder;
}
// The same for a case ported from the original TCK (`original`: its id there, e.g. "C12").
inline CaseBuilder CrdtCase(const char* name, const char* original, std::vector<std::string> rules,
                            const char* description, const char* hint, CaseBody body) {
  return CrdtCase(name, std::move(rules), description, hint, std::move(body)).Original(original);
}

// ---- commands and expected messages -------------------------------------------------------------

inline crdt::In Process(int64_t command_id, std::string_view entity_id,
                        const Actions& actions = {}) {
  return crdt::Command(command_id, entity_id, "Process", Req(entity_id, actions));
}

inline crdt::In ProcessStreamed(int64_t command_id, std::string_view entity_id,
                                const tm::StreamedRequest& request) {
  return crdt::Command(command_id, entity_id, "ProcessStreamed", request, /*streamed=*/true);
}

inline tm::StreamedRequest StreamedReq(std::string_view id) {
  tm::StreamedRequest request;
  request.set_id(std::string(id));
  return request;
}

// Side effect to CrdtTwo/Call with Request{id}, as the model emits it.
inline cloudstate::SideEffect Fx(std::string_view target_id, bool synchronous = false) {
  return SideEffect(kCrdtTwo, "Call", Req(target_id), synchronous);
}

inline crdt::Out ReplyState(int64_t command_id, const tm::Response& state) {
  return crdt::Reply(command_id, state);
}

inline crdt::Out ReplyDelta(int64_t command_id, const tm::Response& state,
                            const pc::CrdtDelta& delta,
                            pc::CrdtWriteConsistency consistency = pc::LOCAL) {
  return crdt::Reply(command_id, state, {.state_action = crdt::UpdateAction(delta, consistency)});
}

inline crdt::Out ReplyDeleted(int64_t command_id, const tm::Response& state) {
  return crdt::Reply(command_id, state, {.state_action = crdt::DeleteAction()});
}

inline crdt::Out Forwarded(int64_t command_id, std::string_view target_id,
                           const crdt::Effects& effects = {}) {
  return crdt::Forward(command_id, kCrdtTwo, "Call", Req(target_id), effects);
}

// ---- common scenario pieces ---------------------------------------------------------------------

// The stream must carry a stream-level failure and then end (PROT-024). Like the original proxy,
// the kit half-closes after the failure and then expects the end: a function may wait for that.
inline void ExpectStreamFailure(CrdtStream& s) {
  s.ExpectThat("a stream-level failure (CrdtStreamOut.failure)", [](const crdt::Out& out) {
    return out.has_failure() ? std::string()
                             : std::string("expected CrdtStreamOut.failure, got another message");
  });
  s.Close();
  s.ExpectEnded();
}

// A fresh stream on a new entity still works: the function survived whatever came before.
inline void ExpectFunctionStillServes(CaseContext& ctx) {
  if (ctx.failed()) {
    return;
  }
  const std::string id = ctx.NewEntityId("GCounter");
  auto s = ctx.Crdt();
  s.Send(crdt::Init(kCrdtTckModel, id));
  s.Send(Process(1, id, GInc({7})));
  s.Expect(ReplyDelta(1, GCounterS(7), GCounterD(7)));
  s.Passivate();
}

}  // namespace cloudstate::tck::crdt_cases
