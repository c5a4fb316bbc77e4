#include "http/response_transcoder.h"

#include "gmock/gmock.h"
#include "google/protobuf/dynamic_message.h"
#include "gtest/gtest.h"

#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "http/test_pool.h"

namespace cloudstate::proxy::http {
namespace {

namespace pb = google::protobuf;
using ::testing::HasSubstr;
using ::testing::Optional;

// A dynamic message of `pool` holding the value of `generated`.
std::unique_ptr<pb::Message> Convert(pb::DynamicMessageFactory& factory,
                                     const pb::DescriptorPool& pool, const pb::Message& generated) {
  const pb::Descriptor* d = pool.FindMessageTypeByName(generated.GetDescriptor()->full_name());
  EXPECT_NE(d, nullptr);
  std::unique_ptr<pb::Message> m(factory.GetPrototype(d)->New());
  EXPECT_TRUE(m->ParseFromString(generated.SerializeAsString()));
  return m;
}

TEST(JsonCodecTest, TckActionResponsePrintsDefaultScalars) {
  auto pool = test_pool::PoolOf(cloudstate::tck::model::action::Response::descriptor()->file());
  pb::DynamicMessageFactory factory(pool.get());
  JsonCodec json(*pool);
  cloudstate::tck::model::action::Response response;
  EXPECT_EQ(*json.Print(*Convert(factory, *pool, response)), R"({"message":""})");
  response.set_message("foo");
  EXPECT_EQ(*json.Print(*Convert(factory, *pool, response)), R"({"message":"foo"})");
}

TEST(JsonCodecTest, TckCrdtResponsesMatchTheOriginalTck) {
  auto pool = test_pool::PoolOf(cloudstate::tck::model::crdt::Response::descriptor()->file());
  pb::DynamicMessageFactory factory(pool.get());
  JsonCodec json(*pool);
  cloudstate::tck::model::crdt::Response response;
  EXPECT_EQ(*json.Print(*Convert(factory, *pool, response)), "{}");
  response.mutable_state()->mutable_pncounter();
  EXPECT_EQ(*json.Print(*Convert(factory, *pool, response)),
            R"({"state":{"pncounter":{"value":"0"}}})");
  response.mutable_state()->mutable_pncounter()->set_value(-81);
  EXPECT_EQ(*json.Print(*Convert(factory, *pool, response)),
            R"({"state":{"pncounter":{"value":"-81"}}})");
  response.mutable_state()->mutable_gset();
  EXPECT_EQ(*json.Print(*Convert(factory, *pool, response)),
            R"({"state":{"gset":{"elements":[]}}})");
  response.mutable_state()->mutable_vote()->set_self_vote(true);
  EXPECT_EQ(*json.Print(*Convert(factory, *pool, response)),
            R"({"state":{"vote":{"selfVote":true,"votesFor":0,"totalVoters":0}}})");
}

TEST(JsonCodecTest, EnumsByNameAndUnsetOneofsAbsent) {
  auto pool = test_pool::TestPool();
  pb::DynamicMessageFactory factory(pool.get());
  JsonCodec json(*pool);
  std::unique_ptr<pb::Message> resp(
      factory.GetPrototype(pool->FindMessageTypeByName("t.Resp"))->New());
  EXPECT_EQ(*json.Print(*resp), R"({"message":"","big":"0","items":[],"kind":"KIND_UNSPECIFIED"})");
  ASSERT_TRUE(json.MergeJson(R"({"kind":"KIND_A","choiceA":"x","big":"12"})", resp.get()).ok());
  EXPECT_EQ(*json.Print(*resp),
            R"({"message":"","big":"12","items":[],"kind":"KIND_A","choiceA":"x"})");
}

TEST(JsonCodecTest, ParseRejectsUnknownFields) {
  auto pool = test_pool::TestPool();
  pb::DynamicMessageFactory factory(pool.get());
  JsonCodec json(*pool);
  std::unique_ptr<pb::Message> req(
      factory.GetPrototype(pool->FindMessageTypeByName("t.Req"))->New());
  absl::Status s = json.MergeJson(R"({"unknownField":1})", req.get());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("unknownField"));
}

TEST(JsonHelpersTest, Quote) { EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")"); }

