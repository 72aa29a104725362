#pragma once
// etcd v3's answers through its HTTP/JSON gateway, parsed strictly. The
// gateway writes 64-bit integers as strings, keys and values in base64, and
// leaves out every field at its zero value (a failed transaction has no
// "succeeded", an expired lease's keep-alive no "TTL"). Anything else that is
// not what etcd sends (a wrong type, bad base64, a negative revision, nesting
// too deep) is an error naming the field, never a guess. Never throws.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace drpilot::cluster {

struct EtcdHeader {
  std::uint64_t cluster_id = 0;
  std::uint64_t member_id = 0;
  std::int64_t revision = 0;  // the store's revision when the request was served
  std::uint64_t raft_term = 0;
};

struct KeyValue {
  std::string key, value;
  std::int64_t create_revision = 0;  // the revision that created the key (our term)
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;  // 0: none
};

struct LeaseGrant {
  EtcdHeader header;
  std::int64_t id = 0;
  std::int64_t ttl_s = 0;
};

struct LeaseKeepAlive {
  EtcdHeader header;
  std::int64_t id = 0;
  std::int64_t ttl_s = 0;  // 0: the lease has expired or was revoked
};

struct RangeReply {
  EtcdHeader header;
  std::vector<KeyValue> kvs;
  std::int64_t count = 0;
};

// A transaction's outcome; the ranges it read, in the order asked.
struct TxnReply {
  EtcdHeader header;
  bool succeeded = false;
  std::vector<std::vector<KeyValue>> ranges;
};

// What an error reply says ({"error": ..., "code": N, "message": ...}).
struct EtcdError {
  int code = 0;  // gRPC status code: 5 not found, 9 failed precondition, 14 unavailable, ...
  std::string message;
};

// Each returns "" and fills `out`, or says what is wrong with `body`.
std::string parse_lease_grant(std::string_view body, LeaseGrant& out);
// The gateway wraps the keep-alive stream's one answer: {"result": {...}}.
std::string parse_keepalive(std::string_view body, LeaseKeepAlive& out);
std::string parse_range(std::string_view body, RangeReply& out);
std::string parse_txn(std::string_view body, TxnReply& out);
// Any reply with a header and nothing we read (put, delete, revoke).
std::string parse_header_only(std::string_view body, EtcdHeader& out);
// An error body, or "" when `body` is not one.
std::string parse_error(std::string_view body, EtcdError& out);
// The token of /v3/auth/authenticate.
std::string parse_auth_token(std::string_view body, std::string& token);

}  // namespace drpilot::cluster
