#pragma once
// The `gauntlet http` subcommand as the executable runs it: the library's run_http_command()
// plus what only a process may do: turning Ctrl-C into an orderly stop, checking whether stdout
// is a terminal, reading the environment and raising the open-files limit for many connections.
#include <ostream>
#include <span>
#include <string>

namespace gauntlet {

int run_http_subcommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace gauntlet
