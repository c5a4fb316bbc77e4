#pragma once
// HTTP bindings of gRPC methods: the google.api.http rules read from the method options of a
// descriptor pool, validated against the input and output messages, plus the default binding
// `POST /<package.Service>/<Method>` (body "*") for methods without a rule.
//
//   CS_ASSIGN_OR_RETURN(std::vector<Binding> bindings, BindingsForServices(pool, {"shop.Cart"}));
//
// The rule is read from the serialized MethodOptions, so it is found whether the pool knows the
// google.api.http extension (field 72295728) or keeps it as an unknown field. Validation errors are
// InvalidArgument and name the method, so the proxy can pass them to reportError unchanged.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

#include "google/api/http.pb.h"

#include "http/path_template.h"

namespace cloudstate::proxy::http {

inline constexpr int kHttpRuleExtension = 72295728;
inline constexpr char kHttpBodyType[] = "google.api.HttpBody";

// A path variable resolved against the input message: the chain of fields from the top-level
// message down to the (singular, scalar or enum) field that receives the value.
struct BoundVariable {
  std::string field_path;  // "a.b"
  std::vector<const google::protobuf::FieldDescriptor*> fields;
};

struct Binding {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_path;    // "/pkg.Service/Method"
  std::string http_method;  // "GET", "POST", ...; "*" matches every method (custom kind "*")
  PathTemplate path;
  std::vector<BoundVariable> variables;  // same order as path.variables()
  std::string body;                      // "", "*" or a top-level field name
  const google::protobuf::FieldDescriptor* body_field = nullptr;
  std::string response_body;  // "" or a top-level field name of the output
  const google::protobuf::FieldDescriptor* response_field = nullptr;
  bool is_default = false;       // the implicit POST /<service>/<method> binding
  std::string Describe() const;  // "POST /x/{id} -> pkg.Service.Method", for logs and errors
};

// The google.api.http rule of a method, if it has one. InvalidArgument when the option bytes do
// not parse as an HttpRule.
absl::StatusOr<std::optional<google::api::HttpRule>> ReadHttpRule(
    const google::protobuf::MethodDescriptor& method);

// Validates `rule` (and its additional_bindings) for `method` and turns it into bindings, the
// primary binding first.
absl::StatusOr<std::vector<Binding>> BindingsForRule(
    const google::protobuf::MethodDescriptor& method, const google::api::HttpRule& rule);

// The bindings of one method: its rule's, or the default binding when it has none. Client-streaming
// methods without a rule get none (they cannot be called with one HTTP request); with a rule they
// are an error.
absl::StatusOr<std::vector<Binding>> BindingsForMethod(
    const google::protobuf::MethodDescriptor& method);

// Bindings of all methods of the named services (full names), in declaration order.
absl::StatusOr<std::vector<Binding>> BindingsForServices(
    const google::protobuf::DescriptorPool& pool, const std::vector<std::string>& service_names);

// Resolves a dotted field path ("a.b") against `message` by proto field names. InvalidArgument
// naming the missing or unusable part. `leaf_must_be_scalar` rejects message, map and repeated
// leaves (path variables); intermediate fields must always be singular messages.
absl::StatusOr<std::vector<const google::protobuf::FieldDescriptor*>> ResolveFieldPath(
    const google::protobuf::Descriptor& message, const std::string& field_path,
    bool leaf_must_be_scalar);

}  // namespace cloudstate::proxy::http
