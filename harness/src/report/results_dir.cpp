#include "gauntlet/report/results_dir.hpp"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>

#include "gauntlet/report/json_reporter.hpp"

namespace gauntlet {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    throw std::system_error(errno, std::generic_category(), "cannot read " + path.string());
  }
  return text;
}

bool is_result_document(const nlohmann::json& doc) {
  return doc.is_object() && doc.contains("schema_version") && doc.contains("name");
}

// The sorted regular files directly inside dir.
std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

ResultsDir read_results_dir(const fs::path& dir) {
  ResultsDir out;
  for (const fs::path& file : files_in(dir)) {
    const std::string name = file.filename().string();
    // Other files belong in a results directory too (CTest's junit.xml, a .json.tmp being
    // written, logs): they are not results, and not worth a warning.
    if (file.extension() != ".json") continue;
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(read_text(file));
    } catch (const nlohmann::json::parse_error& e) {
      throw std::invalid_argument("result file " + file.string() +
                                  " is not valid JSON (corrupt or truncated): " + e.what());
    }
    if (!is_result_document(doc)) {
      out.warnings.push_back("skipping " + name +
                             ": not a result (no \"schema_version\" and \"name\" at the top)");
      continue;
    }
    try {
      out.results.push_back(run_result_from_json(doc));
      out.documents.push_back(std::move(doc));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("result file " + file.string() + ": " + e.what());
    }
  }
  return out;
}

}  // namespace gauntlet
