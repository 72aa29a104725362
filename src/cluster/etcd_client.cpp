#include "cluster/etcd_client.h"

#include <utility>

#include "net/base64.h"
#include "net/http.h"
#include "net/loop.h"

namespace drpilot::cluster {

using nlohmann::json;

TxnOp put_op(const std::string& key, const std::string& value, std::int64_t lease) {
  json put = {{"key", net::base64_encode(key)}, {"value", net::base64_encode(value)}};
  if (lease != 0) put["lease"] = std::to_string(lease);
  return {{"requestPut", put}};
}

TxnOp range_op(const std::string& key) {
  return {{"requestRange", {{"key", net::base64_encode(key)}}}};
}

// Every key that starts with `prefix`: range_end is the prefix with its last
// byte incremented (etcd's convention).
static std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last < 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

TxnOp range_prefix_op(const std::string& prefix) {
  return {{"requestRange",
           {{"key", net::base64_encode(prefix)},
            {"range_end", net::base64_encode(prefix_end(prefix))}}}};
}

TxnOp delete_op(const std::string& key) {
  return {{"requestDeleteRange", {{"key", net::base64_encode(key)}}}};
}

TxnCompare created_at(const std::string& key, std::int64_t revision) {
  return {{"key", net::base64_encode(key)},
          {"target", "CREATE"},
          {"result", "EQUAL"},
          {"create_revision", std::to_string(revision)}};
}

TxnCompare value_is(const std::string& key, const std::string& value) {
  return {{"key", net::base64_encode(key)},
          {"target", "VALUE"},
          {"result", "EQUAL"},
          {"value", net::base64_encode(value)}};
}

struct EtcdClient::Shared : std::enable_shared_from_this<Shared> {
  Shared(net::Loop& l, EtcdOptions o) : loop(l), options(std::move(o)) {}

  net::Loop& loop;
  const EtcdOptions options;
  std::size_t current = 0;  // index into options.endpoints
  std::string token;        // with a user: the current auth token
  bool alive = true;

  using BodyDone = std::function<void(const std::string& error, const std::string& body)>;

  const std::string& endpoint() const { return options.endpoints[current]; }
  // `at` failed: the next request goes to the next endpoint (unless another
  // failure moved on already).
  void move_on_from(const std::string& at) {
    if (!options.endpoints.empty() && at == endpoint()) {
      current = (current + 1) % options.endpoints.size();
    }
  }

  net::ClientRequest request(const std::string& path, const json& body, std::string& error) {
    net::ClientRequest req;
    auto url = net::parse_url(endpoint(), error);
    if (!url) return req;
    req = net::request_to(*url, "POST");
    req.target = "/v3" + path;
    req.body = body.dump();
    req.headers = {{"Content-Type", "application/json"},
                   // A member cut off from its quorum refuses instead of answering.
                   {"Grpc-Metadata-Hasleader", "true"}};
    if (!token.empty()) req.headers.push_back({"Authorization", token});
    req.connect_timeout = options.timeout;
    req.timeout = options.timeout;
    req.max_body = 8 * 1024 * 1024;
    req.tls_ca_file = options.ca_file;
    req.tls_certificate_file = options.certificate_file;
    req.tls_key_file = options.key_file;
    return req;
  }

  void call(const std::string& path, json body, BodyDone done, bool renewed = false) {
    if (options.endpoints.empty()) return done("no etcd endpoints are configured", "");
    if (!options.user.empty() && token.empty()) {
      return authenticate([self = shared_from_this(), path, body = std::move(body),
                           done = std::move(done)](const std::string& error) mutable {
        if (!error.empty()) return done(error, "");
        self->call(path, std::move(body), std::move(done), true);
      });
    }
    std::string error;
    net::ClientRequest req = request(path, body, error);
    if (!error.empty()) return done("etcd endpoint " + endpoint() + ": " + error, "");
    const std::string at = endpoint();
    net::http_request(loop, std::move(req),
                      [self = shared_from_this(), path, body = std::move(body),
                       done = std::move(done), renewed, at](net::ClientResult r) mutable {
                        if (!self->alive) return;
                        self->answered(at, path, std::move(body), std::move(done), renewed, r);
                      });
  }

