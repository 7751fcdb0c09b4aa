#include "gauntlet/http/request_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "gauntlet/build_paths.hpp"
#include "gauntlet/config_error.hpp"

namespace gauntlet {
namespace {

TEST(RequestSource, FixedCopiesTheTemplate) {
  const Request tmpl{"POST", "http://127.0.0.1/x", {{"A", "1"}}, "body"};
  const RequestSource source = RequestSource::fixed(tmpl);
  EXPECT_TRUE(source.is_fixed());
  Request out;
  source.fill(7, 0, out);
  EXPECT_EQ(out, tmpl);
}

TEST(RequestSource, RotatingBodiesCyclesThroughEveryBody) {
  const RequestSource source =
      RequestSource::rotating_bodies({"POST", "http://127.0.0.1/x", {}, {}}, {"a", "b", "c"});
  EXPECT_FALSE(source.is_fixed());
  EXPECT_EQ(source.sample().body, "a");
  Request out;
  std::string seen;
  for (std::uint64_t i = 0; i < 6; ++i) {
    source.fill(i, 0, out);
    EXPECT_EQ(out.url, "http://127.0.0.1/x");
    seen += out.body;
  }
  EXPECT_EQ(seen, "abcabc");
}

class BodiesFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("gauntlet_bodies_" + std::to_string(::getpid()) + ".json");
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(BodiesFile, LoadsAnArrayOrAPromptsMember) {
  EXPECT_EQ(load_request_bodies(write(R"(["x", {"a": 1}])")),
            (std::vector<std::string>{"x", R"({"a":1})"}));
  EXPECT_EQ(load_request_bodies(write(R"({"prompts": [{"text": "hi"}]})")),
            (std::vector<std::string>{R"({"text":"hi"})"}));
}

TEST_F(BodiesFile, RejectsFilesWithoutBodiesNamingThePath) {
  const auto path = write(R"({"other": 1})");
  EXPECT_THROW(load_request_bodies(path), ConfigError);
  EXPECT_THROW(load_request_bodies(write("not json")), ConfigError);
  EXPECT_THROW(load_request_bodies("/nonexistent/bodies.json"), ConfigError);
}

// The shipped prompts are bodies the gateway accepts: only its fields, a campaign and a prompt
// within its limits (docs/platform-api/gateway.md).
TEST(PromptsFile, HoldsGatewayGenerationBodies) {
  const std::vector<std::string> bodies =
      load_request_bodies(build_paths::source_dir() / "test-data" / "prompts.json");
  ASSERT_GE(bodies.size(), 20U);
  const std::set<std::string> allowed = {"campaign_id", "prompt",   "duration_s",  "width",
                                         "height",      "priority", "blueprint_id"};
  std::set<std::string> distinct;
  for (const std::string& text : bodies) {
    const nlohmann::json body = nlohmann::json::parse(text);
    for (const auto& [key, value] : body.items()) EXPECT_TRUE(allowed.contains(key)) << key;
    ASSERT_TRUE(body.contains("campaign_id") && body.contains("prompt")) << text;
    EXPECT_GE(body["campaign_id"].get<int>(), 1);
    const auto prompt = body["prompt"].get<std::string>();
    EXPECT_TRUE(!prompt.empty() && prompt.size() <= 4000) << prompt;
    EXPECT_TRUE(distinct.insert(prompt).second) << "repeated: " << prompt;
    if (body.contains("duration_s")) {
      EXPECT_GE(body["duration_s"].get<int>(), 1);
      EXPECT_LE(body["duration_s"].get<int>(), 600);
    }
  }
}

}  // namespace
}  // namespace gauntlet
