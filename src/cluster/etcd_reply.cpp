#include "cluster/etcd_reply.h"

#include <charconv>
#include <limits>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "net/base64.h"
#include "net/json_reply.h"

namespace drpilot::cluster {
namespace {

using nlohmann::json;

// Text from the reply that goes into a message: printable, one line, bounded.
std::string printable(std::string_view s, std::size_t max = 200) {
  std::string out;
  for (unsigned char c : s.substr(0, max))
    out += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
  if (s.size() > max) out += "...";
  return out;
}

// Reading one reply: the first thing wrong wins, named by its path.
class Reader {
 public:
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(const std::string& path, const std::string& what) {
    if (error_.empty()) error_ = path + ": " + what;
  }

  // An object (or absent: its zero value, an empty object).
  const json& object(const json& parent, const char* key, const std::string& path) {
    static const json kEmpty = json::object();
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return kEmpty;
    if (!it->is_object()) {
      fail(path + "." + key, "expected an object");
      return kEmpty;
    }
    return *it;
  }

  // A 64-bit integer, written as a string (or a number) by the gateway.
  template <class Int>
  Int integer(const json& parent, const char* key, const std::string& path) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return 0;
    const std::string where = path + "." + key;
    if (it->is_number_integer()) {
      if (it->is_number_unsigned()) {
        const auto u = it->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) {
          fail(where, "out of range");
          return 0;
        }
        return static_cast<Int>(u);
      }
      const auto s = it->get<std::int64_t>();
      if (std::is_unsigned_v<Int> && s < 0) {
        fail(where, "negative");
        return 0;
      }
      return static_cast<Int>(s);
    }
    if (!it->is_string()) {
      fail(where, "expected an integer");
      return 0;
    }
    const std::string& s = it->get_ref<const std::string&>();
    Int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
      fail(where, "expected an integer, got '" + printable(s, 32) + "'");
      return 0;
    }
    return v;
  }

  bool boolean(const json& parent, const char* key, const std::string& path) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return false;
    if (!it->is_boolean()) {
      fail(path + "." + key, "expected true or false");
      return false;
    }
    return it->get<bool>();
  }

  std::string bytes(const json& parent, const char* key, const std::string& path) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return "";
    if (!it->is_string()) {
      fail(path + "." + key, "expected base64 text");
      return "";
    }
    auto decoded = net::base64_decode(it->get_ref<const std::string&>());
    if (!decoded) {
      fail(path + "." + key, "not valid base64");
      return "";
    }
    return *decoded;
  }

  std::string text(const json& parent, const char* key, const std::string& path) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return "";
    if (!it->is_string()) {
      fail(path + "." + key, "expected a string");
      return "";
    }
    return it->get<std::string>();
  }

  EtcdHeader header(const json& parent, const std::string& path) {
    const json& h = object(parent, "header", path);
    EtcdHeader out;
    const std::string at = path + ".header";
    out.cluster_id = integer<std::uint64_t>(h, "cluster_id", at);
    out.member_id = integer<std::uint64_t>(h, "member_id", at);
    out.revision = revision(h, "revision", at);
    out.raft_term = integer<std::uint64_t>(h, "raft_term", at);
    return out;
  }

  std::int64_t revision(const json& parent, const char* key, const std::string& path) {
    const auto v = integer<std::int64_t>(parent, key, path);
    if (v < 0) fail(path + "." + key, "a revision cannot be negative");
    return v;
  }

  std::vector<KeyValue> kvs(const json& parent, const std::string& path) {
    std::vector<KeyValue> out;
    auto it = parent.find("kvs");
    if (it == parent.end() || it->is_null()) return out;
    if (!it->is_array()) {
      fail(path + ".kvs", "expected an array");
      return out;
    }
    for (std::size_t i = 0; i < it->size() && !failed(); ++i) {
      const json& kv = (*it)[i];
      const std::string at = path + ".kvs[" + std::to_string(i) + "]";
      if (!kv.is_object()) {
        fail(at, "expected an object");
        break;
      }
      KeyValue k;
      k.key = bytes(kv, "key", at);
      k.value = bytes(kv, "value", at);
      k.create_revision = revision(kv, "create_revision", at);
      k.mod_revision = revision(kv, "mod_revision", at);
      k.version = integer<std::int64_t>(kv, "version", at);
      k.lease = integer<std::int64_t>(kv, "lease", at);
      if (k.key.empty()) fail(at + ".key", "missing");
      out.push_back(std::move(k));
    }
    return out;
  }

 private:
  std::string error_;
};

