#pragma once
// A reflection client for tests, independent of the proxy's hand encoding: the messages of
// proto/grpc/reflection/v1alpha/reflection.proto are built from a text FileDescriptorProto and
// used through DynamicMessage.

#include <memory>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"

namespace cloudstate::proxy::testing {

class ReflectionMessages {
 public:
  ReflectionMessages() {
    google::protobuf::FileDescriptorProto file;
    google::protobuf::TextFormat::ParseFromString(
        R"pb(
          name: "test/reflection.proto"
          package: "grpc.reflection.v1alpha"
          syntax: "proto3"
          message_type {
            name: "ServerReflectionRequest"
            field { name: "host" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
            field {
              name: "file_by_filename"
              number: 3
              label: LABEL_OPTIONAL
              type: TYPE_STRING
              oneof_index: 0
            }
            field {
              name: "file_containing_symbol"
              number: 4
              label: LABEL_OPTIONAL
              type: TYPE_STRING
              oneof_index: 0
            }
            field {
              name: "file_containing_extension"
              number: 5
              label: LABEL_OPTIONAL
              type: TYPE_MESSAGE
              type_name: ".grpc.reflection.v1alpha.ExtensionRequest"
              oneof_index: 0
            }
            field {
              name: "all_extension_numbers_of_type"
              number: 6
              label: LABEL_OPTIONAL
              type: TYPE_STRING
              oneof_index: 0
            }
            field {
              name: "list_services"
              number: 7
              label: LABEL_OPTIONAL
              type: TYPE_STRING
              oneof_index: 0
            }
            oneof_decl { name: "message_request" }
          }
          message_type {
            name: "ExtensionRequest"
            field { name: "containing_type" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
            field { name: "extension_number" number: 2 label: LABEL_OPTIONAL type: TYPE_INT32 }
          }
          message_type {
            name: "ServerReflectionResponse"
            field { name: "valid_host" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
            field {
              name: "original_request"
              number: 2
              label: LABEL_OPTIONAL
              type: TYPE_MESSAGE
              type_name: ".grpc.reflection.v1alpha.ServerReflectionRequest"
            }
            field {
              name: "file_descriptor_response"
              number: 4
              label: LABEL_OPTIONAL
              type: TYPE_MESSAGE
              type_name: ".grpc.reflection.v1alpha.FileDescriptorResponse"
              oneof_index: 0
            }
            field {
              name: "all_extension_numbers_response"
              number: 5
              label: LABEL_OPTIONAL
              type: TYPE_MESSAGE
              type_name: ".grpc.reflection.v1alpha.ExtensionNumberResponse"
              oneof_index: 0
            }
            field {
              name: "list_services_response"
              number: 6
              label: LABEL_OPTIONAL
              type: TYPE_MESSAGE
              type_name: ".grpc.reflection.v1alpha.ListServiceResponse"
              oneof_index: 0
            }
            field {
              name: "error_response"
              number: 7
              label: LABEL_OPTIONAL
              type: TYPE_MESSAGE
              type_name: ".grpc.reflection.v1alpha.ErrorResponse"
              oneof_index: 0
            }
            oneof_decl { name: "message_response" }
          }
          message_type {
            name: "FileDescriptorResponse"
            field { name: "file_descriptor_proto" number: 1 label: LABEL_REPEATED type: TYPE_BYTES }
          }
          message_type {
            name: "ExtensionNumberResponse"
            field { name: "base_type_name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
            field { name: "extension_number" number: 2 label: LABEL_REPEATED type: TYPE_INT32 }
          }
          message_type {
            name: "ListServiceResponse"
            field {
              name: "service"
              number: 1
              label: LABEL_REPEATED
              type: TYPE_MESSAGE
              type_name: ".grpc.reflection.v1alpha.ServiceResponse"
            }
          }
          message_type {
            name: "ServiceResponse"
            field { name: "name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
          }
          message_type {
            name: "ErrorResponse"
            field { name: "error_code" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 }
            field { name: "error_message" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
          }
        )pb",
        &file);
    pool_.BuildFile(file);
  }

  // A serialized request with one string field set (by name, e.g. "list_services").
  std::string Request(const std::string& field, const std::string& value,
                      const std::string& host = "") {
    auto msg = New("ServerReflectionRequest");
    const auto* d = msg->GetDescriptor();
    msg->GetReflection()->SetString(msg.get(), d->FindFieldByName(field), value);
    if (!host.empty()) {
      msg->GetReflection()->SetString(msg.get(), d->FindFieldByName("host"), host);
    }
    return msg->SerializeAsString();
  }
  std::string ExtensionRequest(const std::string& type, int number) {
    auto msg = New("ServerReflectionRequest");
    auto* r = msg->GetReflection();
    auto* ext = r->MutableMessage(
        msg.get(), msg->GetDescriptor()->FindFieldByName("file_containing_extension"));
    ext->GetReflection()->SetString(ext, ext->GetDescriptor()->FindFieldByName("containing_type"),
                                    type);
    ext->GetReflection()->SetInt32(ext, ext->GetDescriptor()->FindFieldByName("extension_number"),
                                   number);
    return msg->SerializeAsString();
  }

  // Parses a response; nullptr if the bytes are not one.
  std::unique_ptr<google::protobuf::Message> Response(const std::string& bytes) {
    auto msg = New("ServerReflectionResponse");
    if (!msg->ParseFromString(bytes)) {
      return nullptr;
    }
    return msg;
  }

  std::unique_ptr<google::protobuf::Message> New(const std::string& name) {
    const auto* d = pool_.FindMessageTypeByName("grpc.reflection.v1alpha." + name);
    return std::unique_ptr<google::protobuf::Message>(factory_.GetPrototype(d)->New());
  }

 private:
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
};

// Text of a dynamic message (for EXPECT_THAT/HasSubstr checks).
inline std::string Text(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::TextFormat::PrintToString(m, &out);
  return out;
}

}  // namespace cloudstate::proxy::testing
