// The Transcoder end to end over real gRPC: an in-process channel to a generic callback server
// that plays the proxy's client-facing service for the test pool's t.Svc.
#include "http/transcoder.h"

#include "gmock/gmock.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "http/test_pool.h"

namespace cloudstate::proxy::http {
namespace {

namespace pb = google::protobuf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

// What the fake service answers for one call.
struct Answer {
  std::vector<std::string> replies;
  grpc::Status status;
  std::vector<std::pair<std::string, std::string>> headers;
};
using Behaviour = std::function<Answer(const std::string& method, const std::string& request,
                                       const std::multimap<std::string, std::string>& metadata)>;

class Reactor final : public grpc::ServerGenericBidiReactor {
 public:
  Reactor(grpc::GenericCallbackServerContext* context, const Behaviour& behaviour)
      : context_(context), behaviour_(behaviour) {
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
      return;
    }
    std::multimap<std::string, std::string> metadata;
    for (const auto& [k, v] : context_->client_metadata()) {
      metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    }
    std::vector<grpc::Slice> slices;
    std::string bytes;
    (void)request_.Dump(&slices);
    for (const auto& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    answer_ = behaviour_(context_->method(), bytes, metadata);
    for (const auto& [k, v] : answer_.headers) {
      context_->AddInitialMetadata(k, v);
    }
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (next_ < answer_.replies.size()) {
      slice_ = grpc::Slice(answer_.replies[next_++]);
      reply_ = grpc::ByteBuffer(&slice_, 1);
      StartWrite(&reply_);
      return;
    }
    Finish(answer_.status);
  }
  grpc::GenericCallbackServerContext* context_;
  const Behaviour& behaviour_;
  grpc::ByteBuffer request_;
  grpc::Slice slice_;
  grpc::ByteBuffer reply_;
  Answer answer_;
  size_t next_ = 0;
};

class FakeService final : public grpc::CallbackGenericService {
 public:
  explicit FakeService(Behaviour behaviour) : behaviour_(std::move(behaviour)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* c) override {
    return new Reactor(c, behaviour_);
  }

 private:
  Behaviour behaviour_;
};

class TranscoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = test_pool::TestPool({{"Get", R"(get: "/v1/{id}"
                                            additional_bindings { post: "/v1/{id}" body: "inner" }
                                            additional_bindings { custom { kind: "*" path: "/any/{id}" } })"},
                                 {"Raw", R"(get: "/raw/{id}")"}});
    factory_ = std::make_unique<pb::DynamicMessageFactory>(pool_.get());
    json_ = std::make_unique<JsonCodec>(*pool_);
    service_ = std::make_unique<FakeService>(
        [this](const std::string& method, const std::string& request,
               const std::multimap<std::string, std::string>& metadata) {
          return Answer_(method, request, metadata);
        });
    grpc::ServerBuilder builder;
    builder.RegisterCallbackGenericService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    absl::StatusOr<std::unique_ptr<Transcoder>> t = Transcoder::Create(
        *pool_, {"t.Svc"},
        std::shared_ptr<GrpcCaller>(NewChannelCaller(
            server_->InProcessChannel(grpc::ChannelArguments()), absl::Seconds(60))));
    ASSERT_TRUE(t.ok()) << t.status();
    transcoder_ = std::move(*t);
  }
  void TearDown() override {
    transcoder_.reset();
    if (server_ != nullptr) {
      server_->Shutdown();
    }
  }

