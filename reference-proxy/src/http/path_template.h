#pragma once
// URL path templates of google.api.HttpRule, parsed once at discovery and matched per request.
// Sans-IO: no gRPC, no protobuf.
//
//   Template  = "/" Segments [ ":" Verb ]
//   Segments  = Segment { "/" Segment }
//   Segment   = "*" | "**" | Literal | Variable
//   Variable  = "{" FieldPath [ "=" Segments ] "}"
//   FieldPath = Ident { "." Ident }
//
//   CS_ASSIGN_OR_RETURN(PathTemplate t, PathTemplate::Parse("/v1/{name=shelves/*}/books/{id}"));
//   auto vars = t.Match("/v1/shelves/s1/books/b%202");  // {{"name","shelves/s1"},{"id","b 2"}}
//
// `**` matches zero or more segments and must be the last segment (a variable holding it must be
// last too). `{x}` is short for `{x=*}`. `*` never matches an empty segment. A single-segment
// variable's value is fully percent-decoded; a multi-segment value keeps `%2F` encoded so that the
// segment boundaries stay visible (as google.api.http specifies). Nested field paths (`a.b`) are
// accepted here; whether they name real fields is checked against the descriptor elsewhere.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cloudstate::proxy::http {

class PathTemplate {
 public:
  struct Variable {
    std::vector<std::string> field_path;  // "a.b" -> {"a", "b"}
    size_t first_segment = 0;             // index of the first segment it covers
    size_t end_segment = 0;               // one past the last segment it covers
    std::string FieldPathString() const;
  };
  // (field path "a.b", decoded value) in template order.
  using Bindings = std::vector<std::pair<std::string, std::string>>;

  // InvalidArgument with a message naming the template and the position of the problem.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The variable values when `path` (no query string) matches, nullopt otherwise.
  std::optional<Bindings> Match(absl::string_view path) const;

  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }
  const std::string& text() const { return text_; }

 private:
  enum class SegmentKind { kLiteral, kSingle, kMulti };
  struct Segment {
    SegmentKind kind = SegmentKind::kLiteral;
    std::string literal;
  };
  class Parser;

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Percent-decoding of a path segment or query component. `keep_slash` leaves "%2F" as it is;
// `plus_is_space` is for query strings. Malformed escapes are kept verbatim.
std::string PercentDecode(absl::string_view text, bool keep_slash = false,
                          bool plus_is_space = false);

}  // namespace cloudstate::proxy::http
