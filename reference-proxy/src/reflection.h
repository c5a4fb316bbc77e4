#pragma once
// gRPC server reflection (grpc.reflection.v1alpha, see proto/grpc/reflection/v1alpha/
// reflection.proto) over the services the user function declared at discovery. Sans-IO: one
// serialized ServerReflectionRequest in, one serialized ServerReflectionResponse out; the shell
// answers each message of the bidi stream with it.
//
//   ReflectionIndex index(model);
//   std::string response = index.Answer(request_bytes);

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cloudstate::proxy {

class ServiceModel;

inline constexpr std::string_view kReflectionService = "grpc.reflection.v1alpha.ServerReflection";
inline constexpr std::string_view kReflectionMethodPath =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

class ReflectionIndex {
 public:
  // `model` must outlive the index.
  explicit ReflectionIndex(const ServiceModel& model);

  // Never fails: bad requests get an error_response (INVALID_ARGUMENT / NOT_FOUND).
  std::string Answer(std::string_view request) const;

  // The names list_services returns: the reflection service plus the entity services, sorted.
  const std::vector<std::string>& services() const { return services_; }

 private:
  // Serialized FileDescriptorProtos of `file` and its transitive dependencies, file first.
  std::vector<std::string> FileWithDependencies(const std::string& file) const;

  const ServiceModel& model_;
  std::vector<std::string> services_;
  std::map<std::string, std::string, std::less<>> files_;  // name -> FileDescriptorProto bytes
};

}  // namespace cloudstate::proxy
