#pragma once
// Early-return helpers for absl::Status / absl::StatusOr, which abseil 20220623 does not ship.
//
//   CS_RETURN_IF_ERROR(store.Append(events));
//   CS_ASSIGN_OR_RETURN(auto state, store.Load(key));

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CS_STATUS_CONCAT_INNER(a, b) a##b
#define CS_STATUS_CONCAT(a, b) CS_STATUS_CONCAT_INNER(a, b)

#define CS_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    const ::absl::Status cs_status_tmp = (expr); \
    if (!cs_status_tmp.ok()) {                   \
      return cs_status_tmp;                      \
    }                                            \
  } while (false)

#define CS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) {                               \
    return tmp.status();                         \
  }                                              \
  lhs = std::move(*tmp)

#define CS_ASSIGN_OR_RETURN(lhs, expr) \
  CS_ASSIGN_OR_RETURN_IMPL(CS_STATUS_CONCAT(cs_statusor_, __LINE__), lhs, expr)
