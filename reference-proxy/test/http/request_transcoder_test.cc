#include "http/request_transcoder.h"

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

#include "http/test_pool.h"

namespace cloudstate::proxy::http {
namespace {

namespace pb = google::protobuf;
using ::testing::HasSubstr;

class RequestTranscoderTest : public ::testing::Test {
 protected:
  void Use(const std::string& rule) {
    pool_ = test_pool::TestPool({{"Get", rule}});
    json_ = std::make_unique<JsonCodec>(*pool_);
    factory_ = std::make_unique<pb::DynamicMessageFactory>(pool_.get());
    absl::StatusOr<std::vector<Binding>> b =
        BindingsForMethod(*pool_->FindMethodByName("t.Svc.Get"));
    ASSERT_TRUE(b.ok()) << b.status();
    bindings_ = std::move(*b);
  }

  // Matches `path` against the bindings and transcodes; the message as text format, or the error.
  std::string Transcode(const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const std::string& content_type = "application/json") {
    HttpRequest request;
    request.method = method;
    request.target = target;
    const size_t q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string::npos ? "" : target.substr(q + 1);
    request.body = body;
    if (!content_type.empty()) {
      request.headers.emplace_back("content-type", content_type);
    }
    for (const Binding& b : bindings_) {
      if (b.http_method != method) {
        continue;
      }
      std::optional<PathTemplate::Bindings> values = b.path.Match(request.path);
      if (!values) {
        continue;
      }
      std::unique_ptr<pb::Message> message(
          factory_->GetPrototype(pool_->FindMessageTypeByName("t.Req"))->New());
      absl::Status s = TranscodeRequest(b, *values, request, *json_, message.get());
      if (!s.ok()) {
        return "error: " + std::string(s.message());
      }
      std::string text;
      pb::TextFormat::Printer printer;
      printer.SetSingleLineMode(true);
      printer.PrintToString(*message, &text);
      return std::string(absl::StripTrailingAsciiWhitespace(text));
    }
    return "no match";
  }