  // Replies to Get/Plain echo the request as JSON in Resp.message; Stream sends three replies;
  // Raw answers an HttpBody; requests with id "fail" fail with UNKNOWN, "missing" with NOT_FOUND.
  Answer Answer_(const std::string& method, const std::string& request,
                 const std::multimap<std::string, std::string>& metadata) {
    calls_.push_back(method);
    std::unique_ptr<pb::Message> req(
        factory_->GetPrototype(pool_->FindMessageTypeByName("t.Req"))->New());
    if (!req->ParseFromString(request)) {
      return {{}, grpc::Status(grpc::StatusCode::INTERNAL, "bad request bytes"), {}};
    }
    last_metadata_ = metadata;
    const std::string id =
        req->GetReflection()->GetString(*req, req->GetDescriptor()->FindFieldByName("id"));
    if (id == "fail") {
      return {{}, grpc::Status(grpc::StatusCode::UNKNOWN, "expected failure"), {}};
    }
    if (id == "missing") {
      return {{}, grpc::Status(grpc::StatusCode::NOT_FOUND, "no such thing"), {}};
    }
    if (method == "/t.Svc/Raw") {
      std::unique_ptr<pb::Message> body(
          factory_->GetPrototype(pool_->FindMessageTypeByName("google.api.HttpBody"))->New());
      EXPECT_TRUE(
          json_->MergeJson(R"({"contentType":"text/plain","data":"aGVsbG8="})", body.get()).ok());
      return {{body->SerializeAsString()}, grpc::Status::OK, {}};
    }
    std::unique_ptr<pb::Message> resp(
        factory_->GetPrototype(pool_->FindMessageTypeByName("t.Resp"))->New());
    pb::util::JsonPrintOptions options;
    std::string echo;
    (void)pb::util::MessageToJsonString(*req, &echo);
    resp->GetReflection()->SetString(resp.get(), resp->GetDescriptor()->FindFieldByName("message"),
                                     echo);
    if (method == "/t.Svc/Stream") {
      std::vector<std::string> replies(3, resp->SerializeAsString());
      if (id == "half") {
        return {{replies[0]}, grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone"), {}};
      }
      return {replies, grpc::Status::OK, {}};
    }
    return {{resp->SerializeAsString()}, grpc::Status::OK, {{"x-reply", "yes"}}};
  }

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {
                        {"content-type", "application/json"}}) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    const size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string::npos ? "" : target.substr(q + 1);
    request.body = body;
    request.headers = std::move(headers);
    HttpResponse response = transcoder_->Handle(request);
    if (response.stream) {
      // A streamed reply: collected here as the HTTP server would send it, chunk by chunk.
      response.stream([&response](std::string_view chunk) {
        response.body.append(chunk);
        return true;
      });
      response.stream = nullptr;
    }
    return response;
  }

  std::unique_ptr<pb::DescriptorPool> pool_;
  std::unique_ptr<pb::DynamicMessageFactory> factory_;
  std::unique_ptr<JsonCodec> json_;
  std::unique_ptr<FakeService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Transcoder> transcoder_;
  std::vector<std::string> calls_;
  std::multimap<std::string, std::string> last_metadata_;
};

