#include "http/json_codec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace cloudstate::proxy::http {

namespace pb = google::protobuf;

namespace {

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

std::string TypeUrl(const pb::Descriptor& descriptor) {
  return absl::StrCat(kTypeUrlPrefix, "/", descriptor.full_name());
}

size_t SkipSpace(absl::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
    ++i;
  }
  return i;
}

// Index one past the string literal starting at s[i] == '"', or npos.
size_t SkipString(absl::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return absl::string_view::npos;
}

// Index one past the JSON value starting at s[i], or npos.
size_t SkipValue(absl::string_view s, size_t i) {
  if (i >= s.size()) {
    return absl::string_view::npos;
  }
  if (s[i] == '"') {
    return SkipString(s, i);
  }
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = SkipString(s, i);
        if (i == absl::string_view::npos) {
          return i;
        }
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          return i + 1;
        }
      }
      ++i;
    }
    return absl::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
         s[i] != '\t' && s[i] != '\r') {
    ++i;
  }
  return i;
}

}  // namespace

JsonCodec::JsonCodec(const pb::DescriptorPool& pool)
    : resolver_(pb::util::NewTypeResolverForDescriptorPool(kTypeUrlPrefix, &pool)) {}

JsonCodec::~JsonCodec() = default;

absl::Status JsonCodec::MergeJson(absl::string_view json, pb::Message* message) const {
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  std::string binary;
  pb::util::Status status = pb::util::JsonToBinaryString(
      resolver_.get(), TypeUrl(*message->GetDescriptor()), std::string(json), &binary, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  if (!message->MergeFromString(binary)) {
    return absl::InvalidArgumentError("JSON did not convert to a valid message");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> JsonCodec::Print(const pb::Message& message) const {
  pb::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.always_print_enums_as_ints = false;
  options.preserve_proto_field_names = false;
  std::string json;
  pb::util::Status status =
      pb::util::BinaryToJsonString(resolver_.get(), TypeUrl(*message.GetDescriptor()),
                                   message.SerializeAsString(), &json, options);
  if (!status.ok()) {
    return absl::InternalError(std::string(status.message()));
  }
  return json;
}

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
  return out;
}

std::optional<std::string> JsonMember(absl::string_view json, absl::string_view name) {
  size_t i = SkipSpace(json, 0);
  if (i >= json.size() || json[i] != '{') {
    return std::nullopt;
  }
  i = SkipSpace(json, i + 1);
  if (i < json.size() && json[i] == '}') {
    return std::nullopt;
  }
  while (i < json.size()) {
    if (json[i] != '"') {
      return std::nullopt;
    }
    const size_t key_end = SkipString(json, i);
    if (key_end == absl::string_view::npos) {
      return std::nullopt;
    }
    const absl::string_view key = json.substr(i + 1, key_end - i - 2);
    i = SkipSpace(json, key_end);
    if (i >= json.size() || json[i] != ':') {
      return std::nullopt;
    }
    i = SkipSpace(json, i + 1);
    const size_t value_end = SkipValue(json, i);
    if (value_end == absl::string_view::npos) {
      return std::nullopt;
    }
    if (key == name) {
      return std::string(json.substr(i, value_end - i));
    }
    i = SkipSpace(json, value_end);
    if (i < json.size() && json[i] == ',') {
      i = SkipSpace(json, i + 1);
      continue;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace cloudstate::proxy::http
