#pragma once
// The gateway's video-generation API (docs/platform-api/gateway.md):
//   POST /api/v1/generations       a generation row, submitted to video-agent as a render job
//                                  with idempotency key "generation:<id>" (so resubmitting never
//                                  makes a second job)
//   GET  /api/v1/generations/{id}  its status, read from generations + render_jobs + videos;
//                                  a generation still "submitting" (video-agent was down) is
//                                  submitted again first
//   POST /api/v1/assets/upload     raw bytes up to 10 MiB, recorded in assets by SHA-256
// Generations belong to the API key that created them; another key gets 404.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "downstream.hpp"
#include "gauntlet/mocks/request.hpp"
#include "gauntlet/mocks/response.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

class GenerationApi {
 public:
  static constexpr std::size_t kMaxAssetBytes = 10 * 1024 * 1024;

  // `video_agent` may be null (generations then stay "submitting"). An empty `assets_dir` keeps
  // only the hash and size of uploads, not the bytes.
  GenerationApi(ConnectionPool& pool, Downstream* video_agent, std::string assets_dir);

  Response create(const Request& req, const std::string& owner, const std::string& request_id);
  Response get(const Request& req, const std::string& owner, const std::string& request_id);
  Response upload_asset(const Request& req, const std::string& owner);

 private:
  // Submits generation `id` to video-agent and records the outcome. Returns the HTTP status to
  // answer with when video-agent refused it (4xx), else 0.
  int submit(const std::string& id, const nlohmann::json& request, const std::string& request_id);
  std::optional<nlohmann::json> load(const std::string& id, const std::string& owner);

  ConnectionPool& pool_;
  Downstream* video_agent_;
  std::string assets_dir_;
};

}  // namespace gauntlet::mocks
