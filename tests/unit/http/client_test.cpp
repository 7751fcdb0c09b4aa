#include "gauntlet/http/client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "support/test_server.hpp"

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

namespace gauntlet {
namespace {

using http_test::TestServer;

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen() & 0xFF);
  return out;
}

class ClientTest : public ::testing::Test {
 protected:
  TestServer server_;
};

TEST_F(ClientTest, GetReturnsStatusHeadersAndBody) {
  Client client;
  const Response r = client.get(server_.url("/ok"));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.header("CONTENT-TYPE"), "text/plain");
  EXPECT_FALSE(r.header("x-missing"));
}

TEST_F(ClientTest, ReusesOneKeepAliveConnectionForSequentialRequests) {
  Client client;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.get(server_.url("/ok")).ok());
  EXPECT_EQ(server_.requests(), 5);
  EXPECT_EQ(server_.connections(), 1);
}

TEST_F(ClientTest, ClassifiesClientAndServerErrorsByCode) {
  Client client;
  const Response not_found = client.get(server_.url("/status/404"));
  EXPECT_EQ(not_found.error, ErrorClass::kHttp4xx);
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.error_message, "HTTP 404 (GET /status/404)");
  const Response unavailable = client.get(server_.url("/status/503"));
  EXPECT_EQ(unavailable.error, ErrorClass::kHttp5xx);
  EXPECT_EQ(unavailable.error_message, "HTTP 503 (GET /status/503)");
}

TEST_F(ClientTest, TimesOutASlowResponse) {
  Client client({.timeout = 100ms});
  const Response r = client.get(server_.url("/delay/3000"));
  EXPECT_EQ(r.error, ErrorClass::kTimeout);
  EXPECT_THAT(r.error_message, HasSubstr("timed out after N milliseconds"));
}

TEST(Client, ClassifiesARefusedConnection) {
  Client client;
  const Response r =
      client.get("http://127.0.0.1:" + std::to_string(http_test::unused_port()) + "/ok");
  EXPECT_EQ(r.error, ErrorClass::kConnect);
  EXPECT_EQ(r.status, 0);
}

TEST_F(ClientTest, ServerClosingMidResponseIsAProtocolError) {
  Client client;
  EXPECT_EQ(client.get(server_.url("/close-mid")).error, ErrorClass::kProtocol);
  EXPECT_EQ(client.get(server_.url("/close-early")).error, ErrorClass::kProtocol);
  EXPECT_TRUE(client.get(server_.url("/ok")).ok()) << "the client recovers on a new connection";
}

TEST_F(ClientTest, DecodesAChunkedResponse) {
  Client client;
  const Response r = client.get(server_.url("/chunked/3"));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.body, "chunk 0\nchunk 1\nchunk 2\n");
}

TEST_F(ClientTest, SendsJsonBodiesAndParsesJsonReplies) {
  Client client;
  const Response r = client.post_json(server_.url("/echo"), {{"name", "a"}, {"n", 1}});
  ASSERT_TRUE(r.ok());
  const auto doc = r.json();
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["method"], "POST");
  EXPECT_EQ((*doc)["headers"]["content-type"], "application/json");
  EXPECT_EQ(nlohmann::json::parse((*doc)["body"].get<std::string>()),
            (nlohmann::json{{"name", "a"}, {"n", 1}}));
  EXPECT_FALSE(client.get(server_.url("/ok")).json()) << "\"ok\" is not JSON";
}

TEST_F(ClientTest, SendsDefaultHeadersAndLetsARequestOverrideThem) {
  Client client({.default_headers = {{"X-Team", "ads"}}});
  client.set_default_header({"Authorization", "Bearer abc"});
  const Response r =
      client.send(Request{"PATCH", server_.url("/echo"), {{"x-team", "video"}}, "body"});
  const auto doc = r.json();
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["method"], "PATCH");
  EXPECT_EQ((*doc)["body"], "body");
  EXPECT_EQ((*doc)["headers"]["authorization"], "Bearer abc");
  EXPECT_EQ((*doc)["headers"]["x-team"], "video");
}

