#include "agent/reporter.h"

#include <cctype>
#include <cstdio>
#include <map>

#include "net/http.h"
#include "net/loop.h"

namespace drpilot::agent {
namespace {

// A reply carries one site's assignment: a few KiB, far below this.
constexpr std::size_t kMaxReply = 256 * 1024;

// A controller's words in an error, on one line and short: they go to the log.
std::string snippet(const std::string& body) {
  std::string s;
  for (char c : body.substr(0, 160)) {
    const unsigned char u = static_cast<unsigned char>(c);
    s += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return body.size() > 160 ? s + "..." : s;
}

std::string header(const std::map<std::string, std::string>& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

int RoundResult::answered() const {
  int n = 0;
  for (const ControllerReply& r : replies) n += r.answered ? 1 : 0;
  return n;
}

struct Reporter::Round {
  RoundResult result;
  std::size_t outstanding = 0;
  std::function<void(RoundResult)> done;
};

Reporter::Reporter(net::Loop& loop, const core::Clock& clock, ReporterOptions options,
                   std::uint64_t seed)
    : loop_(loop),
      clock_(clock),
      options_(std::move(options)),
      rng_(seed),
      alive_(std::make_shared<bool>(true)) {}

Reporter::~Reporter() {
  *alive_ = false;
}

std::string Reporter::report_url(const std::string& base) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + api::kAgentReportPath;
}

// The time keeps nonces of different runs apart even if a seed repeats; the
// random part keeps those of one millisecond apart.
std::string Reporter::nonce(core::TimePoint now) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llx-%016llx-%016llx",
                static_cast<unsigned long long>(core::to_ms(now)),
                static_cast<unsigned long long>(rng_()), static_cast<unsigned long long>(rng_()));
  return buf;
}

std::optional<api::SiteAssignmentMessage> Reporter::check_reply(
    int status, const std::string& timestamp, const std::string& signature, const std::string& body,
    bool truncated, const ReporterOptions& options, core::TimePoint now, std::string& error) {
  if (status != 200) {
    error = "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + snippet(body));
    return std::nullopt;
  }
  if (truncated) {
    error = "the reply is larger than " + std::to_string(kMaxReply / 1024) + " KiB";
    return std::nullopt;
  }
  if (timestamp.empty() || signature.empty()) {
    error = "the reply is not signed (no " + std::string(api::kTimestampHeader) + " or " +
            api::kSignatureHeader + " header)";
    return std::nullopt;
  }
  const std::string bad =
      api::verify_body(options.key, timestamp, signature, body, now, options.max_skew);
  if (!bad.empty()) {
    error = "the reply was refused: " + bad;
    return std::nullopt;
  }
  std::string why;
  auto a = api::parse_assignment(body, why);
  if (!a) {
    error = "the signed reply is not a valid assignment: " + why;
    return std::nullopt;
  }
  if (a->site != options.site) {
    error = "the assignment is for site " + a->site + ", not " + options.site;
    return std::nullopt;
  }
  return a;
}

void Reporter::send(api::AgentReport report, std::function<void(RoundResult)> done) {
  const core::TimePoint now = clock_.now();
  report.agent = options_.agent;
  report.site = options_.site;
  report.sent_at_ms = core::to_ms(now);
  report.nonce = nonce(now);
  const std::string body = api::encode_report(report);
  const std::string timestamp = api::timestamp_header(now);
  const std::string signature = api::sign_body(options_.key, timestamp, body);

  auto round = std::make_shared<Round>();
  round->done = std::move(done);
  round->result.replies.resize(options_.controllers.size());
  round->outstanding = options_.controllers.size();
  std::weak_ptr<bool> alive = alive_;
  auto finish_one = [this, round, alive](std::size_t i, ControllerReply reply) {
    if (auto a = alive.lock(); !a || !*a) return;
    round->result.replies[i] = std::move(reply);
    if (--round->outstanding > 0) return;
    for (ControllerReply& r : round->result.replies) {
      if (r.answered && (!round->result.newest ||
                         api::order_of(*r.assignment) > api::order_of(*round->result.newest))) {
        round->result.newest = r.assignment;
      }
    }
    round->done(std::move(round->result));
  };
  if (options_.controllers.empty()) {
    loop_.post([round, alive] {
      if (auto a = alive.lock(); a && *a) round->done(std::move(round->result));
    });
    return;
  }

  for (std::size_t i = 0; i < options_.controllers.size(); ++i) {
    const std::string& base = options_.controllers[i];
    ControllerReply reply;
    reply.controller = base;
    std::string err;
    auto url = net::parse_url(report_url(base), err);
    if (!url) {
      reply.error = err;
      loop_.post([finish_one, i, reply] { finish_one(i, reply); });
      continue;
    }
    net::ClientRequest req = net::request_to(*url, "POST");
    req.timeout = options_.timeout;
    req.connect_timeout = std::min(options_.timeout, core::Duration{1'000});
    req.tls_verify = options_.tls_verify;
    req.tls_ca_file = options_.ca_file;
    req.max_body = kMaxReply;
    req.body = body;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", "drpilot-agent"},
                   {api::kAgentHeader, options_.agent},
                   {api::kTimestampHeader, timestamp},
                   {api::kSignatureHeader, signature}};
    net::http_request(loop_, std::move(req),
                      [this, alive, finish_one, i, reply](net::ClientResult r) mutable {
                        if (auto a = alive.lock(); !a || !*a) return;
                        if (!r.ok) {
                          reply.error = r.error;
                        } else {
                          reply.assignment =
                              check_reply(r.status, header(r.headers, lower(api::kTimestampHeader)),
                                          header(r.headers, lower(api::kSignatureHeader)), r.body,
                                          r.body_truncated, options_, clock_.now(), reply.error);
                          reply.answered = reply.assignment.has_value();
                        }
                        finish_one(i, std::move(reply));
                      });
  }
}

std::optional<api::SiteAssignmentMessage> unanimous(const RoundResult& result) {
  if (result.replies.empty()) return std::nullopt;
  for (const ControllerReply& r : result.replies) {
    if (!r.answered || !r.assignment ||
        api::order_of(*r.assignment) != api::order_of(*result.replies.front().assignment)) {
      return std::nullopt;
    }
  }
  return result.replies.front().assignment;
}

}  // namespace drpilot::agent
