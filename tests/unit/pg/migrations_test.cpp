#include "gauntlet/pg/migrations.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <pqxx/pqxx>
#include <thread>

#include "fixtures/platform_schema.hpp"
#include "gauntlet/config_error.hpp"
#include "gauntlet/pg/db_error.hpp"
#include "pg_cluster_test.hpp"

namespace gauntlet {
namespace {

class MigrationsTest : public testing::PgClusterTest {
 protected:
  void SetUp() override {
    PgClusterTest::SetUp();
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gauntlet-migrations-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& sql) {
    std::ofstream(dir_ / name, std::ios::trunc) << sql;
  }
  static std::vector<std::string> recorded(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    std::vector<std::string> names;
    for (const auto& row : tx.exec("SELECT name FROM schema_migrations ORDER BY version")) {
      names.push_back(row[0].as<std::string>());
    }
    return names;
  }
  static bool table_exists(pqxx::connection& conn, const std::string& table) {
    pqxx::nontransaction tx(conn);
    return !tx.exec_params1("SELECT to_regclass($1) IS NULL", table)[0].as<bool>();
  }

  std::filesystem::path dir_;
};

using Names = std::vector<std::string>;

TEST_F(MigrationsTest, AppliesTheFilesInLexicalOrderAndRecordsThem) {
  write("0010_c.sql", "ALTER TABLE b ADD COLUMN note text;");
  write("0001_a.sql", "CREATE TABLE a (id int PRIMARY KEY);");
  write("0002_b.sql", "CREATE TABLE b (id int REFERENCES a (id));");
  write("README.md", "not a migration");
  pqxx::connection conn(fresh_database());
  const MigrationReport report = apply_migrations(conn, dir_);
  EXPECT_EQ(report.applied, (Names{"0001_a", "0002_b", "0010_c"}));
  EXPECT_TRUE(report.already_applied.empty());
  EXPECT_EQ(recorded(conn), (Names{"0001_a", "0002_b", "0010_c"}));
  pqxx::nontransaction tx(conn);
  const auto row = tx.exec1("SELECT checksum FROM schema_migrations WHERE version = '0001'");
  EXPECT_EQ(row[0].as<std::string>().size(), 64u);  // sha-256 hex
}

TEST_F(MigrationsTest, ApplyingAgainChangesNothing) {
  write("0001_a.sql", "CREATE TABLE a (id int PRIMARY KEY);");
  pqxx::connection conn(fresh_database());
  apply_migrations(conn, dir_);
  const MigrationReport again = apply_migrations(conn, dir_);
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(again.already_applied, (Names{"0001_a"}));
  EXPECT_EQ(recorded(conn), (Names{"0001_a"}));
}

TEST_F(MigrationsTest, AppliesOnlyTheNewFilesOnALaterRun) {
  write("0001_a.sql", "CREATE TABLE a (id int PRIMARY KEY);");
  pqxx::connection conn(fresh_database());
  apply_migrations(conn, dir_);
  write("0002_b.sql", "CREATE TABLE b (id int);");
  const MigrationReport later = apply_migrations(conn, dir_);
  EXPECT_EQ(later.applied, (Names{"0002_b"}));
  EXPECT_EQ(later.already_applied, (Names{"0001_a"}));
}

TEST_F(MigrationsTest, AnAppliedFileThatChangedIsAnErrorNamingIt) {
  write("0001_a.sql", "CREATE TABLE a (id int PRIMARY KEY);");
  pqxx::connection conn(fresh_database());
  apply_migrations(conn, dir_);
  write("0001_a.sql", "CREATE TABLE a (id bigint PRIMARY KEY);");
  write("0002_b.sql", "CREATE TABLE b (id int);");
  try {
    apply_migrations(conn, dir_);
    FAIL() << "a changed migration should be rejected";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("0001_a.sql was changed after it was applied"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(table_exists(conn, "b")) << "nothing is applied when a checksum differs";
}

TEST_F(MigrationsTest, AFailingMigrationIsRolledBackAndNamed) {
  write("0001_a.sql", "CREATE TABLE a (id int PRIMARY KEY);");
  write("0002_broken.sql", "CREATE TABLE half (id int);\nCREATE TABLE oops (id int,);");
  pqxx::connection conn(fresh_database());
  try {
    apply_migrations(conn, dir_);
    FAIL() << "the syntax error should surface";
  } catch (const DbError& e) {
    EXPECT_EQ(e.sqlstate(), "42601");  // syntax_error
    EXPECT_NE(std::string(e.what()).find("0002_broken.sql"), std::string::npos) << e.what();
  }
  EXPECT_EQ(recorded(conn), (Names{"0001_a"}));
  EXPECT_FALSE(table_exists(conn, "half")) << "the failed file's earlier statements roll back";
}

TEST_F(MigrationsTest, BadFileNamesAreAllReportedAtOnce) {
  write("notes.sql", "SELECT 1;");
  write("0001.sql", "SELECT 1;");
  write("0002_a.sql", "SELECT 1;");
  write("0002_b.sql", "SELECT 1;");
  try {
    list_migrations(dir_);
    FAIL() << "list_migrations should reject the directory";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 3u) << e.what();
    EXPECT_NE(std::string(e.what()).find("notes.sql must be named <digits>_<name>.sql"),
              std::string::npos);
    EXPECT_NE(std::string(e.what()).find("version 0002 is used by more than one file"),
              std::string::npos);
  }
}

TEST_F(MigrationsTest, AMissingOrEmptyDirectoryIsAnError) {
  EXPECT_THROW(list_migrations(dir_ / "absent"), ConfigError);
  EXPECT_THROW(list_migrations(dir_), ConfigError);
}

TEST_F(MigrationsTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  const std::string url = fresh_database();
  constexpr int kMigrators = 4;
  std::vector<MigrationReport> reports(kMigrators);
  std::vector<std::string> errors(kMigrators);
  std::vector<std::thread> threads;
  threads.reserve(kMigrators);
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] {
      try {
        pqxx::connection conn(url);
        reports[static_cast<std::size_t>(i)] = apply_migrations(conn, platform_schema_dir());
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  std::size_t applied = 0;
  for (int i = 0; i < kMigrators; ++i) {
    EXPECT_EQ(errors[static_cast<std::size_t>(i)], "");
    applied += reports[static_cast<std::size_t>(i)].applied.size();
  }
  const std::size_t files = list_migrations(platform_schema_dir()).size();
  EXPECT_EQ(applied, files);
  pqxx::connection conn(url);
  EXPECT_EQ(recorded(conn).size(), files);
}

}  // namespace
}  // namespace gauntlet