TEST(JsonHelpersTest, Member) {
  const std::string json = R"({"a":1, "b" : {"x":[1,"}"]}, "c":"s\"}", "d":[], "e":null})";
  EXPECT_THAT(JsonMember(json, "a"), Optional(std::string("1")));
  EXPECT_THAT(JsonMember(json, "b"), Optional(std::string(R"({"x":[1,"}"]})")));
  EXPECT_THAT(JsonMember(json, "c"), Optional(std::string(R"("s\"}")")));
  EXPECT_THAT(JsonMember(json, "d"), Optional(std::string("[]")));
  EXPECT_THAT(JsonMember(json, "e"), Optional(std::string("null")));
  EXPECT_EQ(JsonMember(json, "z"), std::nullopt);
  EXPECT_EQ(JsonMember("{}", "a"), std::nullopt);
  EXPECT_EQ(JsonMember("[1]", "a"), std::nullopt);
  EXPECT_EQ(JsonMember(R"({"a":)", "a"), std::nullopt);
}

TEST(StatusTableTest, GrpcToHttp) {
  const std::pair<grpc::StatusCode, int> table[] = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNKNOWN, 500},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DATA_LOSS, 500},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
      // Not a named code, but inside the enum's range of values (42 is not: UBSan rejects it).
      {static_cast<grpc::StatusCode>(20), 500},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusForGrpc(code), http) << static_cast<int>(code);
  }
}