// Parses `body` as a JSON object with `read(j, reader, value)`, which
// returns "" or what is wrong beyond the reader's own errors. `out` is set
// only when everything was right: a bad reply changes nothing.
template <class T, class Read>
std::string parse_object(std::string_view body, T& out, Read read) {
  std::string parse_error;
  const json j = net::parse_json_reply(body, &parse_error);
  if (j.is_discarded()) return "etcd's reply is " + parse_error;
  if (!j.is_object()) return "etcd's reply is not a JSON object";
  Reader r;
  T value{};
  const std::string wrong = read(j, r, value);
  if (r.failed()) return r.error();
  if (!wrong.empty()) return wrong;
  out = std::move(value);
  return "";
}

}  // namespace

std::string parse_lease_grant(std::string_view body, LeaseGrant& out) {
  return parse_object(body, out, [](const json& j, Reader& r, LeaseGrant& g) -> std::string {
    g.header = r.header(j, "grant");
    g.id = r.integer<std::int64_t>(j, "ID", "grant");
    g.ttl_s = r.integer<std::int64_t>(j, "TTL", "grant");
    const std::string err = r.text(j, "error", "grant");
    if (!err.empty()) return "etcd refused the lease: " + printable(err);
    if (g.id == 0) return "grant.ID: missing";
    if (g.ttl_s <= 0) return "grant.TTL: missing or not positive";
    return "";
  });
}

std::string parse_keepalive(std::string_view body, LeaseKeepAlive& out) {
  return parse_object(body, out, [](const json& j, Reader& r, LeaseKeepAlive& k) -> std::string {
    if (j.contains("error")) {
      const json& e = r.object(j, "error", "keepalive");
      const std::string message = r.text(e, "message", "keepalive.error");
      return r.failed() ? "" : "etcd refused the keep-alive: " + printable(message);
    }
    const json& res = r.object(j, "result", "keepalive");
    if (!r.failed() && res.empty()) return "keepalive.result: missing";
    k.header = r.header(res, "keepalive.result");
    k.id = r.integer<std::int64_t>(res, "ID", "keepalive.result");
    k.ttl_s = r.integer<std::int64_t>(res, "TTL", "keepalive.result");
    return k.ttl_s < 0 ? "keepalive.result.TTL: negative" : "";
  });
}

std::string parse_range(std::string_view body, RangeReply& out) {
  return parse_object(body, out, [](const json& j, Reader& r, RangeReply& g) -> std::string {
    g.header = r.header(j, "range");
    g.kvs = r.kvs(j, "range");
    g.count = r.integer<std::int64_t>(j, "count", "range");
    if (!r.failed() && g.count < static_cast<std::int64_t>(g.kvs.size())) {
      return "range.count: " + std::to_string(g.count) + " is less than the " +
             std::to_string(g.kvs.size()) + " keys returned";
    }
    // A store's revision is at least 1: a reply without one (an error body,
    // a proxy's page) must not read as "no such key".
    return g.header.revision == 0 ? "range.header.revision: missing" : "";
  });
}

std::string parse_txn(std::string_view body, TxnReply& out) {
  return parse_object(body, out, [](const json& j, Reader& r, TxnReply& t) -> std::string {
    t.header = r.header(j, "txn");
    t.succeeded = r.boolean(j, "succeeded", "txn");
    if (auto it = j.find("responses"); it != j.end() && !it->is_null()) {
      if (!it->is_array()) return "txn.responses: expected an array";
      for (std::size_t i = 0; i < it->size() && !r.failed(); ++i) {
        const std::string at = "txn.responses[" + std::to_string(i) + "]";
        const json& one = (*it)[i];
        if (!one.is_object()) return at + ": expected an object";
        if (one.contains("response_range")) {
          const json& range = r.object(one, "response_range", at);
          t.ranges.push_back(r.kvs(range, at + ".response_range"));
        }
      }
    }
    return t.header.revision == 0 ? "txn.header.revision: missing" : "";
  });
}

std::string parse_header_only(std::string_view body, EtcdHeader& out) {
  return parse_object(body, out, [](const json& j, Reader& r, EtcdHeader& h) -> std::string {
    h = r.header(j, "reply");
    return "";
  });
}

std::string parse_error(std::string_view body, EtcdError& out) {
  return parse_object(body, out, [](const json& j, Reader& r, EtcdError& e) -> std::string {
    const std::string message = r.text(j, "message", "error");
    const std::string short_error = r.text(j, "error", "error");
    e.code = static_cast<int>(r.integer<std::int64_t>(j, "code", "error"));
    e.message = printable(message.empty() ? short_error : message);
    return e.message.empty() && e.code == 0 ? "not an error reply" : "";
  });
}

std::string parse_auth_token(std::string_view body, std::string& token) {
  return parse_object(body, token, [](const json& j, Reader& r, std::string& t) -> std::string {
    t = r.text(j, "token", "authenticate");
    if (t.empty()) return "authenticate.token: missing";
    for (unsigned char c : t) {
      if (c <= 0x20 || c >= 0x7f) return "authenticate.token: not printable";
    }
    return "";
  });
}

}  // namespace drpilot::cluster
