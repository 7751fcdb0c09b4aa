// The `gauntlet` command line tool: dispatches to a subcommand. Each subcommand lives in the
// library of its module (testable there) and is registered here with one line in kSubcommands.
#include <exception>
#include <iostream>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/cli/report_command.hpp"
#include "process_context.hpp"

namespace {

// A subcommand gets the arguments after its name and returns the process exit code.
using SubcommandFn = int (*)(std::span<const std::string> args, std::ostream& out,
                             std::ostream& err);

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  SubcommandFn run;
};

constexpr int kExitUsage = 2;

constexpr Subcommand kSubcommands[] = {
    {"http", "load one HTTP endpoint (closed or open model), wrk/k6 style",
     &gauntlet::run_http_subcommand},
    {"report", "summarise a results directory (summary.txt, report.json)",
     &gauntlet::run_report_command},
};

void print_usage(std::ostream& os) {
  os << "usage: gauntlet <command> [arguments]\n\ncommands:\n";
  for (const Subcommand& s : kSubcommands) {
    os << "  " << s.name << std::string(s.name.size() < 10 ? 10 - s.name.size() : 1, ' ')
       << s.summary << '\n';
  }
  os << "\n`gauntlet <command> --help` describes a command.\n";
}

int dispatch(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    print_usage(err);
    return kExitUsage;
  }
  if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    print_usage(out);
    return 0;
  }
  for (const Subcommand& s : kSubcommands) {
    if (args[0] == s.name) return s.run(args.subspan(1), out, err);
  }
  err << "gauntlet: unknown command \"" << args[0] << "\"\n\n";
  print_usage(err);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args, std::cout, std::cerr);
  } catch (const std::exception& e) {  // a subcommand's bug, not bad input: say so and fail
    std::cerr << "gauntlet: internal error: " << e.what() << '\n';
    return kExitUsage;
  }
}
