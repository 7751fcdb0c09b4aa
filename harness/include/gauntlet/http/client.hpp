#pragma once
// The blocking client for flows: one libcurl easy handle per virtual user, so connections are
// reused (keep-alive) from one request to the next. A flow is sequential, so blocking is the
// simple and honest model; raw endpoint load at high rates uses the Engine instead.
//
//   Client client({.timeout = 2s}, &shard);
//   Response r = client.post_json(base + "/v1/creatives", {{"name", "a"}}, "create");
//   if (r.ok() && !r.json()->contains("id")) r.mark_body_mismatch("no id in the reply");
//
// Not thread-safe: one Client per thread (virtual user).
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gauntlet/http/curl_handles.hpp"
#include "gauntlet/http/request.hpp"
#include "gauntlet/http/response.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{30000};  // whole transfer, connect included
  HttpVersion http_version = HttpVersion::kHttp1_1;
  bool follow_redirects = false;  // a 3xx is returned as it is unless this is set
  bool verify_tls = true;
  std::vector<Header> default_headers{};  // sent with every request, before the request's own
  std::string user_agent = "gauntlet";
};

// A check on a response: nullopt when it is as expected, else the reason (body_mismatch).
using ResponseCheck = std::function<std::optional<std::string>(const Response&)>;

// A file part of a multipart/form-data upload.
struct FilePart {
  std::string field = "file";
  std::filesystem::path path;
  std::string content_type = "application/octet-stream";
};

// An in-memory part of a multipart/form-data upload (sent as a file named `filename`).
struct BufferPart {
  std::string field = "file";
  std::string filename;
  std::string_view data;  // must stay valid during the call
  std::string content_type = "application/octet-stream";
};

class Client {
 public:
  // recorder may be nullptr: then nothing is recorded. Throws std::runtime_error when libcurl
  // cannot be initialised, std::invalid_argument for HTTP/2 without libcurl support.
  explicit Client(ClientOptions options = {}, RecorderShard* recorder = nullptr);
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // Sends the request and waits for the response. Never throws for a network or HTTP failure:
  // it is classified into Response::error. When `step` is non-empty and a recorder was given,
  // the outcome is recorded as that step (latency, class, the first distinct messages).
  // `check` (optional) turns an unexpected response into body_mismatch before recording.
  Response send(const Request& request, std::string_view step = {},
                const ResponseCheck& check = {});

  Response get(const std::string& url, std::string_view step = {});
  Response del(const std::string& url, std::string_view step = {});
  // JSON request body (Content-Type and Accept: application/json).
  Response post_json(const std::string& url, const nlohmann::json& body,
                     std::string_view step = {});
  Response put_json(const std::string& url, const nlohmann::json& body, std::string_view step = {});
  Response patch_json(const std::string& url, const nlohmann::json& body,
                      std::string_view step = {});
  // A raw binary body (e.g. PUT of a video), sent from memory without a copy.
  Response send_binary(const std::string& method, const std::string& url, std::string_view data,
                       const std::string& content_type, std::string_view step = {});
  // multipart/form-data: text fields and a file from disk or a buffer. A file that cannot be
  // read is reported as an exception-class failure naming the path.
  Response upload_file(const std::string& url, const FilePart& file,
                       const std::vector<Header>& fields = {}, std::string_view step = {});
  Response upload_buffer(const std::string& url, const BufferPart& part,
                         const std::vector<Header>& fields = {}, std::string_view step = {});

  // Extra headers for every later request (e.g. a token obtained at login); replaces a default
  // header of the same name.
  void set_default_header(Header header);

  const ClientOptions& options() const noexcept { return options_; }

 private:
  struct Transfer;
  void prepare(Transfer& transfer, const Request& request);
  Response perform(Transfer& transfer, std::string_view method, std::string_view url);
  Response finish(Response response, std::string_view step, const ResponseCheck& check);
  Response send_mime(const std::string& url, curl_mime* mime, std::string_view step);

  CurlGlobal global_;
  ClientOptions options_;
  RecorderShard* recorder_ = nullptr;
  EasyHandle easy_;
};

// Records one response as `step` into `shard`: latency, class and (for a failure) its message.
// `completed_at` is when the response ended. Exposed for callers that time responses themselves.
void record_response(RecorderShard& shard, std::string_view step, const Response& response,
                     std::chrono::steady_clock::time_point completed_at);

}  // namespace gauntlet
