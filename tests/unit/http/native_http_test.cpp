// The native transport's HTTP/1.1 pieces: URL to target, request head, response framing. The
// expectations come from RFC 9110/9112 (and what libcurl sends), not from the implementation.
#include "../../../harness/src/http/native_http.hpp"  // internal to the http module

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using ::testing::HasSubstr;
using ::testing::Not;

namespace gauntlet {
namespace {

// ---------------------------------------------------------------------------------------------
// parse_http_target

TEST(NativeHttpTarget, DefaultsToPort80AndRootPath) {
  const HttpTarget t = parse_http_target("http://127.0.0.1");
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, "80");
  EXPECT_EQ(t.authority, "127.0.0.1");
  EXPECT_EQ(t.path_query, "/");
}

// libcurl's Host header leaves out the scheme's default port even when the URL spells it.
TEST(NativeHttpTarget, AnExplicitDefaultPortIsLeftOutOfTheAuthority) {
  const HttpTarget t = parse_http_target("http://h:80/x");
  EXPECT_EQ(t.port, "80");
  EXPECT_EQ(t.authority, "h");
}

TEST(NativeHttpTarget, ExplicitPortGoesIntoPortAndAuthority) {
  const HttpTarget t = parse_http_target("http://localhost:8080/health");
  EXPECT_EQ(t.host, "localhost");
  EXPECT_EQ(t.port, "8080");
  EXPECT_EQ(t.authority, "localhost:8080");
  EXPECT_EQ(t.path_query, "/health");
}

TEST(NativeHttpTarget, Ipv6HostIsBareButAuthorityKeepsBrackets) {
  const HttpTarget t = parse_http_target("http://[::1]:8080/x");
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.port, "8080");
  EXPECT_EQ(t.authority, "[::1]:8080");
  EXPECT_EQ(t.path_query, "/x");

  const HttpTarget no_port = parse_http_target("http://[::1]/");
  EXPECT_EQ(no_port.host, "::1");
  EXPECT_EQ(no_port.port, "80");
  EXPECT_EQ(no_port.authority, "[::1]");
}

TEST(NativeHttpTarget, KeepsPathAndQueryAndDropsTheFragment) {
  const HttpTarget t = parse_http_target("http://h:1/a/b?x=1&y=two#section");
  EXPECT_EQ(t.path_query, "/a/b?x=1&y=two");
  EXPECT_THAT(t.path_query, Not(HasSubstr("#")));
  EXPECT_EQ(parse_http_target("http://h/a#only-fragment").path_query, "/a");
}

TEST(NativeHttpTarget, EmptyPathBecomesSlashAlsoBeforeAQuery) {
  EXPECT_EQ(parse_http_target("http://h:9000").path_query, "/");
  EXPECT_EQ(parse_http_target("http://h:9000?x=1").path_query, "/?x=1");
  EXPECT_EQ(parse_http_target("http://h:9000#frag").path_query, "/");
}

TEST(NativeHttpTarget, RemovesDotSegmentsAsLibcurlDoes) {
  // RFC 3986 section 5.2.4: what the curl transport would put on the request line too.
  EXPECT_EQ(parse_http_target("http://h/a/b/../c/./d").path_query, "/a/c/d");
}

void expect_rejected_quoting(const std::string& url) {
  try {
    (void)parse_http_target(url);
    ADD_FAILURE() << "\"" << url << "\" was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"" + url + "\"")) << "for " << url;
  }
}

TEST(NativeHttpTarget, RejectsHttpsQuotingTheUrl) {
  expect_rejected_quoting("https://127.0.0.1:8443/secure");
}

TEST(NativeHttpTarget, RejectsOtherSchemesAndGarbageQuotingTheUrl) {
  expect_rejected_quoting("ftp://127.0.0.1/file");
  expect_rejected_quoting("not a url");
  expect_rejected_quoting("");
  expect_rejected_quoting("http://");
  expect_rejected_quoting("/relative/path");
}

// ---------------------------------------------------------------------------------------------
// write_request_head

