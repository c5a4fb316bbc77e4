#include "xml_dom.h"

#ifdef CS_HAVE_EXPAT
#include <expat.h>
#endif

namespace cloudstate::reports::testing {

std::vector<const XmlNode*> XmlNode::Children(const std::string& child_name) const {
  std::vector<const XmlNode*> out;
  for (const auto& c : children) {
    if (c->name == child_name) {
      out.push_back(c.get());
    }
  }
  return out;
}

const XmlNode* XmlNode::Child(const std::string& child_name) const {
  for (const auto& c : children) {
    if (c->name == child_name) {
      return c.get();
    }
  }
  return nullptr;
}

std::string XmlNode::Attr(const std::string& key) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? "" : it->second;
}

#ifdef CS_HAVE_EXPAT
namespace {

struct State {
  std::unique_ptr<XmlNode> root;
  std::vector<XmlNode*> stack;
};

void OnStart(void* data, const XML_Char* name, const XML_Char** attrs) {
  auto* st = static_cast<State*>(data);
  auto node = std::make_unique<XmlNode>();
  node->name = name;
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    node->attrs[attrs[i]] = attrs[i + 1];
  }
  XmlNode* raw = node.get();
  if (st->stack.empty()) {
    st->root = std::move(node);
  } else {
    st->stack.back()->children.push_back(std::move(node));
  }
  st->stack.push_back(raw);
}

void OnEnd(void* data, const XML_Char* /*name*/) { static_cast<State*>(data)->stack.pop_back(); }

void OnText(void* data, const XML_Char* s, int len) {
  auto* st = static_cast<State*>(data);
  if (!st->stack.empty()) {
    st->stack.back()->text.append(s, static_cast<size_t>(len));
  }
}

}  // namespace

bool HaveXmlParser() { return true; }

std::unique_ptr<XmlNode> ParseXml(const std::string& xml, std::string* error) {
  State st;
  XML_Parser p = XML_ParserCreate("UTF-8");
  XML_SetUserData(p, &st);
  XML_SetElementHandler(p, OnStart, OnEnd);
  XML_SetCharacterDataHandler(p, OnText);
  const bool ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  if (!ok) {
    *error = std::string(XML_ErrorString(XML_GetErrorCode(p))) + " at line " +
             std::to_string(XML_GetCurrentLineNumber(p));
  }
  XML_ParserFree(p);
  return ok ? std::move(st.root) : nullptr;
}
#else
bool HaveXmlParser() { return false; }
std::unique_ptr<XmlNode> ParseXml(const std::string&, std::string* error) {
  *error = "built without expat";
  return nullptr;
}
#endif

}  // namespace cloudstate::reports::testing
