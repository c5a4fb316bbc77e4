#include "cloudstate/common/any.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace cloudstate {
namespace {

using google::protobuf::internal::WireFormatLite;

// Encodes `bytes` as field 1 (length-delimited) of a message, or nothing when empty, which is
// exactly what protobuf produces for a proto3 wrapper holding the value.
std::string EncodeField1(std::string_view bytes) {
  std::string out;
  if (bytes.empty()) {
    return out;
  }
  google::protobuf::io::StringOutputStream raw(&out);
  google::protobuf::io::CodedOutputStream coded(&raw);
  coded.WriteTag(WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
  coded.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
  return out;
}

// Reads field 1 (length-delimited) of an encoded message, skipping unknown fields.
std::optional<std::string> DecodeField1(const std::string& encoded) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(encoded.data()),
                                            static_cast<int>(encoded.size()));
  std::string value;
  while (true) {
    uint32_t tag = in.ReadTag();
    if (tag == 0) {
      return in.ConsumedEntireMessage() ? std::optional<std::string>(value) : std::nullopt;
    }
    if (tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      uint32_t size = 0;
      if (!in.ReadVarint32(&size) || !in.ReadString(&value, static_cast<int>(size))) {
        return std::nullopt;
      }
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
}

}  // namespace

std::string TypeUrlFor(const google::protobuf::Descriptor& descriptor) {
  return std::string(kProtobufTypeUrlPrefix) + descriptor.full_name();
}

google::protobuf::Any PackAny(const google::protobuf::Message& message) {
  google::protobuf::Any any;
  any.set_type_url(TypeUrlFor(*message.GetDescriptor()));
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  any.set_value(std::move(bytes));
  return any;
}

std::string_view MessageNameOfTypeUrl(std::string_view type_url) {
  auto slash = type_url.rfind('/');
  if (slash == std::string_view::npos || slash + 1 >= type_url.size()) {
    return {};
  }
  return type_url.substr(slash + 1);
}

bool UnpackAny(const google::protobuf::Any& any, google::protobuf::Message* out) {
  if (MessageNameOfTypeUrl(any.type_url()) != out->GetDescriptor()->full_name()) {
    return false;
  }
  return out->ParseFromString(any.value());
}

google::protobuf::Any PackPrimitiveString(std::string_view value) {
  google::protobuf::Any any;
  any.set_type_url(std::string(kPrimitiveTypeUrlPrefix) + "string");
  any.set_value(EncodeField1(value));
  return any;
}

std::optional<std::string> PrimitiveString(const google::protobuf::Any& any) {
  if (any.type_url() != std::string(kPrimitiveTypeUrlPrefix) + "string") {
    return std::nullopt;
  }
  return DecodeField1(any.value());
}

google::protobuf::Any PackJson(std::string_view type_name, std::string_view json) {
  google::protobuf::Any any;
  any.set_type_url(std::string(kJsonTypeUrlPrefix) + std::string(type_name));
  any.set_value(EncodeField1(json));
  return any;
}

std::optional<std::string> JsonText(const google::protobuf::Any& any) {
  if (any.type_url().rfind(kJsonTypeUrlPrefix, 0) != 0) {
    return std::nullopt;
  }
  return DecodeField1(any.value());
}

}  // namespace cloudstate
