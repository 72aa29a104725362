// The webhook provider against a real in-process HTTP server that checks the
// signature on its own (HMAC-SHA256 from net/crypto.h), and through the
// reconciler: one delivery per generation.

#include "providers/webhook.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "net/crypto.h"
#include "net/http.h"
#include "net/loop.h"
#include "providers/reconciler.h"
#include "support/process.h"

namespace drpilot::providers {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using V = std::vector<std::string>;

constexpr const char* kKey = "webhook-secret";

struct Received {
  std::string method, path, body;
  std::map<std::string, std::string> headers;
  bool signature_ok = false;
};

// An HTTP server on a loop thread that records every request and answers
// with the configured status.
class Receiver {
 public:
  Receiver() {
    server_ = std::make_unique<net::HttpServer>(
        loop_, "127.0.0.1", 0, [this](const net::ServerRequest& req, net::Responder respond) {
          Received r{req.method, req.path, req.body, req.headers, false};
          auto ts = req.headers.find("x-drpilot-timestamp");
          auto sig = req.headers.find("x-drpilot-signature");
          if (ts != req.headers.end() && sig != req.headers.end()) {
            const std::string want =
                "sha256=" + net::to_hex(net::hmac_sha256(kKey, ts->second + "." + req.body));
            r.signature_ok = net::constant_time_equal(want, sig->second);
          }
          net::ServerResponse resp;
          {
            std::lock_guard lock(mutex_);
            received_.push_back(r);
            resp.status = status_;
            resp.headers = headers_;
            resp.body = reply_;
          }
          respond(resp);
        });
    server_->start();
    thread_ = std::thread([this] { loop_.run(); });
    std::atomic<bool> running{false};
    loop_.post([&] { running = true; });
    EXPECT_TRUE(drpilot::testing::wait_until([&] { return running.load(); }, 10s, 1ms));
  }
  ~Receiver() {
    loop_.post([this] {
      server_->stop();
      loop_.stop();
    });
    thread_.join();
  }
  std::string url(const std::string& path = "/hooks/drpilot") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  // How drpilot shows it: the path, where receivers keep their secrets, left out.
  std::string shown() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/...";
  }
  void answer(int status, std::string body = "",
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::lock_guard lock(mutex_);
    status_ = status;
    reply_ = std::move(body);
    headers_ = std::move(headers);
  }
  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  net::Loop loop_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  int status_ = 204;
  std::string reply_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::vector<Received> received_;
};

