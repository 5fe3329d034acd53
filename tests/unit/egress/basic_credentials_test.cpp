// Basic credentials and strict base64: RFC 4648 test vectors, the canonical-form rules, and
// every way a Proxy-Authorization value is refused.
#include "egress/basic_credentials.hpp"

#include <gtest/gtest.h>

namespace egress = staticgate::egress;

namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(egress::base64_encode(plain), encoded);
    EXPECT_EQ(egress::base64_decode(encoded), plain);
  }
}

TEST(Base64, RefusesNonCanonicalSpellings) {
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm9v\n", " Zm9v",
                          "Zm-v", "Zm_v", "Zm9v====", "Zg=a"}) {
    EXPECT_EQ(egress::base64_decode(bad), std::nullopt) << bad;
  }
}

TEST(Base64, AllBytesRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const auto part = all.substr(0, n);
    EXPECT_EQ(egress::base64_decode(egress::base64_encode(part)), part);
  }
}

TEST(BasicCredentials, Accepted) {
  struct row {
    const char* value;
    const char* user;
    const char* password;
  };
  const row rows[] = {
      {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"},  // RFC 7617 example
      {"basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"},
      {"BASIC   QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"},
      {"Basic dTpwOnE=", "u", "p:q"},  // the password may hold colons
      {"Basic Og==", "", ""},          // ":"
      {"Basic w6k6w6k=", "\xC3\xA9", "\xC3\xA9"},
  };
  for (const auto& r : rows) {
    const auto c = egress::decode_basic_credentials(r.value);
    ASSERT_TRUE(c.has_value()) << r.value;
    EXPECT_EQ(c->user, r.user);
    EXPECT_EQ(c->password, r.password);
  }
}

TEST(BasicCredentials, Refused) {
  for (const char* bad : {"", "Basic", "Basic ", "Basic    ", "Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
                          "BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Basic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ==",
                          "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== x",
                          "Basic dXNlcg==" /* no colon */, "Basic dQA6cA==" /* NUL in user */,
                          "Basic dTpwCg==" /* LF in password */, "Digest username=\"u\""}) {
    EXPECT_EQ(egress::decode_basic_credentials(bad), std::nullopt) << bad;
  }
}

TEST(BasicCredentials, EncodeRoundTripAndRefusals) {
  const egress::basic_credentials c{"user", "pa:ss word"};
  const auto value = egress::encode_basic_credentials(c);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "Basic dXNlcjpwYTpzcyB3b3Jk");
  EXPECT_EQ(egress::decode_basic_credentials(*value), c);
  EXPECT_EQ(egress::encode_basic_credentials({"us:er", "p"}), std::nullopt);
  EXPECT_EQ(egress::encode_basic_credentials({"u", "p\r\n"}), std::nullopt);
}

}  // namespace
