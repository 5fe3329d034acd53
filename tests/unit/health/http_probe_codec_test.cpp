#include "ingress/health/http_probe_codec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>

namespace staticgate::health {
namespace {

status_ranges ranges(std::string_view spec) {
  std::string error;
  auto r = status_ranges::parse(spec, error);
  EXPECT_TRUE(r.has_value()) << spec << ": " << error;
  return r.value_or(status_ranges{});
}

std::string parse_error(std::string_view spec) {
  std::string error;
  EXPECT_FALSE(status_ranges::parse(spec, error).has_value()) << spec;
  return error;
}

// Feeds the whole response at once.
http_status_parser parsed(std::string_view response, std::string_view spec = default_status_spec,
                          std::size_t max_bytes = http_status_parser::default_max_bytes) {
  http_status_parser p(ranges(spec), max_bytes);
  p.feed(response);
  return p;
}

// ---- request ----

TEST(http_probe_request, builds_the_exact_bytes) {
  const http_probe_request r{.method = "GET", .path = "/healthz?full=1", .host = "api.example.com"};
  EXPECT_EQ(build_http_probe_request(r),
            "GET /healthz?full=1 HTTP/1.1\r\n"
            "Host: api.example.com\r\n"
            "User-Agent: staticgate-health\r\n"
            "Connection: close\r\n"
            "\r\n");
}

TEST(http_probe_request, defaults_and_ipv6_host) {
  http_probe_request r;
  r.host = "[::1]:8080";
  EXPECT_EQ(build_http_probe_request(r),
            "GET / HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: staticgate-health\r\nConnection: close\r\n\r\n");
  r.method = "HEAD";
  EXPECT_TRUE(build_http_probe_request(r).starts_with("HEAD / HTTP/1.1\r\n"));
}

TEST(http_probe_request, rejects_what_could_break_or_inject) {
  const auto bad = [](std::string method, std::string path, std::string host) {
    const http_probe_request r{.method = std::move(method), .path = std::move(path), .host = std::move(host)};
    EXPECT_TRUE(validate(r).has_value()) << r.method << " " << r.path << " " << r.host;
    EXPECT_THROW(build_http_probe_request(r), std::invalid_argument);
  };
  bad("", "/", "h");
  bad("get", "/", "h");
  bad("GET X", "/", "h");
  bad("GET\r\nX-Evil: 1", "/", "h");
  bad("GET", "", "h");
  bad("GET", "health", "h");
  bad("GET", "/a b", "h");
  bad("GET", "/a\r\nX-Evil: 1", "h");
  bad("GET", "/a#frag", "h");
  bad("GET", "/" + std::string(1024, 'a'), "h");
  bad("GET", "/", "");
  bad("GET", "/", "a b");
  bad("GET", "/", "h\r\nX-Evil: 1");
  bad("GET", "/", "user@h");
  bad("GET", "/", "h/x");
  bad("GET", "/", std::string(262, 'h'));
  EXPECT_FALSE(validate(http_probe_request{.method = "GET", .path = "/" + std::string(1023, 'a'), .host = "h"}));
}

TEST(http_probe_request, error_text_escapes_control_bytes) {
  const auto error = validate(http_probe_request{.method = "GET", .path = "/a\r\n", .host = "h"});
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("\\x0d\\x0a"), std::string::npos) << *error;
  EXPECT_EQ(error->find('\r'), std::string::npos);
}

// ---- status ranges ----

TEST(status_ranges, single_range_and_list) {
  const auto one = ranges("200");
  EXPECT_TRUE(one.contains(200));
  EXPECT_FALSE(one.contains(201));
  EXPECT_FALSE(one.contains(199));

  const auto range = ranges("200-299");
  EXPECT_TRUE(range.contains(200));
  EXPECT_TRUE(range.contains(299));
  EXPECT_FALSE(range.contains(300));

  const auto list = ranges("200,204,300-399");
  for (int c : {200, 204, 300, 350, 399}) EXPECT_TRUE(list.contains(c)) << c;
  for (int c : {201, 203, 205, 299, 400, 0, -1, 600, 1000}) EXPECT_FALSE(list.contains(c)) << c;
}

TEST(status_ranges, spaces_overlaps_and_canonical_text) {
  EXPECT_EQ(ranges(" 200 , 204,300 - 399 ").to_string(), "200,204,300-399");
  EXPECT_EQ(ranges("200-250,240-299,300").to_string(), "200-300");
  EXPECT_EQ(ranges("599").to_string(), "599");
  EXPECT_EQ(ranges(default_status_spec).to_string(), "200-399");
}

TEST(status_ranges, clear_errors) {
  EXPECT_NE(parse_error("").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("   ").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("200,").find("item 2 is empty"), std::string::npos);
  EXPECT_NE(parse_error(",200").find("item 1 is empty"), std::string::npos);
  EXPECT_NE(parse_error("200,,204").find("item 2 is empty"), std::string::npos);
  EXPECT_NE(parse_error("2OO").find("\"2OO\" is not a status code or range"), std::string::npos);
  EXPECT_NE(parse_error("20").find("not a status code"), std::string::npos);
  EXPECT_NE(parse_error("2000").find("not a status code"), std::string::npos);
  EXPECT_NE(parse_error("+200").find("not a status code"), std::string::npos);
  EXPECT_NE(parse_error("200-").find("not a status code"), std::string::npos);
  EXPECT_NE(parse_error("200-299-399").find("not a status code"), std::string::npos);
  EXPECT_NE(parse_error("2xx").find("not a status code"), std::string::npos);
  EXPECT_NE(parse_error("600").find("600 is outside 200-599"), std::string::npos);
  EXPECT_NE(parse_error("099").find("outside 200-599"), std::string::npos);
  EXPECT_NE(parse_error("100-399").find("interim"), std::string::npos);
  EXPECT_NE(parse_error("299-200").find("reversed (write 200-299)"), std::string::npos);
  EXPECT_NE(parse_error("\x1b[2J").find("\\x1b"), std::string::npos);
}

// ---- response parser ----

TEST(http_status_parser, http_1_1_in_range_passes) {
  const auto p = parsed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(p.verdict(), parse_verdict::passed);
  EXPECT_EQ(p.status_code(), 200);
  EXPECT_FALSE(p.failure().has_value());
  // It stopped at the end of the status line.
  EXPECT_EQ(p.bytes_consumed(), std::string_view("HTTP/1.1 200 OK\r\n").size());
}

TEST(http_status_parser, http_1_0_passes) {
  const auto p = parsed("HTTP/1.0 302 Found\r\n");
  EXPECT_EQ(p.verdict(), parse_verdict::passed);
  EXPECT_EQ(p.status_code(), 302);
}

TEST(http_status_parser, out_of_range_fails_with_the_status) {
  const auto p = parsed("HTTP/1.1 503 Service Unavailable\r\n\r\n");
  EXPECT_EQ(p.verdict(), parse_verdict::failed);
  EXPECT_EQ(p.failure(), probe_failure::unexpected_status);
  EXPECT_EQ(p.status_code(), 503);

  EXPECT_EQ(parsed("HTTP/1.1 204 No Content\r\n", "200").failure(), probe_failure::unexpected_status);
  EXPECT_EQ(parsed("HTTP/1.1 204 No Content\r\n", "200,204").verdict(), parse_verdict::passed);
  EXPECT_EQ(parsed("HTTP/1.1 404 Not Found\r\n", "200-399").verdict(), parse_verdict::failed);
  EXPECT_EQ(parsed("HTTP/1.1 404 Not Found\r\n", "404").verdict(), parse_verdict::passed);
  EXPECT_EQ(parsed("HTTP/1.1 799 Custom\r\n").failure(), probe_failure::unexpected_status);
}

TEST(http_status_parser, lenient_where_rfc_9112_allows) {
  EXPECT_EQ(parsed("HTTP/1.1 200\r\n").verdict(), parse_verdict::passed);     // no reason phrase
  EXPECT_EQ(parsed("HTTP/1.1 200 \r\n").verdict(), parse_verdict::passed);    // empty reason phrase
  EXPECT_EQ(parsed("HTTP/1.1 200 OK\n").verdict(), parse_verdict::passed);    // bare LF
  EXPECT_EQ(parsed("HTTP/1.1 200\n").verdict(), parse_verdict::passed);
  EXPECT_EQ(parsed("HTTP/1.9 200 OK\r\n").verdict(), parse_verdict::passed);  // any 1.x minor
  EXPECT_EQ(parsed("HTTP/1.1 200 All\tgood \xc3\xa9\r\n").verdict(), parse_verdict::passed);
}

TEST(http_status_parser, garbage_fails_on_the_first_wrong_byte) {
  struct input {
    std::string_view bytes;
    std::size_t consumed;  // where it must have stopped
  };
  for (const auto& [bytes, consumed] : {
           input{"SSH-2.0-OpenSSH_9.2\r\n", 1},
           input{"\x16\x03\x01\x02\x00", 1},  // a TLS record
           input{"http/1.1 200 OK\r\n", 1},
           input{"HTTP/2 200\r\n", 6},
           input{"HTTP/2.0 200 OK\r\n", 6},
           input{"HTTP/1.x 200 OK\r\n", 8},
           input{"HTTP/1.1  200 OK\r\n", 10},
           input{"HTTP/1.1 2OO OK\r\n", 11},
           input{"HTTP/1.1 20 OK\r\n", 12},
           input{"HTTP/1.1 2000 OK\r\n", 13},
           input{"HTTP/1.1 200 O\x01K\r\n", 15},
           input{"HTTP/1.1 200 OK\rX", 17},
           input{"HTTP/1.1 099 Low\r\n", 18},
           input{"HTTP/1.1 101 Switching Protocols\r\n\r\n", 34},
       }) {
    const auto p = parsed(bytes);
    EXPECT_EQ(p.verdict(), parse_verdict::failed) << bytes;
    EXPECT_EQ(p.failure(), probe_failure::malformed_response) << bytes;
    EXPECT_EQ(p.bytes_consumed(), consumed) << bytes;
  }
}

TEST(http_status_parser, split_across_many_chunks) {
  const std::string response = "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n";
  const std::size_t line = std::string_view("HTTP/1.1 204 No Content\r\n").size();
  // Every split point, and one byte at a time.
  for (std::size_t cut = 0; cut <= response.size(); ++cut) {
    http_status_parser p(ranges("200-299"));
    const auto first = p.feed(std::string_view(response).substr(0, cut));
    EXPECT_EQ(first, cut >= line ? parse_verdict::passed : parse_verdict::need_more) << cut;
    EXPECT_EQ(p.feed(std::string_view(response).substr(cut)), parse_verdict::passed) << cut;
    EXPECT_EQ(p.status_code(), 204);
  }
  http_status_parser p(ranges("200-299"));
  for (std::size_t i = 0; i + 1 < line; ++i)
    ASSERT_EQ(p.feed(std::string_view(&response[i], 1)), parse_verdict::need_more) << i;
  EXPECT_EQ(p.feed(std::string_view(&response[line - 1], 1)), parse_verdict::passed);
  EXPECT_EQ(p.feed(""), parse_verdict::passed);
}

TEST(http_status_parser, empty_chunks_change_nothing) {
  http_status_parser p(ranges("200"));
  EXPECT_EQ(p.feed(""), parse_verdict::need_more);
  EXPECT_EQ(p.feed("HTTP/1.1 "), parse_verdict::need_more);
  EXPECT_EQ(p.feed(""), parse_verdict::need_more);
  EXPECT_EQ(p.feed("200 OK\r\n"), parse_verdict::passed);
}

TEST(http_status_parser, verdict_is_final) {
  http_status_parser p(ranges("200"));
  EXPECT_EQ(p.feed("HTTP/1.1 500 Oops\r\n"), parse_verdict::failed);
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\n"), parse_verdict::failed);
  EXPECT_EQ(p.finish(), parse_verdict::failed);
  EXPECT_EQ(p.failure(), probe_failure::unexpected_status);

  http_status_parser q(ranges("200"));
  q.feed("HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(q.finish(), parse_verdict::passed);
}

TEST(http_status_parser, close_before_verdict_fails) {
  for (const std::string_view partial : {"", "H", "HTTP/1.1 200", "HTTP/1.1 200 OK\r"}) {
    http_status_parser p(ranges("200"));
    p.feed(partial);
    EXPECT_EQ(p.finish(), parse_verdict::failed) << partial;
    EXPECT_EQ(p.failure(), probe_failure::closed_early) << partial;
  }
}

TEST(http_status_parser, overlong_line_fails_at_the_budget) {
  // An endless reason phrase: fails once max_bytes are consumed, however the bytes arrive.
  http_status_parser p(ranges("200"), 64);
  EXPECT_EQ(p.feed("HTTP/1.1 200 "), parse_verdict::need_more);
  const std::string chunk(10, 'x');
  parse_verdict v = parse_verdict::need_more;
  for (int i = 0; i < 1000 && v == parse_verdict::need_more; ++i) v = p.feed(chunk);
  EXPECT_EQ(v, parse_verdict::failed);
  EXPECT_EQ(p.failure(), probe_failure::response_too_long);
  EXPECT_EQ(p.bytes_consumed(), 64u);
  EXPECT_EQ(p.feed(chunk), parse_verdict::failed);
  EXPECT_EQ(p.bytes_consumed(), 64u);

  // The default budget, fed in one piece.
  const auto q = parsed("HTTP/1.1 200 " + std::string(1'000'000, 'x'));
  EXPECT_EQ(q.failure(), probe_failure::response_too_long);
  EXPECT_EQ(q.bytes_consumed(), http_status_parser::default_max_bytes);
}

TEST(http_status_parser, line_of_exactly_the_budget_passes) {
  const std::string line = "HTTP/1.1 200 " + std::string(64 - 15, 'x') + "\r\n";
  ASSERT_EQ(line.size(), 64u);
  EXPECT_EQ(parsed(line, "200", 64).verdict(), parse_verdict::passed);
  EXPECT_EQ(parsed(line, "200", 63).failure(), probe_failure::response_too_long);
}

TEST(http_status_parser, interim_responses_are_skipped) {
  const auto p = parsed(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_EQ(p.verdict(), parse_verdict::passed);
  EXPECT_EQ(p.status_code(), 200);

  EXPECT_EQ(parsed("HTTP/1.1 103 Early Hints\nLink: x\n\nHTTP/1.1 500 No\n").failure(),
            probe_failure::unexpected_status);
  // Split inside the interim headers' terminating blank line.
  http_status_parser q(ranges("200"));
  EXPECT_EQ(q.feed("HTTP/1.1 100 Continue\r\nA: b\r"), parse_verdict::need_more);
  EXPECT_EQ(q.feed("\n\r"), parse_verdict::need_more);
  EXPECT_EQ(q.feed("\nHTTP/1.1 200 OK\r\n"), parse_verdict::passed);
}

TEST(http_status_parser, endless_interim_responses_hit_the_budget) {
  std::string flood;
  while (flood.size() < 100'000) flood += "HTTP/1.1 100 Continue\r\n\r\n";
  const auto p = parsed(flood);
  EXPECT_EQ(p.failure(), probe_failure::response_too_long);
  EXPECT_EQ(p.status_code(), 0);
}

TEST(http_status_parser, bad_interim_header_line_ending_is_malformed) {
  EXPECT_EQ(parsed("HTTP/1.1 100 Continue\r\nA: b\rX").failure(), probe_failure::malformed_response);
}

TEST(http_status_parser, chunking_never_changes_the_outcome) {
  // Mutated valid responses and random bytes, each fed whole and in random
  // chunks: same verdict, same reason, same bytes consumed, never past the budget.
  std::mt19937 rng(2024);
  const std::string seeds[] = {"HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.0 503 Busy\n",
                               "HTTP/1.1 100 Continue\r\nA: b\r\n\r\nHTTP/1.1 204\r\n"};
  for (int round = 0; round < 3000; ++round) {
    std::string input = seeds[round % 3];
    if (round % 5 == 4) input.assign(static_cast<std::size_t>(rng() % 200), '\0');
    for (int m = static_cast<int>(rng() % 4); m > 0 && !input.empty(); --m)
      input[rng() % input.size()] = static_cast<char>(rng() % 256);
    if (round % 5 == 4)
      for (auto& c : input) c = static_cast<char>(rng() % 256);

    const std::size_t budget = 8 + rng() % 64;
    const auto whole = parsed(input, "200-399", budget);
    http_status_parser chunked(ranges("200-399"), budget);
    for (std::size_t at = 0; at < input.size();) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 7, input.size() - at);
      chunked.feed(std::string_view(input).substr(at, n));
      at += n;
    }
    ASSERT_EQ(chunked.verdict(), whole.verdict()) << round;
    ASSERT_EQ(chunked.failure(), whole.failure()) << round;
    ASSERT_EQ(chunked.bytes_consumed(), whole.bytes_consumed()) << round;
    ASSERT_LE(whole.bytes_consumed(), budget) << round;
  }
}

}  // namespace
}  // namespace staticgate::health
