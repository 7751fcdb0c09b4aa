#pragma once
// Method + path-pattern routing. A pattern is '/'-separated segments; a segment is either literal
// ("campaigns") or one capture with an optional literal prefix and suffix ("{id}", "act_{account}",
// "v{version}"). Captures are percent-decoded and never empty. When several patterns match, the
// most specific wins (per segment: literal > prefixed capture > bare capture), then the first
// registered. A trailing '/' on the path is ignored.
//
// Register every route before the server starts; dispatch() is then safe from many threads.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/mocks/request.hpp"
#include "gauntlet/mocks/response.hpp"

namespace gauntlet::mocks {

using Handler = std::function<Response(const Request&)>;
// Builds the body of an error response (status, human-readable message). A service with its own
// error envelope (Meta's {"error":{...}}) installs one; the default is Response::error.
using ErrorFormatter = std::function<Response(int status, std::string_view message)>;

class Router {
 public:
  struct Match {
    const Handler* handler = nullptr;           // null: no route for this method and path
    std::string route;                          // the matched pattern
    std::map<std::string, std::string> params;  // its captures
    std::vector<std::string> allowed_methods;   // when only the method differs (for 405 + Allow)
  };

  Router();

  // Throws ConfigError for a malformed pattern (not starting with '/', an unclosed '{', two
  // captures in one segment, an empty capture name).
  void add(std::string method, std::string pattern, Handler handler);
  void get(std::string pattern, Handler handler) {
    add("GET", std::move(pattern), std::move(handler));
  }
  void post(std::string pattern, Handler handler) {
    add("POST", std::move(pattern), std::move(handler));
  }
  void put(std::string pattern, Handler handler) {
    add("PUT", std::move(pattern), std::move(handler));
  }
  void del(std::string pattern, Handler handler) {
    add("DELETE", std::move(pattern), std::move(handler));
  }

  Match match(std::string_view method, std::string_view path) const;

  // Routes `request` (filling its params and route) and runs the handler. Never throws:
  // no route -> 404, wrong method -> 405 with Allow, HttpError(s) -> s, ConfigError or a JSON
  // type/parse error from the handler -> 400, any other exception -> 500; each body made by the
  // error formatter.
  Response dispatch(Request& request) const;

  void set_error_formatter(ErrorFormatter formatter) { error_formatter_ = std::move(formatter); }
  Response error_response(int status, std::string_view message) const {
    return error_formatter_(status, message);
  }

 private:
  struct Segment {
    std::string prefix;  // the whole text of a literal segment
    std::string name;    // capture name; empty for a literal
    std::string suffix;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    int specificity = 0;
    Handler handler;
  };

  static std::vector<Segment> parse_pattern(const std::string& pattern);
  static bool match_route(const Route& route, const std::vector<std::string_view>& parts,
                          std::map<std::string, std::string>& params);

  std::vector<Route> routes_;
  ErrorFormatter error_formatter_;
};

}  // namespace gauntlet::mocks
