#include "aws/query_xml.hpp"

namespace staticgate::aws::query_xml {

std::string_view local_name(const char* name) {
  const std::string_view full(name);
  const auto colon = full.find(':');
  return colon == std::string_view::npos ? full : full.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node parent, std::string_view local) {
  for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling())
    if (n.type() == pugi::node_element && local_name(n.name()) == local) return n;
  return {};
}

std::string text(pugi::xml_node parent, std::string_view local, bool* found) {
  const pugi::xml_node n = child(parent, local);
  if (found) *found = static_cast<bool>(n);
  std::string_view value = n ? n.child_value() : "";
  constexpr std::string_view space = " \t\r\n";
  const auto first = value.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  value = value.substr(first, value.find_last_not_of(space) - first + 1);
  return std::string(value);
}

bool load(pugi::xml_document& doc, std::string_view body, std::string& error) {
  const pugi::xml_parse_result result =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!result) {
    error = "malformed XML at offset " + std::to_string(result.offset) + ": " + result.description();
    return false;
  }
  if (!doc.document_element()) {
    error = "malformed XML: no root element";
    return false;
  }
  return true;
}

}  // namespace staticgate::aws::query_xml
