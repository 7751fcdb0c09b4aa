#pragma once
// `gauntlet http URL [options]`: the command-line face of the engine, for wrk/k6/Locust users.
// Lives in the gauntlet::cli library so that its arguments, exit codes and outputs are tested;
// the executable only adds the Ctrl-C handling and the terminal check
// (harness/src/cli/main/process_context.cpp).
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>

#include "gauntlet/env_lookup.hpp"

namespace gauntlet {

inline constexpr int kHttpExitPass = 0;         // every threshold held (PASS or WARN)
inline constexpr int kHttpExitFailed = 1;       // a threshold failed, or the run was interrupted
inline constexpr int kHttpExitUsage = 2;        // bad arguments or an output that cannot be written
inline constexpr int kHttpExitCannotStart = 3;  // e.g. connection refused on every attempt

struct HttpCommandContext {
  std::stop_token stop;  // Ctrl-C: the run stops, the report is still written, marked incomplete
  std::function<std::string()> stop_reason;  // why it stopped, e.g. "interrupted by SIGINT"
  // stderr is a terminal: the progress line (on stderr) is redrawn in place each second; without
  // one there is none unless GAUNTLET_PROGRESS=1 (load/progress.hpp's progress_wanted).
  bool terminal = false;
  // Environment lookup (GAUNTLET_ALLOW_REMOTE); nullptr reads nothing.
  EnvLookup env;
};

// The whole subcommand: the summary to `out`, the progress line and problems to `err`. Returns one
// of the kHttpExit* codes; never throws for bad input or a failing target, never calls exit().
int run_http_command(std::span<const std::string> args, std::ostream& out, std::ostream& err,
                     const HttpCommandContext& context);

}  // namespace gauntlet
