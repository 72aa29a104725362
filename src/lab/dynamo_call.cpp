#include "lab/dynamo_call.h"

#include <array>
#include <chrono>
#include <random>

#include "lab/dynamo_wire.h"
#include "net/loop.h"

namespace drpilot::lab {
namespace {

using namespace std::chrono_literals;

// DynamoDB's limits: a request of up to 16 MB, a reply of up to 16 MB.
constexpr std::size_t kMaxBody = 20 * 1024 * 1024;

net::ClientRequest to_child(std::uint16_t port) {
  net::ClientRequest c;
  c.method = "POST";
  c.host = "127.0.0.1";
  c.port = port;
  c.connect_timeout = 2s;
  c.timeout = 30s;
  c.max_body = kMaxBody;
  c.max_header = 64 * 1024;
  return c;
}

// Headers that describe one connection, not the request.
bool hop_by_hop(const std::string& name) {
  static const std::array<const char*, 9> names = {
      "connection", "keep-alive",        "proxy-connection", "te",    "trailer",
      "upgrade",    "transfer-encoding", "content-length",   "expect"};
  for (const char* n : names) {
    if (name == n) return true;
  }
  return false;
}

std::string request_id() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id(52, 'A');
  for (char& c : id) c = alphabet[rng() % 36];
  return id;
}

}  // namespace

void dynamo_call(net::Loop& loop, std::uint16_t port, const std::string& op, std::string body,
                 CallDone done) {
  net::ClientRequest c = to_child(port);
  c.target = "/";
  c.body = std::move(body);
  // dynalite checks that a request is signed, not what the signature says.
  c.headers = {{"Content-Type", kDynamoContentType},
               {"X-Amz-Target", "DynamoDB_20120810." + op},
               {"X-Amz-Date", "20200101T000000Z"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=lab/20200101/lab/dynamodb/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0"}};
  net::http_request(loop, std::move(c), std::move(done));
}

void forward(net::Loop& loop, std::uint16_t port, const net::ServerRequest& req, CallDone done,
             const std::string* body) {
  net::ClientRequest c = to_child(port);
  c.method = req.method;
  c.target = req.target;
  for (const auto& [name, value] : req.headers) {
    if (name == "host") {
      c.host_header = value;  // as the client addressed the region
    } else if (!hop_by_hop(name)) {
      c.headers.emplace_back(name, value);
    }
  }
  c.body = body ? *body : req.body;
  net::http_request(loop, std::move(c), std::move(done));
}

net::ServerResponse to_response(const net::ClientResult& r, const std::string& region) {
  if (!r.ok) {
    return dynamo_error(500, "InternalServerError",
                        "data region " + region + ": its DynamoDB server failed: " + r.error);
  }
  net::ServerResponse out;
  out.status = r.status;
  out.body = r.body;
  for (const auto& [name, value] : r.headers) {
    if (name == "content-type") {
      out.content_type = value;
    } else if (name.rfind("x-amz", 0) == 0) {
      out.headers.emplace_back(name, value);
    }
  }
  return out;
}

void replace_body(net::ServerResponse& r, std::string body) {
  r.body = std::move(body);
  std::erase_if(r.headers, [](const auto& h) { return h.first == "x-amz-crc32"; });
  r.headers.emplace_back("x-amz-crc32", crc32_text(r.body));
}

net::ServerResponse dynamo_error(int status, const std::string& type, const std::string& message) {
  net::ServerResponse r;
  r.status = status;
  r.content_type = kDynamoContentType;
  r.headers.emplace_back("x-amzn-RequestId", request_id());
  replace_body(r, error_body(type, message));
  return r;
}

bool is_error(const std::string& body, const std::string& type) {
  return body.find("#" + type + "\"") != std::string::npos;
}

}  // namespace drpilot::lab
