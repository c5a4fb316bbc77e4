#include "reflection.h"

#include <algorithm>
#include <functional>
#include <set>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/status.h"

#include "cloudstate/proxy_core/service_model.h"

namespace cloudstate::proxy {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

// Field numbers of ServerReflectionRequest / ServerReflectionResponse (see reflection.proto).
constexpr int kReqHost = 1;
constexpr int kReqFileByFilename = 3;
constexpr int kReqFileContainingSymbol = 4;
constexpr int kReqFileContainingExtension = 5;
constexpr int kReqAllExtensionNumbersOfType = 6;
constexpr int kReqListServices = 7;
constexpr int kRespValidHost = 1;
constexpr int kRespOriginalRequest = 2;
constexpr int kRespFileDescriptor = 4;
constexpr int kRespExtensionNumbers = 5;
constexpr int kRespListServices = 6;
constexpr int kRespError = 7;

struct Request {
  std::string host;
  int kind = 0;      // field number of the oneof case, 0 = none
  std::string text;  // string cases
  std::string containing_type;
  int32_t extension_number = 0;
};

bool ReadString(CodedInputStream* in, std::string* out) {
  uint32_t length = 0;
  return in->ReadVarint32(&length) && in->ReadString(out, static_cast<int>(length));
}

bool ParseExtensionRequest(const std::string& bytes, Request* r) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  while (uint32_t tag = in.ReadTag()) {
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    const auto type = WireFormatLite::GetTagWireType(tag);
    if (number == 1 && type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!ReadString(&in, &r->containing_type)) {
        return false;
      }
    } else if (number == 2 && type == WireFormatLite::WIRETYPE_VARINT) {
      uint32_t v = 0;
      if (!in.ReadVarint32(&v)) {
        return false;
      }
      r->extension_number = static_cast<int32_t>(v);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

bool ParseRequest(std::string_view bytes, Request* r) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  while (uint32_t tag = in.ReadTag()) {
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    const bool delimited =
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (number == 0) {
      return false;
    }
    if (delimited && number == kReqHost) {
      if (!ReadString(&in, &r->host)) {
        return false;
      }
    } else if (delimited && number >= kReqFileByFilename && number <= kReqListServices) {
      std::string value;
      if (!ReadString(&in, &value)) {
        return false;
      }
      r->kind = number;  // last oneof case wins, as in protobuf
      if (number == kReqFileContainingExtension) {
        r->containing_type.clear();
        r->extension_number = 0;
        if (!ParseExtensionRequest(value, r)) {
          return false;
        }
      } else {
        r->text = std::move(value);
      }
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

void WriteBytes(CodedOutputStream* out, int field, std::string_view bytes) {
  out->WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  out->WriteVarint32(static_cast<uint32_t>(bytes.size()));
  out->WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
}

std::string Encode(const std::function<void(CodedOutputStream*)>& write) {
  std::string out;
  {
    StringOutputStream stream(&out);
    CodedOutputStream coded(&stream);
    write(&coded);
  }
  return out;
}

std::string ErrorBody(grpc::StatusCode code, std::string_view message) {
  return Encode([&](CodedOutputStream* out) {
    out->WriteTag(WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT));
    out->WriteVarint32(static_cast<uint32_t>(code));
    WriteBytes(out, 2, message);
  });
}

}  // namespace

ReflectionIndex::ReflectionIndex(const ServiceModel& model) : model_(model) {
  // FE-023: the reflection service first, then the user's services sorted by name.
  for (const auto& entity : model.entities()) {
    services_.push_back(entity->service_name);
  }
  std::sort(services_.begin(), services_.end());
  services_.erase(std::unique(services_.begin(), services_.end()), services_.end());
  services_.insert(services_.begin(), std::string(kReflectionService));
  // Serve the files exactly as the function sent them (options and all).
  google::protobuf::FileDescriptorSet set;
  if (set.ParseFromString(model.descriptor_set())) {
    for (const auto& file : set.file()) {
      files_[file.name()] = file.SerializeAsString();
    }
  }
}

std::vector<std::string> ReflectionIndex::FileWithDependencies(const std::string& file) const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::vector<const google::protobuf::FileDescriptor*> todo;
  if (const auto* fd = model_.pool().FindFileByName(file)) {
    todo.push_back(fd);
  }
  while (!todo.empty()) {
    const google::protobuf::FileDescriptor* fd = todo.front();
    todo.erase(todo.begin());
    if (!seen.insert(fd->name()).second) {
      continue;
    }
    auto it = files_.find(fd->name());
    if (it != files_.end()) {
      out.push_back(it->second);
    } else {
      google::protobuf::FileDescriptorProto proto;
      fd->CopyTo(&proto);
      out.push_back(proto.SerializeAsString());
    }
    for (int i = 0; i < fd->dependency_count(); ++i) {
      todo.push_back(fd->dependency(i));
    }
  }
  return out;
}

std::string ReflectionIndex::Answer(std::string_view request_bytes) const {
  Request request;
  const bool parsed = ParseRequest(request_bytes, &request);
  std::string body;
  int body_field = kRespError;
  const auto& pool = model_.pool();
  auto files_body = [&](const std::vector<std::string>& files) {
    body_field = kRespFileDescriptor;
    body = Encode([&](CodedOutputStream* out) {
      for (const auto& f : files) {
        WriteBytes(out, 1, f);
      }
    });
  };
  auto not_found = [&](std::string_view what) {
    body = ErrorBody(grpc::StatusCode::NOT_FOUND, what);
  };
  if (!parsed) {
    body = ErrorBody(grpc::StatusCode::INVALID_ARGUMENT, "malformed ServerReflectionRequest");
  } else {
    switch (request.kind) {
      case kReqListServices:
        body_field = kRespListServices;
        body = Encode([&](CodedOutputStream* out) {
          for (const auto& s : services_) {
            WriteBytes(out, 1, Encode([&](CodedOutputStream* o) { WriteBytes(o, 1, s); }));
          }
        });
        break;
      case kReqFileByFilename:
        if (pool.FindFileByName(request.text) == nullptr) {
          not_found("File not found.");
        } else {
          files_body(FileWithDependencies(request.text));
        }
        break;
      case kReqFileContainingSymbol: {
        const auto* fd = pool.FindFileContainingSymbol(request.text);
        if (fd == nullptr) {
          // FE-024: an unknown symbol gets a file_descriptor_response holding no files.
          files_body({});
        } else {
          files_body(FileWithDependencies(fd->name()));
        }
        break;
      }
      case kReqFileContainingExtension: {
        const auto* type = pool.FindMessageTypeByName(request.containing_type);
        const auto* ext =
            type == nullptr ? nullptr : pool.FindExtensionByNumber(type, request.extension_number);
        if (ext == nullptr) {
          not_found("Extension not found.");
        } else {
          files_body(FileWithDependencies(ext->file()->name()));
        }
        break;
      }
      case kReqAllExtensionNumbersOfType: {
        const auto* type = pool.FindMessageTypeByName(request.text);
        if (type == nullptr) {
          not_found("Type not found.");
          break;
        }
        std::vector<const google::protobuf::FieldDescriptor*> extensions;
        pool.FindAllExtensions(type, &extensions);
        std::vector<int> numbers;
        for (const auto* e : extensions) {
          numbers.push_back(e->number());
        }
        std::sort(numbers.begin(), numbers.end());
        body_field = kRespExtensionNumbers;
        body = Encode([&](CodedOutputStream* out) {
          WriteBytes(out, 1, type->full_name());
          for (int n : numbers) {
            out->WriteTag(WireFormatLite::MakeTag(2, WireFormatLite::WIRETYPE_VARINT));
            out->WriteVarint64(static_cast<uint64_t>(static_cast<int64_t>(n)));
          }
        });
        break;
      }
      default:
        body = ErrorBody(grpc::StatusCode::UNIMPLEMENTED, "no request set");
        break;
    }
  }
  return Encode([&](CodedOutputStream* out) {
    if (!request.host.empty()) {
      WriteBytes(out, kRespValidHost, request.host);
    }
    if (parsed) {
      WriteBytes(out, kRespOriginalRequest, request_bytes);
    }
    WriteBytes(out, body_field, body);
  });
}

}  // namespace cloudstate::proxy
