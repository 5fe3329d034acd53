// Reading the XML the AWS query APIs answer with, for the parsers in aws_error.cpp and
// query_responses.cpp only (pugixml stays out of every other header).
//
// Elements are matched by local name: AWS puts its documents in a default namespace
// (xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"), but a prefix ("<ec2:item>") would be just
// as valid XML, so any prefix is ignored. pugixml never expands DTD entities or fetches anything,
// so a hostile body cannot make the parser read files or grow without bound.
#pragma once

#include <string>
#include <string_view>

#include <pugixml.hpp>

namespace staticgate::aws::query_xml {

// "ec2:item" -> "item".
std::string_view local_name(const char* name);

// The first child element of `parent` named `local`, or an empty node.
pugi::xml_node child(pugi::xml_node parent, std::string_view local);

// The text of the child element `local`, trimmed of surrounding whitespace; "" when the
// element is absent or empty. `found`, when given, says whether the element was there.
std::string text(pugi::xml_node parent, std::string_view local, bool* found = nullptr);

// Parses `body` into `doc`. False with `error` ("malformed XML at offset 12: ...") when it is
// not well-formed or has no root element.
bool load(pugi::xml_document& doc, std::string_view body, std::string& error);

// Calls f(node) for each child element of `parent` named `local`.
template <typename F>
void for_each_child(pugi::xml_node parent, std::string_view local, F&& f) {
  for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling())
    if (n.type() == pugi::node_element && local_name(n.name()) == local) f(n);
}

}  // namespace staticgate::aws::query_xml
