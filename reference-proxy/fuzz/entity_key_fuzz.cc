// libFuzzer harness: entity-key extraction from raw request bytes. The first input byte picks the
// key fields (numbers and types), the rest is the request message.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cloudstate/proxy_core/service_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using google::protobuf::FieldDescriptor;
  if (size == 0) {
    return 0;
  }
  static const FieldDescriptor::Type kTypes[] = {
      FieldDescriptor::TYPE_STRING,   FieldDescriptor::TYPE_BYTES,    FieldDescriptor::TYPE_INT64,
      FieldDescriptor::TYPE_UINT64,   FieldDescriptor::TYPE_INT32,    FieldDescriptor::TYPE_SINT32,
      FieldDescriptor::TYPE_SINT64,   FieldDescriptor::TYPE_BOOL,     FieldDescriptor::TYPE_FIXED32,
      FieldDescriptor::TYPE_FIXED64,  FieldDescriptor::TYPE_DOUBLE,   FieldDescriptor::TYPE_FLOAT,
      FieldDescriptor::TYPE_SFIXED32, FieldDescriptor::TYPE_SFIXED64, FieldDescriptor::TYPE_UINT32,
      FieldDescriptor::TYPE_MESSAGE};
  constexpr size_t kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);
  const uint8_t selector = data[0];
  std::vector<cloudstate::proxy::KeyField> keys;
  keys.push_back({1, kTypes[selector % kTypeCount], nullptr});
  if (selector & 0x80) {
    keys.push_back({2, kTypes[(selector >> 4) % kTypeCount], nullptr});
  }
  const std::string_view message(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)cloudstate::proxy::ExtractEntityId(keys, message);
  return 0;
}
