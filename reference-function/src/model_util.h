#pragma once
// Small helpers shared by the model files.

#include <string>

#include "google/protobuf/descriptor.h"

namespace cloudstate::reference_function {

// A service of a linked-in generated file; nullptr when missing (Server::Start then fails).
inline const google::protobuf::ServiceDescriptor* FindService(const std::string& full_name) {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(full_name);
}

}  // namespace cloudstate::reference_function
