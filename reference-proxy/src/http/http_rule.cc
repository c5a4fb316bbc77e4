#include "http/http_rule.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace cloudstate::proxy::http {

namespace pb = google::protobuf;
using pb::internal::WireFormatLite;

namespace {

absl::Status MethodError(const pb::MethodDescriptor& method, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("google.api.http on method ", method.full_name(), ": ", what));
}

// The HTTP method and path of one rule (not its additional bindings).
absl::Status PatternOf(const pb::MethodDescriptor& method, const google::api::HttpRule& rule,
                       std::string* http_method, std::string* path) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      *http_method = "GET";
      *path = rule.get();
      return absl::OkStatus();
    case google::api::HttpRule::kPut:
      *http_method = "PUT";
      *path = rule.put();
      return absl::OkStatus();
    case google::api::HttpRule::kPost:
      *http_method = "POST";
      *path = rule.post();
      return absl::OkStatus();
    case google::api::HttpRule::kDelete:
      *http_method = "DELETE";
      *path = rule.delete_();
      return absl::OkStatus();
    case google::api::HttpRule::kPatch:
      *http_method = "PATCH";
      *path = rule.patch();
      return absl::OkStatus();
    case google::api::HttpRule::kCustom: {
      const std::string& kind = rule.custom().kind();
      if (kind.empty()) {
        return MethodError(method, "custom pattern without a kind");
      }
      if (kind != "*") {
        for (char c : kind) {
          if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) {
            return MethodError(method, absl::StrCat("custom kind \"", kind,
                                                    "\" is neither \"*\" nor an HTTP method name"));
          }
        }
      }
      *http_method = absl::AsciiStrToUpper(kind);
      *path = rule.custom().path();
      return absl::OkStatus();
    }
    case google::api::HttpRule::PATTERN_NOT_SET:
      break;
  }
  return MethodError(method, "no pattern (get, put, post, delete, patch or custom) is set");
}

absl::Status CheckSelector(const pb::MethodDescriptor& method, const google::api::HttpRule& rule) {
  if (!rule.selector().empty() && rule.selector() != method.full_name()) {
    return MethodError(
        method, absl::StrCat("selector \"", rule.selector(), "\" does not name this method"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Binding> MakeBinding(const pb::MethodDescriptor& method,
                                    const google::api::HttpRule& rule) {
  Binding binding;
  binding.method = &method;
  binding.grpc_path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  std::string path;
  if (absl::Status s = PatternOf(method, rule, &binding.http_method, &path); !s.ok()) {
    return s;
  }
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) {
    return MethodError(method, parsed.status().message());
  }
  binding.path = std::move(*parsed);
  for (const PathTemplate::Variable& v : binding.path.variables()) {
    absl::StatusOr<std::vector<const pb::FieldDescriptor*>> fields =
        ResolveFieldPath(*method.input_type(), v.FieldPathString(), /*leaf_must_be_scalar=*/true);
    if (!fields.ok()) {
      return MethodError(method, absl::StrCat("path variable '", v.FieldPathString(), "' in \"",
                                              path, "\": ", fields.status().message()));
    }
    binding.variables.push_back({v.FieldPathString(), std::move(*fields)});
  }
  binding.body = rule.body();
  if (!binding.body.empty() && binding.body != "*") {
    binding.body_field = method.input_type()->FindFieldByName(binding.body);
    if (binding.body_field == nullptr) {
      return MethodError(method, absl::StrCat("body field '", binding.body, "' not found in ",
                                              method.input_type()->full_name()));
    }
  }
  binding.response_body = rule.response_body();
  if (!binding.response_body.empty()) {
    binding.response_field = method.output_type()->FindFieldByName(binding.response_body);
    if (binding.response_field == nullptr) {
      return MethodError(
          method, absl::StrCat("response_body field '", binding.response_body, "' not found in ",
                               method.output_type()->full_name()));
    }
  }
  return binding;
}

}  // namespace

std::string Binding::Describe() const {
  return absl::StrCat(http_method, " ", path.text(), body.empty() ? "" : " body:" + body,
                      response_body.empty() ? "" : " response_body:" + response_body, " -> ",
                      method != nullptr ? method->full_name() : "?");
}

absl::StatusOr<std::vector<const pb::FieldDescriptor*>> ResolveFieldPath(
    const pb::Descriptor& message, const std::string& field_path, bool leaf_must_be_scalar) {
  std::vector<const pb::FieldDescriptor*> fields;
  const pb::Descriptor* current = &message;
  const std::vector<std::string> parts = absl::StrSplit(field_path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const pb::FieldDescriptor* field = current->FindFieldByName(parts[i]);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", parts[i], "' not found in ", current->full_name()));
    }
    const bool last = i + 1 == parts.size();
    if (!last) {
      if (field->is_repeated() || field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        return absl::InvalidArgumentError(absl::StrCat(
            "field '", parts[i], "' of ", current->full_name(),
            " is not a singular message field, so '", field_path, "' cannot go through it"));
      }
      current = field->message_type();
    } else if (leaf_must_be_scalar) {
      if (field->is_map()) {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", parts[i], "' of ", current->full_name(), " is a map"));
      }
      if (field->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", parts[i], "' of ", current->full_name(), " is repeated"));
      }
      if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", parts[i], "' of ", current->full_name(), " is a message"));
      }
    }
    fields.push_back(field);
  }
  return fields;
}

