#include "cloudstate/sdk/crdt_entity.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace cloudstate::sdk {

absl::Status CrdtStateAccess::SetState(std::unique_ptr<Crdt> value) {
  if (value == nullptr) {
    return absl::InvalidArgumentError("SetState needs a value");
  }
  if (*state_ != nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("entity ", entity_id_, " already has a ",
                                                      std::string(CrdtKindName((*state_)->kind())),
                                                      " value"));
  }
  *state_ = std::move(value);
  return absl::OkStatus();
}

bool CrdtCommandContext::OnChange(CrdtChangeHandler handler) {
  if (!streamed_) {
    return false;
  }
  change_handler_ = std::move(handler);
  return true;
}

bool CrdtCommandContext::OnCancel(CrdtCancelHandler handler) {
  if (!streamed_) {
    return false;
  }
  cancel_handler_ = std::move(handler);
  return true;
}

}  // namespace cloudstate::sdk
