#pragma once
// Small helpers shared by the model files.

#include <cstddef>
#include <string>

#include "google/protobuf/descriptor.h"

namespace cloudstate::reference_function {

// A service of a linked-in generated file; nullptr when missing (Server::Start then fails).
inline const google::protobuf::ServiceDescriptor* FindService(const std::string& full_name) {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(full_name);
}

// The deliberate fault protocol-large-payload-truncated: strings over 64 KiB are cut.
inline std::string MaybeTruncated(std::string text, bool truncate) {
  constexpr size_t kLimit = 64 * 1024;
  if (truncate && text.size() > kLimit) {
    text.resize(kLimit);
  }
  return text;
}

}  // namespace cloudstate::reference_function
