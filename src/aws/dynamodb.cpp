#include "aws/dynamodb.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "aws/dynamo_reply.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "net/http.h"

namespace drpilot::aws {
namespace {

using nlohmann::json;

constexpr const char* kTargetPrefix = "DynamoDB_20120810.";

bool valid_region(const std::string& r) {
  if (r.empty() || r.size() > 64) return false;
  return std::all_of(r.begin(), r.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// RFC 9110 section 7.2, exactly as net::http_request sends it: the signed
// value must be the one on the wire.
std::string host_header(const net::Url& u) {
  const bool v6 = u.host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + u.host + "]" : u.host;
  if (u.port != (u.tls ? 443 : 80)) h += ":" + std::to_string(u.port);
  return h;
}

// "DescribeTable shop-orders": what a message is about.
std::string call_context(const std::string& operation, const json& request) {
  std::string c = operation;
  if (request.is_object()) {
    auto it = request.find("TableName");
    if (it != request.end() && it->is_string()) c += " " + one_line(it->get<std::string>(), 255);
  }
  return c;
}

// What to add when AWS refused the credentials themselves: what usually
// causes each refusal.
std::string credential_hint(const std::string& code) {
  if (code == "ExpiredTokenException" || code == "ExpiredToken") {
    return "; the session token has expired";
  }
  if (code == "UnrecognizedClientException" || code == "InvalidClientTokenId") {
    return "; AWS does not recognise the access key or session token";
  }
  if (code == "InvalidSignatureException" || code == "SignatureDoesNotMatch" ||
      code == "RequestExpired") {
    return "; the signature did not match: check the secret access key and the system clock";
  }
  if (code == "IncompleteSignatureException" || code == "MissingAuthenticationTokenException" ||
      code == "IncompleteSignature" || code == "MissingAuthenticationToken") {
    return "; the request's signature was refused";
  }
  return "";
}

// Every run of 8 or more characters that also occurs in a secret becomes
// "<secret>": a proxy may echo request headers, cut anywhere.
std::string redact(std::string text, const std::string& secret) {
  constexpr std::size_t kMinRun = 8;
  if (secret.size() < kMinRun) return text;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run = 0;
    while (i + run < text.size() &&
           secret.find(std::string_view(text).substr(i, run + 1)) != std::string::npos) {
      ++run;
    }
    if (run >= kMinRun) {
      out += "<secret>";
      i += run;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace

struct DynamoClient::Impl {
  DynamoOptions options;
  std::shared_ptr<CredentialSource> credentials;
  net::Url url;
  std::string host;
  RetryQuota quota;
  std::mutex rng_mutex;
  std::mt19937_64 rng;
  const std::atomic<bool>* stop = nullptr;

  bool stopped() const { return stop && stop->load(); }

  ReplyOutcome attempt(const std::string& operation, const std::string& payload,
                       const Credentials& credentials) {
    net::ClientRequest req = net::request_to(url, "POST");
    req.target = "/";
    req.headers = {{"Host", host},
                   {"Content-Type", "application/x-amz-json-1.0"},
                   {"X-Amz-Target", kTargetPrefix + operation}};
    SignableRequest signable;
    signable.method = req.method;
    signable.path = req.target;
    signable.headers = req.headers;
    signable.payload = payload;
    const auto now = std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());
    const Signature sig =
        sign(signable, credentials, SigningParams{options.region, "dynamodb", now});
    for (const auto& h : sig.extra_headers) req.headers.push_back(h);
    req.headers.push_back({"Authorization", sig.authorization});
    req.body = payload;
    req.timeout = options.timeout;
    req.connect_timeout = std::min(options.connect_timeout, options.timeout);
    req.max_body = options.max_reply + 1;  // one more, to tell "exactly full" from "too big"
    req.tls_verify = options.tls_verify;
    net::ClientResult result =
        options.send ? options.send(req) : net::http_request_sync(std::move(req));
    return interpret_reply(result, options.max_reply);
  }

  core::Duration backoff(int retry_index) {
    std::lock_guard<std::mutex> lock(rng_mutex);
    return retry_delay(options.retry_base, retry_index, rng);
  }

  // False when stopped before the wait was over.
  bool sleep(core::Duration d) {
    if (options.wait) return options.wait(d) && !stopped();
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
      if (stopped()) return false;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          until - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
    }
    return !stopped();
  }
};

DynamoClient::DynamoClient(DynamoOptions options, Credentials credentials, std::uint64_t seed)
    : DynamoClient(std::move(options), fixed_credentials(std::move(credentials)), seed) {}

DynamoClient::DynamoClient(DynamoOptions options, std::shared_ptr<CredentialSource> credentials,
                           std::uint64_t seed)
    : impl_(std::make_unique<Impl>()) {
  if (!valid_region(options.region)) {
    throw std::invalid_argument("'" + options.region + "' is not an AWS region name");
  }
  if (options.endpoint.empty()) {
    options.endpoint = "https://dynamodb." + options.region + ".amazonaws.com";
  }
  std::string error;
  auto url = net::parse_url(options.endpoint, error);
  if (!url) throw std::invalid_argument(error);
  // DynamoDB is always POST /; a path here is a mistake that would only
  // show as signature errors.
  if (url->target != "/") {
    throw std::invalid_argument("'" + options.endpoint +
                                "': a DynamoDB endpoint has no path, query or fragment");
  }
  impl_->url = *url;
  impl_->host = host_header(*url);
  impl_->options = std::move(options);
  if (!credentials) throw std::invalid_argument("a DynamoDB client needs a credential source");
  impl_->credentials = std::move(credentials);
  impl_->rng.seed(seed);
}

DynamoClient::~DynamoClient() = default;

void DynamoClient::set_stop_flag(const std::atomic<bool>* stop) {
  impl_->stop = stop;
}

const DynamoOptions& DynamoClient::options() const {
  return impl_->options;
}

int DynamoClient::retry_tokens() const {
  return impl_->quota.available();
}

DynamoResult DynamoClient::call(const std::string& operation, const json& request) {
  Impl& m = *impl_;
  DynamoResult out;
  const std::string context = call_context(operation, request);
  const bool known_name =
      !operation.empty() && std::all_of(operation.begin(), operation.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      });
  if (!known_name) {
    out.message = "'" + one_line(operation, 64) + "' is not a DynamoDB operation name";
    return out;
  }
  // Replacing invalid UTF-8 rather than throwing: DynamoDB answers such
  // input with a ValidationException of its own.
  const std::string payload =
      request.is_null() ? "{}" : request.dump(-1, ' ', false, json::error_handler_t::replace);

  const int max_attempts = std::max(1, m.options.max_attempts);
  int last_cost = 0;
  bool quota_empty = false, stopped = false;
  ReplyOutcome o;
  std::shared_ptr<const Credentials> used;
  std::string no_credentials;  // why nothing could be signed
  for (int attempt = 1;; ++attempt) {
    if (m.stopped()) {
      stopped = true;
      if (attempt == 1) o.detail = "not sent";
      break;
    }
    // Asked at every attempt: a refresh meanwhile signs the next one.
    used = m.credentials->current(no_credentials);
    if (!used) break;
    o = m.attempt(operation, payload, *used);
    out.attempts = attempt;
    out.throttled = out.throttled || o.throttled;
    if (o.credentials_refused) {
      m.credentials->refused(*used, m.options.region, context, o.error_code, o.message);
    } else if (o.ok || (o.http_status >= 400 && o.http_status < 500 && !o.error_code.empty() &&
                        !o.throttled)) {
      // DynamoDB checks the signature first: any other answer of its own
      // means the credentials were good.
      m.credentials->accepted(*used, m.options.region, context);
    }
    if (o.ok) {
      // The SDKs give back what the last retry took, or a token for a
      // first-try success, so that a healthy service refills the quota.
      m.quota.release(attempt == 1 ? RetryQuota::kNoRetryIncrement : last_cost);
      break;
    }
    if (!o.retryable || attempt >= max_attempts) break;
    const int cost = o.timeout ? RetryQuota::kTimeoutRetryCost : RetryQuota::kRetryCost;
    if (!m.quota.acquire(cost)) {
      quota_empty = true;
      break;
    }
    last_cost = cost;
    if (!m.sleep(m.backoff(attempt - 1))) {
      stopped = true;
      break;
    }
  }

  if (!used && !no_credentials.empty()) {
    out.credential_failure = true;
    out.message = "no valid AWS credentials to sign " + context + " with: " + no_credentials;
    return out;
  }
  out.ok = o.ok;
  out.body = std::move(o.body);
  out.http_status = o.http_status;
  out.error_code = o.error_code;
  if (out.ok) return out;

  std::vector<std::string> notes = {context};
  if (out.attempts > 1) notes.push_back(std::to_string(out.attempts) + " attempts");
  if (quota_empty) notes.push_back("retry quota exhausted");
  if (stopped) notes.push_back("stopped");
  std::string text = o.detail + " (";
  for (std::size_t i = 0; i < notes.size(); ++i) text += (i ? ", " : "") + notes[i];
  text += ")";
  if (o.credentials_refused) {
    out.credential_failure = true;
    text = "DynamoDB " + m.options.region + " refused the credentials from " + used->source + ": " +
           text + credential_hint(out.error_code);
  }
  if (used) {
    text = redact(std::move(text), used->secret_access_key);
    text = redact(std::move(text), used->session_token);
  }
  out.message = std::move(text);
  return out;
}

}  // namespace drpilot::aws
