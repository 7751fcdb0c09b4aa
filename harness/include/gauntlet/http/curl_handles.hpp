#pragma once
// Owned libcurl resources. Every curl object is held by a move-only RAII type, so an exception
// anywhere never leaks a handle and no caller ever calls a *_cleanup function by hand.
#include <curl/curl.h>

#include <memory>

namespace gauntlet {

// libcurl's process-wide initialisation, reference-counted by libcurl itself (thread-safe since
// 7.84). Each client and engine holds one, so the library is initialised exactly while in use.
class CurlGlobal {
 public:
  // Throws std::runtime_error when libcurl cannot initialise (out of memory, TLS backend).
  CurlGlobal();
  ~CurlGlobal();
  // Each copy holds one more reference, so owners stay movable and copyable.
  CurlGlobal(const CurlGlobal&);
  CurlGlobal& operator=(const CurlGlobal&) noexcept { return *this; }
};

namespace curl_detail {
struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
struct MimeDeleter {
  void operator()(curl_mime* mime) const noexcept { curl_mime_free(mime); }
};
}  // namespace curl_detail

using EasyHandle = std::unique_ptr<CURL, curl_detail::EasyDeleter>;
using MultiHandle = std::unique_ptr<CURLM, curl_detail::MultiDeleter>;
using SlistHandle = std::unique_ptr<curl_slist, curl_detail::SlistDeleter>;
using MimeHandle = std::unique_ptr<curl_mime, curl_detail::MimeDeleter>;

// A new easy handle; throws std::runtime_error when libcurl cannot allocate one.
EasyHandle make_easy_handle();
// A new multi handle; throws std::runtime_error when libcurl cannot allocate one.
MultiHandle make_multi_handle();

}  // namespace gauntlet