config::ProviderConfig webhook_config(const std::string& url) {
  config::ProviderConfig c;
  c.name = "ops-hook";
  c.kind = config::ProviderKind::webhook;
  c.endpoint = url;
  c.timeout = core::Duration{3'000};
  return c;
}

Target target(std::uint64_t gen, const std::string& site) {
  Target t;
  t.generation = gen;
  t.made_at = core::from_ms(1'700'000'000'000 + static_cast<std::int64_t>(gen));
  t.summary = "www -> " + site;
  RecordTarget r;
  r.name = "www.example.test";
  r.ttl = 30;
  r.sites = {site};
  r.addresses = {site == "ams" ? "192.0.2.1" : "198.51.100.1"};
  r.reason = "because " + site;
  t.records.push_back(r);
  return t;
}

std::optional<Failure> deliver(Provider& p, const Target& t) {
  auto d = p.diff(t);
  if (auto* f = std::get_if<Failure>(&d)) return *f;
  const Changes& c = std::get<Changes>(d);
  EXPECT_FALSE(c.empty());
  return p.apply(t, c);
}

bool pending(Provider& p, const Target& t) {
  auto d = p.diff(t);
  EXPECT_TRUE(std::holds_alternative<Changes>(d));
  return !std::get<Changes>(d).empty();
}

TEST(WebhookSignature, IsHexHmacSha256OfTimestampDotBody) {
  // Computed independently: printf '%s' '1700000000.{"generation":1}' |
  //   openssl dgst -sha256 -hmac webhook-secret
  EXPECT_EQ(webhook_signature("webhook-secret", "1700000000", R"({"generation":1})"),
            "sha256=441c7e8f526b6a9b41fe784dc065009d76e776fe5714fab5511eaccc5b325596");
  EXPECT_NE(webhook_signature("other", "1700000000", R"({"generation":1})"),
            webhook_signature("webhook-secret", "1700000000", R"({"generation":1})"));
  EXPECT_NE(webhook_signature("webhook-secret", "1700000001", R"({"generation":1})"),
            webhook_signature("webhook-secret", "1700000000", R"({"generation":1})"));
}

TEST(WebhookBody, ListsEveryRecordAndWhatChangedSinceThePreviousDelivery) {
  json first = json::parse(webhook_body(target(1, "ams"), nullptr));
  EXPECT_EQ(first["generation"], 1);
  EXPECT_EQ(first["summary"], "www -> ams");
  EXPECT_EQ(first["made_at"], core::format_time(core::from_ms(1'700'000'000'001)));
  EXPECT_TRUE(first["previous_generation"].is_null());
  EXPECT_TRUE(first["changes"].is_null());
  ASSERT_EQ(first["records"].size(), 1u);
  const json& r = first["records"][0];
  EXPECT_EQ(r["name"], "www.example.test");
  EXPECT_EQ(r["type"], "A");
  EXPECT_EQ(r["ttl"], 30);
  EXPECT_EQ(r["sites"], json(V{"ams"}));
  EXPECT_EQ(r["addresses"], json(V{"192.0.2.1"}));
  EXPECT_EQ(r["reason"], "because ams");

  const Target prev = target(1, "ams");
  json second = json::parse(webhook_body(target(2, "fra"), &prev));
  EXPECT_EQ(second["previous_generation"], 1);
  ASSERT_EQ(second["changes"].size(), 1u);
  const json& c = second["changes"][0];
  EXPECT_EQ(c["record"], "www.example.test/A");
  EXPECT_EQ(c["from_sites"], json(V{"ams"}));
  EXPECT_EQ(c["to_sites"], json(V{"fra"}));
  EXPECT_EQ(c["from_addresses"], json(V{"192.0.2.1"}));
  EXPECT_EQ(c["to_addresses"], json(V{"198.51.100.1"}));
  EXPECT_EQ(c["reason"], "because fra");
  EXPECT_FALSE(second.contains("term")) << "a single controller's plan has no term";
}

TEST(WebhookBody, AClusterPlanNamesItsTermAndLeader) {
  Target t = target(7, "fra");
  t.plan.term = 812;
  t.plan.leader = "bravo";
  json body = json::parse(webhook_body(t, nullptr));
  EXPECT_EQ(body["term"], 812);
  EXPECT_EQ(body["leader"], "bravo");
  EXPECT_EQ(body["generation"], 7);
}

TEST(Webhook, DeliversASignedJsonBodyOncePerGeneration) {
  Receiver rx;
  core::FakeClock clock(core::from_ms(1'700'000'123'456));
  auto hook = make_webhook(webhook_config(rx.url()), kKey, clock);
  EXPECT_EQ(hook->kind(), "webhook");
  EXPECT_EQ(hook->where(), rx.shown());
  EXPECT_EQ(hook->name(), "ops-hook");

  const Target t1 = target(1, "ams");
  auto d = hook->diff(t1);
  ASSERT_TRUE(std::holds_alternative<Changes>(d));
  EXPECT_EQ(std::get<Changes>(d).steps, V{"deliver generation 1 to " + rx.shown()});
  ASSERT_EQ(deliver(*hook, t1), std::nullopt);
  EXPECT_FALSE(pending(*hook, t1));  // delivered: in sync

  auto got = rx.received();
  ASSERT_EQ(got.size(), 1u);
  Received r = got[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hooks/drpilot");
  EXPECT_TRUE(r.signature_ok) << r.headers["x-drpilot-signature"];
  EXPECT_EQ(r.headers["x-drpilot-timestamp"], "1700000123");
  EXPECT_EQ(r.headers["x-drpilot-generation"], "1");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.headers["x-drpilot-signature"], webhook_signature(kKey, "1700000123", r.body));
  json body = json::parse(r.body);
  EXPECT_EQ(body["generation"], 1);
  EXPECT_TRUE(body["previous_generation"].is_null());

  // The next generation carries what changed since the last delivery.
  const Target t2 = target(2, "fra");
  EXPECT_TRUE(pending(*hook, t2));
  EXPECT_FALSE(pending(*hook, t1));  // an older one is never sent again
  ASSERT_EQ(deliver(*hook, t2), std::nullopt);
  got = rx.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[1].signature_ok);
  json second = json::parse(got[1].body);
  EXPECT_EQ(second["previous_generation"], 1);
  EXPECT_EQ(second["changes"][0]["to_sites"], json(V{"fra"}));
}

