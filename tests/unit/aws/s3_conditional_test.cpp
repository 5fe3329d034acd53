// The pure rules of S3 conditional writes: keys, precondition headers, answers.
#include "aws/s3_conditional.hpp"

#include <gtest/gtest.h>

namespace aws = staticgate::aws;
using staticgate::discovery::save_outcome;

TEST(S3Conditional, KeysThatS3CanHold) {
  EXPECT_EQ(aws::s3_key_problem("state/web/api.example.com"), "");
  EXPECT_EQ(aws::s3_key_problem("a b+c%d&e=f?g#h/ü/..x/x../.x"), "");
  EXPECT_EQ(aws::s3_key_problem(std::string(1024, 'k')), "");
}

TEST(S3Conditional, KeysThatWouldBeRewrittenOrRefusedAreProblems) {
  EXPECT_NE(aws::s3_key_problem(""), "");
  EXPECT_NE(aws::s3_key_problem(std::string(1025, 'k')).find("1025 bytes"), std::string::npos);
  for (const char* key : {".", "..", "a/./b", "a/../b", "a/..", "./a", "../a"})
    EXPECT_NE(aws::s3_key_problem(key).find("path segment"), std::string::npos) << key;
}

TEST(S3Conditional, FirstWriteIsCreateOnlyLaterWritesMatchTheEtag) {
  EXPECT_EQ(aws::conditional_put_header(""), (aws::header{.name = "If-None-Match", .value = "*"}));
  EXPECT_EQ(aws::conditional_put_header("\"9b2cf535f27731c974343645a3985328\""),
            (aws::header{.name = "If-Match", .value = "\"9b2cf535f27731c974343645a3985328\""}));
}

TEST(S3Conditional, GetAnswers) {
  EXPECT_EQ(aws::classify_get(200, ""), aws::s3_get_verdict::found);
  EXPECT_EQ(aws::classify_get(404, "NoSuchKey"), aws::s3_get_verdict::missing);
  EXPECT_EQ(aws::classify_get(404, "NoSuchBucket"), aws::s3_get_verdict::failed);
  EXPECT_EQ(aws::classify_get(404, ""), aws::s3_get_verdict::failed);
  EXPECT_EQ(aws::classify_get(403, "AccessDenied"), aws::s3_get_verdict::failed);
  EXPECT_EQ(aws::classify_get(0, ""), aws::s3_get_verdict::failed);  // no answer at all
}

TEST(S3Conditional, ConditionalPutAnswers) {
  EXPECT_EQ(aws::classify_conditional_put(200, "", true), save_outcome::saved);
  EXPECT_EQ(aws::classify_conditional_put(412, "PreconditionFailed", true), save_outcome::conflict);
  EXPECT_EQ(aws::classify_conditional_put(412, "", false), save_outcome::conflict);
  EXPECT_EQ(aws::classify_conditional_put(409, "ConditionalRequestConflict", false), save_outcome::conflict);
  EXPECT_EQ(aws::classify_conditional_put(409, "OperationAborted", false), save_outcome::failed);
  EXPECT_EQ(aws::classify_conditional_put(404, "NoSuchKey", true), save_outcome::conflict);
  EXPECT_EQ(aws::classify_conditional_put(404, "NoSuchKey", false), save_outcome::failed);
  EXPECT_EQ(aws::classify_conditional_put(404, "NoSuchBucket", true), save_outcome::failed);
  EXPECT_EQ(aws::classify_conditional_put(403, "AccessDenied", true), save_outcome::failed);
  EXPECT_EQ(aws::classify_conditional_put(0, "", true), save_outcome::failed);
}

TEST(S3Conditional, HintsForFailuresAPersonCanFix) {
  EXPECT_NE(aws::s3_failure_hint("GET", 403, "AccessDenied").find("s3:ListBucket"), std::string::npos);
  EXPECT_NE(aws::s3_failure_hint("PUT", 404, "NoSuchBucket").find("bucket does not exist"), std::string::npos);
  EXPECT_NE(aws::s3_failure_hint("GET", 403, "SignatureDoesNotMatch").find("credentials"), std::string::npos);
  EXPECT_EQ(aws::s3_failure_hint("PUT", 500, "InternalError"), "");
}
