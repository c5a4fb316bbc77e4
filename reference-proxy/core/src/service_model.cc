#include "cloudstate/proxy_core/service_model.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/wire_format_lite.h"

namespace cloudstate::proxy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Collects DescriptorPool build errors into one message.
class ErrorCollector final : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const google::protobuf::Message*, ErrorLocation,
                const std::string& message) override {
    if (!text.empty()) {
      text += "; ";
    }
    absl::StrAppend(&text, filename, ": ", element_name, ": ", message);
  }
  std::string text;
};

// True if the serialized options carry a varint field `a` or `b` with a non-zero value.
bool HasTrueVarintOption(const std::string& options_bytes, int a, int b) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(options_bytes.data()),
                      static_cast<int>(options_bytes.size()));
  bool found = false;
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      break;
    }
    const int number = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
    if ((number == a || number == b) &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint64_t v = 0;
      if (!in.ReadVarint64(&v)) {
        break;
      }
      found = v != 0;  // last occurrence wins, as for any proto scalar
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) {
      break;
    }
  }
  return found;
}

// Java's Double.toString-like rendering for whole numbers ("1.0"); otherwise shortest round-trip.
std::string RenderDouble(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e7) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.1f", v);
    return buf;
  }
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) {
      break;
    }
  }
  return buf;
}

std::string DefaultRendering(const KeyField& field) {
  switch (field.type) {
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP:
      return "";
    case FieldDescriptor::TYPE_BOOL:
      return "false";
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_DOUBLE:
      return "0.0";
    case FieldDescriptor::TYPE_ENUM:
      if (field.enum_type != nullptr && field.enum_type->value_count() > 0) {
        const auto* v = field.enum_type->FindValueByNumber(0);
        return v != nullptr ? v->name() : "0";
      }
      return "0";
    default:
      return "0";
  }
}

// Reads one value of `field` at the stream position (tag already consumed).
absl::StatusOr<std::string> ReadKeyValue(const KeyField& field, uint32_t tag,
                                         CodedInputStream* in) {
  const auto wire = WireFormatLite::GetTagWireType(tag);
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed entity key field ", field.number, " in request"));
  };
  switch (field.type) {
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE: {
      if (wire != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        return bad();
      }
      std::string s;
      if (!WireFormatLite::ReadBytes(in, &s)) {
        return bad();
      }
      return s;
    }
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
    case FieldDescriptor::TYPE_FLOAT: {
      uint32_t v = 0;
      if (wire != WireFormatLite::WIRETYPE_FIXED32 || !in->ReadLittleEndian32(&v)) {
        return bad();
      }
      if (field.type == FieldDescriptor::TYPE_FIXED32) {
        return absl::StrCat(v);
      }
      if (field.type == FieldDescriptor::TYPE_SFIXED32) {
        return absl::StrCat(static_cast<int32_t>(v));
      }
      return RenderDouble(WireFormatLite::DecodeFloat(v));
    }
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
    case FieldDescriptor::TYPE_DOUBLE: {
      uint64_t v = 0;
      if (wire != WireFormatLite::WIRETYPE_FIXED64 || !in->ReadLittleEndian64(&v)) {
        return bad();
      }
      if (field.type == FieldDescriptor::TYPE_FIXED64) {
        return absl::StrCat(v);
      }
      if (field.type == FieldDescriptor::TYPE_SFIXED64) {
        return absl::StrCat(static_cast<int64_t>(v));
      }
      return RenderDouble(WireFormatLite::DecodeDouble(v));
    }
    default: {
      uint64_t v = 0;
      if (wire != WireFormatLite::WIRETYPE_VARINT || !in->ReadVarint64(&v)) {
        return bad();
      }
      switch (field.type) {
        case FieldDescriptor::TYPE_BOOL:
          return std::string(v != 0 ? "true" : "false");
        case FieldDescriptor::TYPE_INT32:
          return absl::StrCat(static_cast<int32_t>(v));
        case FieldDescriptor::TYPE_INT64:
          return absl::StrCat(static_cast<int64_t>(v));
        case FieldDescriptor::TYPE_UINT32:
          return absl::StrCat(static_cast<uint32_t>(v));
        case FieldDescriptor::TYPE_SINT32:
          return absl::StrCat(WireFormatLite::ZigZagDecode32(static_cast<uint32_t>(v)));
        case FieldDescriptor::TYPE_SINT64:
          return absl::StrCat(WireFormatLite::ZigZagDecode64(v));
        case FieldDescriptor::TYPE_ENUM: {
          if (field.enum_type != nullptr) {
            const auto* ev = field.enum_type->FindValueByNumber(static_cast<int32_t>(v));
            if (ev != nullptr) {
              return ev->name();
            }
          }
          return absl::StrCat(static_cast<int32_t>(v));
        }
        default:
          return absl::StrCat(v);
      }
    }
  }
}