Request make_request(std::string method, std::vector<Header> headers = {}, std::string body = {}) {
  Request r;
  r.method = std::move(method);
  r.url = "http://ignored.invalid/";  // the head takes authority and path from the caller
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::string head_of(const Request& r, std::string_view authority = "127.0.0.1:8080",
                    std::string_view path_query = "/") {
  std::string out;
  write_request_head(r, authority, path_query, out);
  return out;
}

TEST(NativeRequestHead, GetIsRequestLineHostAcceptAndBlankLine) {
  EXPECT_EQ(head_of(make_request("GET"), "127.0.0.1:8080", "/a/b?x=1"),
            "GET /a/b?x=1 HTTP/1.1\r\n"
            "Host: 127.0.0.1:8080\r\n"
            "Accept: */*\r\n"
            "\r\n");
}

TEST(NativeRequestHead, UserHeadersFollowTheDefaultsInTheirOwnOrder) {
  const Request r = make_request("GET", {{"X-B", "2"}, {"X-A", "1"}});
  EXPECT_EQ(head_of(r, "h", "/"),
            "GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-B: 2\r\nX-A: 1\r\n\r\n");
}

TEST(NativeRequestHead, PostBodyGetsFormContentTypeAndItsLength) {
  const Request r = make_request("POST", {{"X-Team", "ads"}}, "a=1&b=22");
  EXPECT_EQ(head_of(r, "h:1", "/submit"),
            "POST /submit HTTP/1.1\r\n"
            "Host: h:1\r\n"
            "Accept: */*\r\n"
            "X-Team: ads\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 8\r\n"
            "\r\n");
}

TEST(NativeRequestHead, PostPutPatchWithoutBodySendContentLengthZero) {
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    EXPECT_THAT(head_of(make_request(method)), HasSubstr("\r\nContent-Length: 0\r\n\r\n"))
        << method;
  }
}

TEST(NativeRequestHead, OtherMethodsFrameABodyOnlyWhenThereIsOne) {
  EXPECT_THAT(head_of(make_request("DELETE")), Not(HasSubstr("Content-Length")));
  EXPECT_THAT(head_of(make_request("DELETE")), Not(HasSubstr("Content-Type")));
  EXPECT_THAT(head_of(make_request("GET", {}, "q")), HasSubstr("\r\nContent-Length: 1\r\n\r\n"));
}

TEST(NativeRequestHead, LongBodyLengthIsWrittenInDecimal) {
  const Request r = make_request("PUT", {}, std::string(123456, 'x'));
  EXPECT_THAT(head_of(r), HasSubstr("\r\nContent-Length: 123456\r\n\r\n"));
}

TEST(NativeRequestHead, UserContentTypeIsKeptAndNoDefaultIsAdded) {
  const Request r = make_request("POST", {{"content-type", "application/json"}}, "{}");
  EXPECT_EQ(head_of(r, "h", "/"),
            "POST / HTTP/1.1\r\n"
            "Host: h\r\n"
            "Accept: */*\r\n"
            "content-type: application/json\r\n"
            "Content-Length: 2\r\n"
            "\r\n");
}

TEST(NativeRequestHead, UserHostAndAcceptReplaceTheDefaults) {
  const Request r =
      make_request("GET", {{"X-First", "1"}, {"host", "api.test"}, {"ACCEPT", "a/b"}});
  EXPECT_EQ(head_of(r, "127.0.0.1:8080", "/"),
            "GET / HTTP/1.1\r\nX-First: 1\r\nhost: api.test\r\nACCEPT: a/b\r\n\r\n");
}

TEST(NativeRequestHead, UserContentLengthAndTransferEncodingAreDropped) {
  const Request post = make_request(
      "POST", {{"Content-Length", "999"}, {"X-Keep", "yes"}, {"transfer-encoding", "chunked"}},
      "abc");
  EXPECT_EQ(head_of(post, "h", "/"),
            "POST / HTTP/1.1\r\n"
            "Host: h\r\n"
            "Accept: */*\r\n"
            "X-Keep: yes\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 3\r\n"
            "\r\n");
  // Without a body nothing frames one: a stray Content-Length would make the server wait.
  const Request get = make_request("GET", {{"content-length", "5"}});
  EXPECT_EQ(head_of(get, "h", "/"), "GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n");
}

