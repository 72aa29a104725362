// A fake of DynamoDB's JSON protocol for every region at once (the region is
// the one the request is signed for), enough for drpilot's client, checks and
// bootstrap:
//
//   POST /  X-Amz-Target: DynamoDB_20120810.<Operation>
//   ListTables, DescribeTable, CreateTable, UpdateTable (ReplicaUpdates
//   Create/Delete, StreamSpecification), GetItem, PutItem
//
// It enforces what the real service does: SigV4, recomputed with the fake's
// own copy of the secret (MissingAuthenticationTokenException,
// IncompleteSignatureException, UnrecognizedClientException for an unknown
// key or a wrong session token, ExpiredTokenException, InvalidSignatureException
// for a wrong signature or a clock more than 15 minutes off); errors as
// {"__type": "<namespace>#<Code>", "message": "..."}; x-amz-crc32 on every
// reply; key schema and attribute types checked on writes and reads;
// CreateTable and new replicas take a while (CREATING, then ACTIVE); no change
// to a table that is not ACTIVE (ResourceInUseException); one replica change
// per UpdateTable, and replicas only on tables with a NEW_AND_OLD_IMAGES
// stream. The items of a table are shared by its replicas (replication is
// instant).
//
// The signing check is written here independently of src/aws, so that the
// client's signer is checked against a second implementation.
//
// --token is the secret access key of the default credentials
// (access key AKIDDRPILOTFAKE). State (GET/POST /state on the control port):
//   {"credentials": [{"access_key_id": "...", "secret_access_key": "...",
//                     "session_token": "...", "expired": false}],
//    "create_delay_ms": 200, "replica_delay_ms": 300,
//    "tables": [{"name": "t", "key_schema": [...], "attribute_definitions": [...],
//                "billing_mode": "PAY_PER_REQUEST",
//                "stream": {"enabled": true, "view_type": "NEW_AND_OLD_IMAGES"},
//                "regions": {"eu-west-1": "ACTIVE"}, "items": [...]}]}

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <map>
#include <sstream>

#include "fakes/fake_api.h"

