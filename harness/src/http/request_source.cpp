#include "gauntlet/http/request_source.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "gauntlet/config_error.hpp"

namespace gauntlet {

RequestSource RequestSource::fixed(Request request) {
  return RequestSource(std::move(request), {});
}

RequestSource RequestSource::generated(Request sample, RequestGenerator generator) {
  if (!generator) throw std::invalid_argument("RequestSource::generated needs a generator");
  return RequestSource(std::move(sample), std::move(generator));
}

RequestSource RequestSource::rotating_bodies(Request base, std::vector<std::string> bodies) {
  if (bodies.empty()) throw std::invalid_argument("RequestSource::rotating_bodies needs a body");
  Request sample = base;
  sample.body = bodies.front();
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(bodies));
  auto generator = [base = std::move(base), shared](std::uint64_t sequence, int thread,
                                                    Request& out) {
    const std::vector<std::string>& all = *shared;
    // Threads start at different offsets so that they do not send the same body in lockstep.
    const std::uint64_t index =
        (sequence + static_cast<std::uint64_t>(thread) * 7919U) % all.size();
    if (out.url.empty()) {
      out = base;  // first use of this connection's request: copy the template once
    }
    out.body.assign(all[index]);
  };
  return RequestSource(std::move(sample), std::move(generator));
}

void RequestSource::fill(std::uint64_t sequence, int thread, Request& out) const {
  if (generator_) {
    generator_(sequence, thread, out);
  } else {
    out = sample_;
  }
}

namespace {

const nlohmann::json* body_array(const nlohmann::json& doc) {
  if (doc.is_array()) return &doc;
  if (!doc.is_object()) return nullptr;
  for (const char* key : {"prompts", "items", "requests"}) {
    const auto it = doc.find(key);
    if (it != doc.end() && it->is_array()) return &*it;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> load_request_bodies(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("request bodies file " + path.string() + " cannot be read.");
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded()) {
    throw ConfigError("request bodies file " + path.string() + " is not valid JSON.");
  }
  const nlohmann::json* items = body_array(doc);
  if (items == nullptr || items->empty()) {
    throw ConfigError("request bodies file " + path.string() +
                      " must hold a non-empty JSON array, at the top or as \"prompts\", "
                      "\"items\" or \"requests\".");
  }
  std::vector<std::string> bodies;
  bodies.reserve(items->size());
  for (const nlohmann::json& item : *items) {
    bodies.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  }
  return bodies;
}

}  // namespace gauntlet
