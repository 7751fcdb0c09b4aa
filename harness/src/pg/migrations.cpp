#include "gauntlet/pg/migrations.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <sstream>

#include "gauntlet/config_error.hpp"
#include "gauntlet/pg/db_error.hpp"

namespace gauntlet {
namespace {

// An arbitrary constant naming "gauntlet schema migrations" among advisory locks.
constexpr std::int64_t kMigrationLockKey = 0x6761756e746c6574;  // "gauntlet"

struct Recorded {
  std::string name;
  std::string checksum;
};

// Holds the session-level advisory lock for its lifetime.
class MigrationLock {
 public:
  explicit MigrationLock(pqxx::connection_base& conn) : conn_(conn) {
    pqxx::nontransaction tx(conn_);
    tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;
  ~MigrationLock() {
    try {
      pqxx::nontransaction tx(conn_);
      tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    } catch (const std::exception&) {
      // The connection broke: the server released the session lock with it.
    }
  }

 private:
  pqxx::connection_base& conn_;
};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

std::optional<MigrationFile> parse_name(const std::filesystem::path& path) {
  const std::string stem = path.stem().string();
  const auto digits = static_cast<std::size_t>(
      std::find_if(stem.begin(), stem.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) == 0; }) -
      stem.begin());
  if (digits == 0 || digits + 1 >= stem.size() || stem[digits] != '_') return std::nullopt;
  return MigrationFile{stem.substr(0, digits), stem, path};
}

std::map<std::string, Recorded> load_recorded(pqxx::connection_base& conn) {
  pqxx::work tx(conn);
  tx.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "  version text PRIMARY KEY,"
      "  name text NOT NULL,"
      "  checksum text NOT NULL,"
      "  applied_at timestamptz NOT NULL DEFAULT now())");
  std::map<std::string, Recorded> recorded;
  for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations")) {
    recorded[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
  }
  tx.commit();
  return recorded;
}

// SHA-256 (hex) of the file as the server computes it, so that `sha256sum` agrees.
std::string checksum(pqxx::connection_base& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  return tx.exec_params1("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", sql)[0]
      .as<std::string>();
}

void apply_one(pqxx::connection_base& conn, const MigrationFile& file, const std::string& sql,
               const std::string& sum) {
  try {
    pqxx::work tx(conn);
    tx.exec(sql);
    tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                   file.version, file.name, sum);
    tx.commit();
  } catch (const pqxx::failure& e) {
    throw DbError(
        "Migration " + file.path.filename().string() + " failed and was rolled back: " + e.what(),
        sqlstate_of(e));
  }
}

}  // namespace

std::vector<MigrationFile> list_migrations(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw ConfigError("migrations: directory " + dir.string() + " does not exist.");
  }
  std::vector<MigrationFile> files;
  Problems problems;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    if (auto file = parse_name(entry.path())) {
      files.push_back(*file);
    } else {
      problems.add("migrations: file " + entry.path().filename().string() +
                   " must be named <digits>_<name>.sql, e.g. 0001_users.sql.");
    }
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::set<std::string> versions;
  for (const auto& file : files) {
    if (!versions.insert(file.version).second) {
      problems.add("migrations: version " + file.version + " is used by more than one file (" +
                   file.name + ".sql).");
    }
  }
  if (files.empty() && problems.empty()) {
    problems.add("migrations: directory " + dir.string() + " contains no .sql files.");
  }
  problems.throw_if_any();
  return files;
}

MigrationReport apply_migrations(pqxx::connection_base& conn, const std::filesystem::path& dir) {
  const auto files = list_migrations(dir);
  const MigrationLock lock(conn);
  const auto recorded = load_recorded(conn);
  std::vector<std::pair<std::string, std::string>> texts;  // sql, checksum per file
  Problems changed;
  for (const auto& file : files) {
    auto sql = read_text(file.path);
    auto sum = checksum(conn, sql);
    const auto it = recorded.find(file.version);
    if (it != recorded.end() && it->second.checksum != sum) {
      changed.add("migrations: " + file.path.filename().string() +
                  " was changed after it was applied (checksum " + sum + ", recorded " +
                  it->second.checksum + "); add a new migration instead of editing it.");
    }
    texts.emplace_back(std::move(sql), std::move(sum));
  }
  changed.throw_if_any();  // before applying anything
  MigrationReport report;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (recorded.count(files[i].version) != 0) {
      report.already_applied.push_back(files[i].name);
      continue;
    }
    apply_one(conn, files[i], texts[i].first, texts[i].second);
    report.applied.push_back(files[i].name);
  }
  return report;
}

}  // namespace gauntlet