TEST(StatusTableTest, FailureIsA500WithTheDescriptionAsPlainText) {
  HttpResponse r = GrpcErrorResponse(grpc::Status(grpc::StatusCode::UNKNOWN, "boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "boom");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
}

class RenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = test_pool::TestPool(
        {{"Get", R"(get: "/g" additional_bindings { get: "/items" response_body: "items" }
                    additional_bindings { get: "/big" response_body: "big" }
                    additional_bindings { get: "/inner" response_body: "inner" }
                    additional_bindings { get: "/body" response_body: "body" }
                    additional_bindings { get: "/choice" response_body: "choice_a" })"}});
    json_ = std::make_unique<JsonCodec>(*pool_);
    factory_ = std::make_unique<pb::DynamicMessageFactory>(pool_.get());
    for (const char* method : {"Get", "Stream", "Raw"}) {
      absl::StatusOr<std::vector<Binding>> b =
          BindingsForMethod(*pool_->FindMethodByName(std::string("t.Svc.") + method));
      ASSERT_TRUE(b.ok()) << b.status();
      for (Binding& binding : *b) {
        bindings_[binding.path.text()] = std::move(binding);
      }
    }
  }
  std::unique_ptr<pb::Message> Make(const std::string& type, const std::string& json) {
    std::unique_ptr<pb::Message> m(
        factory_->GetPrototype(pool_->FindMessageTypeByName(type))->New());
    EXPECT_TRUE(json_->MergeJson(json, m.get()).ok()) << json;
    return m;
  }

  std::unique_ptr<pb::DescriptorPool> pool_;
  std::unique_ptr<JsonCodec> json_;
  std::unique_ptr<pb::DynamicMessageFactory> factory_;
  std::map<std::string, Binding> bindings_;
};

TEST_F(RenderTest, UnaryJson) {
  absl::StatusOr<HttpResponse> r =
      RenderUnary(bindings_["/g"], *Make("t.Resp", R"({"message":"hi"})"), *json_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_EQ(r->body, R"({"message":"hi","big":"0","items":[],"kind":"KIND_UNSPECIFIED"})");
}

TEST_F(RenderTest, ResponseBodySelectsOneField) {
  auto reply = Make("t.Resp", R"({"items":[{"name":"a","count":"2"}],"big":"7"})");
  EXPECT_EQ(RenderUnary(bindings_["/items"], *reply, *json_)->body,
            R"([{"name":"a","count":"2"}])");
  EXPECT_EQ(RenderUnary(bindings_["/big"], *reply, *json_)->body, R"("7")");
  // An unset message field is rendered as its default instance.
  EXPECT_EQ(RenderUnary(bindings_["/inner"], *reply, *json_)->body, R"({"name":"","count":"0"})");
  EXPECT_EQ(RenderUnary(bindings_["/items"], *Make("t.Resp", "{}"), *json_)->body, "[]");
  // An unset oneof member has no JSON value at all.
  EXPECT_EQ(RenderUnary(bindings_["/choice"], *reply, *json_)->body, "null");
}

TEST_F(RenderTest, HttpBodyIsRaw) {
  absl::StatusOr<HttpResponse> r = RenderUnary(
      bindings_["/t.Svc/Raw"],
      *Make("google.api.HttpBody", R"({"contentType":"text/html","data":"PGI+aGk8L2I+"})"), *json_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->content_type, "text/html");
  EXPECT_EQ(r->body, "<b>hi</b>");
  EXPECT_EQ(RenderUnary(bindings_["/t.Svc/Raw"], *Make("google.api.HttpBody", "{}"), *json_)
                ->content_type,
            "application/octet-stream");
  // Also when response_body selects an HttpBody field.
  r = RenderUnary(bindings_["/body"],
                  *Make("t.Resp", R"({"body":{"contentType":"image/png","data":"AAE="}})"), *json_);
  EXPECT_EQ(r->content_type, "image/png");
  EXPECT_EQ(r->body, std::string("\0\1", 2));
}

TEST_F(RenderTest, StreamsAsNdjsonOrSse) {
  std::vector<std::unique_ptr<pb::Message>> replies;
  replies.push_back(Make("t.Resp", R"({"message":"a"})"));
  replies.push_back(Make("t.Resp", R"({"message":"b"})"));
  const Binding& stream = bindings_["/t.Svc/Stream"];
  absl::StatusOr<HttpResponse> nd =
      RenderStream(stream, replies, grpc::Status::OK, StreamFormat::kNewlineDelimitedJson, *json_);
  ASSERT_TRUE(nd.ok());
  EXPECT_EQ(nd->content_type, "application/json");
  EXPECT_EQ(nd->body,
            "{\"message\":\"a\",\"big\":\"0\",\"items\":[],\"kind\":\"KIND_UNSPECIFIED\"}\n"
            "{\"message\":\"b\",\"big\":\"0\",\"items\":[],\"kind\":\"KIND_UNSPECIFIED\"}\n");
  absl::StatusOr<HttpResponse> sse =
      RenderStream(stream, replies, grpc::Status::OK, StreamFormat::kServerSentEvents, *json_);
  EXPECT_EQ(sse->content_type, "text/event-stream");
  EXPECT_EQ(
      sse->body,
      "data: {\"message\":\"a\",\"big\":\"0\",\"items\":[],\"kind\":\"KIND_UNSPECIFIED\"}\n\n"
      "data: {\"message\":\"b\",\"big\":\"0\",\"items\":[],\"kind\":\"KIND_UNSPECIFIED\"}\n\n");
  absl::StatusOr<HttpResponse> empty =
      RenderStream(stream, {}, grpc::Status::OK, StreamFormat::kNewlineDelimitedJson, *json_);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(empty->body, "");
}

TEST_F(RenderTest, StreamFailures) {
  const Binding& stream = bindings_["/t.Svc/Stream"];
  const grpc::Status failed(grpc::StatusCode::UNKNOWN, "went \"wrong\"");
  absl::StatusOr<HttpResponse> before =
      RenderStream(stream, {}, failed, StreamFormat::kServerSentEvents, *json_);
  EXPECT_EQ(before->status, 500);
  EXPECT_EQ(before->body, "went \"wrong\"");
  std::vector<std::unique_ptr<pb::Message>> replies;
  replies.push_back(Make("t.Resp", R"({"message":"a"})"));
  absl::StatusOr<HttpResponse> sse =
      RenderStream(stream, replies, failed, StreamFormat::kServerSentEvents, *json_);
  EXPECT_EQ(sse->status, 200);
  EXPECT_THAT(sse->body, ::testing::EndsWith(
                             "\n\nevent: error\ndata: {\"error\":{\"code\":2,\"message\":\"went "
                             "\\\"wrong\\\"\"}}\n\n"));
  absl::StatusOr<HttpResponse> nd =
      RenderStream(stream, replies, failed, StreamFormat::kNewlineDelimitedJson, *json_);
  EXPECT_THAT(nd->body, ::testing::EndsWith(
                            "}\n{\"error\":{\"code\":2,\"message\":\"went \\\"wrong\\\"\"}}\n"));
}

TEST(StreamFormatTest, FromAcceptHeader) {
  HttpRequest request;
  EXPECT_EQ(StreamFormatFor(request), StreamFormat::kNewlineDelimitedJson);
  request.headers.emplace_back("accept", "text/event-stream");
  EXPECT_EQ(StreamFormatFor(request), StreamFormat::kServerSentEvents);
}

}  // namespace
}  // namespace cloudstate::proxy::http
