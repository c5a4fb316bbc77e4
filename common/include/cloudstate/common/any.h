#pragma once
// Helpers for google.protobuf.Any as Cloudstate uses it.
//
// Protobuf payloads use the type URL "type.googleapis.com/<full message name>" with the message's
// canonical serialization as value. Non-protobuf values use the Cloudstate primitive convention:
// "p.cloudstate.io/<primitive>" whose value is a message with the primitive in field 1 (so an
// empty string encodes as empty bytes), and JSON uses "json.cloudstate.io/<type>" with the JSON
// bytes in field 1.
//
//   google::protobuf::Any any = cloudstate::PackAny(response);
//   std::string s = cloudstate::PrimitiveString(cloudstate::PackPrimitiveString("a"));

#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/any.pb.h"
#include "google/protobuf/message.h"

namespace cloudstate {

inline constexpr std::string_view kProtobufTypeUrlPrefix = "type.googleapis.com/";
inline constexpr std::string_view kPrimitiveTypeUrlPrefix = "p.cloudstate.io/";
inline constexpr std::string_view kJsonTypeUrlPrefix = "json.cloudstate.io/";

// The type URL Cloudstate uses for a protobuf message type.
std::string TypeUrlFor(const google::protobuf::Descriptor& descriptor);

// Packs with the "type.googleapis.com/" prefix and deterministic serialization.
google::protobuf::Any PackAny(const google::protobuf::Message& message);

// Full message name of a "type.googleapis.com/..." (or any "host/...") URL; empty if malformed.
std::string_view MessageNameOfTypeUrl(std::string_view type_url);

// Unpacks into `out` if the type URL names out's type; false otherwise (including bad bytes).
bool UnpackAny(const google::protobuf::Any& any, google::protobuf::Message* out);

// p.cloudstate.io/string with the string in field 1.
google::protobuf::Any PackPrimitiveString(std::string_view value);
// The string of a p.cloudstate.io/string Any; nullopt for any other type or bad bytes.
std::optional<std::string> PrimitiveString(const google::protobuf::Any& any);

// json.cloudstate.io/<type_name> with the JSON text in field 1.
google::protobuf::Any PackJson(std::string_view type_name, std::string_view json);
// The JSON text of a json.cloudstate.io Any; nullopt for any other type or bad bytes.
std::optional<std::string> JsonText(const google::protobuf::Any& any);

}  // namespace cloudstate
