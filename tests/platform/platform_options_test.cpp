// PlatformOptions::from_env: hermetic (a fake environment, literal addresses only, no DNS).
#include "fixtures/platform_options.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "gauntlet/config_error.hpp"

namespace gauntlet {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string config_error_of(const EnvLookup& env) {
  try {
    PlatformOptions::from_env(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(PlatformOptions, EmptyEnvironmentStartsEverything) {
  const PlatformOptions o = PlatformOptions::from_env(fake_env({}));
  EXPECT_FALSE(o.database_url.has_value());
  EXPECT_TRUE(o.external_urls.empty());
  EXPECT_FALSE(o.allow_remote);
}

TEST(PlatformOptions, ServiceUrlVariablesMarkThoseServicesExternal) {
  const PlatformOptions o = PlatformOptions::from_env(
      fake_env({{"GAUNTLET_GATEWAY_URL", "http://127.0.0.1:8080/"},
                {"GAUNTLET_ML_SERVICE_URL", "http://localhost:8004"},
                {"GAUNTLET_DATABASE_URL", "postgresql://u@127.0.0.1:5432/db"}}));
  EXPECT_TRUE(o.is_external(Service::kGateway));
  EXPECT_EQ(o.external_urls.at(Service::kGateway), "http://127.0.0.1:8080");
  EXPECT_TRUE(o.is_external(Service::kMlService));
  EXPECT_FALSE(o.is_external(Service::kTitanCore));
  EXPECT_EQ(o.database_url, "postgresql://u@127.0.0.1:5432/db");
}

TEST(PlatformOptions, RemoteServiceUrlIsAConfigErrorNamingTheVariable) {
  const std::string error =
      config_error_of(fake_env({{"GAUNTLET_TITAN_CORE_URL", "http://10.1.2.3:8005"}}));
  EXPECT_NE(error.find("GAUNTLET_TITAN_CORE_URL"), std::string::npos) << error;
  EXPECT_NE(error.find("10.1.2.3"), std::string::npos) << error;
  EXPECT_NE(error.find("GAUNTLET_ALLOW_REMOTE=1"), std::string::npos) << error;
}

TEST(PlatformOptions, RemoteDatabaseIsAConfigErrorNamingTheVariable) {
  const std::string error =
      config_error_of(fake_env({{"GAUNTLET_DATABASE_URL", "postgresql://u:pw@10.9.8.7:5432/db"}}));
  EXPECT_NE(error.find("GAUNTLET_DATABASE_URL"), std::string::npos) << error;
  EXPECT_NE(error.find("10.9.8.7"), std::string::npos) << error;
}

TEST(PlatformOptions, AllowRemoteAcceptsRemoteHosts) {
  const PlatformOptions o = PlatformOptions::from_env(
      fake_env({{"GAUNTLET_ALLOW_REMOTE", "1"},
                {"GAUNTLET_GATEWAY_URL", "http://10.1.2.3:8080"},
                {"GAUNTLET_DATABASE_URL", "postgresql://u@10.9.8.7/db"}}));
  EXPECT_TRUE(o.allow_remote);
  EXPECT_TRUE(o.is_external(Service::kGateway));
}

TEST(PlatformOptions, EveryProblemIsReportedAtOnce) {
  const std::string error = config_error_of(fake_env({{"GAUNTLET_GATEWAY_URL", "ftp://x"},
                                                      {"GAUNTLET_HUBSPOT_URL", "http://10.0.0.1"},
                                                      {"GAUNTLET_ALLOW_REMOTE", "yes"}}));
  EXPECT_NE(error.find("GAUNTLET_ALLOW_REMOTE must be 0 or 1"), std::string::npos) << error;
  EXPECT_NE(error.find("GAUNTLET_GATEWAY_URL must be an http://"), std::string::npos) << error;
  EXPECT_NE(error.find("GAUNTLET_HUBSPOT_URL"), std::string::npos) << error;
}

TEST(PlatformOptions, DatabaseHostIsReadFromUrlAndKeywordForms) {
  EXPECT_EQ(database_host("postgresql://u:p@db.example:5432/x"), "db.example");
  EXPECT_EQ(database_host("postgres://[::1]:5432/x"), "::1");
  EXPECT_EQ(database_host("postgresql:///x?host=/tmp"), "");
  EXPECT_EQ(database_host("host=10.0.0.2 dbname=x"), "10.0.0.2");
  EXPECT_EQ(database_host("dbname=x"), "");
}

TEST(ServiceNames, UrlVariablesFollowTheServiceNames) {
  EXPECT_EQ(service_url_variable(Service::kMetaPublisher), "GAUNTLET_META_PUBLISHER_URL");
  EXPECT_EQ(service_url_variable(Service::kHubSpot), "GAUNTLET_HUBSPOT_URL");
  for (const Service s : kAllServices) EXPECT_EQ(service_from_name(service_name(s)), s);
}

}  // namespace
}  // namespace gauntlet
