// libFuzzer harness: HTTP/JSON request transcoding. The input is split at the first two NUL bytes
// into a request path, a query string and a JSON body, transcoded against the bindings of the TCK
// value-entity and event-sourced model services.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/dynamic_message.h"

#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"

#include "http/http_rule.h"
#include "http/json_codec.h"
#include "http/path_template.h"
#include "http/request_transcoder.h"
#include "http_server.h"

namespace {

struct Setup {
  Setup() : json(*google::protobuf::DescriptorPool::generated_pool()) {
    (void)cloudstate::tck::model::valueentity::Request::descriptor();
    (void)cloudstate::tck::model::Request::descriptor();
    auto all = cloudstate::proxy::http::BindingsForServices(
        *google::protobuf::DescriptorPool::generated_pool(),
        {"cloudstate.tck.model.valueentity.ValueEntityTckModel",
         "cloudstate.tck.model.EventSourcedTckModel"});
    if (all.ok()) {
      bindings = std::move(*all);
    }
  }
  cloudstate::proxy::http::JsonCodec json;
  std::vector<cloudstate::proxy::http::Binding> bindings;
  google::protobuf::DynamicMessageFactory factory;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup* setup = new Setup();
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t a = input.find('\0');
  const size_t b = a == std::string::npos ? std::string::npos : input.find('\0', a + 1);
  const std::string path = input.substr(0, a);
  const std::string query = a == std::string::npos ? "" : input.substr(a + 1, b - a - 1);
  const std::string body = b == std::string::npos ? input : input.substr(b + 1);
  cloudstate::proxy::HttpRequest request;
  request.method = "POST";
  request.target = path + (query.empty() ? "" : "?" + query);
  request.path = path;
  request.query = query;
  request.body = body;
  request.headers.emplace_back("content-type", "application/json");
  for (const auto& binding : setup->bindings) {
    std::unique_ptr<google::protobuf::Message> message(
        setup->factory.GetPrototype(binding.method->input_type())->New());
    auto values = binding.path.Match(path);
    cloudstate::proxy::http::PathTemplate::Bindings empty;
    (void)cloudstate::proxy::http::TranscodeRequest(binding, values.has_value() ? *values : empty,
                                                    request, setup->json, message.get());
    std::unique_ptr<google::protobuf::Message> plain(message->New());
    if (setup->json.MergeJson(body, plain.get()).ok()) {
      (void)setup->json.Print(*plain);
    }
    (void)cloudstate::proxy::http::ApplyQuery(query, plain.get());
  }
  (void)cloudstate::proxy::http::JsonMember(body, "value");
  return 0;
}
