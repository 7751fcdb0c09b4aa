#include "route_table.hpp"

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {

void RouteTable::add(std::string public_prefix, std::string service,
                     std::string downstream_prefix) {
  Problems problems;
  for (const std::string* p : {&public_prefix, &downstream_prefix}) {
    if (p->empty() || p->front() != '/' || p->back() == '/') {
      problems.add("route prefix must start with '/' and not end with '/', got \"" + *p + "\"");
    }
  }
  for (const Entry& e : entries_) {
    if (e.public_prefix == public_prefix)
      problems.add("route prefix " + public_prefix + " is registered twice");
  }
  problems.throw_if_any();
  entries_.push_back({std::move(public_prefix), std::move(service), std::move(downstream_prefix)});
}

std::optional<RouteTarget> RouteTable::resolve(std::string_view target) const {
  const std::string_view path = target.substr(0, target.find('?'));
  const Entry* best = nullptr;
  for (const Entry& e : entries_) {
    const std::string_view prefix = e.public_prefix;
    const bool matches = path.substr(0, prefix.size()) == prefix &&
                         (path.size() == prefix.size() || path[prefix.size()] == '/');
    if (matches && (!best || prefix.size() > best->public_prefix.size())) best = &e;
  }
  if (!best) return std::nullopt;
  return RouteTarget{best->service, best->downstream_prefix +
                                        std::string(target.substr(best->public_prefix.size()))};
}

RouteTable RouteTable::platform() {
  RouteTable t;
  const std::pair<const char*, const char*> kResources[] = {{"videos", "drive-intel"},
                                                            {"render-jobs", "video-agent"},
                                                            {"ad-changes", "meta-publisher"},
                                                            {"predictions", "ml-service"},
                                                            {"feedback", "ml-service"},
                                                            {"budget", "ml-service"},
                                                            {"learning", "ml-service"},
                                                            {"cache", "ml-service"},
                                                            {"council", "titan-core"},
                                                            {"dna", "titan-core"},
                                                            {"rag", "titan-core"}};
  for (const auto& [resource, service] : kResources) {
    t.add(std::string("/api/v1/") + resource, service, std::string("/v1/") + resource);
  }
  return t;
}

bool is_retryable(std::string_view method, const Headers& headers) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
      method == "DELETE")
    return true;
  const auto key = headers.find("Idempotency-Key");
  return key && !key->empty();
}

}  // namespace gauntlet::mocks
