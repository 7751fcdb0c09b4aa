#include "gauntlet/mocks/router.hpp"

#include <algorithm>

#include "gauntlet/config_error.hpp"
#include "gauntlet/mocks/http_error.hpp"
#include "gauntlet/mocks/url.hpp"

namespace gauntlet::mocks {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

Router::Router() : error_formatter_(&Response::error) {}

std::vector<Router::Segment> Router::parse_pattern(const std::string& pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw ConfigError("route pattern \"" + pattern + "\" must start with '/'");
  }
  std::vector<Segment> segments;
  for (std::string_view part : split_path(pattern)) {
    const auto open = part.find('{');
    if (open == std::string_view::npos) {
      if (part.find('}') != std::string_view::npos) {
        throw ConfigError("route pattern \"" + pattern + "\" has a '}' without '{'");
      }
      segments.push_back({std::string(part), "", ""});
      continue;
    }
    const auto close = part.find('}', open);
    if (close == std::string_view::npos || close == open + 1) {
      throw ConfigError("route pattern \"" + pattern + "\" has an unclosed or empty {capture}");
    }
    const std::string_view suffix = part.substr(close + 1);
    if (suffix.find_first_of("{}") != std::string_view::npos) {
      throw ConfigError("route pattern \"" + pattern + "\" has two captures in one segment");
    }
    segments.push_back({std::string(part.substr(0, open)),
                        std::string(part.substr(open + 1, close - open - 1)), std::string(suffix)});
  }
  return segments;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route route{std::move(method), pattern, parse_pattern(pattern), 0, std::move(handler)};
  for (const auto& s : route.segments) {
    route.specificity *= 3;  // positional: an earlier literal outranks a later one
    route.specificity += s.name.empty() ? 2 : (s.prefix.empty() && s.suffix.empty() ? 0 : 1);
  }
  routes_.push_back(std::move(route));
}

bool Router::match_route(const Route& route, const std::vector<std::string_view>& parts,
                         std::map<std::string, std::string>& params) {
  if (route.segments.size() != parts.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Segment& s = route.segments[i];
    const std::string_view part = parts[i];
    if (s.name.empty()) {
      if (part != s.prefix) return false;
      continue;
    }
    if (part.size() <= s.prefix.size() + s.suffix.size()) return false;
    if (part.substr(0, s.prefix.size()) != s.prefix) return false;
    if (part.substr(part.size() - s.suffix.size()) != s.suffix) return false;
    params[s.name] = percent_decode(
        part.substr(s.prefix.size(), part.size() - s.prefix.size() - s.suffix.size()));
  }
  return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m = match_exact(method, path);
  if (m.handler != nullptr || method != "HEAD") return m;
  Match get = match_exact("GET", path);
  if (get.handler != nullptr) return get;
  const auto& allowed = m.allowed_methods;
  if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end() &&
      std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) {
    m.allowed_methods.push_back("HEAD");
  }
  return m;
}

Router::Match Router::match_exact(std::string_view method, std::string_view path) const {
  const auto parts = split_path(path);
  Match best;
  int best_specificity = -1;
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    if (!match_route(route, parts, params)) continue;
    if (route.method != method) {
      if (std::find(best.allowed_methods.begin(), best.allowed_methods.end(), route.method) ==
          best.allowed_methods.end()) {
        best.allowed_methods.push_back(route.method);
      }
      continue;
    }
    if (route.specificity > best_specificity) {
      best_specificity = route.specificity;
      best.handler = &route.handler;
      best.route = route.pattern;
      best.params = params;
    }
  }
  if (best.handler != nullptr) {
    best.allowed_methods.clear();
  } else if (std::find(best.allowed_methods.begin(), best.allowed_methods.end(), "GET") !=
                 best.allowed_methods.end() &&
             std::find(best.allowed_methods.begin(), best.allowed_methods.end(), "HEAD") ==
                 best.allowed_methods.end()) {
    best.allowed_methods.push_back("HEAD");  // answered wherever GET is
  }
  return best;
}

Response Router::refusal(const Request& request, const Match& m) const {
  if (m.allowed_methods.empty()) {
    return error_response(404, "no route for " + request.method + " " + request.path);
  }
  Response r =
      error_response(405, "method " + request.method + " is not allowed on " + request.path);
  std::string allow;
  for (const auto& method : m.allowed_methods) allow += (allow.empty() ? "" : ", ") + method;
  r.headers.set("Allow", allow);
  return r;
}

std::optional<Response> Router::answer_before_body(Request& request) const {
  Match m = match(request.method, request.path);
  if (m.handler == nullptr) return refusal(request, m);
  request.params = std::move(m.params);
  request.route = std::move(m.route);
  if (!precheck_) return std::nullopt;
  try {
    return precheck_(request);
  } catch (const std::exception& e) {
    return error_response(500, std::string("internal error: ") + e.what());
  }
}

Response Router::dispatch(Request& request) const {
  Match m = match(request.method, request.path);
  if (m.handler == nullptr) return refusal(request, m);
  request.params = std::move(m.params);
  request.route = std::move(m.route);
  try {
    return (*m.handler)(request);
  } catch (const HttpError& e) {
    return error_response(e.status(), e.what());
  } catch (const ConfigError& e) {
    return error_response(400, e.what());
  } catch (const nlohmann::json::exception& e) {
    // A body of the wrong shape (a string where a number belongs) is the client's mistake.
    return error_response(
        400, std::string("the request body has a field of the wrong type: ") + e.what());
  } catch (const std::exception& e) {
    return error_response(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace gauntlet::mocks
