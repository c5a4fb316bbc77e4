#pragma once
// What the durability writer writes, so the checking test can recompute it.

#include <cstdint>
#include <string>

#include "cloudstate/proxy/store.h"

namespace cloudstate::proxy::testing {

inline std::string DurabilityKey(const std::string& prefix, int thread) {
  return prefix + "|" + std::to_string(thread);
}

// A few hundred bytes with NULs and high bytes, different for every (thread, sequence).
inline StoredAny DurabilityEvent(int thread, int64_t seq) {
  std::string value = "event-" + std::to_string(thread) + "-" + std::to_string(seq) + '\0';
  for (int i = 0; i < 256; ++i) {
    value.push_back(static_cast<char>((i * 7 + seq + thread) & 0xff));
  }
  return StoredAny{"type.googleapis.com/cs.durability.Event", value};
}

inline StoredAny DurabilityValue(int64_t seq) {
  return StoredAny{"type.googleapis.com/cs.durability.Value", std::to_string(seq)};
}

}  // namespace cloudstate::proxy::testing