std::string KindLabel(EntityKind kind) {
  switch (kind) {
    case EntityKind::kEventSourced:
      return "Event sourced";
    case EntityKind::kValueEntity:
      return "Value entity";
    case EntityKind::kCrdt:
      return "CRDT";
    case EntityKind::kAction:
      return "Action";
  }
  return "?";
}

}  // namespace

std::vector<std::string> SupportedEntityTypes() {
  return {std::string(kCrdtType), std::string(kActionType), std::string(kEventSourcedType),
          std::string(kValueEntityType)};
}

std::string_view EntityKindName(EntityKind kind) {
  switch (kind) {
    case EntityKind::kEventSourced:
      return "event-sourced";
    case EntityKind::kValueEntity:
      return "value-entity";
    case EntityKind::kCrdt:
      return "crdt";
    case EntityKind::kAction:
      return "action";
  }
  return "?";
}

std::vector<KeyField> EntityKeyFields(const Descriptor& message) {
  std::vector<KeyField> out;
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor* field = message.field(i);
    if (field->is_repeated()) {
      continue;
    }
    const std::string options = field->options().SerializeAsString();
    if (HasTrueVarintOption(options, kEntityKeyOption, kLegacyEntityKeyOption)) {
      out.push_back(
          KeyField{field->number(), field->type(),
                   field->type() == FieldDescriptor::TYPE_ENUM ? field->enum_type() : nullptr});
    }
  }
  return out;
}

absl::StatusOr<std::string> ExtractEntityId(const std::vector<KeyField>& key_fields,
                                            std::string_view message_bytes) {
  if (key_fields.empty()) {
    return std::string();
  }
  // Small fixed array: entity keys have one or a few fields.
  std::vector<std::optional<std::string>> values(key_fields.size());
  CodedInputStream in(reinterpret_cast<const uint8_t*>(message_bytes.data()),
                      static_cast<int>(message_bytes.size()));
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      // 0 is both "end of input" and a malformed tag (truncated varint, a zero byte); only the
      // former is a valid message end.
      if (!in.ConsumedEntireMessage()) {
        return absl::InvalidArgumentError("request is not a valid protobuf message");
      }
      break;
    }
    const int number = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
    if (number == 0) {
      return absl::InvalidArgumentError("request is not a valid protobuf message (field 0)");
    }
    bool matched = false;
    for (size_t i = 0; i < key_fields.size(); ++i) {
      if (key_fields[i].number == number) {
        auto value = ReadKeyValue(key_fields[i], tag, &in);
        if (!value.ok()) {
          return value.status();
        }
        values[i] = std::move(*value);
        matched = true;
        break;
      }
    }
    if (!matched && !WireFormatLite::SkipField(&in, tag)) {
      return absl::InvalidArgumentError("request is not a valid protobuf message");
    }
  }
  std::string id;
  for (size_t i = 0; i < key_fields.size(); ++i) {
    if (i > 0) {
      id += '-';
    }
    id += values[i].has_value() ? *values[i] : DefaultRendering(key_fields[i]);
  }
  // Entity ids travel as proto3 strings to the function, which cannot parse anything else.
  if (!google::protobuf::internal::IsStructurallyValidUTF8(id.data(),
                                                           static_cast<int>(id.size()))) {
    return absl::InvalidArgumentError("entity key is not valid UTF-8");
  }
  return id;
}

absl::StatusOr<std::string> Route::ExtractEntityId(std::string_view request_bytes) const {
  return cloudstate::proxy::ExtractEntityId(key_fields, request_bytes);
}