  std::unique_ptr<pb::DescriptorPool> pool_;
  std::unique_ptr<JsonCodec> json_;
  std::unique_ptr<pb::DynamicMessageFactory> factory_;
  std::vector<Binding> bindings_;
};

TEST_F(RequestTranscoderTest, BodyStarWithPathVariableOverride) {
  Use(R"(post: "/tck/{id}" body: "*")");
  EXPECT_EQ(Transcode("POST", "/tck/e1", "{}"), R"(id: "e1")");
  EXPECT_EQ(Transcode("POST", "/tck/e1", R"({"id":"other","i32":5,"tags":["a","b"]})"),
            R"(id: "e1" i32: 5 tags: "a" tags: "b")");
  // Proto field names are accepted as well as JSON names.
  EXPECT_EQ(Transcode("POST", "/tck/e1", R"({"camelCaseName":"x"})"),
            R"(id: "e1" camel_case_name: "x")");
  EXPECT_EQ(Transcode("POST", "/tck/e1", R"({"camel_case_name":"x"})"),
            R"(id: "e1" camel_case_name: "x")");
  // Query parameters are ignored for body "*".
  EXPECT_EQ(Transcode("POST", "/tck/e1?i32=7", "{}"), R"(id: "e1")");
  // An empty body is an empty message (no Content-Type needed).
  EXPECT_EQ(Transcode("POST", "/tck/e1", "", ""), R"(id: "e1")");
  EXPECT_EQ(Transcode("POST", "/tck/e1", "  \n", ""), R"(id: "e1")");
}

TEST_F(RequestTranscoderTest, JsonBodyTypes) {
  Use(R"(post: "/x" body: "*")");
  EXPECT_EQ(Transcode("POST", "/x",
                      R"({"i64":"-9007199254740993","u64":18446744073709551615,"kind":"KIND_A",)"
                      R"("b":"aGk=","inner":{"name":"n","deep":{"leaf":"l"}},"labels":{"k":"v"}})"),
            R"(i64: -9007199254740993 u64: 18446744073709551615 b: "hi" kind: KIND_A inner { )"
            R"(name: "n" deep { leaf: "l" } } labels { key: "k" value: "v" })");
}

TEST_F(RequestTranscoderTest, BodyErrors) {
  Use(R"(post: "/x/{id}" body: "*")");
  EXPECT_THAT(Transcode("POST", "/x/1", R"({"nope":1})"),
              HasSubstr("error: malformed request body: "));
  EXPECT_THAT(Transcode("POST", "/x/1", R"({"nope":1})"), HasSubstr("nope"));
  EXPECT_THAT(Transcode("POST", "/x/1", R"({"i32":)"), HasSubstr("error: malformed request body"));
  EXPECT_THAT(Transcode("POST", "/x/1", R"({"i32":"abc"})"),
              HasSubstr("error: malformed request body"));
  EXPECT_EQ(Transcode("POST", "/x/1", "{}", "text/plain"),
            "error: request body must be sent with Content-Type: application/json (got "
            "\"text/plain\")");
  EXPECT_EQ(Transcode("POST", "/x/1", "{}", ""),
            "error: request body must be sent with Content-Type: application/json (no "
            "Content-Type given)");
  EXPECT_EQ(Transcode("POST", "/x/1", "{}", "Application/JSON; charset=utf-8"), R"(id: "1")");
}

TEST_F(RequestTranscoderTest, BodyFieldWithQueryAndPath) {
  Use(R"(post: "/x/{id}" body: "inner")");
  EXPECT_EQ(Transcode("POST", "/x/1?i32=3&tags=a&tags=b", R"({"name":"n","count":"4"})"),
            R"(id: "1" i32: 3 inner { name: "n" count: 4 } tags: "a" tags: "b")");
  // The body replaces what the query said about the body field.
  EXPECT_EQ(Transcode("POST", "/x/1?inner.name=q", R"({"count":"4"})"),
            R"(id: "1" inner { count: 4 })");
  // Unknown fields inside the body field are rejected too.
  EXPECT_THAT(Transcode("POST", "/x/1", R"({"bogus":1})"),
              HasSubstr("error: malformed request body"));
}

TEST_F(RequestTranscoderTest, RepeatedBodyField) {
  Use(R"(post: "/x" body: "tags")");
  EXPECT_EQ(Transcode("POST", "/x", R"(["a","b"])"), R"(tags: "a" tags: "b")");
}

TEST_F(RequestTranscoderTest, NoBodyIgnoresTheBody) {
  Use(R"(get: "/x/{id}")");
  EXPECT_EQ(Transcode("GET", "/x/1", R"({"i32":1})", "text/plain"), R"(id: "1")");
}

TEST_F(RequestTranscoderTest, PathVariablesParsedPerFieldType) {
  Use(R"(get: "/v/{id}/{i32}/{i64}/{u32}/{u64}/{flag}/{d}/{f}/{b}/{kind}/{s32}")");
  EXPECT_EQ(Transcode("GET",
                      "/v/a%20b/-5/-9000000000/7/18446744073709551615/TRUE/1.5/-2.5/aGk/"
                      "KIND_A/-3"),
            R"(id: "a b" i32: -5 i64: -9000000000 u32: 7 u64: 18446744073709551615 flag: true )"
            R"(d: 1.5 f: -2.5 b: "hi" kind: KIND_A s32: -3)");
  EXPECT_EQ(Transcode("GET", "/v/x/0/0/0/0/false/Infinity/NaN/_-8/1/0"),
            R"(id: "x" d: inf f: nan b: "\377\357" kind: KIND_A)");
  EXPECT_EQ(Transcode("GET", "/v/x/abc/0/0/0/true/0/0/aGk/0/0"),
            "error: path variable 'i32': value \"abc\" for field 'i32' is not a valid int32");
  EXPECT_EQ(Transcode("GET", "/v/x/3000000000/0/0/0/true/0/0/aGk/0/0"),
            "error: path variable 'i32': value \"3000000000\" for field 'i32' is not a valid "
            "int32");
  EXPECT_EQ(Transcode("GET", "/v/x/0/0/-1/0/true/0/0/aGk/0/0"),
            "error: path variable 'u32': value \"-1\" for field 'u32' is not a valid uint32");
  EXPECT_EQ(
      Transcode("GET", "/v/x/0/0/0/0/yes/0/0/aGk/0/0"),
      "error: path variable 'flag': value \"yes\" for bool field 'flag' is not true or false");
  EXPECT_EQ(Transcode("GET", "/v/x/0/0/0/0/true/x1/0/aGk/0/0"),
            "error: path variable 'd': value \"x1\" for field 'd' is not a valid number");
  EXPECT_EQ(Transcode("GET", "/v/x/0/0/0/0/true/0/0/%21%21/0/0"),
            "error: path variable 'b': value for bytes field 'b' is not valid base64");
  EXPECT_EQ(Transcode("GET", "/v/x/0/0/0/0/true/0/0/aGk/KIND_Z/0"),
            "error: path variable 'kind': value \"KIND_Z\" for field 'kind' is not a value of "
            "t.Kind");
}

TEST_F(RequestTranscoderTest, NestedPathVariableAndOverrideOfBody) {
  Use(R"(post: "/v/{inner.deep.leaf}/{inner.name}" body: "*")");
  EXPECT_EQ(Transcode("POST", "/v/L/N", R"({"inner":{"name":"body","count":"2"}})"),
            R"(inner { name: "N" count: 2 deep { leaf: "L" } })");
}

TEST_F(RequestTranscoderTest, MultiSegmentVariable) {
  Use(R"(get: "/files/{id=**}")");
  EXPECT_EQ(Transcode("GET", "/files/a/b/c"), R"(id: "a/b/c")");
}

TEST_F(RequestTranscoderTest, QueryParameters) {
  Use(R"(get: "/q")");
  EXPECT_EQ(Transcode("GET", "/q?id=a+b%21&i64=5&inner.name=n&inner.deep.leaf=l&nums=1&nums=2"),
            R"(id: "a b!" i64: 5 inner { name: "n" deep { leaf: "l" } } nums: 1 nums: 2)");
  EXPECT_EQ(Transcode("GET", "/q?camelCaseName=x&camel_case_name=y&id"), R"(camel_case_name: "y")")
      << "later values of a singular field win; a bare name is an empty value";
  EXPECT_EQ(Transcode("GET", "/q?&&id=1&"), R"(id: "1")");
  EXPECT_EQ(Transcode("GET", "/q?flag"),
            "error: query parameter 'flag': value \"\" for bool field 'flag' is not true or false");
  EXPECT_EQ(Transcode("GET", "/q?nope=1"),
            "error: query parameter 'nope' does not name a field of t.Req");
  EXPECT_EQ(Transcode("GET", "/q?inner=1"),
            "error: query parameter 'inner' names a message field; only scalar fields can be set "
            "from the query");
  EXPECT_EQ(Transcode("GET", "/q?items.name=1"),
            "error: query parameter 'items.name': 'items' is not a singular message field");
  EXPECT_EQ(Transcode("GET", "/q?labels=1"),
            "error: query parameter 'labels' names a message field; only scalar fields can be set "
            "from the query");
  EXPECT_EQ(Transcode("GET", "/q?i32=x"),
            "error: query parameter 'i32': value \"x\" for field 'i32' is not a valid int32");
}

TEST(ContentTypeTest, JsonDetection) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType(" application/json ; charset=UTF-8"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
  EXPECT_FALSE(IsJsonContentType("text/json"));
  EXPECT_FALSE(IsJsonContentType(""));
}

}  // namespace
}  // namespace cloudstate::proxy::http