TEST_F(TranscoderTest, UnaryGetWithPathAndQuery) {
  HttpResponse r = Send("GET", "/v1/abc?i32=4", "", {{"x-trace", "t1"}, {"host", "h"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(
      r.body,
      R"({"message":"{\"id\":\"abc\",\"i32\":4}","big":"0","items":[],"kind":"KIND_UNSPECIFIED"})");
  EXPECT_THAT(r.headers, Contains(Pair("x-reply", "yes")));
  EXPECT_THAT(calls_, ::testing::ElementsAre("/t.Svc/Get"));
  EXPECT_EQ(last_metadata_.count("x-trace"), 1u);
  EXPECT_EQ(last_metadata_.count("host"), 0u);
}

TEST_F(TranscoderTest, AdditionalBindingWithBodyField) {
  HttpResponse r = Send("POST", "/v1/abc", R"({"name":"n"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"({\"id\":\"abc\",\"inner\":{\"name\":\"n\"}})"));
}

TEST_F(TranscoderTest, CustomStarMatchesAnyMethod) {
  EXPECT_EQ(Send("DELETE", "/any/x").status, 200);
  EXPECT_EQ(Send("OPTIONS", "/any/x").status, 200);
}

TEST_F(TranscoderTest, DefaultRoute) {
  HttpResponse r = Send("POST", "/t.Svc/Plain", R"({"id":"p","tags":["a"]})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"({\"id\":\"p\",\"tags\":[\"a\"]})"));
  // Methods with a rule have no default route.
  EXPECT_EQ(Send("POST", "/t.Svc/Get", "{}").status, 404);
  // Client-streaming methods have none either.
  EXPECT_EQ(Send("POST", "/t.Svc/Upload", "{}").status, 404);
}

TEST_F(TranscoderTest, FailureIs500WithDescription) {
  HttpResponse r = Send("POST", "/t.Svc/Plain", R"({"id":"fail"})");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "expected failure");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_TRUE(r.headers.empty());
  HttpResponse missing = Send("GET", "/v1/missing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "no such thing");
}

TEST_F(TranscoderTest, RoutingErrors) {
  HttpResponse none = Send("GET", "/nowhere");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.body, "Not Found");
  HttpResponse wrong = Send("PUT", "/v1/abc");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_THAT(wrong.headers, Contains(Pair("Allow", "GET, POST")));
  EXPECT_EQ(Send("GET", "/t.Svc/Plain").status, 405);
  EXPECT_TRUE(calls_.empty());
}

TEST_F(TranscoderTest, BadRequests) {
  HttpResponse json = Send("POST", "/t.Svc/Plain", R"({"id":)");
  EXPECT_EQ(json.status, 400);
  EXPECT_THAT(json.body, HasSubstr("malformed request body"));
  HttpResponse unknown = Send("POST", "/t.Svc/Plain", R"({"nope":1})");
  EXPECT_EQ(unknown.status, 400);
  HttpResponse type = Send("POST", "/t.Svc/Plain", "{}", {{"content-type", "text/plain"}});
  EXPECT_EQ(type.status, 400);
  EXPECT_THAT(type.body, HasSubstr("Content-Type: application/json"));
  HttpResponse path = Send("GET", "/v1/abc?i32=x");
  EXPECT_EQ(path.status, 400);
  EXPECT_TRUE(calls_.empty());
}

TEST_F(TranscoderTest, ServerStreaming) {
  HttpResponse nd = Send("POST", "/t.Svc/Stream", R"({"id":"s"})");
  EXPECT_EQ(nd.status, 200);
  EXPECT_EQ(nd.content_type, "application/json");
  const std::string one =
      R"({"message":"{\"id\":\"s\"}","big":"0","items":[],"kind":"KIND_UNSPECIFIED"})";
  EXPECT_EQ(nd.body, one + "\n" + one + "\n" + one + "\n");
  HttpResponse sse = Send("POST", "/t.Svc/Stream", R"({"id":"s"})",
                          {{"content-type", "application/json"}, {"accept", "text/event-stream"}});
  EXPECT_EQ(sse.content_type, "text/event-stream");
  EXPECT_EQ(sse.body, "data: " + one + "\n\ndata: " + one + "\n\ndata: " + one + "\n\n");
  HttpResponse failed = Send("POST", "/t.Svc/Stream", R"({"id":"fail"})");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, "expected failure");
  HttpResponse half = Send("POST", "/t.Svc/Stream", R"({"id":"half"})");
  EXPECT_EQ(half.status, 200);
  EXPECT_THAT(half.body, ::testing::EndsWith("\n{\"error\":{\"code\":14,\"message\":\"gone\"}}\n"));
}

TEST_F(TranscoderTest, HttpBodyReply) {
  HttpResponse r = Send("GET", "/raw/x");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(r.body, "hello");
}

TEST(TranscoderCreateTest, InvalidRuleIsReported) {
  auto pool = test_pool::TestPool({{"Get", R"(get: "/v1/{nope}")"}});
  absl::StatusOr<std::unique_ptr<Transcoder>> t =
      Transcoder::Create(*pool, {"t.Svc"}, std::shared_ptr<GrpcCaller>());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()),
              HasSubstr("google.api.http on method t.Svc.Get: path variable 'nope'"));
}

TEST(TranscoderCallerTest, UnreachableChannelIsUnavailable) {
  HttpRequest request;
  request.method = "POST";
  request.path = "/t.Svc/Plain";
  auto pool = test_pool::TestPool();
  // Port 1 on loopback: nothing listens there; the call fails fast without wait_for_ready.
  auto channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  absl::StatusOr<std::unique_ptr<Transcoder>> t = Transcoder::Create(
      *pool, {"t.Svc"}, std::shared_ptr<GrpcCaller>(NewChannelCaller(channel, absl::Seconds(60))));
  ASSERT_TRUE(t.ok());
  HttpResponse r = (*t)->Handle(request);
  EXPECT_EQ(r.status, 503) << r.body;
}

TEST(ForwardedHeadersTest, Filters) {
  HttpRequest request;
  request.headers = {{"x-ok", "v"},
                     {"content-type", "application/json"},
                     {"grpc-timeout", "1S"},
                     {"x-data-bin", "AAA"},
                     {"x-bad", "caf\xc3\xa9"},
                     {"connection", "keep-alive"},
                     {"X-Upper", "v"},
                     {"authorization", "Bearer t"}};
  EXPECT_THAT(ForwardedHeaders(request),
              ::testing::ElementsAre(Pair("x-ok", "v"), Pair("authorization", "Bearer t")));
}

}  // namespace
}  // namespace cloudstate::proxy::http
