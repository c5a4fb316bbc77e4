#pragma once
// An EntitySpec over compiled-in protos, for tests that need a ServiceModel.

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

#include "cloudstate/entity.pb.h"

namespace cloudstate::proxy {

// The descriptor set of `file` with all its imports, dependencies first.
inline void AddWithImports(const google::protobuf::FileDescriptor* file,
                           google::protobuf::FileDescriptorSet* set, std::set<std::string>* seen) {
  if (!seen->insert(file->name()).second) {
    return;
  }
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddWithImports(file->dependency(i), set, seen);
  }
  file->CopyTo(set->add_file());
}

inline cloudstate::EntitySpec Spec(std::vector<std::pair<std::string, std::string>> entities,
                                   std::vector<const google::protobuf::FileDescriptor*> files) {
  cloudstate::EntitySpec spec;
  google::protobuf::FileDescriptorSet set;
  std::set<std::string> seen;
  for (const auto* f : files) {
    AddWithImports(f, &set, &seen);
  }
  spec.set_proto(set.SerializeAsString());
  for (auto& [type, service] : entities) {
    auto* e = spec.add_entities();
    e->set_entity_type(type);
    e->set_service_name(service);
    e->set_persistence_id("p");
  }
  spec.mutable_service_info()->set_protocol_minor_version(2);
  return spec;
}

}  // namespace cloudstate::proxy
