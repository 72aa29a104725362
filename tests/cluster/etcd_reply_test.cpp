// etcd's replies as its JSON gateway writes them (captured from etcd 3.4),
// and what is refused.

#include "cluster/etcd_reply.h"

#include <gtest/gtest.h>

namespace drpilot::cluster {
namespace {

const char* kHeader =
    R"("header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"})";

std::string with_header(const std::string& rest) {
  return std::string("{") + kHeader + (rest.empty() ? "" : "," + rest) + "}";
}

TEST(EtcdReply, LeaseGrant) {
  LeaseGrant g;
  ASSERT_EQ(parse_lease_grant(with_header(R"("ID":"2324035875451441413","TTL":"2")"), g), "");
  EXPECT_EQ(g.id, 2324035875451441413);
  EXPECT_EQ(g.ttl_s, 2);
  EXPECT_EQ(g.header.revision, 2);
  EXPECT_EQ(g.header.cluster_id, 324952591200643719u);
  EXPECT_NE(parse_lease_grant(with_header(R"("TTL":"2")"), g), "");
  EXPECT_NE(parse_lease_grant(with_header(R"("ID":"5","TTL":"0")"), g), "");
  EXPECT_NE(parse_lease_grant(with_header(R"("ID":"5","TTL":"2","error":"too many")"), g), "");
}

TEST(EtcdReply, KeepAliveOfALiveAndOfAnExpiredLease) {
  LeaseKeepAlive k;
  ASSERT_EQ(parse_keepalive("{\"result\":" + with_header(R"("ID":"7","TTL":"2")") + "}", k), "");
  EXPECT_EQ(k.ttl_s, 2);
  // Expired: etcd leaves TTL out (zero).
  ASSERT_EQ(parse_keepalive("{\"result\":" + with_header(R"("ID":"7")") + "}", k), "");
  EXPECT_EQ(k.ttl_s, 0);
  EXPECT_NE(parse_keepalive(R"({"error":{"grpc_code":14,"message":"etcdserver: no leader"}})", k)
                .find("no leader"),
            std::string::npos);
  EXPECT_NE(parse_keepalive("{}", k), "");
  EXPECT_NE(parse_keepalive(R"({"result":{"TTL":"-3"}})", k), "");
}

TEST(EtcdReply, TxnThatCreatedTheKeyAndOneThatFoundIt) {
  TxnReply t;
  ASSERT_EQ(
      parse_txn(
          with_header(
              R"("succeeded":true,"responses":[{"response_put":{"header":{"revision":"2"}}}])"),
          t),
      "");
  EXPECT_TRUE(t.succeeded);
  EXPECT_EQ(t.header.revision, 2);
  EXPECT_TRUE(t.ranges.empty());

  ASSERT_EQ(
      parse_txn(
          with_header(
              R"("responses":[{"response_range":{"header":{"revision":"2"},"kvs":[{"key":"L2RycGlsb3QvbGVhZGVy","create_revision":"2","mod_revision":"2","version":"1","value":"YQ==","lease":"2324035875451441415"}],"count":"1"}}])"),
          t),
      "");
  EXPECT_FALSE(t.succeeded);  // left out: false
  ASSERT_EQ(t.ranges.size(), 1u);
  ASSERT_EQ(t.ranges[0].size(), 1u);
  EXPECT_EQ(t.ranges[0][0].key, "/drpilot/leader");
  EXPECT_EQ(t.ranges[0][0].value, "a");
  EXPECT_EQ(t.ranges[0][0].create_revision, 2);
  EXPECT_EQ(t.ranges[0][0].lease, 2324035875451441415);
}

TEST(EtcdReply, RangeOfNothingAndOfKeys) {
  RangeReply r;
  ASSERT_EQ(parse_range(with_header(""), r), "");
  EXPECT_TRUE(r.kvs.empty());
  ASSERT_EQ(
      parse_range(
          with_header(R"("kvs":[{"key":"YQ==","value":"","create_revision":"4"}],"count":"1")"), r),
      "");
  ASSERT_EQ(r.kvs.size(), 1u);
  EXPECT_EQ(r.kvs[0].value, "");
}

TEST(EtcdReply, MalformedRepliesNameWhatIsWrong) {
  RangeReply r;
  TxnReply t;
  struct Bad {
    std::string body, says;
  };
  for (const Bad& b : {
           Bad{"not json", "not valid JSON"},
           Bad{"[1]", "not a JSON object"},
           Bad{with_header(R"("kvs":{})"), "range.kvs: expected an array"},
           Bad{with_header(R"("kvs":[{"key":"!!"}])"), "range.kvs[0].key: not valid base64"},
           Bad{with_header(R"("kvs":[{"value":"YQ=="}])"), "range.kvs[0].key: missing"},
           Bad{with_header(R"("kvs":[{"key":"YQ==","create_revision":"-4"}],"count":"1")"),
               "cannot be negative"},
           Bad{with_header(R"("kvs":[{"key":"YQ==","create_revision":"4x"}])"),
               "expected an integer, got '4x'"},
           Bad{with_header(R"("kvs":[{"key":"YQ==","create_revision":true}])"),
               "expected an integer"},
           Bad{with_header(R"("kvs":[{"key":"YQ=="}],"count":"0")"), "less than the 1 keys"},
           Bad{R"({"header":{"revision":"99999999999999999999"}})", "expected an integer"},
           Bad{R"({"header":[]})", "range.header: expected an object"},
           Bad{std::string(100, '[') + std::string(100, ']'), "nested deeper"},
       }) {
    const std::string e = parse_range(b.body, r);
    EXPECT_NE(e.find(b.says), std::string::npos) << b.body << " -> " << e;
  }
  EXPECT_NE(parse_txn(with_header(R"("succeeded":"yes")"), t).find("expected true or false"),
            std::string::npos);
  EXPECT_NE(parse_txn(R"({"succeeded":true})", t).find("revision: missing"), std::string::npos);
  EXPECT_NE(parse_txn(with_header(R"("responses":[1])"), t).find("expected an object"),
            std::string::npos);
}

TEST(EtcdReply, ErrorsAndTokens) {
  EtcdError e;
  ASSERT_EQ(
      parse_error(
          R"({"error":"etcdserver: no leader","code":14,"message":"etcdserver: no leader"})", e),
      "");
  EXPECT_EQ(e.code, 14);
  EXPECT_EQ(e.message, "etcdserver: no leader");
  EXPECT_NE(parse_error(with_header(""), e), "");
  // drpilot never reads at a past revision (it polls the current one), so
  // compaction cannot strand it; were the answer to come, it is an error
  // like any other, not a reply.
  const std::string compacted =
      R"({"error":"etcdserver: mvcc: required revision has been compacted","code":11,)"
      R"("message":"etcdserver: mvcc: required revision has been compacted"})";
  ASSERT_EQ(parse_error(compacted, e), "");
  EXPECT_EQ(e.code, 11);
  RangeReply range;
  EXPECT_NE(parse_range(compacted, range), "");
  std::string token;
  ASSERT_EQ(parse_auth_token(with_header(R"("token":"abc.12")"), token), "");
  EXPECT_EQ(token, "abc.12");
  EXPECT_NE(parse_auth_token(with_header(R"("token":"a\r\nX-Evil: 1")"), token), "");
  EXPECT_NE(parse_auth_token(with_header(""), token), "");
}

}  // namespace
}  // namespace drpilot::cluster
