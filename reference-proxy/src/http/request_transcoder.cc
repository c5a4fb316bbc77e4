#include "http/request_transcoder.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace cloudstate::proxy::http {

namespace pb = google::protobuf;

namespace {

template <typename T>
absl::Status ParseInt(absl::string_view text, const pb::FieldDescriptor& field, T* out) {
  if (!absl::SimpleAtoi(text, out)) {
    return absl::InvalidArgumentError(absl::StrCat("value \"", text, "\" for field '", field.name(),
                                                   "' is not a valid ", field.type_name()));
  }
  return absl::OkStatus();
}

absl::Status ParseFloating(absl::string_view text, const pb::FieldDescriptor& field, double* out) {
  if (text == "Infinity") {
    *out = std::numeric_limits<double>::infinity();
    return absl::OkStatus();
  }
  if (text == "-Infinity") {
    *out = -std::numeric_limits<double>::infinity();
    return absl::OkStatus();
  }
  if (text == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  if (!absl::SimpleAtod(text, out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("value \"", text, "\" for field '", field.name(), "' is not a valid number"));
  }
  return absl::OkStatus();
}

const pb::FieldDescriptor* FindFieldByAnyName(const pb::Descriptor& message,
                                              absl::string_view name) {
  if (const pb::FieldDescriptor* f = message.FindFieldByName(std::string(name)); f != nullptr) {
    return f;
  }
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->json_name() == name) {
      return message.field(i);
    }
  }
  return nullptr;
}

}  // namespace

absl::string_view HeaderValue(const HttpRequest& request, absl::string_view lower_name) {
  for (const auto& [name, value] : request.headers) {
    if (name == lower_name) {
      return value;
    }
  }
  return {};
}

bool IsJsonContentType(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  media = absl::StripAsciiWhitespace(media);
  return absl::EqualsIgnoreCase(media, "application/json");
}

