#include "http/path_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cloudstate::proxy::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

PathTemplate MustParse(const std::string& text) {
  absl::StatusOr<PathTemplate> t = PathTemplate::Parse(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status();
  return t.ok() ? *t : PathTemplate();
}

TEST(PathTemplateTest, LiteralMatchesOnlyItself) {
  PathTemplate t = MustParse("/tck/model/action/unary");
  EXPECT_THAT(t.Match("/tck/model/action/unary"), ::testing::Optional(ElementsAre()));
  EXPECT_FALSE(t.Match("/tck/model/action").has_value());
  EXPECT_FALSE(t.Match("/tck/model/action/unary/x").has_value());
  EXPECT_FALSE(t.Match("/tck/model/action/unary/").has_value());
  EXPECT_FALSE(t.Match("tck/model/action/unary").has_value());
  EXPECT_FALSE(t.Match("").has_value());
}

TEST(PathTemplateTest, DefaultRouteWithDotsIsALiteral) {
  PathTemplate t = MustParse("/cloudstate.tck.model.valueentity.ValueEntityTwo/Call");
  EXPECT_TRUE(t.Match("/cloudstate.tck.model.valueentity.ValueEntityTwo/Call").has_value());
  EXPECT_FALSE(t.Match("/cloudstate.tck.model.valueentity.ValueEntityTwo/Other").has_value());
}

TEST(PathTemplateTest, LiteralComparesDecodedSegments) {
  PathTemplate t = MustParse("/a%20b");
  EXPECT_TRUE(t.Match("/a%20b").has_value());
  EXPECT_TRUE(t.Match("/a b").has_value());
}

TEST(PathTemplateTest, SimpleVariableIsOneSegmentDecoded) {
  PathTemplate t = MustParse("/tck/model/entity/{id}");
  EXPECT_THAT(t.Match("/tck/model/entity/entity-1"),
              ::testing::Optional(ElementsAre(Pair("id", "entity-1"))));
  EXPECT_THAT(t.Match("/tck/model/entity/a%2Fb%20c"),
              ::testing::Optional(ElementsAre(Pair("id", "a/b c"))));
  EXPECT_FALSE(t.Match("/tck/model/entity/").has_value());
  EXPECT_FALSE(t.Match("/tck/model/entity/a/b").has_value());
}

TEST(PathTemplateTest, MultipleVariables) {
  PathTemplate t = MustParse("/cart/{user_id}/items/{product_id}/remove");
  EXPECT_THAT(t.Match("/cart/u1/items/p2/remove"),
              ::testing::Optional(ElementsAre(Pair("user_id", "u1"), Pair("product_id", "p2"))));
  EXPECT_EQ(t.variables().size(), 2u);
}

TEST(PathTemplateTest, Wildcards) {
  PathTemplate star = MustParse("/a/*/c");
  EXPECT_TRUE(star.Match("/a/b/c").has_value());
  EXPECT_FALSE(star.Match("/a//c").has_value());
  EXPECT_FALSE(star.Match("/a/b/b/c").has_value());

  PathTemplate rest = MustParse("/a/**");
  EXPECT_TRUE(rest.Match("/a").has_value());
  EXPECT_TRUE(rest.Match("/a/b").has_value());
  EXPECT_TRUE(rest.Match("/a/b/c/d").has_value());
  EXPECT_FALSE(rest.Match("/b/c").has_value());
}

TEST(PathTemplateTest, VariableWithSubTemplate) {
  PathTemplate t = MustParse("/v1/{name=shelves/*/books/*}");
  EXPECT_THAT(t.Match("/v1/shelves/s1/books/b1"),
              ::testing::Optional(ElementsAre(Pair("name", "shelves/s1/books/b1"))));
  EXPECT_FALSE(t.Match("/v1/shelves/s1/novels/b1").has_value());
  EXPECT_FALSE(t.Match("/v1/shelves/s1/books").has_value());
}

TEST(PathTemplateTest, MultiSegmentVariableKeepsEncodedSlash) {
  PathTemplate t = MustParse("/files/{path=**}");
  EXPECT_THAT(t.Match("/files/a/b%20c/d%2Fe"),
              ::testing::Optional(ElementsAre(Pair("path", "a/b c/d%2Fe"))));
  EXPECT_THAT(t.Match("/files"), ::testing::Optional(ElementsAre(Pair("path", ""))));
}

TEST(PathTemplateTest, VariableWithSubAndRest) {
  PathTemplate t = MustParse("/{bucket}/{object=objects/**}");
  EXPECT_THAT(t.Match("/b/objects/x/y"),
              ::testing::Optional(ElementsAre(Pair("bucket", "b"), Pair("object", "objects/x/y"))));
  EXPECT_FALSE(t.Match("/b/other/x").has_value());
}

TEST(PathTemplateTest, NestedFieldPath) {
  PathTemplate t = MustParse("/v1/{inner.deep.leaf}/x");
  ASSERT_EQ(t.variables().size(), 1u);
  EXPECT_THAT(t.variables()[0].field_path, ElementsAre("inner", "deep", "leaf"));
  EXPECT_THAT(t.Match("/v1/hello/x"),
              ::testing::Optional(ElementsAre(Pair("inner.deep.leaf", "hello"))));
}

TEST(PathTemplateTest, Verb) {
  PathTemplate t = MustParse("/v1/{name}:cancel");
  EXPECT_EQ(t.verb(), "cancel");
  EXPECT_THAT(t.Match("/v1/op1:cancel"), ::testing::Optional(ElementsAre(Pair("name", "op1"))));
  EXPECT_FALSE(t.Match("/v1/op1").has_value());
  EXPECT_FALSE(t.Match("/v1/op1:other").has_value());

  PathTemplate literal = MustParse("/v1/things:batchGet");
  EXPECT_TRUE(literal.Match("/v1/things:batchGet").has_value());
  EXPECT_FALSE(literal.Match("/v1/things").has_value());

  PathTemplate rest = MustParse("/v1/{name=**}:undelete");
  EXPECT_THAT(rest.Match("/v1/a/b:undelete"),
              ::testing::Optional(ElementsAre(Pair("name", "a/b"))));
}

TEST(PathTemplateTest, WithoutVerbAColonIsPartOfTheSegment) {
  PathTemplate t = MustParse("/v1/{name}");
  EXPECT_THAT(t.Match("/v1/a:b"), ::testing::Optional(ElementsAre(Pair("name", "a:b"))));
}

TEST(PathTemplateTest, Root) {
  PathTemplate t = MustParse("/");
  EXPECT_TRUE(t.Match("/").has_value());
  EXPECT_FALSE(t.Match("/x").has_value());
}

TEST(PathTemplateTest, ParseErrorsArePrecise) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "must start with '/'"},
      {"a/b", "must start with '/'"},
      {"/a//b", "unexpected '/' at position 3"},
      {"/a/", "empty segment at position 3"},
      {"/a/{", "expected a field name at position 4"},
      {"/a/{1x}", "expected a field name at position 4"},
      {"/a/{x", "expected '}' at position 5"},
      {"/a/{x.}", "expected a field name at position 6"},
      {"/a/{x={y}}", "nested variable at position 6"},
      {"/a/**/b", "'**' must be the last segment"},
      {"/{x=**}/b", "'**' must be the last segment"},
      {"/a/*x", "'*' must be a whole segment"},
      {"/a:", "empty verb after ':'"},
      {"/a/{x}/{x}", "variable 'x' bound more than once"},
      {"/a}", "unexpected '}'"},
      {"/a?b", "unexpected '?'"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<PathTemplate> t = PathTemplate::Parse(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(c.message)) << c.text;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(std::string("\"") + c.text + "\""));
  }
}

TEST(PercentDecodeTest, Decodes) {
  EXPECT_EQ(PercentDecode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(PercentDecode("a%2Fb", /*keep_slash=*/true), "a%2Fb");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode("a+b", false, /*plus_is_space=*/true), "a b");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%C3%A9"), "\xC3\xA9");
}

}  // namespace
}  // namespace cloudstate::proxy::http