TEST(NativeRequestHead, EmptyValueLeavesNothingAfterTheColon) {
  // What libcurl sends for its "X-Empty;" form.
  const Request r = make_request("GET", {{"X-Empty", ""}});
  EXPECT_EQ(head_of(r, "h", "/"), "GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Empty:\r\n\r\n");
}

TEST(NativeRequestHead, HeadHasNoBodyFraming) {
  EXPECT_EQ(head_of(make_request("HEAD"), "h", "/p"),
            "HEAD /p HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n");
}

// libcurl sends no body with HEAD (CURLOPT_NOBODY), whatever the request holds.
TEST(NativeRequestHead, HeadNeverFramesABodyEvenWhenTheRequestHasOne) {
  EXPECT_EQ(head_of(make_request("HEAD", {}, "stray"), "h", "/p"),
            "HEAD /p HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n");
}

TEST(NativeRequestHead, ReplacesOldTextAndReusesCapacity) {
  const Request r = make_request("POST", {{"X-A", "1"}}, "body");
  std::string out = "left over from an earlier request";
  write_request_head(r, "h", "/x", out);
  const std::string first = out;
  EXPECT_EQ(first.rfind("POST /x HTTP/1.1\r\n", 0), 0U);
  const char* data = out.data();
  const std::size_t capacity = out.capacity();
  write_request_head(r, "h", "/x", out);
  EXPECT_EQ(out, first);
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.capacity(), capacity);
  // A shorter head fits in the same storage too.
  write_request_head(make_request("GET"), "h", "/", out);
  EXPECT_EQ(out, "GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(out.data(), data);
}

void expect_invalid_naming(const Request& r, std::string_view field) {
  std::string out;
  try {
    write_request_head(r, "h", "/", out);
    ADD_FAILURE() << "accepted a request that should name " << field;
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(std::string(field)));
  }
}

TEST(NativeRequestHead, RejectsCrLfOrNulInAValueNamingTheHeader) {
  expect_invalid_naming(make_request("GET", {{"X-Inject", "a\r\nX-Evil: 1"}}), "X-Inject");
  expect_invalid_naming(make_request("GET", {{"X-Cr", "a\rb"}}), "X-Cr");
  expect_invalid_naming(make_request("GET", {{"X-Lf", "a\nb"}}), "X-Lf");
  expect_invalid_naming(make_request("GET", {{"X-Nul", std::string("a\0b", 3)}}), "X-Nul");
  // Only the offending header's value matters: tabs and spaces are fine.
  EXPECT_NO_THROW(head_of(make_request("GET", {{"X-Ok", "a\tb c"}})));
}

TEST(NativeRequestHead, RejectsAMethodThatIsNotAToken) {
  for (const char* method : {"", "GE T", "GET /evil HTTP/1.1\r\nX:", "G(ET)"}) {
    expect_invalid_naming(make_request(method), "method");
  }
  EXPECT_NO_THROW(head_of(make_request("M-SEARCH")));
}

TEST(NativeRequestHead, RejectsAHeaderNameThatIsNotAToken) {
  for (const char* name : {"", "X Bad", "X:Y", "X\r\nY", "X-\xC3\xA9"}) {
    expect_invalid_naming(make_request("GET", {{name, "v"}}), "header name");
  }
}

// ---------------------------------------------------------------------------------------------
// ResponseReader

using State = ResponseReader::State;

const char* state_name(State s) {
  switch (s) {
    case State::kNeedMore:
      return "kNeedMore";
    case State::kDone:
      return "kDone";
    case State::kError:
      return "kError";
  }
  return "?";
}

