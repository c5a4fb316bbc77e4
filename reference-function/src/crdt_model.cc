#include "crdt_model.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"

#include "cloudstate/tck/model/crdt.pb.h"

#include "cloudstate/common/any.h"
#include "fault_names.h"
#include "model_util.h"

namespace cloudstate::reference_function {
namespace {

namespace tck = cloudstate::tck::model::crdt;
using cloudstate::crdt::CrdtStreamOut;
using google::protobuf::Any;
using sdk::Crdt;
using sdk::CrdtKind;

struct FaultFlags {
  bool delta_lost = false;
  bool orset_remove_wins = false;
  bool lww_clock_ignored = false;
  bool gcounter_not_aggregated = false;
  bool flag_delta_always = false;
  bool vote_full_delta = false;
  bool write_consistency_dropped = false;
  bool stream_cancel_ignored = false;
  bool delete_not_sent = false;
  bool replicated_delta_ignored = false;
  bool stream_not_ended = false;
  bool empty_state_delta = false;
  bool init_state_ignored = false;
  bool delete_answered = false;
  bool failure_without_description = false;
  bool failure_keeps_side_effects = false;
  bool side_effect_sync_lost = false;
  // Added for issue #10 (fault_names.h, kCrdt*).
  bool vote_replicated_resent = false;
  bool ormap_added_key_removed_listed = false;
  bool delete_consistency_dropped = false;
  bool streamed_opening_delta_lost = false;