TEST(Webhook, ASignatureWithTheWrongKeyIsDetectedByTheReceiver) {
  Receiver rx;
  core::FakeClock clock;
  auto hook = make_webhook(webhook_config(rx.url()), "not-the-key", clock);
  ASSERT_EQ(deliver(*hook, target(1, "ams")), std::nullopt);
  ASSERT_EQ(rx.received().size(), 1u);
  EXPECT_FALSE(rx.received()[0].signature_ok);
}

TEST(Webhook, ResumeSkipsWhatWasDeliveredBeforeARestart) {
  Receiver rx;
  core::FakeClock clock;
  auto hook = make_webhook(webhook_config(rx.url()), kKey, clock);
  hook->resume(5);
  EXPECT_FALSE(pending(*hook, target(4, "ams")));
  EXPECT_FALSE(pending(*hook, target(5, "ams")));
  EXPECT_TRUE(pending(*hook, target(6, "ams")));
  EXPECT_TRUE(rx.received().empty());
}

TEST(Webhook, NonSuccessIsAFailureAndTheDeliveryStaysPending) {
  Receiver rx;
  core::FakeClock clock;
  auto hook = make_webhook(webhook_config(rx.url()), kKey, clock);
  rx.answer(500, "receiver exploded\n");
  auto f = deliver(*hook, target(1, "ams"));
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->permanent);
  EXPECT_EQ(f->reason, "POST " + rx.shown() + ": HTTP 500: receiver exploded ");
  EXPECT_TRUE(pending(*hook, target(1, "ams")));

  rx.answer(302, "", {{"Location", "http://elsewhere/"}});
  f = deliver(*hook, target(1, "ams"));
  ASSERT_TRUE(f.has_value());
  EXPECT_NE(f->reason.find("HTTP 302"), std::string::npos);

  rx.answer(200, "ok");
  EXPECT_EQ(deliver(*hook, target(1, "ams")), std::nullopt);
  EXPECT_FALSE(pending(*hook, target(1, "ams")));
  // Every attempt was a complete, signed delivery.
  for (const Received& r : rx.received()) EXPECT_TRUE(r.signature_ok);
  EXPECT_EQ(rx.received().size(), 3u);
}

TEST(Webhook, GoneIsPermanent) {
  Receiver rx;
  core::FakeClock clock;
  auto hook = make_webhook(webhook_config(rx.url()), kKey, clock);
  rx.answer(410, "");
  auto f = deliver(*hook, target(1, "ams"));
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->permanent);
  EXPECT_EQ(f->reason, "POST " + rx.shown() + ": HTTP 410");
}

