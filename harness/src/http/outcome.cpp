#include "gauntlet/http/outcome.hpp"

#include <array>

namespace gauntlet {
namespace {

struct CodeMeaning {
  CURLcode code;
  TransferFailure failure;
};

// Every code with a closer meaning than kOther: the one table of libcurl's vocabulary.
constexpr std::array<CodeMeaning, 25> kMeanings = {{
    {CURLE_OK, TransferFailure::kNone},
    {CURLE_COULDNT_RESOLVE_HOST, TransferFailure::kResolve},
    {CURLE_COULDNT_RESOLVE_PROXY, TransferFailure::kResolve},
    {CURLE_COULDNT_CONNECT, TransferFailure::kConnect},
    {CURLE_OPERATION_TIMEDOUT, TransferFailure::kTimeout},
    {CURLE_SEND_ERROR, TransferFailure::kSend},
    {CURLE_RECV_ERROR, TransferFailure::kRecv},
    {CURLE_WEIRD_SERVER_REPLY, TransferFailure::kMalformedResponse},
    {CURLE_GOT_NOTHING, TransferFailure::kEmptyReply},
    {CURLE_PARTIAL_FILE, TransferFailure::kPartialBody},
    {CURLE_SSL_CONNECT_ERROR, TransferFailure::kTls},
    {CURLE_SSL_ENGINE_NOTFOUND, TransferFailure::kTls},
    {CURLE_SSL_ENGINE_SETFAILED, TransferFailure::kTls},
    {CURLE_SSL_CERTPROBLEM, TransferFailure::kTls},
    {CURLE_SSL_CIPHER, TransferFailure::kTls},
    {CURLE_PEER_FAILED_VERIFICATION, TransferFailure::kTls},
    {CURLE_SSL_ENGINE_INITFAILED, TransferFailure::kTls},
    {CURLE_SSL_CACERT_BADFILE, TransferFailure::kTls},
    {CURLE_SSL_SHUTDOWN_FAILED, TransferFailure::kTls},
    {CURLE_SSL_CRL_BADFILE, TransferFailure::kTls},
    {CURLE_SSL_ISSUER_ERROR, TransferFailure::kTls},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, TransferFailure::kTls},
    {CURLE_SSL_INVALIDCERTSTATUS, TransferFailure::kTls},
    {CURLE_SSL_CLIENTCERT, TransferFailure::kTls},
    {CURLE_USE_SSL_FAILED, TransferFailure::kTls},
}};

}  // namespace

TransferFailure transfer_failure_of(CURLcode code) noexcept {
  for (const CodeMeaning& m : kMeanings) {
    if (m.code == code) return m.failure;
  }
  // HTTP/2 stream errors, too many redirects and the like.
  return TransferFailure::kOther;
}

std::optional<ErrorClass> classify_outcome(CURLcode code, long status) noexcept {
  return classify_transfer(transfer_failure_of(code), status);
}

std::string_view describe_outcome(CURLcode code, long status, std::string_view detail,
                                  std::span<char> out) noexcept {
  const TransferFailure failure = transfer_failure_of(code);
  // libcurl's error buffer is sometimes empty (or only a newline): its own text for the code.
  if (detail.find_first_not_of("\n ") == std::string_view::npos) detail = curl_easy_strerror(code);
  return describe_transfer(failure, status, detail, out);
}

}  // namespace gauntlet
