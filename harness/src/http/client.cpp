#include "gauntlet/http/client.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "curl_options.hpp"
#include "gauntlet/http/outcome.hpp"
#include "gauntlet/http/redact.hpp"

namespace gauntlet {

// The state of one call: what libcurl writes into while the transfer runs.
struct Client::Transfer {
  SlistHandle headers;
  MimeHandle mime;
  Response response;
  std::array<char, CURL_ERROR_SIZE> errbuf{};
};

namespace {

using Steady = std::chrono::steady_clock;

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<Response*>(user)->body.append(data, size * count);
  return size * count;
}

// Called once per header line of every response (redirects and 100 Continue included): a status
// line starts a new response, so only the final response's headers are kept.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& headers = static_cast<Response*>(user)->headers;
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    headers.clear();
  } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    headers.push_back(Header{std::string(line.substr(0, colon)), std::string(value)});
  }
  return size * count;
}

// Reads an in-memory multipart part without copying it.
struct BufferReader {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_buffer(char* out, std::size_t size, std::size_t count, void* user) {
  auto* reader = static_cast<BufferReader*>(user);
  const std::size_t n = std::min(size * count, reader->data.size() - reader->offset);
  std::memcpy(out, reader->data.data() + reader->offset, n);
  reader->offset += n;
  return n;
}

int seek_buffer(void* user, curl_off_t offset, int origin) {
  auto* reader = static_cast<BufferReader*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > reader->data.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  reader->offset = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// "(POST /v1/items)": the method and path of a failure, never its query (tokens live there).
std::string request_label(std::string_view method, std::string_view url) {
  std::string_view path = url;
  if (const std::size_t scheme = path.find("://"); scheme != std::string_view::npos) {
    path.remove_prefix(scheme + 3);
    const std::size_t slash = path.find('/');
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  path = path.substr(0, path.find_first_of("?#"));
  return " (" + std::string(method) + " " + std::string(path) + ")";
}

Response failed_before_sending(ErrorClass error, std::string message) {
  Response r;
  r.error = error;
  r.error_message = redact_text(message);
  return r;
}

}  // namespace

Client::Client(ClientOptions options, RecorderShard* recorder)
    : options_(std::move(options)), recorder_(recorder), easy_(make_easy_handle()) {
  require_http_version_support(options_.http_version);
}

Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

void Client::set_default_header(Header header) {
  auto& defaults = options_.default_headers;
  std::erase_if(defaults, [&](const Header& h) { return header_name_equals(h.name, header.name); });
  defaults.push_back(std::move(header));
}

void Client::prepare(Transfer& transfer, const Request& request) {
  CURL* easy = easy_.get();
  // reset keeps the connection cache, DNS cache and TLS sessions: keep-alive survives it.
  curl_easy_reset(easy);
  CurlCommonOptions common;
  common.connect_timeout = options_.connect_timeout;
  common.timeout = options_.timeout;
  common.http_version = options_.http_version;
  common.verify_tls = options_.verify_tls;
  common.follow_redirects = options_.follow_redirects;
  set_common_options(easy, common);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.errbuf.data());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer.response);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer.response);
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());

  std::vector<Header> headers;
  for (const Header& d : options_.default_headers) {
    const bool overridden =
        std::any_of(request.headers.begin(), request.headers.end(),
                    [&](const Header& h) { return header_name_equals(h.name, d.name); });
    if (!overridden) headers.push_back(d);
  }
  headers.insert(headers.end(), request.headers.begin(), request.headers.end());
  transfer.headers = make_header_list(headers);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer.headers.get());
  set_method_and_body(easy, request.method, request.body);
}

Response Client::perform(Transfer& transfer, std::string_view method, std::string_view url) {
  const auto start = Steady::now();
  const CURLcode code = curl_easy_perform(easy_.get());
  Response response = std::move(transfer.response);
  response.elapsed = Steady::now() - start;
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &response.status);
  response.error = classify_outcome(code, response.status);
  if (response.error) {
    std::array<char, 512> buf{};
    const std::string_view text =
        describe_outcome(code, response.status, transfer.errbuf.data(), buf);
    response.error_message = redact_text(std::string(text) + request_label(method, url));
  }
  return response;
}