absl::StatusOr<std::optional<google::api::HttpRule>> ReadHttpRule(
    const pb::MethodDescriptor& method) {
  // Serializing covers both a known extension and an unknown field with the same number.
  const std::string bytes = method.options().SerializeAsString();
  pb::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 static_cast<int>(bytes.size()));
  std::optional<google::api::HttpRule> rule;
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) {
      break;
    }
    if (WireFormatLite::GetTagFieldNumber(tag) == kHttpRuleExtension &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::string value;
      uint32_t length = 0;
      if (!input.ReadVarint32(&length) || !input.ReadString(&value, static_cast<int>(length))) {
        return MethodError(method, "option bytes are truncated");
      }
      if (!rule.has_value()) {
        rule.emplace();
      }
      // Repeated occurrences of a message field merge, as protobuf parsing would.
      if (!rule->MergeFromString(value)) {
        return MethodError(method, "option is not a valid google.api.HttpRule");
      }
      continue;
    }
    if (!WireFormatLite::SkipField(&input, tag)) {
      return MethodError(method, "method options are malformed");
    }
  }
  return rule;
}

absl::StatusOr<std::vector<Binding>> BindingsForRule(const pb::MethodDescriptor& method,
                                                     const google::api::HttpRule& rule) {
  if (method.client_streaming()) {
    return MethodError(method,
                       "client-streaming methods cannot be transcoded (unary and "
                       "server-streaming methods only)");
  }
  if (absl::Status s = CheckSelector(method, rule); !s.ok()) {
    return s;
  }
  std::vector<Binding> bindings;
  absl::StatusOr<Binding> primary = MakeBinding(method, rule);
  if (!primary.ok()) {
    return primary.status();
  }
  bindings.push_back(std::move(*primary));
  for (const google::api::HttpRule& additional : rule.additional_bindings()) {
    if (additional.additional_bindings_size() > 0) {
      return MethodError(method, "additional_bindings may not have additional_bindings");
    }
    if (absl::Status s = CheckSelector(method, additional); !s.ok()) {
      return s;
    }
    absl::StatusOr<Binding> binding = MakeBinding(method, additional);
    if (!binding.ok()) {
      return binding.status();
    }
    bindings.push_back(std::move(*binding));
  }
  return bindings;
}

absl::StatusOr<std::vector<Binding>> BindingsForMethod(const pb::MethodDescriptor& method) {
  absl::StatusOr<std::optional<google::api::HttpRule>> rule = ReadHttpRule(method);
  if (!rule.ok()) {
    return rule.status();
  }
  if (rule->has_value()) {
    return BindingsForRule(method, **rule);
  }
  std::vector<Binding> bindings;
  if (method.client_streaming()) {
    return bindings;
  }
  google::api::HttpRule fallback;
  fallback.set_post(absl::StrCat("/", method.service()->full_name(), "/", method.name()));
  fallback.set_body("*");
  absl::StatusOr<std::vector<Binding>> made = BindingsForRule(method, fallback);
  if (!made.ok()) {
    return made.status();
  }
  for (Binding& b : *made) {
    b.is_default = true;
  }
  return made;
}

absl::StatusOr<std::vector<Binding>> BindingsForServices(
    const pb::DescriptorPool& pool, const std::vector<std::string>& service_names) {
  std::vector<Binding> all;
  for (const std::string& name : service_names) {
    const pb::ServiceDescriptor* service = pool.FindServiceByName(name);
    if (service == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("service ", name, " not found"));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      absl::StatusOr<std::vector<Binding>> bindings = BindingsForMethod(*service->method(i));
      if (!bindings.ok()) {
        return bindings.status();
      }
      for (Binding& b : *bindings) {
        all.push_back(std::move(b));
      }
    }
  }
  return all;
}

}  // namespace cloudstate::proxy::http