absl::Status CheckProtocolVersion(const cloudstate::ServiceInfo& info) {
  if (info.protocol_major_version() != 0 || info.protocol_minor_version() != 2) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Incompatible protocol version ", info.protocol_major_version(), ".",
        info.protocol_minor_version(), " reported by ", info.support_library_name(), " ",
        info.support_library_version(), "; this proxy only supports protocol version 0.2"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ServiceModel>> ServiceModel::Build(
    const cloudstate::EntitySpec& spec, const std::vector<std::string>& supported_types) {
  auto model = std::unique_ptr<ServiceModel>(new ServiceModel());
  model->descriptor_set_ = spec.proto();
  google::protobuf::FileDescriptorSet files;
  if (!files.ParseFromString(spec.proto())) {
    return absl::InvalidArgumentError(
        "Bad descriptor set: EntitySpec.proto is not a serialized FileDescriptorSet");
  }
  if (spec.entities().empty()) {
    return absl::InvalidArgumentError("No entities were reported by the discover call!");
  }

  // Build every file after its dependencies, reporting missing and circular dependencies.
  model->pool_ = std::make_unique<google::protobuf::DescriptorPool>();
  std::map<std::string, const FileDescriptorProto*> by_name;
  for (const FileDescriptorProto& file : files.file()) {
    by_name[file.name()] = &file;
  }
  std::set<std::string> built;
  std::set<std::string> visiting;
  std::function<absl::Status(const FileDescriptorProto&)> build =
      [&](const FileDescriptorProto& file) -> absl::Status {
    if (built.count(file.name()) != 0) {
      return absl::OkStatus();
    }
    if (!visiting.insert(file.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("Bad descriptor set: circular dependency involving ", file.name()));
    }
    for (const std::string& dep : file.dependency()) {
      auto it = by_name.find(dep);
      if (it == by_name.end()) {
        return absl::InvalidArgumentError(absl::StrCat("Bad descriptor set: ", file.name(),
                                                       " depends on ", dep,
                                                       " which is not in the descriptor set"));
      }
      absl::Status s = build(*it->second);
      if (!s.ok()) {
        return s;
      }
    }
    ErrorCollector errors;
    if (model->pool_->BuildFileCollectingErrors(file, &errors) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("Bad descriptor set: ", errors.text));
    }
    visiting.erase(file.name());
    built.insert(file.name());
    return absl::OkStatus();
  };
  for (const FileDescriptorProto& file : files.file()) {
    absl::Status s = build(file);
    if (!s.ok()) {
      return s;
    }
  }

  for (const cloudstate::Entity& entity : spec.entities()) {
    auto config = std::make_unique<EntityConfig>();
    config->entity_type = entity.entity_type();
    config->service_name = entity.service_name();
    config->persistence_id = entity.persistence_id();
    if (entity.entity_type() == kEventSourcedType) {
      config->kind = EntityKind::kEventSourced;
    } else if (entity.entity_type() == kValueEntityType) {
      config->kind = EntityKind::kValueEntity;
    } else if (entity.entity_type() == kCrdtType) {
      config->kind = EntityKind::kCrdt;
    } else if (entity.entity_type() == kActionType) {
      config->kind = EntityKind::kAction;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "Service [", entity.service_name(), "] has declared an unsupported entity type [",
          entity.entity_type(), "]. Supported types: ", absl::StrJoin(supported_types, ", ")));
    }
    if (std::find(supported_types.begin(), supported_types.end(), entity.entity_type()) ==
        supported_types.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Service [", entity.service_name(), "] has declared entity type [", entity.entity_type(),
          "] which this proxy's store does not support. Supported types: ",
          absl::StrJoin(supported_types, ", ")));
    }
    if (entity.has_passivation_strategy() && entity.passivation_strategy().has_timeout() &&
        entity.passivation_strategy().timeout().timeout() > 0) {
      config->passivation_timeout =
          absl::Milliseconds(entity.passivation_strategy().timeout().timeout());
    }
    config->service = model->pool_->FindServiceByName(entity.service_name());
    if (config->service == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("Service [", entity.service_name(), "] not found in descriptors!"));
    }
    for (int m = 0; m < config->service->method_count(); ++m) {
      const auto* method = config->service->method(m);
      Route route;
      route.path = absl::StrCat("/", config->service->full_name(), "/", method->name());
      route.entity = config.get();
      route.method = method;
      route.input_type_url =
          absl::StrCat("type.googleapis.com/", method->input_type()->full_name());
      route.output_type_url =
          absl::StrCat("type.googleapis.com/", method->output_type()->full_name());
      route.client_streaming = method->client_streaming();
      route.server_streaming = method->server_streaming();
      route.key_fields = EntityKeyFields(*method->input_type());
      const bool serial =
          config->kind == EntityKind::kEventSourced || config->kind == EntityKind::kValueEntity;
      if (serial && (route.client_streaming || route.server_streaming)) {
        return absl::InvalidArgumentError(absl::StrCat(
            KindLabel(config->kind), " service [", entity.service_name(), "] method [",
            method->name(), "] is streaming; ", KindLabel(config->kind), " methods must be unary"));
      }
      if (config->kind == EntityKind::kCrdt && route.client_streaming) {
        return absl::InvalidArgumentError(
            absl::StrCat("CRDT service [", entity.service_name(), "] method [", method->name(),
                         "] is client streaming; CRDT methods may only stream responses"));
      }
      if (config->kind != EntityKind::kAction && route.key_fields.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            KindLabel(config->kind), " service [", entity.service_name(), "] method [",
            method->name(), "] input type [", method->input_type()->full_name(),
            "] has no entity key field (a field with option (cloudstate.entity_key) = true)"));
      }
      model->routes_.emplace(route.path, std::move(route));
    }
    model->entities_.push_back(std::move(config));
  }
  return model;
}

const Route* ServiceModel::FindRoute(std::string_view path) const {
  auto it = routes_.find(path);
  return it == routes_.end() ? nullptr : &it->second;
}

const Route* ServiceModel::FindRoute(std::string_view service, std::string_view method) const {
  return FindRoute(absl::StrCat("/", absl::string_view(service.data(), service.size()), "/",
                                absl::string_view(method.data(), method.size())));
}

}  // namespace cloudstate::proxy