TEST(Webhook, TheReceiversRetryAfterIsHonoured) {
  Receiver rx;
  core::FakeClock clock;
  auto hook = make_webhook(webhook_config(rx.url()), kKey, clock);
  rx.answer(503, "busy", {{"Retry-After", "7"}});
  auto f = deliver(*hook, target(1, "ams"));
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->permanent);
  ASSERT_TRUE(f->retry_after.has_value());
  EXPECT_EQ(*f->retry_after, core::Duration{7'000});

  rx.answer(429, "", {{"Retry-After", "2"}});
  f = deliver(*hook, target(1, "ams"));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->retry_after, core::Duration{2'000});

  rx.answer(500, "");
  f = deliver(*hook, target(1, "ams"));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->retry_after, std::nullopt);
}

// Slack-style receivers carry a secret in the path: it never reaches status,
// the journal or a failure's reason.
TEST(Webhook, ASecretInTheUrlIsNeverShown) {
  Receiver rx;
  core::FakeClock clock;
  const std::string url = rx.url("/services/T000/B000/s3cr3t-path-token?key=s3cr3t-query");
  auto hook = make_webhook(webhook_config(url), kKey, clock);
  rx.answer(500, "");
  auto f = deliver(*hook, target(1, "ams"));
  ASSERT_TRUE(f.has_value());
  for (const std::string& shown : {f->reason, hook->where()}) {
    EXPECT_EQ(shown.find("s3cr3t"), std::string::npos) << shown;
  }
  EXPECT_EQ(hook->where(), rx.shown());
}

TEST(RedactedUrl, KeepsSchemeHostAndPortOnly) {
  EXPECT_EQ(net::redacted_url("https://hooks.example.com/services/T/B/secret"),
            "https://hooks.example.com/...");
  EXPECT_EQ(net::redacted_url("http://[2001:db8::1]:8080/x?token=1"),
            "http://[2001:db8::1]:8080/...");
  EXPECT_EQ(net::redacted_url("https://example.com"), "https://example.com");
  EXPECT_EQ(net::redacted_url("ftp://nope"), "(an invalid URL)");
}

TEST(Webhook, AnUnreachableReceiverIsATransientFailure) {
  std::uint16_t port = drpilot::testing::free_port();
  core::FakeClock clock;
  auto hook =
      make_webhook(webhook_config("http://127.0.0.1:" + std::to_string(port) + "/x"), kKey, clock);
  auto f = deliver(*hook, target(1, "ams"));
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->permanent);
  EXPECT_NE(f->reason.find("connect refused"), std::string::npos) << f->reason;
}

TEST(Webhook, ThroughTheReconcilerEachGenerationIsDeliveredOnce) {
  Receiver rx;
  core::FakeClock clock;
  net::Loop loop;
  std::mutex mutex;
  std::vector<ReconcileEvent> events;
  std::thread loop_thread([&] { loop.run(); });
  {
    std::atomic<bool> running{false};
    loop.post([&] { running = true; });
    ASSERT_TRUE(drpilot::testing::wait_until([&] { return running.load(); }, 10s, 1ms));
  }
  auto verified = [&](std::uint64_t gen) {
    std::lock_guard lock(mutex);
    int n = 0;
    for (const ReconcileEvent& e : events)
      n += e.kind == ReconcileEvent::Kind::verified && e.generation == gen;
    return n;
  };
  {
    Reconciler rec(
        loop,
        [&](const ReconcileEvent& e) {
          std::lock_guard lock(mutex);
          events.push_back(e);
        },
        1);
    rec.add(make_webhook(webhook_config(rx.url()), kKey, clock),
            net::Backoff{core::Duration{10}, core::Duration{50}}, 0, 0);
    rx.answer(503, "warming up");
    rec.set_target(target(1, "ams"));
    ASSERT_TRUE(drpilot::testing::wait_until([&] { return rx.received().size() >= 2; }, 10s));
    rx.answer(200, "");
    ASSERT_TRUE(drpilot::testing::wait_until([&] { return verified(1) == 1; }, 10s));
    const std::size_t after_first = rx.received().size();
    // The same generation handed again (a reload): verified, not re-sent.
    rec.set_target(target(1, "ams"));
    ASSERT_TRUE(drpilot::testing::wait_until([&] { return verified(1) == 2; }, 10s));
    EXPECT_EQ(rx.received().size(), after_first);
    rec.set_target(target(2, "fra"));
    ASSERT_TRUE(drpilot::testing::wait_until([&] { return verified(2) == 1; }, 10s));
    EXPECT_EQ(rx.received().size(), after_first + 1);
    for (const Received& r : rx.received()) EXPECT_TRUE(r.signature_ok);
  }
  loop.stop();
  loop_thread.join();
}

}  // namespace
}  // namespace drpilot::providers