// What one read of a response came to, comparable across ways of feeding it.
struct Read {
  State state = State::kNeedMore;
  long status = 0;
  std::int64_t body_bytes = 0;
  bool keep_alive = false;
  std::size_t excess = 0;  // bytes after the response, over all the parts fed
  bool operator==(const Read&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Read& r) {
  return os << "{" << state_name(r.state) << " status=" << r.status << " body=" << r.body_bytes
            << " keep_alive=" << r.keep_alive << " excess=" << r.excess << "}";
}

// Feeds the parts in order until an answer other than kNeedMore; then eof() if `then_eof` and
// the reader still needs more.
Read feed_parts(ResponseReader& reader, const std::vector<std::string_view>& parts,
                bool then_eof = false) {
  Read out;
  std::size_t i = 0;
  for (; i < parts.size() && out.state == State::kNeedMore; ++i) out.state = reader.feed(parts[i]);
  if (out.state == State::kDone) {
    out.excess = reader.excess_bytes();
    for (; i < parts.size(); ++i) out.excess += parts[i].size();
  }
  if (out.state == State::kNeedMore && then_eof) out.state = reader.eof();
  out.status = reader.status();
  out.body_bytes = reader.body_bytes();
  out.keep_alive = reader.keep_alive();
  return out;
}

Read read_whole(std::string_view response, bool head = false, bool then_eof = false) {
  ResponseReader reader;
  reader.reset(head);
  return feed_parts(reader, {response}, then_eof);
}

Read read_bytewise(std::string_view response, bool head = false, bool then_eof = false) {
  ResponseReader reader;
  reader.reset(head);
  std::vector<std::string_view> parts;
  for (std::size_t i = 0; i < response.size(); ++i) parts.push_back(response.substr(i, 1));
  return feed_parts(reader, parts, then_eof);
}

// Splits the response in two at every position (one reader, reset between reads, as a
// connection uses it) and expects the same read as the whole.
void expect_same_read_split_anywhere(std::string_view response, const Read& expected,
                                     bool head = false, bool then_eof = false) {
  ResponseReader reader;
  for (std::size_t at = 0; at <= response.size(); ++at) {
    reader.reset(head);
    const Read got = feed_parts(reader, {response.substr(0, at), response.substr(at)}, then_eof);
    EXPECT_EQ(got, expected) << "split at " << at << " of " << response.size();
  }
}

constexpr std::string_view kPlain =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world";
constexpr std::string_view kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5\r\nhello\r\n"
    "a\r\n, world!!!\r\n"
    "0\r\n\r\n";
constexpr std::string_view kChunkedExtensionsAndTrailer =
    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
    "4;name=value;flag\r\nabcd\r\n"
    "3 ; spaced=\"quoted\"\r\nefg\r\n"
    "0;last\r\nX-Checksum: 1234\r\nX-Other: z\r\n\r\n";
constexpr std::string_view kObsFold =
    "HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\nContent-Length: 2\r\n\r\nok";

TEST(NativeResponseReader, ReadsAContentLengthResponseWhole) {
  ResponseReader reader;
  reader.reset(false);
  EXPECT_EQ(reader.status(), 0);
  EXPECT_FALSE(reader.header_done());
  EXPECT_EQ(reader.feed(kPlain), State::kDone);
  EXPECT_TRUE(reader.header_done());
  EXPECT_EQ(reader.status(), 200);
  EXPECT_EQ(reader.body_bytes(), 11);
  EXPECT_TRUE(reader.keep_alive());
  EXPECT_EQ(reader.excess_bytes(), 0U);
}

TEST(NativeResponseReader, NeedsMoreUntilTheLastBodyByte) {
  ResponseReader reader;
  reader.reset(false);
  EXPECT_EQ(reader.feed(kPlain.substr(0, kPlain.size() - 1)), State::kNeedMore);
  EXPECT_TRUE(reader.header_done());
  EXPECT_EQ(reader.status(), 200);
  EXPECT_EQ(reader.body_bytes(), 10);
  EXPECT_EQ(reader.feed(kPlain.substr(kPlain.size() - 1)), State::kDone);
  EXPECT_EQ(reader.body_bytes(), 11);
}

// The status counts once the whole header is in: a response cut short in its header has no
// status, whichever reads it came in (the fuzz target compares whole and split reads).
TEST(NativeResponseReader, StatusIsKnownOnceTheHeaderEnds) {
  ResponseReader reader;
  reader.reset(false);
  EXPECT_EQ(reader.feed("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"),
            State::kNeedMore);
  EXPECT_FALSE(reader.header_done());
  EXPECT_EQ(reader.status(), 0);
  EXPECT_EQ(reader.feed("Content-Length: 0\r\n\r\n"), State::kDone);
  EXPECT_EQ(reader.status(), 503);
}

TEST(NativeResponseReader, OneByteAtATimeReadsTheSameAsWhole) {
  const Read plain{State::kDone, 200, 11, true, 0};
  EXPECT_EQ(read_whole(kPlain), plain);
  EXPECT_EQ(read_bytewise(kPlain), plain);
  const Read chunked{State::kDone, 200, 15, true, 0};
  EXPECT_EQ(read_whole(kChunked), chunked);
  EXPECT_EQ(read_bytewise(kChunked), chunked);
  const Read trailer{State::kDone, 201, 7, true, 0};
  EXPECT_EQ(read_whole(kChunkedExtensionsAndTrailer), trailer);
  EXPECT_EQ(read_bytewise(kChunkedExtensionsAndTrailer), trailer);
}

TEST(NativeResponseReader, SplitAtEveryPositionReadsTheSameAsWhole) {
  expect_same_read_split_anywhere(kPlain, Read{State::kDone, 200, 11, true, 0});
}

TEST(NativeResponseReader, ChunkedBodyCountsOnlyThePayload) {
  EXPECT_EQ(read_whole(kChunked), (Read{State::kDone, 200, 5 + 10, true, 0}));
}

TEST(NativeResponseReader, ChunkedSplitAtEveryPositionReadsTheSameAsWhole) {
  expect_same_read_split_anywhere(kChunked, Read{State::kDone, 200, 15, true, 0});
}

TEST(NativeResponseReader, ChunkExtensionsAndTrailersAreNotBody) {
  const Read expected{State::kDone, 201, 4 + 3, true, 0};
  EXPECT_EQ(read_whole(kChunkedExtensionsAndTrailer), expected);
  expect_same_read_split_anywhere(kChunkedExtensionsAndTrailer, expected);
}

TEST(NativeResponseReader, ChunkedSplitInThreeAnywhereReadsTheSameAsWhole) {
  const Read expected{State::kDone, 200, 15, true, 0};
  ResponseReader reader;
  for (std::size_t a = 0; a <= kChunked.size(); ++a) {
    for (std::size_t b = a; b <= kChunked.size(); ++b) {
      reader.reset(false);
      const Read got = feed_parts(
          reader, {kChunked.substr(0, a), kChunked.substr(a, b - a), kChunked.substr(b)});
      ASSERT_EQ(got, expected) << "split at " << a << " and " << b;
    }
  }
}

TEST(NativeResponseReader, ObsFoldedHeaderIsAcceptedWhereverItIsSplit) {
  // RFC 9112 section 5.2: a user agent replaces obs-fold with SP and goes on.
  const Read expected{State::kDone, 200, 2, true, 0};
  EXPECT_EQ(read_whole(kObsFold), expected);
  expect_same_read_split_anywhere(kObsFold, expected);
}

TEST(NativeResponseReader, BodyUntilCloseNeedsEofAndEndsKeepAlive) {
  constexpr std::string_view kUntilClose =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes";
  ResponseReader reader;
  reader.reset(false);
  EXPECT_EQ(reader.feed(kUntilClose), State::kNeedMore);
  EXPECT_EQ(reader.feed(" and more"), State::kNeedMore);
  EXPECT_EQ(reader.body_bytes(), 19);
  EXPECT_EQ(reader.eof(), State::kDone);
  EXPECT_EQ(reader.status(), 200);
  EXPECT_EQ(reader.body_bytes(), 19);
  EXPECT_FALSE(reader.keep_alive());
  expect_same_read_split_anywhere(kUntilClose, Read{State::kDone, 200, 10, false, 0}, false, true);
}

TEST(NativeResponseReader, HeadResponseIsDoneAtTheEndOfItsHeader) {
  constexpr std::string_view kHead = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  const Read expected{State::kDone, 200, 0, true, 0};
  EXPECT_EQ(read_whole(kHead, true), expected);
  expect_same_read_split_anywhere(kHead, expected, true);
  // Not a body that runs until the close either.
  EXPECT_EQ(read_whole("HTTP/1.1 200 OK\r\n\r\n", true), expected);
  // The same bytes answering a GET are a header with 100 body bytes still to come.
  EXPECT_EQ(read_whole(kHead, false).state, State::kNeedMore);
}

TEST(NativeResponseReader, NoContentAndNotModifiedHaveNoBody) {
  EXPECT_EQ(read_whole("HTTP/1.1 204 No Content\r\n\r\n"), (Read{State::kDone, 204, 0, true, 0}));
  EXPECT_EQ(read_whole("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 42\r\n\r\n"),
            (Read{State::kDone, 304, 0, true, 0}));
  // Whatever follows is the next response, not this one's body.
  EXPECT_EQ(read_whole("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1"),
            (Read{State::kDone, 204, 0, true, 8}));
}

TEST(NativeResponseReader, ConnectionCloseEndsKeepAlive) {
  EXPECT_EQ(read_whole("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
            (Read{State::kDone, 200, 2, false, 0}));
  EXPECT_EQ(read_whole("HTTP/1.1 200 OK\r\nconnection: Close\r\nContent-Length: 0\r\n\r\n"),
            (Read{State::kDone, 200, 0, false, 0}));
}

TEST(NativeResponseReader, Http10KeepsAliveOnlyWhenItSaysSo) {
  EXPECT_EQ(read_whole("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            (Read{State::kDone, 200, 2, false, 0}));
  EXPECT_EQ(read_whole("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
            (Read{State::kDone, 200, 2, true, 0}));
}

TEST(NativeResponseReader, KeepAliveIsFalseUntilTheResponseIsDone) {
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed(kPlain.substr(0, kPlain.size() - 3)), State::kNeedMore);
  EXPECT_FALSE(reader.keep_alive());
}

TEST(NativeResponseReader, CountsBytesAfterACompleteResponseAsExcess) {
  const std::string bytes = std::string(kPlain) + "HTTP/1.1 2";
  EXPECT_EQ(read_whole(bytes), (Read{State::kDone, 200, 11, true, 10}));
  // And when the response completes inside a header kept from an earlier read.
  ResponseReader reader;
  reader.reset(false);
  EXPECT_EQ(reader.feed("HTTP/1.1 204 No Content\r\n"), State::kNeedMore);
  EXPECT_EQ(reader.feed("\r\nxyz"), State::kDone);
  EXPECT_EQ(reader.excess_bytes(), 3U);
}

TEST(NativeResponseReader, ReadsTwoResponsesBackToBackWithResetBetween) {
  constexpr std::string_view kSecond =
      "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
  const std::string both = std::string(kPlain) + std::string(kSecond);
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed(both), State::kDone);
  EXPECT_EQ(reader.status(), 200);
  EXPECT_EQ(reader.body_bytes(), 11);
  ASSERT_EQ(reader.excess_bytes(), kSecond.size());
  const std::string_view rest = std::string_view(both).substr(both.size() - reader.excess_bytes());
  reader.reset(false);
  EXPECT_EQ(reader.status(), 0);
  EXPECT_EQ(reader.body_bytes(), 0);
  EXPECT_EQ(reader.excess_bytes(), 0U);
  EXPECT_FALSE(reader.header_done());
  ASSERT_EQ(reader.feed(rest), State::kDone);
  EXPECT_EQ(reader.status(), 404);
  EXPECT_EQ(reader.body_bytes(), 9);
  EXPECT_FALSE(reader.keep_alive());
  EXPECT_EQ(reader.excess_bytes(), 0U);
}

TEST(NativeResponseReader, SecondResponseCutInsideItsHeaderIsFinishedByTheNextRead) {
  const std::string joined = std::string(kPlain) + std::string(kChunked);
  const std::string_view both = joined;
  for (std::size_t cut = kPlain.size(); cut <= both.size(); ++cut) {
    ResponseReader reader;
    reader.reset(false);
    ASSERT_EQ(reader.feed(both.substr(0, cut)), State::kDone) << cut;
    const std::size_t excess = reader.excess_bytes();
    ASSERT_EQ(excess, cut - kPlain.size());
    reader.reset(false);
    const Read got = feed_parts(reader, {both.substr(cut - excess, excess), both.substr(cut)});
    EXPECT_EQ(got, (Read{State::kDone, 200, 15, true, 0})) << "cut at " << cut;
  }
}

void expect_error(std::string_view response) {
  ResponseReader reader;
  reader.reset(false);
  EXPECT_EQ(reader.feed(response), State::kError) << response;
  ASSERT_NE(reader.error(), nullptr);
  EXPECT_STRNE(reader.error(), "") << response;
}

TEST(NativeResponseReader, MalformedStatusLineIsAnErrorWithAMessage) {
  expect_error("HTTP/1.1 abc OK\r\n\r\n");
  expect_error("HTTP/1.1 20 OK\r\n\r\n");
  expect_error("HTXP/1.1 200 OK\r\n\r\n");
  expect_error("garbage\r\n\r\n");
  expect_error("<html>hello</html>\r\n\r\n");
}

TEST(NativeResponseReader, BadFramingIsAnError) {
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n");
  // RFC 9112 section 6.3: differing Content-Length values are an unrecoverable error.
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
  expect_error("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n");
}

TEST(NativeResponseReader, EofBeforeAnyByteIsAnError) {
  ResponseReader reader;
  reader.reset(false);
  EXPECT_EQ(reader.eof(), State::kError);
  EXPECT_STRNE(reader.error(), "");
  EXPECT_FALSE(reader.header_done());
  EXPECT_EQ(reader.status(), 0);
}

TEST(NativeResponseReader, EofInsideTheHeaderIsAnError) {
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed("HTTP/1.1 200 OK\r\nContent-Le"), State::kNeedMore);
  EXPECT_EQ(reader.eof(), State::kError);
  EXPECT_STRNE(reader.error(), "");
}

TEST(NativeResponseReader, EofBeforeTheContentLengthIsReachedIsAnError) {
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe"), State::kNeedMore);
  EXPECT_EQ(reader.eof(), State::kError);
  EXPECT_STRNE(reader.error(), "");
  EXPECT_EQ(reader.status(), 200);
  EXPECT_EQ(reader.body_bytes(), 2);
}

TEST(NativeResponseReader, EofBeforeTheLastChunkIsAnError) {
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed(kChunked.substr(0, kChunked.size() - 5)), State::kNeedMore);
  EXPECT_EQ(reader.eof(), State::kError);
  EXPECT_EQ(reader.body_bytes(), 15);
}

TEST(NativeResponseReader, EofAfterACompleteResponseIsDone) {
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed(kPlain), State::kDone);
  EXPECT_EQ(reader.eof(), State::kDone);
}