TEST_F(ClientTest, UploadsAFiveMegabyteFileAsMultipart) {
  const std::string data = random_bytes(5 * 1024 * 1024, 1);
  const auto path = std::filesystem::temp_directory_path() /
                    ("gauntlet_upload_" + std::to_string(::getpid()) + ".bin");
  std::ofstream(path, std::ios::binary) << data;
  Client client;
  const Response r =
      client.upload_file(server_.url("/upload"), {"video", path, "video/mp4"}, {{"title", "clip"}});
  std::filesystem::remove(path);
  ASSERT_TRUE(r.ok()) << r.error_message;
  const auto doc = r.json();
  EXPECT_EQ((*doc)["file_bytes"], data.size());
  EXPECT_EQ((*doc)["filename"], path.filename().string());
  EXPECT_EQ((*doc)["file_fnv1a"], std::to_string(http_test::fnv1a(data)));
}

TEST_F(ClientTest, UploadsAFiveMegabyteBufferAsMultipartAndAsARawBody) {
  const std::string data = random_bytes(5 * 1024 * 1024, 2);
  Client client;
  const Response part = client.upload_buffer(server_.url("/upload"), {"file", "a.bin", data});
  ASSERT_TRUE(part.ok()) << part.error_message;
  EXPECT_EQ((*part.json())["file_bytes"], data.size());
  EXPECT_EQ((*part.json())["file_fnv1a"], std::to_string(http_test::fnv1a(data)));
  const Response raw =
      client.send_binary("PUT", server_.url("/upload"), data, "application/octet-stream");
  ASSERT_TRUE(raw.ok()) << raw.error_message;
  EXPECT_EQ((*raw.json())["bytes"], data.size());
  EXPECT_EQ((*raw.json())["file_fnv1a"], std::to_string(http_test::fnv1a(data)));
}

TEST_F(ClientTest, UnreadableUploadFileIsAnExceptionClassFailure) {
  Client client;
  const Response r = client.upload_file(server_.url("/upload"), {"file", "/nonexistent/x.bin"});
  EXPECT_EQ(r.error, ErrorClass::kException);
  EXPECT_THAT(r.error_message, HasSubstr("/nonexistent/x.bin"));
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(ClientTest, LeavesRedirectsAloneUnlessAskedToFollow) {
  const Response kept = Client().get(server_.url("/redirect"));
  EXPECT_TRUE(kept.ok());
  EXPECT_EQ(kept.status, 302);
  EXPECT_EQ(kept.header("location"), "/ok");
  const Response followed = Client({.follow_redirects = true}).get(server_.url("/redirect"));
  EXPECT_EQ(followed.status, 200);
  EXPECT_EQ(followed.body, "ok");
}

TEST_F(ClientTest, RecordsStepsWithTheirClassesAndRedactedMessages) {
  Recorder recorder({});
  Client client({}, &recorder.make_shard());
  client.get(server_.url("/ok"), "fetch");
  client.get(server_.url("/status/500?access_token=s3cret"), "fetch");
  client.get(server_.url("/ok"));  // no step: not recorded
  const RunMetrics metrics = recorder.finish();
  const StepStats* fetch = metrics.find("fetch");
  ASSERT_NE(fetch, nullptr);
  EXPECT_EQ(fetch->ok, 1);
  EXPECT_EQ(fetch->failed, 1);
  const ErrorStats& e5xx = fetch->errors[static_cast<std::size_t>(ErrorClass::kHttp5xx)];
  EXPECT_EQ(e5xx.count, 1);
  ASSERT_EQ(e5xx.samples.size(), 1U);
  EXPECT_THAT(e5xx.samples[0], HasSubstr("HTTP 500"));
  EXPECT_THAT(e5xx.samples[0], Not(HasSubstr("s3cret")));
}

TEST_F(ClientTest, ACheckTurnsAnUnexpectedBodyIntoBodyMismatch) {
  Recorder recorder({});
  Client client({}, &recorder.make_shard());
  const Response r = client.send(Request{"GET", server_.url("/ok"), {}, {}}, "check",
                                 [](const Response& resp) -> std::optional<std::string> {
                                   if (resp.body != "expected") return "body was " + resp.body;
                                   return std::nullopt;
                                 });
  EXPECT_EQ(r.error, ErrorClass::kBodyMismatch);
  const RunMetrics metrics = recorder.finish();
  const auto& mismatch =
      metrics.find("check")->errors[static_cast<std::size_t>(ErrorClass::kBodyMismatch)];
  EXPECT_EQ(mismatch.count, 1);
  EXPECT_EQ(mismatch.samples, std::vector<std::string>{"body was ok"});
}

TEST_F(ClientTest, AsksForHttp2WhereLibcurlHasItAndFallsBackOnPlainHttp) {
  Client client({.http_version = HttpVersion::kHttp2});
  EXPECT_TRUE(client.get(server_.url("/ok")).ok());
}

}  // namespace
}  // namespace gauntlet