  void answered(const std::string& at, const std::string& path, json body, BodyDone done,
                bool renewed, const net::ClientResult& r) {
    if (!r.ok) {
      move_on_from(at);
      return done("etcd at " + at + ": " + r.error, "");
    }
    if (r.status == 200) return done("", r.body);
    EtcdError e;
    const std::string not_error = parse_error(r.body, e);
    if (!not_error.empty()) {
      move_on_from(at);
      return done("etcd at " + at + " answered HTTP " + std::to_string(r.status), "");
    }
    // 16 unauthenticated: the token expired (or etcd restarted); one more try.
    if (!options.user.empty() && !renewed &&
        (e.code == 16 || e.message.find("invalid auth token") != std::string::npos)) {
      token.clear();
      return call(path, std::move(body), std::move(done), true);
    }
    // 14 unavailable: this member has no leader or is stopping; another may do.
    if (e.code == 14) move_on_from(at);
    done("etcd at " + at + ": " + e.message + " (code " + std::to_string(e.code) + ")", "");
  }

  void authenticate(std::function<void(const std::string&)> done) {
    std::string error;
    net::ClientRequest req = request(
        "/auth/authenticate", {{"name", options.user}, {"password", options.password}}, error);
    if (!error.empty()) return done("etcd endpoint " + endpoint() + ": " + error);
    const std::string at = endpoint();
    net::http_request(
        loop, std::move(req),
        [self = shared_from_this(), at, done = std::move(done)](net::ClientResult r) {
          if (!self->alive) return;
          if (!r.ok) {
            self->move_on_from(at);
            return done("etcd at " + at + ": " + r.error);
          }
          if (r.status != 200) {
            EtcdError e;
            const std::string why =
                parse_error(r.body, e).empty() ? e.message : "HTTP " + std::to_string(r.status);
            return done("etcd at " + at + " refused user '" + self->options.user + "': " + why);
          }
          std::string token;
          const std::string bad = parse_auth_token(r.body, token);
          if (!bad.empty()) return done("etcd at " + at + ": " + bad);
          self->token = token;
          done("");
        });
  }
};

namespace {

// Parses a 200 body with `parse` into T, or passes the error on.
template <class T>
std::function<void(const std::string&, const std::string&)> parsed(
    std::string (*parse)(std::string_view, T&), EtcdClient::Done<T> done) {
  return [parse, done = std::move(done)](const std::string& error, const std::string& body) {
    T reply{};
    if (!error.empty()) return done(error, reply);
    const std::string bad = parse(body, reply);
    done(bad.empty() ? "" : "etcd's reply: " + bad, reply);
  };
}

}  // namespace

EtcdClient::EtcdClient(net::Loop& loop, EtcdOptions options)
    : shared_(std::make_shared<Shared>(loop, std::move(options))) {}

EtcdClient::~EtcdClient() {
  shared_->alive = false;
}

const std::string& EtcdClient::endpoint() const {
  static const std::string kNone = "(none)";
  return shared_->options.endpoints.empty() ? kNone : shared_->endpoint();
}

void EtcdClient::grant(std::int64_t ttl_s, Done<LeaseGrant> done) {
  shared_->call("/lease/grant", {{"TTL", std::to_string(ttl_s)}},
                parsed(&parse_lease_grant, std::move(done)));
}

void EtcdClient::keepalive(std::int64_t lease, Done<LeaseKeepAlive> done) {
  shared_->call("/lease/keepalive", {{"ID", std::to_string(lease)}},
                parsed(&parse_keepalive, std::move(done)));
}

void EtcdClient::revoke(std::int64_t lease, Done<EtcdHeader> done) {
  shared_->call("/lease/revoke", {{"ID", std::to_string(lease)}},
                parsed(&parse_header_only, std::move(done)));
}

void EtcdClient::range(const std::string& key, Done<RangeReply> done) {
  shared_->call("/kv/range", range_op(key)["requestRange"], parsed(&parse_range, std::move(done)));
}

void EtcdClient::range_prefix(const std::string& prefix, Done<RangeReply> done) {
  shared_->call("/kv/range", range_prefix_op(prefix)["requestRange"],
                parsed(&parse_range, std::move(done)));
}

void EtcdClient::put(const std::string& key, const std::string& value, Done<EtcdHeader> done) {
  shared_->call("/kv/put", put_op(key, value)["requestPut"],
                parsed(&parse_header_only, std::move(done)));
}

void EtcdClient::txn(std::vector<TxnCompare> compare, std::vector<TxnOp> success,
                     std::vector<TxnOp> failure, Done<TxnReply> done) {
  json body = {{"compare", std::move(compare)},
               {"success", std::move(success)},
               {"failure", std::move(failure)}};
  shared_->call("/kv/txn", std::move(body), parsed(&parse_txn, std::move(done)));
}

}  // namespace drpilot::cluster