TEST(NativeResponseReader, ResetDropsAPendingPartialHeader) {
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed("HTTP/1.1 500 Internal Server Error\r\nContent-Le"), State::kNeedMore);
  ASSERT_EQ(reader.feed("ngth: 3"), State::kNeedMore);
  reader.reset(false);
  EXPECT_EQ(reader.status(), 0);
  EXPECT_FALSE(reader.header_done());
  const Read got = feed_parts(reader, {kPlain});
  EXPECT_EQ(got, (Read{State::kDone, 200, 11, true, 0}));
}

TEST(NativeResponseReader, ResetAfterAnErrorReadsTheNextResponse) {
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed("garbage\r\n\r\n"), State::kError);
  reader.reset(false);
  EXPECT_EQ(feed_parts(reader, {kPlain}), (Read{State::kDone, 200, 11, true, 0}));
}

TEST(NativeResponseReader, BodyLargerThanTheHeaderLimitIsCountedInOneRead) {
  const std::string body(200000, 'b');
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + body;
  EXPECT_EQ(read_whole(response), (Read{State::kDone, 200, 200000, true, 0}));
  // The header split just before, then the rest of it arriving with the whole body.
  ResponseReader reader;
  reader.reset(false);
  const std::size_t cut = std::string_view("HTTP/1.1 200 OK\r\nContent-Le").size();
  EXPECT_EQ(feed_parts(reader, {std::string_view(response).substr(0, cut),
                                std::string_view(response).substr(cut)}),
            (Read{State::kDone, 200, 200000, true, 0}));
}

