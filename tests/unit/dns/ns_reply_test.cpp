// parse_ns_reply on hand-built messages: compression, TTLs, and every way a
// reply can be cut short or lie about its lengths.
#include "dns/ns_reply.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace staticgate::dns {
namespace {

using bytes = std::vector<unsigned char>;

void put16(bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v));
}
void put32(bytes& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
void put_name(bytes& b, const std::vector<std::string>& labels) {
  for (const auto& l : labels) {
    b.push_back(static_cast<unsigned char>(l.size()));
    b.insert(b.end(), l.begin(), l.end());
  }
  b.push_back(0);
}

// A reply to "NS zone.test": header, question at offset 12 (so 0xc00c points at "zone.test").
bytes reply_header(unsigned ancount) {
  bytes b;
  put16(b, 0x1234);
  put16(b, 0x8400);  // QR, AA
  put16(b, 1);
  put16(b, ancount);
  put16(b, 0);
  put16(b, 0);
  put_name(b, {"zone", "test"});
  put16(b, 2);
  put16(b, 1);
  return b;
}

// One record owned by the question name; `rdata` as given.
void put_record(bytes& b, unsigned type, std::uint32_t ttl, const bytes& rdata) {
  put16(b, 0xc00c);
  put16(b, type);
  put16(b, 1);
  put32(b, ttl);
  put16(b, static_cast<unsigned>(rdata.size()));
  b.insert(b.end(), rdata.begin(), rdata.end());
}

bytes ns_rdata_compressed(const std::string& label) {  // "<label>.zone.test"
  bytes r;
  r.push_back(static_cast<unsigned char>(label.size()));
  r.insert(r.end(), label.begin(), label.end());
  put16(r, 0xc00c);
  return r;
}

bytes two_ns() {
  bytes b = reply_header(2);
  put_record(b, 2, 300, ns_rdata_compressed("ns1"));
  bytes full;
  put_name(full, {"ns2", "elsewhere", "example"});
  put_record(b, 2, 120, full);
  return b;
}

TEST(NsReply, ReadsCompressedAndPlainTargetsAndTheSmallestTtl) {
  ns_answer a;
  ASSERT_FALSE(parse_ns_reply(two_ns(), a));
  EXPECT_EQ(a.hosts, (std::vector<std::string>{"ns1.zone.test", "ns2.elsewhere.example"}));
  EXPECT_EQ(a.ttl_seconds, 120u);
}

TEST(NsReply, OtherRecordTypesCountOnlyTowardsTheTtl) {
  bytes b = reply_header(2);
  bytes cname;
  put_name(cname, {"real", "test"});
  put_record(b, 5, 10, cname);
  put_record(b, 2, 300, ns_rdata_compressed("ns1"));
  ns_answer a;
  ASSERT_FALSE(parse_ns_reply(b, a));
  EXPECT_EQ(a.hosts, (std::vector<std::string>{"ns1.zone.test"}));
  EXPECT_EQ(a.ttl_seconds, 10u);
}

TEST(NsReply, NoNsRecordIsNoData) {
  bytes b = reply_header(1);
  put_record(b, 1, 60, {192, 0, 2, 1});
  ns_answer a;
  EXPECT_EQ(parse_ns_reply(b, a), errc::no_data);
  EXPECT_EQ(parse_ns_reply(reply_header(0), a), errc::no_data);
  EXPECT_TRUE(a.hosts.empty());
}

TEST(NsReply, ATtlWithTheTopBitSetReadsAsZero) {
  bytes b = reply_header(1);
  put_record(b, 2, 0x80000000u, ns_rdata_compressed("ns1"));
  ns_answer a;
  ASSERT_FALSE(parse_ns_reply(b, a));
  EXPECT_EQ(a.ttl_seconds, 0u);
}

TEST(NsReply, EveryTruncationIsABadResponse) {
  bytes full = two_ns();
  for (std::size_t n = 0; n < full.size(); ++n) {
    ns_answer a;
    bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(parse_ns_reply(cut, a), errc::bad_response) << "cut at " << n;
    EXPECT_TRUE(a.hosts.empty());
  }
}

TEST(NsReply, ATargetLongerThanItsRdataIsABadResponse) {
  bytes b = reply_header(1);
  bytes rdata = ns_rdata_compressed("ns1");
  put16(b, 0xc00c);
  put16(b, 2);
  put16(b, 1);
  put32(b, 60);
  put16(b, static_cast<unsigned>(rdata.size() - 1));  // claims one byte less than the name takes
  b.insert(b.end(), rdata.begin(), rdata.end());
  ns_answer a;
  EXPECT_EQ(parse_ns_reply(b, a), errc::bad_response);
}

TEST(NsReply, ACompressionLoopIsABadResponse) {
  bytes b = reply_header(1);
  std::size_t at = b.size() + 12;  // where the rdata will start
  bytes loop;
  put16(loop, 0xc000 | static_cast<unsigned>(at));  // points at itself
  put_record(b, 2, 60, loop);
  ns_answer a;
  EXPECT_EQ(parse_ns_reply(b, a), errc::bad_response);
}

TEST(NsReply, AnAnswerCountBeyondTheRecordsIsABadResponse) {
  bytes b = reply_header(3);  // says three, holds two
  put_record(b, 2, 300, ns_rdata_compressed("ns1"));
  put_record(b, 2, 300, ns_rdata_compressed("ns2"));
  ns_answer a;
  EXPECT_EQ(parse_ns_reply(b, a), errc::bad_response);
}

}  // namespace
}  // namespace staticgate::dns
