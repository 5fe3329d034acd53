// The signer's steps one by one, and the per-service rules the published suite does not cover
// (S3's path and payload header, stale headers from a retry, unsigned payloads).
#include "aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "aws/uri_encoding.hpp"

namespace aws = staticgate::aws;
using namespace std::chrono;

namespace {

// The example key of these tests, with every member set (-Wmissing-field-initializers).
staticgate::aws::credentials akid_credentials(std::string token) {
  staticgate::aws::credentials c;
  c.access_key_id = "AKID";
  c.secret_access_key = "secret";
  c.session_token = std::move(token);
  return c;
}


const sys_seconds example_time = sys_days{2015y / August / 30} + 12h + 36min;

const aws::header* find_header(const aws::header_list& headers, std::string_view name) {
  const auto it = std::ranges::find(headers, name, &aws::header::name);
  return it == headers.end() ? nullptr : &*it;
}

TEST(SigV4Dates, FormatsUtc) {
  EXPECT_EQ(aws::amz_date(example_time), "20150830T123600Z");
  EXPECT_EQ(aws::amz_date(sys_days{2024y / January / 5} + 3h + 4min + 5s), "20240105T030405Z");
  EXPECT_EQ(aws::scope_date(example_time), "20150830");
  EXPECT_EQ(aws::credential_scope(example_time, "eu-west-1", "sts"),
            "20150830/eu-west-1/sts/aws4_request");
}

TEST(SigV4SigningKey, MatchesAwsDocumentation) {
  // The worked example of AWS's "Examples of how to derive a signing key".
  const auto key = aws::signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                    "us-east-1", "iam");
  EXPECT_EQ(aws::to_hex(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4Crypto, KnownDigests) {
  EXPECT_EQ(aws::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2, and the empty key (must not mean "no key" to OpenSSL).
  EXPECT_EQ(aws::to_hex(aws::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(aws::to_hex(aws::hmac_sha256(std::string_view{}, "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(UriEncoding, EncodesAllButUnreserved) {
  EXPECT_EQ(aws::uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(aws::uri_encode("a b/c+d=e*"), "a%20b%2Fc%2Bd%3De%2A");
  EXPECT_EQ(aws::uri_encode("/a b/", /*keep_slash=*/true), "/a%20b/");
  EXPECT_EQ(aws::uri_encode("\xE1\x88\xB4%"), "%E1%88%B4%25");
}

TEST(UriEncoding, DecodesLeniently) {
  EXPECT_EQ(aws::uri_decode("%e1%88%B4"), "\xE1\x88\xB4");
  EXPECT_EQ(aws::uri_decode("a+b%20c"), "a+b c");
  EXPECT_EQ(aws::uri_decode("100%"), "100%");
  EXPECT_EQ(aws::uri_decode("%zz%4"), "%zz%4");
}

TEST(UriEncoding, NormalizesPaths) {
  EXPECT_EQ(aws::normalize_path(""), "/");
  EXPECT_EQ(aws::normalize_path("/"), "/");
  EXPECT_EQ(aws::normalize_path("//a//b//"), "/a/b/");
  EXPECT_EQ(aws::normalize_path("/a/./b/../c"), "/a/c");
  EXPECT_EQ(aws::normalize_path("/a/.."), "/");
  EXPECT_EQ(aws::normalize_path("/../../a"), "/a");
  EXPECT_EQ(aws::normalize_path("/a/."), "/a");
  EXPECT_EQ(aws::normalize_path("/a/%2E%2E/b"), "/a/%2E%2E/b");  // encoded dots are names
}

TEST(SigV4CanonicalUri, DoubleEncodesExceptForS3) {
  const auto ec2 = aws::default_signing_options("ec2");
  const auto s3 = aws::default_signing_options("s3");
  EXPECT_EQ(aws::canonical_uri("/a%20b//c/../d", ec2), "/a%2520b/d");
  EXPECT_EQ(aws::canonical_uri("/a%20b//c/../d", s3), "/a%20b//c/../d");
  EXPECT_EQ(aws::canonical_uri("", s3), "/");
  EXPECT_EQ(aws::canonical_uri("", ec2), "/");
  EXPECT_TRUE(aws::default_signing_options("s3-outposts").content_sha256_header);
  EXPECT_FALSE(aws::default_signing_options("sts").content_sha256_header);
}

TEST(SigV4CanonicalQuery, SortsAndReencodes) {
  EXPECT_EQ(aws::canonical_query(""), "");
  EXPECT_EQ(aws::canonical_query("b=2&a=3&a=1&c"), "a=1&a=3&b=2&c=");
  EXPECT_EQ(aws::canonical_query("x=a+b&y=a b&z=%7e&w=%2f"), "w=%2F&x=a%2Bb&y=a%20b&z=~");
  EXPECT_EQ(aws::canonical_query("a&&b=&"), "a=&b=");
  // Sorted on the encoded bytes: "%20..." before "A", "A" before "a".
  EXPECT_EQ(aws::canonical_query("a=1&A=2& =3"), "%20=3&A=2&a=1");
  EXPECT_EQ(aws::canonical_query("k=v=w"), "k=v%3Dw");
}

TEST(SigV4CanonicalHeaders, LowersTrimsJoinsAndSorts) {
  const aws::header_list headers = {{"Host", "example.com"},
                                    {"X-B", "  two   words\there "},
                                    {"x-a", "1"},
                                    {"X-A", " 2"},
                                    {"X-Empty", "   "},
                                    {"User-Agent", "curl"},
                                    {"Authorization", "stale"}};
  const auto block = aws::canonical_headers(headers);
  EXPECT_EQ(block.canonical, "host:example.com\nx-a:1,2\nx-b:two words here\nx-empty:\n");
  EXPECT_EQ(block.signed_headers, "host;x-a;x-b;x-empty");
}

TEST(SigV4Sign, S3AddsPayloadHeaderAndKeepsPath) {
  aws::http_request request{.method = "PUT",
                            .path = "/bucket/my%20key//x/../y",
                            .query = "",
                            .headers = {{"Host", "s3.amazonaws.com"}},
                            .payload = "hello",
                            .payload_hash = ""};
  const aws::signing_params params{.region = "us-east-1",
                                   .service = "s3",
                                   .time = example_time,
                                   .options = aws::default_signing_options("s3")};
  const auto result = aws::sign(request, akid_credentials(""), params);
  const auto hash = aws::sha256_hex("hello");
  EXPECT_EQ(result.canonical_request,
            "PUT\n/bucket/my%20key//x/../y\n\nhost:s3.amazonaws.com\n"
            "x-amz-content-sha256:" + hash + "\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-content-sha256;x-amz-date\n" + hash);
  ASSERT_NE(find_header(result.headers_to_add, "X-Amz-Content-SHA256"), nullptr);
  EXPECT_EQ(find_header(result.headers_to_add, "X-Amz-Content-SHA256")->value, hash);
  EXPECT_EQ(find_header(result.headers_to_add, "X-Amz-Security-Token"), nullptr);
  EXPECT_EQ(result.headers_to_add.back().name, "Authorization");
  EXPECT_EQ(result.authorization,
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + result.signature);
}

TEST(SigV4Sign, UnsignedPayloadIsAnnounced) {
  aws::http_request request{.method = "POST",
                            .path = "/",
                            .query = "",
                            .headers = {{"Host", "monitoring.us-east-1.amazonaws.com"}},
                            .payload = "ignored",
                            .payload_hash = std::string(aws::unsigned_payload)};
  const aws::signing_params params{.region = "us-east-1",
                                   .service = "monitoring",
                                   .time = example_time,
                                   .options = aws::default_signing_options("monitoring")};
  const auto result = aws::sign(request, akid_credentials(""), params);
  EXPECT_TRUE(result.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(result.canonical_request.find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"),
            std::string::npos);
}

TEST(SigV4Sign, RetryReplacesStaleHeaders) {
  aws::http_request request{.method = "GET",
                            .path = "/",
                            .query = "Action=DescribeAddresses",
                            .headers = {{"Host", "ec2.amazonaws.com"}},
                            .payload = "",
                            .payload_hash = ""};
  const aws::credentials creds = akid_credentials("token-1");
  const aws::signing_params params{.region = "us-west-2",
                                   .service = "ec2",
                                   .time = example_time,
                                   .options = aws::default_signing_options("ec2")};
  const auto first = aws::sign(request, creds, params);

  auto retry = request;
  retry.headers.insert(retry.headers.end(), first.headers_to_add.begin(),
                       first.headers_to_add.end());
  auto later = params;
  later.time += 5min;
  const auto second = aws::sign(retry, akid_credentials("token-2"), later);
  auto fresh_request = request;
  const auto fresh = aws::sign(fresh_request, akid_credentials("token-2"), later);
  EXPECT_EQ(second.canonical_request, fresh.canonical_request);
  EXPECT_EQ(second.signature, fresh.signature);
  EXPECT_NE(second.canonical_request.find("x-amz-security-token:token-2\n"), std::string::npos);
}

TEST(SigV4Sign, SessionTokenCanBeLeftUnsigned) {
  aws::http_request request{.method = "GET",
                            .path = "/",
                            .query = "",
                            .headers = {{"Host", "iot.example.com"}},
                            .payload = "",
                            .payload_hash = ""};
  auto options = aws::default_signing_options("iotdevicegateway");
  options.sign_session_token = false;
  const auto result = aws::sign(
      request, akid_credentials("tok"),
      {.region = "us-east-1", .service = "iotdevicegateway", .time = example_time, .options = options});
  EXPECT_EQ(result.canonical_request.find("x-amz-security-token"), std::string::npos);
  ASSERT_NE(find_header(result.headers_to_add, "X-Amz-Security-Token"), nullptr);
}

}  // namespace
