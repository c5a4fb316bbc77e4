// libFuzzer harness: google.api.HttpRule validation and binding. The input is a serialized
// HttpRule, bound to every method of the TCK model services.

#include <cstddef>
#include <cstdint>

#include "google/protobuf/descriptor.h"

#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"
#include "google/api/http.pb.h"

#include "http/http_rule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  google::api::HttpRule rule;
  if (!rule.ParseFromArray(data, static_cast<int>(size))) {
    return 0;
  }
  const google::protobuf::FileDescriptor* files[] = {
      cloudstate::tck::model::valueentity::Request::descriptor()->file(),
      cloudstate::tck::model::Request::descriptor()->file(),
      cloudstate::tck::model::crdt::Request::descriptor()->file(),
      cloudstate::tck::model::action::Request::descriptor()->file(),
  };
  for (const auto* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        auto bindings = cloudstate::proxy::http::BindingsForRule(*service->method(m), rule);
        if (bindings.ok()) {
          for (const auto& b : *bindings) {
            (void)b.Describe();
          }
        }
      }
    }
  }
  return 0;
}