absl::Status SetFieldFromText(pb::Message* message,
                              const std::vector<const pb::FieldDescriptor*>& fields,
                              absl::string_view text) {
  if (fields.empty()) {
    return absl::InvalidArgumentError("empty field path");
  }
  pb::Message* target = message;
  for (size_t i = 0; i + 1 < fields.size(); ++i) {
    target = target->GetReflection()->MutableMessage(target, fields[i]);
  }
  const pb::FieldDescriptor& field = *fields.back();
  const pb::Reflection& r = *target->GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: {
      std::string value;
      if (field.type() == pb::FieldDescriptor::TYPE_BYTES) {
        if (!absl::Base64Unescape(text, &value) && !absl::WebSafeBase64Unescape(text, &value)) {
          return absl::InvalidArgumentError(
              absl::StrCat("value for bytes field '", field.name(), "' is not valid base64"));
        }
      } else {
        value = std::string(text);
      }
      repeated ? r.AddString(target, &field, std::move(value))
               : r.SetString(target, &field, std::move(value));
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool value = false;
      if (absl::EqualsIgnoreCase(text, "true")) {
        value = true;
      } else if (!absl::EqualsIgnoreCase(text, "false")) {
        return absl::InvalidArgumentError(absl::StrCat("value \"", text, "\" for bool field '",
                                                       field.name(), "' is not true or false"));
      }
      repeated ? r.AddBool(target, &field, value) : r.SetBool(target, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      if (absl::Status s = ParseInt(text, field, &value); !s.ok()) {
        return s;
      }
      repeated ? r.AddInt32(target, &field, value) : r.SetInt32(target, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t value = 0;
      if (absl::Status s = ParseInt(text, field, &value); !s.ok()) {
        return s;
      }
      repeated ? r.AddInt64(target, &field, value) : r.SetInt64(target, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value = 0;
      if (absl::Status s = ParseInt(text, field, &value); !s.ok()) {
        return s;
      }
      repeated ? r.AddUInt32(target, &field, value) : r.SetUInt32(target, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value = 0;
      if (absl::Status s = ParseInt(text, field, &value); !s.ok()) {
        return s;
      }
      repeated ? r.AddUInt64(target, &field, value) : r.SetUInt64(target, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double value = 0;
      if (absl::Status s = ParseFloating(text, field, &value); !s.ok()) {
        return s;
      }
      if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? r.AddDouble(target, &field, value) : r.SetDouble(target, &field, value);
      } else {
        const auto f = static_cast<float>(value);
        repeated ? r.AddFloat(target, &field, f) : r.SetFloat(target, &field, f);
      }
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumDescriptor& type = *field.enum_type();
      int number = 0;
      if (const pb::EnumValueDescriptor* v = type.FindValueByName(std::string(text));
          v != nullptr) {
        number = v->number();
      } else if (!absl::SimpleAtoi(text, &number) ||
                 (type.file()->syntax() != pb::FileDescriptor::SYNTAX_PROTO3 &&
                  type.FindValueByNumber(number) == nullptr)) {
        return absl::InvalidArgumentError(absl::StrCat("value \"", text, "\" for field '",
                                                       field.name(), "' is not a value of ",
                                                       type.full_name()));
      }
      repeated ? r.AddEnumValue(target, &field, number) : r.SetEnumValue(target, &field, number);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("field '", field.name(), "' is a message and cannot be set from text"));
}

absl::Status ApplyQuery(absl::string_view query, pb::Message* message) {
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    const std::string name = PercentDecode(pair.substr(0, eq), false, /*plus_is_space=*/true);
    const std::string value = eq == absl::string_view::npos
                                  ? std::string()
                                  : PercentDecode(pair.substr(eq + 1), false, true);
    if (name.empty()) {
      continue;
    }
    std::vector<const pb::FieldDescriptor*> fields;
    const pb::Descriptor* current = message->GetDescriptor();
    const std::vector<absl::string_view> parts = absl::StrSplit(name, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      const pb::FieldDescriptor* field =
          current == nullptr ? nullptr : FindFieldByAnyName(*current, parts[i]);
      if (field == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("query parameter '", name,
                                                       "' does not name a field of ",
                                                       message->GetDescriptor()->full_name()));
      }
      const bool last = i + 1 == parts.size();
      const bool is_message = field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
      if (!last && (!is_message || field->is_repeated())) {
        return absl::InvalidArgumentError(absl::StrCat("query parameter '", name, "': '", parts[i],
                                                       "' is not a singular message field"));
      }
      if (last && (is_message || field->is_map())) {
        return absl::InvalidArgumentError(
            absl::StrCat("query parameter '", name,
                         "' names a message field; only scalar fields can be set "
                         "from the query"));
      }
      fields.push_back(field);
      current = is_message ? field->message_type() : nullptr;
    }
    if (absl::Status s = SetFieldFromText(message, fields, value); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter '", name, "': ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status TranscodeRequest(const Binding& binding, const PathTemplate::Bindings& path_values,
                              const HttpRequest& request, const JsonCodec& json,
                              pb::Message* message) {
  if (binding.body != "*" && !request.query.empty()) {
    if (absl::Status s = ApplyQuery(request.query, message); !s.ok()) {
      return s;
    }
  }
  const absl::string_view body = absl::StripAsciiWhitespace(request.body);
  if (!binding.body.empty() && !body.empty()) {
    const absl::string_view content_type = HeaderValue(request, "content-type");
    if (!IsJsonContentType(content_type)) {
      return absl::InvalidArgumentError(
          absl::StrCat("request body must be sent with Content-Type: application/json",
                       content_type.empty() ? std::string(" (no Content-Type given)")
                                            : absl::StrCat(" (got \"", content_type, "\")")));
    }
    if (binding.body == "*") {
      if (absl::Status s = json.MergeJson(body, message); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("malformed request body: ", s.message()));
      }
    } else {
      // Parse the body as the value of its field, so every field type works the same way.
      std::unique_ptr<pb::Message> holder(message->New());
      const std::string wrapped =
          absl::StrCat("{", JsonQuote(binding.body_field->json_name()), ":", body, "}");
      if (absl::Status s = json.MergeJson(wrapped, holder.get()); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("malformed request body: ", s.message()));
      }
      message->GetReflection()->ClearField(message, binding.body_field);
      message->MergeFrom(*holder);
    }
  }
  for (size_t i = 0; i < binding.variables.size() && i < path_values.size(); ++i) {
    const BoundVariable& variable = binding.variables[i];
    // Path values replace whatever the body or query said for the same field.
    pb::Message* parent = message;
    for (size_t k = 0; k + 1 < variable.fields.size(); ++k) {
      parent = parent->GetReflection()->MutableMessage(parent, variable.fields[k]);
    }
    parent->GetReflection()->ClearField(parent, variable.fields.back());
    if (absl::Status s = SetFieldFromText(message, variable.fields, path_values[i].second);
        !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("path variable '", variable.field_path, "': ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace cloudstate::proxy::http
