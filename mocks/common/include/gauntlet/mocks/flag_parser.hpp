#pragma once
// Command-line flags for the mock executables: "--name value" or "--name=value", typed targets,
// every problem collected and thrown once as ConfigError naming the flag, value and limit.
//
//   FlagParser flags("mock-meta-graph");
//   int report_ms = 500;
//   flags.add("--report-ms", &report_ms, "how long an async report run takes", 0, 600000);
//   if (!flags.parse(argc, argv, std::cout)) return 0;   // --help printed the usage
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace gauntlet::mocks {

class FlagParser {
 public:
  // Turns the text of one value into the target; throws std::invalid_argument or
  // std::out_of_range with the limit in the message when the text is not acceptable.
  using Setter = std::function<void(std::string_view value)>;

  explicit FlagParser(std::string program);

  void add(std::string name, std::string help, Setter set);
  void add(std::string name, std::string* target, std::string help);
  void add(std::string name, int* target, std::string help, int min, int max);
  void add(std::string name, std::uint64_t* target, std::string help, std::uint64_t min,
           std::uint64_t max);
  void add(std::string name, double* target, std::string help, double min, double max);

  // Applies every flag in argv[1..]. Returns false if --help (or -h) was given, after printing
  // usage() to `out`. Throws ConfigError with one sentence per unknown flag, missing value or
  // bad value, e.g. "--port must be an integer in 0..65535, got \"http\"".
  bool parse(int argc, const char* const* argv, std::ostream& out);
  std::string usage() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    Setter set;
  };
  const Flag* find(std::string_view name) const;

  std::string program_;
  std::vector<Flag> flags_;
};

}  // namespace gauntlet::mocks
