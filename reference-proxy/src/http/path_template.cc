#include "http/path_template.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace cloudstate::proxy::http {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool IsIdentStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Characters that end a literal: structure of the template, or characters a URL path cannot
// carry unescaped.
bool EndsLiteral(char c) {
  return c == '/' || c == '{' || c == '}' || c == '*' || c == ':' || c == '=' || c == '?' ||
         c == '#' || c == ' ';
}

}  // namespace

std::string PercentDecode(absl::string_view text, bool keep_slash, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        const char decoded = static_cast<char>(hi * 16 + lo);
        if (decoded == '/' && keep_slash) {
          out.append(text.data() + i, 3);
        } else {
          out.push_back(decoded);
        }
        i += 2;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::string PathTemplate::Variable::FieldPathString() const {
  return absl::StrJoin(field_path, ".");
}

class PathTemplate::Parser {
 public:
  Parser(absl::string_view text, PathTemplate* out) : text_(text), out_(out) {}

  absl::Status Run() {
    if (text_.empty() || text_[0] != '/') {
      return Error("must start with '/'");
    }
    ++pos_;
    if (pos_ == text_.size()) {
      return absl::OkStatus();  // "/" alone: the root, no segments
    }
    if (absl::Status s = Segments(/*in_variable=*/false); !s.ok()) {
      return s;
    }
    if (pos_ < text_.size() && text_[pos_] == ':') {
      ++pos_;
      const size_t start = pos_;
      while (pos_ < text_.size() && !EndsLiteral(text_[pos_])) {
        ++pos_;
      }
      if (pos_ == start) {
        return Error("empty verb after ':'");
      }
      out_->verb_ = std::string(text_.substr(start, pos_ - start));
    }
    if (pos_ != text_.size()) {
      return Error(absl::StrCat("unexpected '", text_.substr(pos_, 1), "'"));
    }
    // `**` may only come last: a later segment could never be told apart from it.
    for (size_t i = 0; i + 1 < out_->segments_.size(); ++i) {
      if (out_->segments_[i].kind == SegmentKind::kMulti) {
        return absl::InvalidArgumentError(
            absl::StrCat("path template \"", text_, "\": '**' must be the last segment"));
      }
    }
    std::set<std::string> seen;
    for (const Variable& v : out_->variables_) {
      if (!seen.insert(v.FieldPathString()).second) {
        return absl::InvalidArgumentError(absl::StrCat("path template \"", text_, "\": variable '",
                                                       v.FieldPathString(),
                                                       "' bound more than once"));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("path template \"", text_, "\": ", what, " at position ", pos_));
  }

  absl::Status Segments(bool in_variable) {
    while (true) {
      if (absl::Status s = Segment(in_variable); !s.ok()) {
        return s;
      }
      if (pos_ < text_.size() && text_[pos_] == '/') {
        ++pos_;
        continue;
      }
      return absl::OkStatus();
    }
  }

  absl::Status Segment(bool in_variable) {
    if (pos_ >= text_.size()) {
      return Error("empty segment");
    }
    const char c = text_[pos_];
    if (c == '{') {
      if (in_variable) {
        return Error("nested variable");
      }
      return VariableSegment();
    }
    if (c == '*') {
      if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        pos_ += 2;
        out_->segments_.push_back({SegmentKind::kMulti, ""});
      } else {
        ++pos_;
        out_->segments_.push_back({SegmentKind::kSingle, ""});
      }
      if (pos_ < text_.size() && !EndsLiteral(text_[pos_])) {
        return Error("'*' must be a whole segment");
      }
      return absl::OkStatus();
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && !EndsLiteral(text_[pos_])) {
      ++pos_;
    }
    if (pos_ == start) {
      return Error(absl::StrCat("unexpected '", text_.substr(pos_, 1), "'"));
    }
    out_->segments_.push_back(
        {SegmentKind::kLiteral, PercentDecode(text_.substr(start, pos_ - start))});
    return absl::OkStatus();
  }

  absl::Status VariableSegment() {
    ++pos_;  // '{'
    Variable variable;
    while (true) {
      const size_t start = pos_;
      if (pos_ >= text_.size() || !IsIdentStart(text_[pos_])) {
        return Error("expected a field name");
      }
      while (pos_ < text_.size() && IsIdentChar(text_[pos_])) {
        ++pos_;
      }
      variable.field_path.emplace_back(text_.substr(start, pos_ - start));
      if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        continue;
      }
      break;
    }
    variable.first_segment = out_->segments_.size();
    if (pos_ < text_.size() && text_[pos_] == '=') {
      ++pos_;
      if (absl::Status s = Segments(/*in_variable=*/true); !s.ok()) {
        return s;
      }
    } else {
      out_->segments_.push_back({SegmentKind::kSingle, ""});
    }
    if (pos_ >= text_.size() || text_[pos_] != '}') {
      return Error("expected '}'");
    }
    ++pos_;
    variable.end_segment = out_->segments_.size();
    out_->variables_.push_back(std::move(variable));
    return absl::OkStatus();
  }

  absl::string_view text_;
  PathTemplate* out_;
  size_t pos_ = 0;
};

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate result;
  result.text_ = std::string(text);
  Parser parser(text, &result);
  if (absl::Status s = parser.Run(); !s.ok()) {
    return s;
  }
  return result;
}

std::optional<PathTemplate::Bindings> PathTemplate::Match(absl::string_view path) const {
  if (path.empty() || path[0] != '/') {
    return std::nullopt;
  }
  path.remove_prefix(1);
  if (!verb_.empty()) {
    const std::string suffix = ":" + verb_;
    if (path.size() < suffix.size() || path.substr(path.size() - suffix.size()) != suffix) {
      return std::nullopt;
    }
    path.remove_suffix(suffix.size());
  }
  std::vector<absl::string_view> parts;
  if (!path.empty() || !segments_.empty()) {
    parts = absl::StrSplit(path, '/');
  }
  if (segments_.empty()) {
    return parts.empty() ? std::optional<Bindings>(Bindings{}) : std::nullopt;
  }
  const bool has_multi = segments_.back().kind == SegmentKind::kMulti;
  const size_t fixed = has_multi ? segments_.size() - 1 : segments_.size();
  if (parts.size() < fixed || (!has_multi && parts.size() != fixed)) {
    return std::nullopt;
  }
  // Where each template segment starts in `parts` (the `**` one takes the rest).
  for (size_t i = 0; i < fixed; ++i) {
    const Segment& segment = segments_[i];
    if (segment.kind == SegmentKind::kLiteral) {
      if (PercentDecode(parts[i]) != segment.literal) {
        return std::nullopt;
      }
    } else if (parts[i].empty()) {
      return std::nullopt;
    }
  }
  Bindings bindings;
  for (const Variable& v : variables_) {
    const size_t first = v.first_segment;
    const size_t end =
        (has_multi && v.end_segment == segments_.size()) ? parts.size() : v.end_segment;
    std::string value;
    if (end - first == 1 && segments_[first].kind != SegmentKind::kMulti) {
      value = PercentDecode(parts[first]);
    } else {
      std::vector<std::string> decoded;
      for (size_t i = first; i < end; ++i) {
        decoded.push_back(PercentDecode(parts[i], /*keep_slash=*/true));
      }
      value = absl::StrJoin(decoded, "/");
    }
    bindings.emplace_back(v.FieldPathString(), std::move(value));
  }
  return bindings;
}

}  // namespace cloudstate::proxy::http
