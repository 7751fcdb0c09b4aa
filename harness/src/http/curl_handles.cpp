#include "gauntlet/http/curl_handles.hpp"

#include <stdexcept>
#include <string>

namespace gauntlet {

CurlGlobal::CurlGlobal() {
  const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    throw std::runtime_error(std::string("libcurl could not initialise: ") +
                             curl_easy_strerror(rc));
  }
}

CurlGlobal::CurlGlobal(const CurlGlobal&) : CurlGlobal() {}

CurlGlobal::~CurlGlobal() { curl_global_cleanup(); }

EasyHandle make_easy_handle() {
  EasyHandle easy(curl_easy_init());
  if (!easy) throw std::runtime_error("libcurl could not create an easy handle (out of memory?)");
  return easy;
}

MultiHandle make_multi_handle() {
  MultiHandle multi(curl_multi_init());
  if (!multi) throw std::runtime_error("libcurl could not create a multi handle (out of memory?)");
  return multi;
}

}  // namespace gauntlet
