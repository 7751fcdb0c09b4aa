#pragma once
// What only a process may do for a subcommand, kept out of the testable library: turning Ctrl-C
// into an orderly stop, checking whether stdout is a terminal, reading the environment and
// raising the open-files limit for many connections. run_http_subcommand() wraps the library's
// run_http_command() (gauntlet/cli/http_command.hpp) in them.
#include <ostream>
#include <span>
#include <string>

namespace gauntlet {

int run_http_subcommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace gauntlet
