#pragma once
// The arguments of `gauntlet http`, parsed and checked before anything is sent. Flags follow
// wrk and k6 where they overlap (-c, -t, -d, -H, --rate, --threshold).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gauntlet/http/engine_options.hpp"
#include "gauntlet/http/request.hpp"
#include "gauntlet/load/rate_profile.hpp"

namespace gauntlet {

inline constexpr std::string_view kHttpUsage =
    "usage: gauntlet http URL [options]\n"
    "\n"
    "Load one endpoint: closed model (as fast as the connections allow) or open model\n"
    "(--rate or --profile; latency counted from each request's intended start).\n"
    "  -c, --connections N     connections in total (default 10)\n"
    "  -t, --threads N         event-loop threads (default 2, at most the connections)\n"
    "  -d, --duration D        run for D, e.g. 10s, 1m30s (default 10s unless -n or --profile)\n"
    "  -n, --requests N        stop after N requests\n"
    "      --rate R            open model: R requests per second, constant\n"
    "      --profile SPEC      open model: a rate profile, e.g. ramp:0:1000:1m, "
    "steps:100@10s,500@10s\n"
    "                          (constant, ramp, steps, burst, wave, spike, chaos)\n"
    "      --max-wait D        open model: how long a request may wait for a free connection\n"
    "                          before it is counted as dropped (default 5s)\n"
    "  -H, --header 'N: V'     add a request header (repeatable)\n"
    "  -m, --method M          request method (default GET, or POST with a body)\n"
    "      --body @FILE|TEXT   request body, from a file with @\n"
    "      --bodies FILE       rotate through the bodies of a JSON array (e.g. "
    "test-data/prompts.json)\n"
    "      --timeout D         per-request timeout, connect included (default 5s)\n"
    "      --connect-timeout D connect timeout (default: the --timeout)\n"
    "      --http2             ask for HTTP/2 (ALPN on https://)\n"
    "      --engine E          auto (default: native for http://, curl otherwise), native\n"
    "                          (plain HTTP/1.1 at wrk's cost) or curl (libcurl: TLS, HTTP/2)\n"
    "  -k, --insecure          do not verify TLS certificates\n"
    "      --threshold EXPR    pass/fail criterion, e.g. 'p(99)<10ms', 'error_rate<1%' "
    "(repeatable)\n"
    "      --breaking-point FROM..TO\n"
    "                          search the highest sustainable rate: one open-model run per level,\n"
    "                          --steps levels from FROM to TO, then bisection; needs --threshold\n"
    "      --steps N           breaking point: levels before the bisection (default 5)\n"
    "      --level-duration D  breaking point: each level's run (default 5s)\n"
    "      --search-budget D   breaking point: the whole search at most (default 5m)\n"
    "      --json FILE         write the result (canonical JSON)\n"
    "      --csv PREFIX        write PREFIX_stats.csv, PREFIX_stats_history.csv, "
    "PREFIX_failures.csv\n"
    "      --name NAME         the result's name (default http)\n"
    "      --allow-remote      allow a target outside this machine (also GAUNTLET_ALLOW_REMOTE=1)\n"
    "  -q, --quiet             no progress lines\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status: 0 the run passed its thresholds; 1 a threshold failed or the run was "
    "interrupted;\n"
    "2 bad usage, including a --json or --csv path whose directory is missing or not writable\n"
    "(checked before any request); 3 the run could not start (e.g. connection refused on every\n"
    "attempt).\n";

struct HttpArgs {
  std::string url;
  int connections = 10;
  int threads = 2;
  std::optional<std::chrono::nanoseconds> duration;
  std::optional<std::int64_t> requests;
  std::optional<double> rate_per_s;
  std::optional<RateProfile> profile;
  std::string profile_spec;  // as given, for the result's plan
  std::chrono::nanoseconds max_wait{std::chrono::seconds(5)};
  std::vector<Header> headers;
  std::optional<std::string> method;
  std::optional<std::string> body;  // the text, already read from @FILE
  std::optional<std::filesystem::path> body_file;
  std::optional<std::filesystem::path> bodies_file;
  std::chrono::milliseconds timeout{5000};
  std::optional<std::chrono::milliseconds> connect_timeout;
  bool http2 = false;
  EngineKind engine = EngineKind::kAuto;
  bool insecure = false;
  std::vector<std::string> thresholds;
  // --breaking-point FROM..TO (requests per second) and its search's bounds.
  std::optional<std::pair<double, double>> breaking_point;
  int steps = 5;
  std::chrono::nanoseconds level_duration{std::chrono::seconds(5)};
  std::chrono::nanoseconds search_budget{std::chrono::minutes(5)};
  std::optional<std::filesystem::path> json_path;
  std::optional<std::string> csv_prefix;
  std::string name = "http";
  bool allow_remote = false;
  bool quiet = false;
  bool help = false;

  // The method actually sent: --method, else POST when a body is given, else GET.
  std::string effective_method() const;
};

// Parses the arguments after "http". Accepts "--flag value", "--flag=value", "-c 10" and "-c10";
// "--" ends the options. Reads --body @FILE. Throws ConfigError listing every problem, each naming
// the flag and the value ("-c/--connections must be a whole number >= 1, got \"ten\"."). Does
// not look at the network (the loopback check is check_target()).
HttpArgs parse_http_args(std::span<const std::string> args);

}  // namespace gauntlet
