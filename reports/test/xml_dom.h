#pragma once
// A tiny DOM built with expat (a strict, conforming XML 1.0 parser), for checking the XML we
// write: parse errors are reported, not tolerated.

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cloudstate::reports::testing {

struct XmlNode {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;  // concatenated character data directly inside this element
  std::vector<std::unique_ptr<XmlNode>> children;

  std::vector<const XmlNode*> Children(const std::string& child_name) const;
  const XmlNode* Child(const std::string& child_name) const;  // first, or nullptr
  std::string Attr(const std::string& key) const;             // "" when absent
};

// True when expat is linked into the test binary.
bool HaveXmlParser();
// Parses `xml`; on error returns nullptr and sets `error` to expat's message and line.
std::unique_ptr<XmlNode> ParseXml(const std::string& xml, std::string* error);

}  // namespace cloudstate::reports::testing
