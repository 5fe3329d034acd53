// Host name normalization and allow-list patterns: case, trailing dots, wildcard depth, apex.
#include "egress/host_pattern.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace staticgate::egress {
namespace {

TEST(egress_host_name, normalize_table) {
  struct entry {
    std::string text;
    std::string normalized;  // empty: rejected
  };
  const std::vector<entry> table = {
      {"api.vendor.com", "api.vendor.com"},
      {"API.Vendor.COM", "api.vendor.com"},
      {"api.vendor.com.", "api.vendor.com"},
      {"localhost", "localhost"},
      {"_dmarc.vendor.com", "_dmarc.vendor.com"},
      {"xn--bcher-kva.example", "xn--bcher-kva.example"},
      {"a-b.c-d.e", "a-b.c-d.e"},
      {"1.2.3.com", "1.2.3.com"},
      {"vendor.com..", ""},
      {".vendor.com", ""},
      {"api..vendor.com", ""},
      {".", ""},
      {"", ""},
      {"api vendor.com", ""},
      {"api.vendor.com:443", ""},
      {"bücher.example", ""},
      {"a/b", ""},
      {"fe80::1%eth0", ""},
      {"*.vendor.com", ""},
      {std::string(64, 'a') + ".com", ""},
      {std::string(63, 'a') + ".com", std::string(63, 'a') + ".com"},
      // inet_aton reads these as IPv4 addresses; a resolver would too.
      {"127.1", ""},
      {"0x7f000001", ""},
      {"0x7f.0.0.1", ""},
      {"2130706433", ""},
      {"1.2.3.4", ""},
      {"017700000001", ""},
      {"vendor.123", ""},  // numeric last label
  };
  for (const auto& e : table) {
    const auto normalized = normalize_host_name(e.text);
    if (e.normalized.empty()) {
      EXPECT_FALSE(normalized) << e.text << " -> " << normalized.value_or("");
    } else {
      EXPECT_EQ(normalized.value_or("<rejected>"), e.normalized) << e.text;
    }
  }
}

TEST(egress_host_name, length_limit_is_253) {
  std::string name;
  while (name.size() < 253) name += "abcdefghi.";  // 10 per label
  name.resize(253);
  if (name.back() == '.') name.back() = 'x';
  EXPECT_TRUE(normalize_host_name(name));
  EXPECT_TRUE(normalize_host_name(name + "."));  // trailing dot does not count
  EXPECT_FALSE(normalize_host_name(name + "y"));
}

TEST(egress_host_pattern, matching_table) {
  struct entry {
    std::string pattern;
    std::string host;  // already normalized
    bool matches;
  };
  const std::vector<entry> table = {
      {"api.vendor.com", "api.vendor.com", true},
      {"API.vendor.com.", "api.vendor.com", true},
      {"api.vendor.com", "vendor.com", false},
      {"api.vendor.com", "x.api.vendor.com", false},
      {"api.vendor.com", "api.vendor.com.evil.net", false},
      {"*.vendor.com", "api.vendor.com", true},
      {"*.vendor.com", "a.b.vendor.com", true},  // any depth
      {"*.Vendor.Com.", "api.vendor.com", true},
      {"*.vendor.com", "vendor.com", false},  // not the apex
      {"*.vendor.com", "xvendor.com", false},
      {"*.vendor.com", "vendor.com.evil.net", false},
      {"*.vendor.com", "evilvendor.com", false},
      {"*.a.com", "a.com", false},
      {"*.a.com", "xa.com", false},
      {"*.a.com", "x.a.com", true},
      {"*.com", "vendor.com", true},
  };
  for (const auto& e : table) {
    const auto parsed = host_pattern::parse(e.pattern);
    ASSERT_TRUE(parsed.pattern) << e.pattern << ": " << parsed.error;
    EXPECT_EQ(parsed.pattern->matches(e.host), e.matches) << e.pattern << " vs " << e.host;
  }
}

TEST(egress_host_pattern, invalid_patterns_are_rejected_with_a_reason) {
  struct entry {
    std::string pattern;
    std::string error_contains;
  };
  const std::vector<entry> table = {
      {"*", "only allowed as the whole first label"},
      {"*vendor.com", "only allowed as the whole first label"},
      {"api.*.com", "only allowed as the whole first label"},
      {"api.*", "only allowed as the whole first label"},
      {"*.*.com", "only allowed as the whole first label"},
      {"", "is not a valid host name"},
      {"*.", "is not a valid host name"},
      {"bad name.com", "is not a valid host name"},
      {"127.1", "is not a valid host name"},
  };
  for (const auto& e : table) {
    const auto parsed = host_pattern::parse(e.pattern);
    EXPECT_FALSE(parsed.pattern) << e.pattern;
    EXPECT_NE(parsed.error.find(e.error_contains), std::string::npos) << e.pattern << ": " << parsed.error;
  }
}

TEST(egress_host_pattern, canonical_text) {
  EXPECT_EQ(host_pattern::parse("*.Vendor.com.").pattern->to_string(), "*.vendor.com");
  EXPECT_TRUE(host_pattern::parse("*.vendor.com").pattern->is_wildcard());
  EXPECT_FALSE(host_pattern::parse("vendor.com").pattern->is_wildcard());
}

}  // namespace
}  // namespace staticgate::egress