  explicit FaultFlags(const Faults& faults)
      : delta_lost(faults.Has(fault::kCrdtDeltaLost)),
        orset_remove_wins(faults.Has(fault::kCrdtORSetRemoveWins)),
        lww_clock_ignored(faults.Has(fault::kCrdtLwwClockIgnored)),
        gcounter_not_aggregated(faults.Has(fault::kCrdtGCounterNotAggregated)),
        flag_delta_always(faults.Has(fault::kCrdtFlagDeltaAlways)),
        vote_full_delta(faults.Has(fault::kCrdtVoteFullDelta)),
        write_consistency_dropped(faults.Has(fault::kCrdtWriteConsistencyDropped)),
        stream_cancel_ignored(faults.Has(fault::kCrdtStreamCancelIgnored)),
        delete_not_sent(faults.Has(fault::kCrdtDeleteNotSent)),
        replicated_delta_ignored(faults.Has(fault::kCrdtReplicatedDeltaIgnored)),
        stream_not_ended(faults.Has(fault::kCrdtStreamNotEnded)),
        empty_state_delta(faults.Has(fault::kCrdtEmptyStateDelta)),
        init_state_ignored(faults.Has(fault::kCrdtInitStateIgnored)),
        delete_answered(faults.Has(fault::kCrdtDeleteAnswered)),
        failure_without_description(faults.Has(fault::kCrdtFailureWithoutDescription)),
        failure_keeps_side_effects(faults.Has(fault::kCrdtFailureKeepsSideEffects)),
        side_effect_sync_lost(faults.Has(fault::kCrdtSideEffectSyncLost)),
        vote_replicated_resent(faults.Has(fault::kCrdtVoteReplicatedResent)),
        ormap_added_key_removed_listed(faults.Has(fault::kCrdtORMapAddedKeyRemovedListed)),
        delete_consistency_dropped(faults.Has(fault::kCrdtDeleteConsistencyDropped)),
        streamed_opening_delta_lost(faults.Has(fault::kCrdtStreamedOpeningDeltaLost)) {}
};

// The CRDT type named by the prefix of an entity id or map key ("GCounter-1" -> GCounter).
std::optional<CrdtKind> KindOfName(std::string_view name) {
  std::string_view prefix = name.substr(0, name.find('-'));
  for (CrdtKind kind :
       {CrdtKind::kGCounter, CrdtKind::kPNCounter, CrdtKind::kGSet, CrdtKind::kORSet,
        CrdtKind::kLWWRegister, CrdtKind::kFlag, CrdtKind::kORMap, CrdtKind::kVote}) {
    if (sdk::CrdtKindName(kind) == prefix) {
      return kind;
    }
  }
  return std::nullopt;
}

// A new empty value for `name`; a register starts as "" (and announces it).
std::unique_ptr<Crdt> NewValueFor(std::string_view name) {
  std::optional<CrdtKind> kind = KindOfName(name);
  if (!kind) {
    return nullptr;
  }
  if (*kind == CrdtKind::kLWWRegister) {
    return std::make_unique<sdk::LWWRegister>(PackPrimitiveString(""));
  }
  return sdk::NewCrdt(*kind);
}

std::string ElementString(const Any& any) {
  std::optional<std::string> s = PrimitiveString(any);
  return s.has_value() ? *s : any.value();
}

std::vector<std::string> SortedStrings(const std::vector<Any>& anys) {
  std::vector<std::string> out;
  out.reserve(anys.size());
  for (const Any& any : anys) {
    out.push_back(ElementString(any));
  }
  std::sort(out.begin(), out.end());
  return out;
}

tck::State StateOf(const Crdt* crdt) {
  tck::State state;
  if (crdt == nullptr) {
    return state;
  }
  switch (crdt->kind()) {
    case CrdtKind::kGCounter:
      state.mutable_gcounter()->set_value(static_cast<const sdk::GCounter*>(crdt)->value());
      break;
    case CrdtKind::kPNCounter:
      state.mutable_pncounter()->set_value(static_cast<const sdk::PNCounter*>(crdt)->value());
      break;
    case CrdtKind::kGSet:
      for (auto& s : SortedStrings(static_cast<const sdk::GSet*>(crdt)->Elements())) {
        state.mutable_gset()->add_elements(std::move(s));
      }
      state.mutable_gset();
      break;
    case CrdtKind::kORSet:
      for (auto& s : SortedStrings(static_cast<const sdk::ORSet*>(crdt)->Elements())) {
        state.mutable_orset()->add_elements(std::move(s));
      }
      state.mutable_orset();
      break;
    case CrdtKind::kLWWRegister:
      state.mutable_lwwregister()->set_value(
          ElementString(static_cast<const sdk::LWWRegister*>(crdt)->value()));
      break;
    case CrdtKind::kFlag:
      state.mutable_flag()->set_value(static_cast<const sdk::Flag*>(crdt)->enabled());
      break;
    case CrdtKind::kORMap: {
      const auto* map = static_cast<const sdk::ORMap*>(crdt);
      std::vector<std::pair<std::string, const Crdt*>> entries;
      for (const Any& key : map->Keys()) {
        entries.emplace_back(ElementString(key), map->Get(key));
      }
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      auto* out = state.mutable_ormap();
      for (const auto& [key, value] : entries) {
        auto* entry = out->add_entries();
        entry->set_key(key);
        *entry->mutable_value() = StateOf(value);
      }
      break;
    }
    case CrdtKind::kVote: {
      const auto* vote = static_cast<const sdk::Vote*>(crdt);
      state.mutable_vote()->set_self_vote(vote->self_vote());
      state.mutable_vote()->set_votes_for(vote->votes_for());
      state.mutable_vote()->set_total_voters(vote->total_voters());
      break;
    }
  }
  return state;
}

Any ResponseOf(const Crdt* crdt) {
  tck::Response response;
  *response.mutable_state() = StateOf(crdt);
  return PackAny(response);
}

tck::Request TwoRequest(const std::string& id) {
  tck::Request request;
  request.set_id(id);
  return request;
}

// What the faults need to know about one command of the main model.
struct CommandTrace {
  int gcounter_increments = 0;
  uint64_t last_increment = 0;
  std::set<std::string> orset_removed;
  std::set<std::string> orset_readded;
  bool flag_enable_requested = false;
  std::vector<cloudstate::SideEffect> requested_effects;  // for crdt-failure-keeps-side-effects
  std::set<std::string> ormap_new_keys;                   // root map keys this command created
  std::set<std::string> ormap_added_removed;              // ... and removed again
};

// An empty delta of `kind` (what crdt-empty-state-delta sends for a command that changed nothing).
cloudstate::crdt::CrdtDelta EmptyDelta(CrdtKind kind) {
  cloudstate::crdt::CrdtDelta delta;
  switch (kind) {
    case CrdtKind::kGCounter:
      delta.mutable_gcounter();
      break;
    case CrdtKind::kPNCounter:
      delta.mutable_pncounter();
      break;
    case CrdtKind::kGSet:
      delta.mutable_gset();
      break;
    case CrdtKind::kORSet:
      delta.mutable_orset();
      break;
    case CrdtKind::kLWWRegister:
      *delta.mutable_lwwregister()->mutable_value() = PackPrimitiveString("");
      break;
    case CrdtKind::kFlag:
      delta.mutable_flag();
      break;
    case CrdtKind::kORMap:
      delta.mutable_ormap();
      break;
    case CrdtKind::kVote:
      delta.mutable_vote();
      break;
  }
  return delta;
}

class CrdtTckModelEntity final : public sdk::CrdtEntity {
 public:
  CrdtTckModelEntity(sdk::CrdtCreationContext& ctx, FaultFlags faults)
      : faults_(faults), id_(ctx.entity_id()) {
    if (ctx.state() == nullptr) {
      if (auto value = NewValueFor(id_)) {
        (void)ctx.SetState(std::move(value));
      }
    } else if (faults_.init_state_ignored) {
      auto fresh = NewValueFor(id_);
      if (fresh != nullptr && fresh->kind() == ctx.state()->kind()) {
        ctx.state()->RestoreFrom(*fresh);
      }
    }
    if (const auto* vote = dynamic_cast<const sdk::Vote*>(ctx.state())) {
      self_vote_ = last_sent_vote_ = vote->self_vote();  // the proxy knows the init vote
    }
  }