Response Client::finish(Response response, std::string_view step, const ResponseCheck& check) {
  if (check && response.ok()) {
    if (std::optional<std::string> why = check(response)) response.mark_body_mismatch(*why);
  }
  if (recorder_ != nullptr && !step.empty()) {
    record_response(*recorder_, step, response, Steady::now());
  }
  return response;
}

Response Client::send(const Request& request, std::string_view step, const ResponseCheck& check) {
  Transfer transfer;
  prepare(transfer, request);
  return finish(perform(transfer, request.method, request.url), step, check);
}

Response Client::get(const std::string& url, std::string_view step) {
  return send(Request{"GET", url, {}, {}}, step);
}

Response Client::del(const std::string& url, std::string_view step) {
  return send(Request{"DELETE", url, {}, {}}, step);
}

namespace {
Request json_request(std::string method, const std::string& url, const nlohmann::json& body) {
  return Request{std::move(method),
                 url,
                 {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                 body.dump()};
}
}  // namespace

Response Client::post_json(const std::string& url, const nlohmann::json& body,
                           std::string_view step) {
  return send(json_request("POST", url, body), step);
}

Response Client::put_json(const std::string& url, const nlohmann::json& body,
                          std::string_view step) {
  return send(json_request("PUT", url, body), step);
}

Response Client::patch_json(const std::string& url, const nlohmann::json& body,
                            std::string_view step) {
  return send(json_request("PATCH", url, body), step);
}

Response Client::send_binary(const std::string& method, const std::string& url,
                             std::string_view data, const std::string& content_type,
                             std::string_view step) {
  Transfer transfer;
  prepare(transfer, Request{method, url, {{"Content-Type", content_type}}, {}});
  // The body is read from the caller's memory instead of being copied into the request.
  set_method_and_body(easy_.get(), method, data);
  return finish(perform(transfer, method, url), step, {});
}

Response Client::send_mime(const std::string& url, curl_mime* mime, std::string_view step) {
  Transfer transfer;
  transfer.mime.reset(mime);
  prepare(transfer, Request{"POST", url, {}, {}});
  curl_easy_setopt(easy_.get(), CURLOPT_MIMEPOST, mime);
  return finish(perform(transfer, "POST", url), step, {});
}

namespace {
void add_fields(curl_mime* mime, const std::vector<Header>& fields) {
  for (const Header& field : fields) {
    curl_mimepart* part = curl_mime_addpart(mime);
    curl_mime_name(part, field.name.c_str());
    curl_mime_data(part, field.value.data(), field.value.size());
  }
}
}  // namespace

Response Client::upload_file(const std::string& url, const FilePart& file,
                             const std::vector<Header>& fields, std::string_view step) {
  if (!std::ifstream(file.path, std::ios::binary)) {
    return finish(failed_before_sending(ErrorClass::kException,
                                        "upload file " + file.path.string() + " cannot be read"),
                  step, {});
  }
  curl_mime* mime = curl_mime_init(easy_.get());
  add_fields(mime, fields);
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_name(part, file.field.c_str());
  curl_mime_filedata(part, file.path.c_str());
  curl_mime_type(part, file.content_type.c_str());
  return send_mime(url, mime, step);
}

Response Client::upload_buffer(const std::string& url, const BufferPart& buffer,
                               const std::vector<Header>& fields, std::string_view step) {
  curl_mime* mime = curl_mime_init(easy_.get());
  add_fields(mime, fields);
  BufferReader reader{buffer.data, 0};
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_name(part, buffer.field.c_str());
  curl_mime_data_cb(part, static_cast<curl_off_t>(buffer.data.size()), &read_buffer, &seek_buffer,
                    nullptr, &reader);
  curl_mime_filename(part, buffer.filename.c_str());
  curl_mime_type(part, buffer.content_type.c_str());
  return send_mime(url, mime, step);
}

void record_response(RecorderShard& shard, std::string_view step, const Response& response,
                     std::chrono::steady_clock::time_point completed_at) {
  shard.record_step(step, response.elapsed, response.error, completed_at);
  if (response.error) shard.record_error_message(step, *response.error, response.error_message);
}

}  // namespace gauntlet