TEST(NativeResponseReader, HeaderThatNeverEndsIsRejectedInsteadOfBuffered) {
  // A server sending header bytes forever must not make the reader keep them all.
  ResponseReader reader;
  reader.reset(false);
  State state = reader.feed("HTTP/1.1 200 OK\r\nX-Big: ");
  const std::string kilobyte(1024, 'a');
  std::size_t fed = 0;
  while (state == State::kNeedMore && fed < 1024 * 1024) {
    state = reader.feed(kilobyte);
    fed += kilobyte.size();
  }
  EXPECT_EQ(state, State::kError);
  EXPECT_LE(fed, 101U * 1024);  // the header limit is libcurl's, 100 KiB
  EXPECT_STRNE(reader.error(), "");
}

TEST(NativeResponseReader, MovedReaderKeepsItsState) {
  ResponseReader reader;
  reader.reset(false);
  ASSERT_EQ(reader.feed(kPlain.substr(0, 20)), State::kNeedMore);
  ResponseReader moved(std::move(reader));
  EXPECT_EQ(moved.feed(kPlain.substr(20)), State::kDone);
  EXPECT_EQ(moved.body_bytes(), 11);
}

// RFC 9110 section 15.2: a client must accept 1xx interim responses before the final one
// (103 Early Hints can come unasked) and report the final response.
TEST(NativeResponseReader, InterimResponsesAreSkippedForTheFinalOne) {
  constexpr std::string_view kEarlyHints =
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  EXPECT_EQ(read_whole(kEarlyHints), (Read{State::kDone, 200, 2, true, 0}));
}

