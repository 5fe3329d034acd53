// Percent-encoding as SigV4 defines it (RFC 3986's unreserved set A-Z a-z 0-9 - _ . ~ stays,
// every other byte becomes %XX with upper-case hex), its inverse, and the path normalisation
// AWS services other than S3 apply before signing. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace staticgate::aws {

// Encodes every byte outside the unreserved set; with keep_slash, '/' stays too (paths).
std::string uri_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX sequences (either hex case). A '%' not followed by two hex digits is kept as
// is, as servers do, rather than rejected: the signer must describe what is sent, not judge it.
// '+' stays '+': SigV4 never treats it as a space.
std::string uri_decode(std::string_view text);

// Removes "." and ".." segments (RFC 3986 5.2.4) and empty segments, keeping a leading and a
// trailing '/'. The empty-segment removal is AWS's addition, and the exact edge behaviour
// ("/a/.." is "/", "/a/." is "/a") follows botocore so both sign the same canonical path.
// An empty path is "/".
std::string normalize_path(std::string_view path);

}  // namespace staticgate::aws
