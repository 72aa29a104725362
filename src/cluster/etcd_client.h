#pragma once
// A client of etcd v3 through its HTTP/JSON gateway (/v3/...), on an event
// loop: leases, ranges and transactions, what leader election and the shared
// state need. It talks to one endpoint at a time and moves to the next after
// a failure (connection refused, timeout, a member without a leader), asks
// every member to refuse when it is cut off from its quorum (the
// "hasleader" metadata) instead of answering from a stale copy, and, with a
// user, authenticates and renews its token when etcd says it is no longer
// valid. Every reply is parsed strictly (etcd_reply.h); errors are sentences.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/etcd_reply.h"

namespace drpilot::net {
class Loop;
}

namespace drpilot::cluster {

struct EtcdOptions {
  std::vector<std::string> endpoints;       // http(s)://host:port
  std::string ca_file;                      // https: trusted instead of the system's
  std::string certificate_file, key_file;   // https: a client certificate
  std::string user, password;               // resolved; empty user: no authentication
  std::chrono::milliseconds timeout{1000};  // each request, connect included
};

// One operation of a transaction (etcd's RequestOp), built by the helpers below.
using TxnOp = nlohmann::json;
using TxnCompare = nlohmann::json;
TxnOp put_op(const std::string& key, const std::string& value, std::int64_t lease = 0);
TxnOp range_op(const std::string& key);
TxnOp range_prefix_op(const std::string& prefix);
TxnOp delete_op(const std::string& key);
// The key was created at `revision` (0: it does not exist).
TxnCompare created_at(const std::string& key, std::int64_t revision);
TxnCompare value_is(const std::string& key, const std::string& value);

class EtcdClient {
 public:
  template <class T>
  using Done = std::function<void(const std::string& error, const T& reply)>;

  EtcdClient(net::Loop& loop, EtcdOptions options);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  void grant(std::int64_t ttl_s, Done<LeaseGrant> done);
  void keepalive(std::int64_t lease, Done<LeaseKeepAlive> done);
  void revoke(std::int64_t lease, Done<EtcdHeader> done);
  void range(const std::string& key, Done<RangeReply> done);
  void range_prefix(const std::string& prefix, Done<RangeReply> done);
  void put(const std::string& key, const std::string& value, Done<EtcdHeader> done);
  void txn(std::vector<TxnCompare> compare, std::vector<TxnOp> success, std::vector<TxnOp> failure,
           Done<TxnReply> done);

  // The endpoint the next request goes to.
  const std::string& endpoint() const;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;  // outlives the client while requests are in flight
};

}  // namespace drpilot::cluster
