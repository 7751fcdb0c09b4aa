#pragma once
// drive-intel: ingests videos (a row in videos), then analyses them: scene detection and
// feature extraction (objects, OCR, speech, visual statistics) into video_scenes. Storing comes
// first and analysis second, each committed on its own: a crash between them leaves the video
// 'ingested', and ingesting it again (same source and source_ref) finishes the analysis instead
// of creating a second video. See docs/platform-api/drive-intel.md.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"
#include "gauntlet/mocks/stand_in_compute.hpp"
#include "gauntlet/pg/connection_pool.hpp"
#include "scene_detector.hpp"

namespace gauntlet::mocks {

struct DriveIntelOptions {
  double compute_scale = 1.0;  // --compute-scale
};

class DriveIntelService {
 public:
  static constexpr std::int64_t kMaxDurationMs = 3'600'000;  // one hour

  // `router`, `metrics` and `pool` must outlive the service.
  DriveIntelService(DriveIntelOptions options, Router& router, MetricsRegistry& metrics,
                    ConnectionPool& pool);

  // The "drive_intel" section of /__admin/stats.
  nlohmann::json stats() const;

 private:
  struct Stored {
    std::int64_t id = 0;
    bool created = false;
    std::string status;
    VideoInput input;
  };

  Response ingest(const Request& req);
  Response get_video(const Request& req);
  Response get_scenes(const Request& req);
  Stored store(const nlohmann::json& body);
  // Scene detection and the extractors, each stage timed into drive_intel_stage_seconds.
  nlohmann::json analyse(const VideoInput& input);
  void save_analysis(std::int64_t video_id, const nlohmann::json& scenes);
  void mark_failed(std::int64_t video_id);
  nlohmann::json video_json(std::int64_t video_id);

  ConnectionPool& pool_;
  MetricsRegistry& metrics_;
  StandInCompute compute_;
  SceneDetector detector_;
  Counter& ingested_;
  Counter& reingested_;
  Counter& analysed_;
  Counter& failed_;
};

}  // namespace gauntlet::mocks
