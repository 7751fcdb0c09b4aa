#pragma once
// Method + path-pattern routing. A pattern is '/'-separated segments; a segment is either literal
// ("campaigns") or one capture with an optional literal prefix and suffix ("{id}", "act_{account}",
// "v{version}"). Captures are percent-decoded and never empty. When several patterns match, the
// most specific wins (per segment: literal > prefixed capture > bare capture), then the first
// registered. A trailing '/' on the path is ignored. HEAD is answered by the GET route of a path
// that has no HEAD route of its own (the server then sends the headers without the body).
//
// Register every route before the server starts; dispatch() is then safe from many threads.
#include <functional>
#include <map>
#include <optional>
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
// Looks at a routed request whose body has not been read yet (a client sent Expect:
// 100-continue) and returns the final answer when the body would be refused anyway (401...), or
// nullopt to have the body read. The request's body is empty; its route and params are set.
using Precheck = std::function<std::optional<Response>(const Request&)>;

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

  // The route for `method` and `path`; for HEAD, the GET route when there is no HEAD route.
  Match match(std::string_view method, std::string_view path) const;

  // Routes `request` (filling its params and route) and runs the handler. Never throws:
  // no route -> 404, wrong method -> 405 with Allow, HttpError(s) -> s, ConfigError or a JSON
  // type/parse error from the handler -> 400, any other exception -> 500; each body made by the
  // error formatter.
  Response dispatch(Request& request) const;

  // Before reading a body the client is waiting to send (Expect: 100-continue): the answer
  // dispatch() would give without running a handler (404, 405), else the precheck's, else
  // nullopt (read the body, then dispatch). Fills request.params and request.route when routed.
  std::optional<Response> answer_before_body(Request& request) const;
  void set_precheck(Precheck precheck) { precheck_ = std::move(precheck); }

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

  Match match_exact(std::string_view method, std::string_view path) const;
  Response refusal(const Request& request, const Match& m) const;  // 404 or 405 with Allow

  std::vector<Route> routes_;
  ErrorFormatter error_formatter_;
  Precheck precheck_;
};

}  // namespace gauntlet::mocks