namespace drpilot::fakes {
namespace {

using nlohmann::json;

constexpr const char* kDefaultAccessKey = "AKIDDRPILOTFAKE";
constexpr const char* kDynamo = "com.amazonaws.dynamodb.v20120810#";
constexpr const char* kCoral = "com.amazon.coral.service#";
constexpr std::int64_t kMaxSkewMs = 15 * 60 * 1000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- crypto, independent of src/aws --------------------------------------

std::string digest(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string hex(const std::string& bytes) {
  std::string out;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

// Bit by bit, unlike the client's table: two implementations, one answer.
std::uint32_t crc32_bitwise(const std::string& data) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::string collapse_spaces(const std::string& v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

// "20150830T123600Z" -> Unix milliseconds; -1 when malformed.
std::int64_t parse_amz_date(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y%m%dT%H%M%SZ");
  if (in.fail() || s.size() != 16) return -1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::string format_amz_date(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// ---- replies --------------------------------------------------------------

net::ServerResponse error(int status, const std::string& type, const std::string& message) {
  json body = {{"__type", type}};
  if (!message.empty()) body["message"] = message;
  return json_reply(status, body);
}

net::ServerResponse validation(const std::string& message) {
  return error(400, "com.amazon.coral.validate#ValidationException", message);
}

net::ServerResponse not_found(const std::string& table) {
  return error(400, std::string(kDynamo) + "ResourceNotFoundException",
               "Requested resource not found: Table: " + table + " not found");
}

struct Credential {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  bool expired = false;
};

struct Table {
  std::string name;
  json key_schema = json::array();
  json attribute_definitions = json::array();
  std::string billing_mode = "PAY_PER_REQUEST";
  bool stream_enabled = false;
  std::string stream_view_type;
  std::map<std::string, std::int64_t> regions;  // region -> when it is (was) ACTIVE
  std::int64_t updating_until = 0;              // TableStatus UPDATING until then
  std::int64_t created_ms = 0;
  std::vector<json> items;

  std::string key_attribute(const char* kind) const {
    for (const json& k : key_schema) {
      if (k.value("KeyType", "") == kind) return k.value("AttributeName", "");
    }
    return "";
  }
  std::string attribute_type(const std::string& name) const {
    for (const json& d : attribute_definitions) {
      if (d.value("AttributeName", "") == name) return d.value("AttributeType", "");
    }
    return "";
  }
  std::string status_in(const std::string& region, std::int64_t now) const {
    auto it = regions.find(region);
    if (it == regions.end()) return "";
    if (now < it->second) return "CREATING";
    if (now < updating_until) return "UPDATING";
    return "ACTIVE";
  }
  // The key attributes of `item`, or an error message.
  std::string key_of(const json& item, json& key) const {
    key = json::object();
    for (const char* kind : {"HASH", "RANGE"}) {
      const std::string name = key_attribute(kind);
      if (name.empty()) continue;
      const std::string type = attribute_type(name);
      auto it = item.find(name);
      if (it == item.end()) return "One of the required keys was not given a value";
      if (!it->is_object() || it->size() != 1 || !it->contains(type)) {
        return "One or more parameter values were invalid: Type mismatch for key " + name +
               " expected: " + type +
               " actual: " + (it->is_object() && !it->empty() ? it->begin().key() : "?");
      }
      key[name] = *it;
    }
    return "";
  }
};

class DynamoFake final : public FakeService {
 public:
  std::optional<net::ServerResponse> authorize(const net::ServerRequest& req,
                                               const std::string& token) override {
    if (credentials_.empty()) credentials_.push_back({kDefaultAccessKey, token, "", false});
    auto header = [&req](const std::string& name) {
      auto it = req.headers.find(name);
      return it == req.headers.end() ? std::string() : it->second;
    };
    const std::string auth = header("authorization");
    if (auth.empty()) {
      return error(400, std::string(kCoral) + "MissingAuthenticationTokenException",
                   "Request is missing Authentication Token");
    }
    const std::string prefix = "AWS4-HMAC-SHA256 ";
    std::map<std::string, std::string> parts;
    if (auth.rfind(prefix, 0) == 0) {
      std::stringstream in(auth.substr(prefix.size()));
      std::string part;
      while (std::getline(in, part, ',')) {
        part = trim(part);
        const auto eq = part.find('=');
        if (eq != std::string::npos) parts[part.substr(0, eq)] = part.substr(eq + 1);
      }
    }
    auto incomplete = [](const std::string& what) {
      return error(400, std::string(kCoral) + "IncompleteSignatureException", what);
    };
    if (!parts.count("Credential") || !parts.count("SignedHeaders") || !parts.count("Signature")) {
      return incomplete(
          "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
          "parameters. Authorization=" +
          auth.substr(0, 32));
    }
    // Credential=AKID/20150830/us-east-1/dynamodb/aws4_request
    std::vector<std::string> scope;
    {
      std::stringstream in(parts["Credential"]);
      std::string s;
      while (std::getline(in, s, '/')) scope.push_back(s);
    }
    if (scope.size() != 5 || scope[4] != "aws4_request") {
      return incomplete("Credential is not of the form KEY/DATE/REGION/SERVICE/aws4_request");
    }
    const Credential* cred = nullptr;
    for (const Credential& c : credentials_) {
      if (c.access_key_id == scope[0]) cred = &c;
    }
    const auto unrecognized = error(400, std::string(kCoral) + "UnrecognizedClientException",
                                    "The security token included in the request is invalid.");
    if (!cred) return unrecognized;
    const std::string session = header("x-amz-security-token");
    if (session != cred->session_token) return unrecognized;
    if (cred->expired) {
      return error(400, std::string(kCoral) + "ExpiredTokenException",
                   "The security token included in the request is expired");
    }
    const std::string date = header("x-amz-date");
    const std::int64_t when = parse_amz_date(date);
    if (when < 0) {
      return incomplete(
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    const std::string invalid = std::string(kCoral) + "InvalidSignatureException";
    if (scope[3] != "dynamodb") {
      return error(400, invalid, "Credential should be scoped to correct service: 'dynamodb'. ");
    }
    if (scope[1] != date.substr(0, 8)) {
      return error(400, invalid,
                   "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                   "from HTTP: '" +
                       scope[1] + "' != '" + date.substr(0, 8) + "'");
    }
    const std::int64_t now = now_ms();
    if (when < now - kMaxSkewMs) {
      return error(400, invalid,
                   "Signature expired: " + date + " is now earlier than " +
                       format_amz_date(now - kMaxSkewMs) + " (" + format_amz_date(now) +
                       " - 15 min.)");
    }
    if (when > now + kMaxSkewMs) {
      return error(400, invalid,
                   "Signature not yet current: " + date + " is still later than " +
                       format_amz_date(now + kMaxSkewMs) + " (" + format_amz_date(now) +
                       " + 15 min.)");
    }

    // The canonical request of a JSON-protocol call: POST / without a query.
    std::string canonical_headers;
    std::vector<std::string> signed_names;
    {
      std::stringstream in(parts["SignedHeaders"]);
      std::string n;
      while (std::getline(in, n, ';')) signed_names.push_back(n);
    }
    if (std::find(signed_names.begin(), signed_names.end(), "host") == signed_names.end()) {
      return error(400, invalid, "'Host' must be a signed header");
    }
    for (const std::string& n : signed_names) {
      auto it = req.headers.find(n);
      canonical_headers +=
          n + ":" + (it == req.headers.end() ? "" : collapse_spaces(it->second)) + "\n";
    }
    const std::string path = req.path.empty() ? "/" : req.path;
    const std::string query = req.target.find('?') == std::string::npos
                                  ? ""
                                  : req.target.substr(req.target.find('?') + 1);
    const std::string canonical = req.method + "\n" + path + "\n" + query + "\n" +
                                  canonical_headers + "\n" + parts["SignedHeaders"] + "\n" +
                                  hex(digest(req.body));
    const std::string credential_scope =
        scope[1] + "/" + scope[2] + "/" + scope[3] + "/aws4_request";
    const std::string to_sign =
        "AWS4-HMAC-SHA256\n" + date + "\n" + credential_scope + "\n" + hex(digest(canonical));
    std::string key = hmac("AWS4" + cred->secret_access_key, scope[1]);
    key = hmac(hmac(hmac(key, scope[2]), scope[3]), "aws4_request");
    if (hex(hmac(key, to_sign)) != parts["Signature"]) {
      return error(400, invalid,
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your AWS Secret Access Key and signing method. Consult the "
                   "service documentation for details.");
    }
    return std::nullopt;
  }

  net::ServerResponse handle(const net::ServerRequest& req) override {
    const std::string region = signed_region(req);
    auto target = req.headers.find("x-amz-target");
    const std::string prefix = "DynamoDB_20120810.";
    if (req.method != "POST" || target == req.headers.end() ||
        target->second.rfind(prefix, 0) != 0) {
      return error(400, std::string(kCoral) + "UnknownOperationException", "");
    }
    const std::string op = target->second.substr(prefix.size());
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return error(400, std::string(kCoral) + "SerializationException",
                   "Start of structure or map found where not expected.");
    }
    if (op == "ListTables") return list_tables(region, body);
    if (op == "CreateTable") return create_table(region, body);
    if (op == "DescribeTable") return describe_table(region, body);
    if (op == "UpdateTable") return update_table(region, body);
    if (op == "PutItem") return put_item(region, body);
    if (op == "GetItem") return get_item(region, body);
    return error(400, std::string(kCoral) + "UnknownOperationException", "");
  }

  json error_body(int status, const std::string& message) const override {
    return {{"__type", std::string(kDynamo) + "InternalServerError"}, {"message", message}};
  }

  net::ServerResponse fault_reply(const Fault& f) override {
    std::string code = f.code;
    if (code.empty()) {
      code = f.status == 400   ? "ThrottlingException"
             : f.status == 503 ? "ServiceUnavailableException"
                               : "InternalServerError";
    }
    const std::string ns = code == "ThrottlingException" || code == "ServiceUnavailableException"
                               ? "com.amazon.coral.availability#"
                               : kDynamo;
    const std::string message = code == "ThrottlingException" ? "Rate exceeded"
                                : code == "ProvisionedThroughputExceededException"
                                    ? "The level of configured provisioned throughput for the "
                                      "table was exceeded."
                                    : "injected fault";
    return error(f.status, ns + code, message);
  }

  void seal(net::ServerResponse& r) override {
    r.content_type = "application/x-amz-json-1.0";
    r.headers.push_back({"x-amzn-RequestId", "FAKE" + std::to_string(++request_id_)});
    r.headers.push_back({"x-amz-crc32", std::to_string(crc32_bitwise(r.body))});
  }

  json state() const override {
    json creds = json::array();
    for (const Credential& c : credentials_) {
      creds.push_back({{"access_key_id", c.access_key_id},
                       {"secret_access_key", c.secret_access_key},
                       {"session_token", c.session_token},
                       {"expired", c.expired}});
    }
    json tables = json::array();
    const std::int64_t now = now_ms();
    for (const Table& t : tables_) {
      json regions = json::object();
      for (const auto& [r, ready] : t.regions) regions[r] = t.status_in(r, now);
      tables.push_back(
          {{"name", t.name},
           {"key_schema", t.key_schema},
           {"attribute_definitions", t.attribute_definitions},
           {"billing_mode", t.billing_mode},
           {"stream", {{"enabled", t.stream_enabled}, {"view_type", t.stream_view_type}}},
           {"regions", regions},
           {"items", t.items}});
    }
    return {{"credentials", creds},
            {"create_delay_ms", create_delay_ms_},
            {"replica_delay_ms", replica_delay_ms_},
            {"tables", tables}};
  }

  std::string set_state(const json& s) override {
    if (!s.is_object()) return "state is not an object";
    try {
      std::vector<Credential> creds = credentials_;
      if (s.contains("credentials")) {
        creds.clear();
        for (const json& c : s.at("credentials")) {
          creds.push_back({c.at("access_key_id").get<std::string>(),
                           c.at("secret_access_key").get<std::string>(),
                           c.value("session_token", ""), c.value("expired", false)});
        }
      }
      std::vector<Table> tables;
      const std::int64_t now = now_ms();
      for (const json& j : s.value("tables", json::array())) {
        Table t;
        t.name = j.at("name").get<std::string>();
        t.key_schema = j.at("key_schema");
        t.attribute_definitions = j.at("attribute_definitions");
        t.billing_mode = j.value("billing_mode", "PAY_PER_REQUEST");
        const json stream = j.value("stream", json::object());
        t.stream_enabled = stream.value("enabled", false);
        t.stream_view_type = stream.value("view_type", "");
        for (const auto& [r, status] : j.at("regions").items()) {
          t.regions[r] = status == "ACTIVE" ? 0 : now + replica_delay_ms_;
        }
        for (const json& item : j.value("items", json::array())) t.items.push_back(item);
        t.created_ms = now;
        tables.push_back(std::move(t));
      }
      credentials_ = std::move(creds);
      tables_ = std::move(tables);
      create_delay_ms_ = s.value("create_delay_ms", create_delay_ms_);
      replica_delay_ms_ = s.value("replica_delay_ms", replica_delay_ms_);
    } catch (const json::exception& e) {
      return e.what();
    }
    return "";
  }

 private:
  static std::string signed_region(const net::ServerRequest& req) {
    auto it = req.headers.find("authorization");
    const std::string& a = it->second;  // authorize() made sure it is there
    const auto c = a.find("Credential=");
    std::stringstream in(a.substr(c + 11));
    std::string part;
    for (int i = 0; i < 3 && std::getline(in, part, '/'); ++i) {
    }
    return part;
  }

  Table* find(const std::string& region, const json& body) {
    const std::string name = body.value("TableName", "");
    for (Table& t : tables_) {
      if (t.name == name && t.regions.count(region)) return &t;
    }
    return nullptr;
  }

  json description(const Table& t, const std::string& region) const {
    const std::int64_t now = now_ms();
    json d = {{"TableName", t.name},
              {"TableStatus", t.status_in(region, now)},
              {"KeySchema", t.key_schema},
              {"AttributeDefinitions", t.attribute_definitions},
              {"TableArn", "arn:aws:dynamodb:" + region + ":123456789012:table/" + t.name},
              {"ItemCount", t.items.size()},
              {"TableSizeBytes", 0},
              {"CreationDateTime", static_cast<double>(t.created_ms) / 1000.0},
              {"BillingModeSummary", {{"BillingMode", t.billing_mode}}}};
    if (t.stream_enabled) {
      d["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", t.stream_view_type}};
      d["LatestStreamArn"] = "arn:aws:dynamodb:" + region + ":123456789012:table/" + t.name +
                             "/stream/2026-01-01T00:00:00.000";
    }
    if (t.regions.size() > 1) {
      json replicas = json::array();
      for (const auto& [r, ready] : t.regions) {
        if (r == region) continue;
        replicas.push_back(
            {{"RegionName", r}, {"ReplicaStatus", now < ready ? "CREATING" : "ACTIVE"}});
      }
      d["Replicas"] = replicas;
      d["GlobalTableVersion"] = "2019.11.21";
    }
    return d;
  }

  net::ServerResponse list_tables(const std::string& region, const json& body) {
    std::vector<std::string> names;
    for (const Table& t : tables_) {
      if (t.regions.count(region)) names.push_back(t.name);
    }
    std::sort(names.begin(), names.end());
    const std::string start = body.value("ExclusiveStartTableName", "");
    const int limit = body.value("Limit", 100);
    if (limit < 1 || limit > 100)
      return validation(
          "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must "
          "have value less than or equal to 100");
    json out = json::array();
    std::string last;
    for (const std::string& n : names) {
      if (!start.empty() && n <= start) continue;
      if (static_cast<int>(out.size()) == limit) break;
      out.push_back(n);
      last = n;
    }
    json reply = {{"TableNames", out}};
    if (static_cast<int>(out.size()) == limit && names.back() != last) {
      reply["LastEvaluatedTableName"] = last;
    }
    return json_reply(200, reply);
  }

  net::ServerResponse create_table(const std::string& region, const json& body) {
    const std::string name = body.value("TableName", "");
    if (name.size() < 3 || name.size() > 255 || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        })) {
      return validation("1 validation error detected: Value '" + name +
                        "' at 'tableName' failed to satisfy constraint: Member must satisfy "
                        "regular expression pattern: [a-zA-Z0-9_.-]+");
    }
    if (find(region, body)) {
      return error(400, std::string(kDynamo) + "ResourceInUseException",
                   "Table already exists: " + name);
    }
    const json keys = body.value("KeySchema", json::array());
    const json defs = body.value("AttributeDefinitions", json::array());
    if (!keys.is_array() || keys.empty() || keys.size() > 2 ||
        keys[0].value("KeyType", "") != "HASH" ||
        (keys.size() == 2 && keys[1].value("KeyType", "") != "RANGE")) {
      return validation(
          "1 validation error detected: Invalid KeySchema: The first KeySchemaElement "
          "is not a HASH key type");
    }
    Table t;
    t.name = name;
    t.key_schema = keys;
    t.attribute_definitions = defs;
    for (const json& k : keys) {
      const std::string type = t.attribute_type(k.value("AttributeName", ""));
      if (type != "S" && type != "N" && type != "B") {
        return validation(
            "One or more parameter values were invalid: Some index key attributes "
            "are not defined in AttributeDefinitions. Keys: [" +
            k.value("AttributeName", "") + "]");
      }
    }
    if (defs.size() != keys.size()) {
      return validation(
          "One or more parameter values were invalid: Number of attributes in "
          "KeySchema does not exactly match number of attributes defined in "
          "AttributeDefinitions");
    }
    t.billing_mode = body.value("BillingMode", "PROVISIONED");
    if (t.billing_mode == "PROVISIONED" && !body.contains("ProvisionedThroughput")) {
      return validation(
          "One or more parameter values were invalid: ReadCapacityUnits and "
          "WriteCapacityUnits must both be specified when BillingMode is "
          "PROVISIONED");
    }
    const json stream = body.value("StreamSpecification", json::object());
    t.stream_enabled = stream.value("StreamEnabled", false);
    t.stream_view_type = t.stream_enabled ? stream.value("StreamViewType", "") : "";
    const std::int64_t now = now_ms();
    t.created_ms = now;
    t.regions[region] = now + create_delay_ms_;
    tables_.push_back(t);
    return json_reply(200, {{"TableDescription", description(tables_.back(), region)}});
  }

  net::ServerResponse describe_table(const std::string& region, const json& body) {
    const Table* t = find(region, body);
    if (!t) return not_found(body.value("TableName", ""));
    return json_reply(200, {{"Table", description(*t, region)}});
  }

  net::ServerResponse update_table(const std::string& region, const json& body) {
    Table* t = find(region, body);
    if (!t) return not_found(body.value("TableName", ""));
    const std::int64_t now = now_ms();
    if (t->status_in(region, now) != "ACTIVE") {
      return error(400, std::string(kDynamo) + "ResourceInUseException",
                   "Attempt to change a resource which is still in use: Table is being "
                   "updated: " +
                       t->name);
    }
    if (body.contains("StreamSpecification")) {
      const json s = body["StreamSpecification"];
      if (s.value("StreamEnabled", false) && t->stream_enabled) {
        return validation("Table already has an enabled stream: TableName: " + t->name);
      }
      t->stream_enabled = s.value("StreamEnabled", false);
      t->stream_view_type = t->stream_enabled ? s.value("StreamViewType", "") : "";
      t->updating_until = now + create_delay_ms_;
    }
    if (body.contains("ReplicaUpdates")) {
      const json updates = body["ReplicaUpdates"];
      if (!updates.is_array() || updates.size() != 1) {
        return validation(
            "One or more parameter values were invalid: Only one replica update "
            "is allowed per UpdateTable call");
      }
      if (!t->stream_enabled || t->stream_view_type != "NEW_AND_OLD_IMAGES") {
        return validation("Table " + t->name +
                          " must have streams enabled with NEW_AND_OLD_IMAGES to add replicas");
      }
      const json& u = updates[0];
      if (u.contains("Create")) {
        const std::string r = u["Create"].value("RegionName", "");
        if (r.empty() || r == region) return validation("Invalid replica region: " + r);
        const bool taken = std::any_of(tables_.begin(), tables_.end(), [&](const Table& o) {
          return o.name == t->name && o.regions.count(r);
        });
        if (taken) {
          return validation("Failed to create a the new replica of table with name: " + t->name +
                            " because one or more replicas already existed as tables.");
        }
        t->regions[r] = now + replica_delay_ms_;
        t->updating_until = now + replica_delay_ms_;
      } else if (u.contains("Delete")) {
        const std::string r = u["Delete"].value("RegionName", "");
        if (!t->regions.count(r) || r == region) return validation("Invalid replica region: " + r);
        t->regions.erase(r);
      } else {
        return validation("Unsupported replica update");
      }
    }
    return json_reply(200, {{"TableDescription", description(*t, region)}});
  }

  net::ServerResponse put_item(const std::string& region, const json& body) {
    Table* t = find(region, body);
    if (!t) return not_found(body.value("TableName", ""));
    if (t->status_in(region, now_ms()) == "CREATING") return not_found(t->name);
    const json item = body.value("Item", json());
    if (!item.is_object()) return validation("1 validation error detected: Item must not be null");
    json key;
    if (std::string e = t->key_of(item, key); !e.empty()) return validation(e);
    json old;
    for (json& existing : t->items) {
      json k;
      t->key_of(existing, k);
      if (k == key) {
        old = existing;
        existing = item;
      }
    }
    if (old.is_null()) t->items.push_back(item);
    json reply = json::object();
    if (body.value("ReturnValues", "NONE") == "ALL_OLD" && !old.is_null())
      reply["Attributes"] = old;
    return json_reply(200, reply);
  }

  net::ServerResponse get_item(const std::string& region, const json& body) {
    Table* t = find(region, body);
    if (!t) return not_found(body.value("TableName", ""));
    if (t->status_in(region, now_ms()) == "CREATING") return not_found(t->name);
    const json given = body.value("Key", json());
    if (!given.is_object()) return validation("1 validation error detected: Key must not be null");
    json key;
    if (std::string e = t->key_of(given, key); !e.empty()) return validation(e);
    if (key.size() != given.size()) {
      return validation("The provided key element does not match the schema");
    }
    for (const json& item : t->items) {
      json k;
      t->key_of(item, k);
      if (k == key) return json_reply(200, {{"Item", item}});
    }
    return json_reply(200, json::object());
  }

  std::vector<Credential> credentials_;
  std::vector<Table> tables_;
  std::int64_t create_delay_ms_ = 200;
  std::int64_t replica_delay_ms_ = 300;
  std::int64_t request_id_ = 0;
};

}  // namespace
}  // namespace drpilot::fakes

int main(int argc, char** argv) {
  drpilot::fakes::DynamoFake service;
  return drpilot::fakes::run_fake(argc, argv, service);
}