  std::optional<CrdtStreamOut> AnswerDelete() override {
    if (!faults_.delete_answered) {
      return std::nullopt;
    }
    CrdtStreamOut out;
    out.mutable_failure()->set_description("entity deleted");
    return out;
  }

  absl::StatusOr<std::optional<Any>> HandleCommand(const Any& command,
                                                   sdk::CrdtCommandContext& ctx) override {
    trace_ = CommandTrace{};
    if (ctx.command_name() == "Process") {
      tck::Request request;
      if (!UnpackAny(command, &request)) {
        return absl::InvalidArgumentError("Process needs a cloudstate.tck.model.crdt.Request");
      }
      return Process(request, ctx);
    }
    if (ctx.command_name() == "ProcessStreamed") {
      tck::StreamedRequest request;
      if (!UnpackAny(command, &request)) {
        return absl::InvalidArgumentError(
            "ProcessStreamed needs a cloudstate.tck.model.crdt.StreamedRequest");
      }
      return ProcessStreamed(request, ctx);
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown command ", ctx.command_name()));
  }

  void RewriteOutgoing(CrdtStreamOut& message) override {
    if (!message.has_reply()) {
      return;
    }
    auto* reply = message.mutable_reply();
    RewriteForNewFaults(reply);
    if (faults_.side_effect_sync_lost) {
      for (auto& effect : *reply->mutable_side_effects()) {
        effect.set_synchronous(false);
      }
    }
    if (reply->client_action().has_failure()) {
      if (faults_.failure_without_description) {
        reply->mutable_client_action()->mutable_failure()->clear_description();
      }
      if (faults_.failure_keeps_side_effects && reply->side_effects_size() == 0) {
        for (const auto& effect : trace_.requested_effects) {
          *reply->add_side_effects() = effect;
        }
      }
    } else if (faults_.empty_state_delta && !reply->has_state_action() && kind_.has_value()) {
      *reply->mutable_state_action()->mutable_update() = EmptyDelta(*kind_);
    }
    if (faults_.flag_delta_always && trace_.flag_enable_requested && !reply->has_state_action()) {
      reply->mutable_state_action()->mutable_update()->mutable_flag()->set_value(true);
    }
    if (!reply->has_state_action() || !reply->state_action().has_update()) {
      return;
    }
    if (faults_.delta_lost) {
      reply->clear_state_action();
      return;
    }
    auto* update = reply->mutable_state_action()->mutable_update();
    if (faults_.gcounter_not_aggregated && update->has_gcounter() &&
        trace_.gcounter_increments > 1) {
      update->mutable_gcounter()->set_increment(trace_.last_increment);
    }
    if (faults_.orset_remove_wins && update->has_orset()) {
      for (const auto& element : trace_.orset_readded) {
        *update->mutable_orset()->add_removed() = PackPrimitiveString(element);
      }
    }
    if (faults_.lww_clock_ignored && update->has_lwwregister()) {
      update->mutable_lwwregister()->set_clock(cloudstate::crdt::DEFAULT);
      update->mutable_lwwregister()->set_custom_clock_value(0);
    }
    if (faults_.vote_full_delta && update->has_vote()) {
      update->mutable_vote()->set_votes_for(vote_tally_.first);
      update->mutable_vote()->set_total_voters(vote_tally_.second);
    }
  }

  bool AcceptDelta(const cloudstate::crdt::CrdtDelta& delta) override {
    return !faults_.replicated_delta_ignored;
  }

 private:
  // The faults added for issue #10; each imitates one SDK mistake on the outgoing reply.
  void RewriteForNewFaults(cloudstate::crdt::CrdtReply* reply) {
    const bool failed = reply->client_action().has_failure();
    if (faults_.delete_consistency_dropped && reply->state_action().has_delete_()) {
      reply->mutable_state_action()->set_write_consistency(cloudstate::crdt::LOCAL);
    }
    if (faults_.streamed_opening_delta_lost && reply->streamed() &&
        reply->state_action().has_update()) {
      reply->clear_state_action();
    }
    if (faults_.ormap_added_key_removed_listed && !failed && !trace_.ormap_added_removed.empty()) {
      auto* map = reply->mutable_state_action()->mutable_update()->mutable_ormap();
      for (const auto& key : trace_.ormap_added_removed) {
        *map->add_removed() = PackPrimitiveString(key);
      }
    }
    if (faults_.vote_replicated_resent && kind_ == CrdtKind::kVote && !failed) {
      // The imitated SDK compares the vote with the last one it sent, not with the replicated one.
      if (reply->state_action().update().has_vote()) {
        last_sent_vote_ = reply->state_action().update().vote().self_vote();
      } else if (!reply->has_state_action() && self_vote_ != last_sent_vote_) {
        reply->mutable_state_action()->mutable_update()->mutable_vote()->set_self_vote(self_vote_);
        last_sent_vote_ = self_vote_;
      }
    }
  }

  absl::StatusOr<std::optional<Any>> Process(const tck::Request& request,
                                             sdk::CrdtCommandContext& ctx) {
    bool forwarding = false;
    for (const auto& action : request.actions()) {
      switch (action.action_case()) {
        case tck::RequestAction::kUpdate:
          if (!ApplyUpdate(ctx.state(), action.update(), /*root=*/true, ctx)) {
            return std::nullopt;
          }
          if (!faults_.write_consistency_dropped) {
            ctx.SetWriteConsistency(
                static_cast<sdk::CrdtWriteConsistency>(action.update().write_consistency()));
          }
          break;
        case tck::RequestAction::kDelete:
          if (!faults_.delete_not_sent) {
            ctx.Delete();
          }
          break;
        case tck::RequestAction::kForward:
          forwarding = true;
          ctx.Forward(kCrdtTwoService, "Call", TwoRequest(action.forward().id()));
          break;
        case tck::RequestAction::kEffect:
          ctx.SideEffect(kCrdtTwoService, "Call", TwoRequest(action.effect().id()),
                         action.effect().synchronous());
          trace_.requested_effects.push_back(sdk::MakeSideEffect(kCrdtTwoService, "Call",
                                                                 TwoRequest(action.effect().id()),
                                                                 action.effect().synchronous()));
          break;
        case tck::RequestAction::kFail:
          ctx.Fail(action.fail().message());
          break;
        case tck::RequestAction::ACTION_NOT_SET:
          break;
      }
    }
    RecordTally(ctx.state());
    if (forwarding) {
      return std::nullopt;
    }
    return ResponseOf(ctx.state());
  }

  absl::StatusOr<std::optional<Any>> ProcessStreamed(const tck::StreamedRequest& request,
                                                     sdk::CrdtCommandContext& ctx) {
    if (ctx.streamed()) {
      ctx.OnChange([this, request](sdk::CrdtSubscriptionContext& sub) -> std::optional<Any> {
        for (const auto& effect : request.effects()) {
          sub.SideEffect(kCrdtTwoService, "Call", TwoRequest(effect.id()), effect.synchronous());
        }
        if (request.has_end_state() && !faults_.stream_not_ended &&
            google::protobuf::util::MessageDifferencer::Equals(StateOf(sub.state()),
                                                               request.end_state())) {
          sub.EndStream();
        }
        if (request.empty()) {
          return std::nullopt;
        }
        return ResponseOf(sub.state());
      });
      if (request.has_cancel_update() && !faults_.stream_cancel_ignored) {
        ctx.OnCancel(
            [this, update = request.cancel_update()](sdk::CrdtStreamCancelledContext& cancelled) {
              ApplyUpdate(cancelled.state(), update, /*root=*/true, cancelled);
            });
      }
    }
    if (request.has_initial_update()) {
      if (!ApplyUpdate(ctx.state(), request.initial_update(), /*root=*/true, ctx)) {
        return std::nullopt;
      }
    }
    RecordTally(ctx.state());
    if (request.empty()) {
      return std::nullopt;
    }
    return ResponseOf(ctx.state());
  }

  void RecordTally(const Crdt* crdt) {
    if (crdt != nullptr && crdt->kind() == CrdtKind::kVote) {
      const auto* vote = static_cast<const sdk::Vote*>(crdt);
      vote_tally_ = {vote->votes_for(), vote->total_voters()};
      self_vote_ = vote->self_vote();
    }
  }

  void NoteNewKey(const sdk::ORMap* map, const std::string& key, bool root) {
    if (root && !map->Contains(PackPrimitiveString(key))) {
      trace_.ormap_new_keys.insert(key);
      trace_.ormap_added_removed.erase(key);
    }
  }

  // Applies one model update to `crdt`; on a type mismatch fails the command and returns false.
  bool ApplyUpdate(Crdt* crdt, const tck::Update& update, bool root, sdk::EffectsCollector& ctx) {
    auto mismatch = [&](std::string_view wanted) {
      ctx.Fail(absl::StrCat("update for a ", std::string(wanted), " applied to a ",
                            crdt == nullptr ? std::string("missing value")
                                            : std::string(sdk::CrdtKindName(crdt->kind()))));
      return false;
    };
    switch (update.update_case()) {
      case tck::Update::kGcounter: {
        auto* counter = dynamic_cast<sdk::GCounter*>(crdt);
        if (counter == nullptr) {
          return mismatch("GCounter");
        }
        counter->Increment(update.gcounter().increment());
        if (root) {
          ++trace_.gcounter_increments;
          trace_.last_increment = update.gcounter().increment();
        }
        return true;
      }
      case tck::Update::kPncounter: {
        auto* counter = dynamic_cast<sdk::PNCounter*>(crdt);
        if (counter == nullptr) {
          return mismatch("PNCounter");
        }
        counter->Increment(update.pncounter().change());
        return true;
      }
      case tck::Update::kGset: {
        auto* set = dynamic_cast<sdk::GSet*>(crdt);
        if (set == nullptr) {
          return mismatch("GSet");
        }
        set->Add(PackPrimitiveString(update.gset().add()));
        return true;
      }
      case tck::Update::kOrset: {
        auto* set = dynamic_cast<sdk::ORSet*>(crdt);
        if (set == nullptr) {
          return mismatch("ORSet");
        }
        const auto& orset = update.orset();
        switch (orset.action_case()) {
          case tck::ORSetUpdate::kAdd:
            if (set->Add(PackPrimitiveString(orset.add())) && root &&
                trace_.orset_removed.contains(orset.add())) {
              trace_.orset_readded.insert(orset.add());
            }
            break;
          case tck::ORSetUpdate::kRemove:
            if (set->Remove(PackPrimitiveString(orset.remove())) && root) {
              trace_.orset_removed.insert(orset.remove());
            }
            break;
          case tck::ORSetUpdate::kClear:
            if (orset.clear()) {
              set->Clear();
              trace_.orset_removed.clear();
              trace_.orset_readded.clear();
            }
            break;
          case tck::ORSetUpdate::ACTION_NOT_SET:
            break;
        }
        return true;
      }
      case tck::Update::kLwwregister: {
        auto* reg = dynamic_cast<sdk::LWWRegister*>(crdt);
        if (reg == nullptr) {
          return mismatch("LWWRegister");
        }
        const auto& lww = update.lwwregister();
        auto clock = cloudstate::crdt::DEFAULT;
        int64_t custom = 0;
        if (lww.has_clock()) {
          clock = static_cast<cloudstate::crdt::CrdtClock>(lww.clock().clocktype());
          custom = lww.clock().customclockvalue();
        }
        reg->Set(PackPrimitiveString(lww.value()), clock, custom);
        return true;
      }
      case tck::Update::kFlag: {
        auto* flag = dynamic_cast<sdk::Flag*>(crdt);
        if (flag == nullptr) {
          return mismatch("Flag");
        }
        flag->Enable();
        if (root) {
          trace_.flag_enable_requested = true;
        }
        return true;
      }
      case tck::Update::kOrmap: {
        auto* map = dynamic_cast<sdk::ORMap*>(crdt);
        if (map == nullptr) {
          return mismatch("ORMap");
        }
        const auto& ormap = update.ormap();
        switch (ormap.action_case()) {
          case tck::ORMapUpdate::kAdd: {
            const std::string& key = ormap.add();
            NoteNewKey(map, key, root);
            if (map->GetOrCreate(PackPrimitiveString(key), [&key] { return NewValueFor(key); }) ==
                nullptr) {
              ctx.Fail(absl::StrCat("no CRDT type for map key ", key));
              return false;
            }
            break;
          }
          case tck::ORMapUpdate::kUpdate: {
            const std::string& key = ormap.update().key();
            NoteNewKey(map, key, root);
            Crdt* value =
                map->GetOrCreate(PackPrimitiveString(key), [&key] { return NewValueFor(key); });
            if (value == nullptr) {
              ctx.Fail(absl::StrCat("no CRDT type for map key ", key));
              return false;
            }
            return ApplyUpdate(value, ormap.update().update(), /*root=*/false, ctx);
          }
          case tck::ORMapUpdate::kRemove:
            if (root && trace_.ormap_new_keys.erase(ormap.remove()) > 0) {
              trace_.ormap_added_removed.insert(ormap.remove());
            }
            map->Remove(PackPrimitiveString(ormap.remove()));
            break;
          case tck::ORMapUpdate::kClear:
            if (ormap.clear()) {
              map->Clear();
              trace_.ormap_new_keys.clear();
              trace_.ormap_added_removed.clear();
            }
            break;
          case tck::ORMapUpdate::ACTION_NOT_SET:
            break;
        }
        return true;
      }
      case tck::Update::kVote: {
        auto* vote = dynamic_cast<sdk::Vote*>(crdt);
        if (vote == nullptr) {
          return mismatch("Vote");
        }
        vote->SetSelfVote(update.vote().self_vote());
        return true;
      }
      case tck::Update::UPDATE_NOT_SET:
        return true;
    }
    return true;
  }

  FaultFlags faults_;
  std::string id_;
  std::optional<CrdtKind> kind_ = KindOfName(id_);
  CommandTrace trace_;
  std::pair<int32_t, int32_t> vote_tally_{0, 1};
  bool self_vote_ = false;       // after the last command (crdt-vote-replicated-vote-resent)
  bool last_sent_vote_ = false;  // in the last vote delta sent (same fault)
};

// CrdtTwo: the forward and side-effect target. It owns a GCounter so that a delete means something.
class CrdtTwoEntity final : public sdk::CrdtEntity {
 public:
  CrdtTwoEntity(sdk::CrdtCreationContext& ctx, bool ignore_delete) : ignore_delete_(ignore_delete) {
    if (ctx.state() == nullptr) {
      (void)ctx.SetState(std::make_unique<sdk::GCounter>());
    }
  }
  absl::StatusOr<std::optional<Any>> HandleCommand(const Any& command,
                                                   sdk::CrdtCommandContext& ctx) override {
    tck::Request request;
    if (UnpackAny(command, &request)) {
      for (const auto& action : request.actions()) {
        if (action.has_delete_() && !ignore_delete_) {
          ctx.Delete();
        }
      }
    }
    return PackAny(tck::Response());
  }