TEST(NativeResponseReader, SeveralInterimResponsesSplitAnywhereGiveTheFinalOne) {
  constexpr std::string_view kInterims =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a.js>; rel=preload\r\n\r\n"
      "HTTP/1.1 202 Accepted\r\nContent-Length: 4\r\n\r\nqueu";
  const Read expected{State::kDone, 202, 4, true, 0};
  EXPECT_EQ(read_bytewise(kInterims), expected);
  expect_same_read_split_anywhere(kInterims, expected);
  // A HEAD request's final response has no body after its interim ones either.
  EXPECT_EQ(
      read_whole("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true),
      (Read{State::kDone, 200, 0, true, 0}));
}

TEST(NativeResponseReader, InterimResponseAloneIsNotAResponse) {
  ResponseReader reader;
  reader.reset(false);
  EXPECT_EQ(reader.feed("HTTP/1.1 100 Continue\r\n\r\n"), State::kNeedMore);
  EXPECT_EQ(reader.eof(), State::kError);
}

// RFC 9110 section 15.2.2: after 101 the connection speaks the protocol switched to, so no
// further HTTP/1.1 request may be sent on it.
TEST(NativeResponseReader, SwitchingProtocolsEndsHttpOnTheConnection) {
  const Read got = read_whole(
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_EQ(got.state, State::kDone);
  EXPECT_EQ(got.status, 101);
  EXPECT_FALSE(got.keep_alive);
}

// A header whose lines end in a bare LF has ended once its empty line is in: RFC 9112 section 2.2
// lets a recipient accept it or reject it, but not wait for more. Read whole it is rejected at
// once, and split anywhere it must be too. (Found by fuzz_response_reader: Beast's put() resumes
// its search for the header's end at a remembered offset and only recognises CRLF CRLF there.)
TEST(NativeResponseReader, HeaderWithBareLineFeedsIsReadAlikeHoweverSplit) {
  constexpr std::string_view kBareLf = "HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nok";
  const Read whole = read_whole(kBareLf);
  ASSERT_NE(whole.state, State::kNeedMore);
  ResponseReader reader;
  for (std::size_t at = 0; at <= kBareLf.size(); ++at) {
    reader.reset(false);
    const Read got = feed_parts(reader, {kBareLf.substr(0, at), kBareLf.substr(at)});
    EXPECT_EQ(got, whole) << "split at " << at;
  }
}

}  // namespace
}  // namespace gauntlet
