// The INI dialect of ~/.aws/config and ~/.aws/credentials, read the way botocore reads it
// (botocore/configloader.py: Python's configparser.RawConfigParser with its defaults, then one
// level of nested sections), so a file the AWS CLI accepts means the same here:
//  - "[name]" opens a section; the name is everything between the first '[' and the last ']'
//    (text after the ']' is ignored, so "[default] ; note" is section "default"). Section names
//    are case-sensitive. A section name repeated in one file is an error, as in the CLI.
//  - "key = value" or "key: value", split at the first '=' or ':'; keys are lower-cased (keys
//    are case-insensitive, "AWS_ACCESS_KEY_ID" is aws_access_key_id); key and value trimmed.
//    A key repeated in one section is an error; a line with neither delimiter is an error.
//  - Whole-line comments start with '#' or ';' (after optional indentation). There are no
//    inline comments: "region = eu-west-1 # x" has the value "eu-west-1 # x", as in botocore.
//  - A line indented deeper than the line of the key before it continues that value (joined
//    with '\n'; blank lines inside are kept, trailing ones dropped). A value whose first line
//    is empty and which continues, like
//        s3 =
//          addressing_style = path
//    is a nested section: each continuation line must be "key = value" (these keys keep their
//    case, as in botocore).
//  - "[DEFAULT]" (upper case; not "[default]", the AWS default profile) holds values every
//    other section inherits unless it sets them itself.
//  - A key before any section is an error. Errors name the file and line: "path:12: ...".
// Beyond botocore: a UTF-8 byte order mark at the start is skipped (editors on Windows write
// one; Python would reject the file with a confusing "missing section header").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staticgate::aws {

struct ini_value {
  std::string text;  // the (possibly multi-line) value; for a nested section, its raw lines
  std::map<std::string, std::string> nested;  // filled when the value is a nested section
  bool is_nested = false;
  int line = 0;  // where the key is
};

struct ini_section {
  std::string name;
  int line = 0;
  std::map<std::string, ini_value> values;  // keys lower-cased
};

struct ini_document {
  std::string path;                   // for messages: "path:line"
  std::vector<ini_section> sections;  // in file order, without [DEFAULT] (merged in)

  const ini_section* find(std::string_view name) const;
};

// nullopt with `error` = "path:line: what is wrong" on the first error.
std::optional<ini_document> parse_ini(std::string_view text, std::string_view path, std::string& error);

}  // namespace staticgate::aws