 private:
  bool ignore_delete_;  // the fault crdt-two-ignores-delete
};

// CrdtConfigured: answers with an empty Response; only its passivation timeout matters.
class CrdtConfiguredEntity final : public sdk::CrdtEntity {
 public:
  absl::StatusOr<std::optional<Any>> HandleCommand(const Any& command,
                                                   sdk::CrdtCommandContext& ctx) override {
    return PackAny(tck::Response());
  }
};

}  // namespace

std::vector<sdk::CrdtEntityRegistration> CrdtModelRegistrations(const Faults& faults) {
  // Make sure the generated file is linked and its descriptors are in the pool.
  const google::protobuf::FileDescriptor* file = tck::Request::descriptor()->file();
  std::vector<sdk::CrdtEntityRegistration> out;
  FaultFlags flags(faults);
  out.push_back({{file->FindServiceByName("CrdtTckModel"), std::nullopt},
                 [flags](sdk::CrdtCreationContext& ctx) -> std::unique_ptr<sdk::CrdtEntity> {
                   return std::make_unique<CrdtTckModelEntity>(ctx, flags);
                 }});
  out.push_back({{file->FindServiceByName("CrdtTwo"), std::nullopt},
                 [ignore = faults.Has(fault::kCrdtTwoIgnoresDelete)](
                     sdk::CrdtCreationContext& ctx) -> std::unique_ptr<sdk::CrdtEntity> {
                   return std::make_unique<CrdtTwoEntity>(ctx, ignore);
                 }});
  std::optional<int64_t> passivation = int64_t{100};
  if (faults.Has(fault::kDiscoveryPassivationDropped)) {
    passivation.reset();
  }
  out.push_back({{file->FindServiceByName("CrdtConfigured"), passivation},
                 [](sdk::CrdtCreationContext&) -> std::unique_ptr<sdk::CrdtEntity> {
                   return std::make_unique<CrdtConfiguredEntity>();
                 }});
  return out;
}

void RegisterCrdtModels(sdk::Server& server, const Faults& faults) {
  for (auto& registration : CrdtModelRegistrations(faults)) {
    (void)sdk::AddCrdtEntity(server, std::move(registration.options),
                             std::move(registration.factory));
  }
}

}  // namespace cloudstate::reference_function
