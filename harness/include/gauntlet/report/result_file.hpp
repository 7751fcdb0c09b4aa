#pragma once
// Result files on disk: one canonical JSON file per run (<dir>/<Suite>.<Test>.json), written
// atomically and durably so that a reader (or an interrupted run) never sees half of one.
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "gauntlet/metrics/run_result.hpp"

namespace gauntlet {

// `<dir>/<name>.json`, with '/' and '\' in the name replaced by '_' (parameterised gtest names
// contain '/'). Throws std::invalid_argument for an empty name.
std::filesystem::path result_file_path(std::string_view name, const std::filesystem::path& dir);

// Writes result_file_path(result.name, dir) atomically (write_file_atomically) with the
// JsonReporter's text. Creates dir. Throws std::system_error naming the path on an I/O failure
// (the .tmp file is removed), std::invalid_argument for an empty name.
void write_result_file(const RunResult& result, const std::filesystem::path& dir);

// Replaces `target` with `text` atomically and durably: the text goes to `<target>.tmp`, is
// fsync'ed, then renamed over `target`, so a reader sees the old file or the new one whole. The
// directory must exist. Throws std::system_error naming the path (the .tmp file is removed).
void write_file_atomically(const std::filesystem::path& target, std::string_view text);

// A file of a directory written whole: its path relative to the directory, and its text.
struct DirectoryFile {
  std::filesystem::path name;
  std::string text;
};

// Makes `dir` hold exactly `files`, atomically: they are written (and fsync'ed) into a fresh
// sibling directory ".<name>.tmp-<pid>", which then takes dir's place in one rename (an existing
// dir is swapped out with renameat2(RENAME_EXCHANGE) and removed; where the file system cannot
// exchange, it is renamed aside first). A reader sees the old directory or the new one whole, and
// a failure leaves the old one as it was. Creates dir's parents. Throws std::system_error /
// std::filesystem::filesystem_error naming the path; the temporary directory is removed.
void write_directory_atomically(const std::filesystem::path& dir,
                                std::span<const DirectoryFile> files);

// Reads and validates a result file. Throws std::system_error naming the path when it cannot be
// read, std::invalid_argument naming the path and the problem when it is not valid JSON or not a
// valid result.
RunResult read_result_file(const std::filesystem::path& path);

// $GAUNTLET_RESULTS_DIR when set and non-empty, else the build's results directory
// (build_paths::results_dir(), <builddir>/results).
std::filesystem::path default_results_dir();

}  // namespace gauntlet
