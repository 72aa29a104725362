#!/usr/bin/env python3
"""Signs varied requests with botocore's SigV4Auth, for drpilot's signer to match.

Generates --count requests from --seed (methods, paths with spaces, unicode,
reserved characters, dot segments and double slashes, encoded queries with
repeated and unsorted keys, headers in mixed case with extra spaces, tabs and
repeated names, empty and binary payloads, with and without session tokens,
several regions and services) and prints one JSON line per request: the
request as given, then botocore's canonical request, string to sign and
Authorization header.

What the requests avoid is what both signers leave to the caller, as
src/aws/sigv4.h documents: headers botocore never signs (User-Agent, Expect,
hop-by-hop ones), Date and X-Amz-Content-SHA256 (botocore's alternatives to
X-Amz-Date and the payload hash), raw '+' and empty pairs in queries, and
'?', '#', CR, LF and TAB in paths (they would end the path or be stripped by
urlsplit before botocore sees them).

Exit status 3 when botocore cannot be imported.
"""

import argparse
import json
import random
import sys
import time
from urllib.parse import quote

try:
    import botocore
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # the C++ test fails with this message
    print(f"botocore is not installed: {e}", file=sys.stderr)
    sys.exit(3)

METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "post", "Get"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "eu-central-2", "cn-north-1"]
SERVICES = ["dynamodb", "service", "sts", "execute-api", "sqs", "monitoring"]
PATH_PIECES = [
    "a", "table", "Example", "with space", "x y  z", "\u1234", "\u00fcn\u00efc\u00f8de",
    "caf\u00e9", "\U0001f600", "!$&'()*+,;=:@", "%20", "%2F", "%zz", "~user", "-._~",
    ".", "..", "", "a.b", "quote\"d", "<tag>", "[bracket]", "{brace}", "pipe|", "back`tick",
    "caret^", "100%",
]
QUERY_TEXT = [
    "Param1", "param1", "Action", "key", "Key", "a", "b", "z", "value", "Value1", "value2",
    "with space", "\u1234", "caf\u00e9", "a+b", "x=y", "&amp", "/slash/", "~tilde", "*", "",
    "-._~", "%", "1", "10", "2",
]
HEADER_NAMES = [
    "X-Custom", "My-Header1", "my-header2", "Content-Type", "X-Amz-Target", "x-amz-meta-Foo",
    "Accept", "X-Forwarded-For", "Cache-Control", "X-Amz-Client-Context",
]
HEADER_VALUES = [
    "value", "  leading", "trailing   ", "  both  ", "inner    spaces   here", "a\tb",
    "\tTabbed\t", "", "   ", '"a   b   c"', "application/x-amz-json-1.0",
    "DynamoDB_20120810.DescribeTable", "1, 2,3", "MiXeD CaSe", "x=1; y=2",
]


def random_case(rng, s):
    choice = rng.randrange(4)
    if choice == 0:
        return s.lower()
    if choice == 1:
        return s.upper()
    if choice == 2:
        return s
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def make_path(rng):
    kind = rng.randrange(10)
    if kind == 0:
        return "/"
    if kind == 1:
        return ""
    pieces = [rng.choice(PATH_PIECES) for _ in range(rng.randrange(1, 6))]
    path = "/" + "/".join(pieces)
    if rng.random() < 0.3:
        path += "/"
    if rng.random() < 0.1:
        path = "/" + path  # a leading double slash
    return path.rstrip(" ") or "/"


def make_query(rng):
    if rng.random() < 0.3:
        return ""
    pairs = []
    for _ in range(rng.randrange(1, 7)):
        key = rng.choice(QUERY_TEXT) or "k"
        enc_key = quote(key, safe="-_.~")
        if rng.random() < 0.15:
            pairs.append(enc_key)  # no '=': an empty value
            continue
        value = rng.choice(QUERY_TEXT)
        pairs.append(enc_key + "=" + quote(value, safe="-_.~"))
        if rng.random() < 0.25:  # the same key again, with another value
            pairs.append(enc_key + "=" + quote(rng.choice(QUERY_TEXT), safe="-_.~"))
    rng.shuffle(pairs)
    return "&".join(pairs)


def make_headers(rng):
    host = rng.choice(["example.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com",
                       "127.0.0.1:8000", "[::1]:4566", "localhost"])
    headers = [(random_case(rng, "Host"), rng.choice([host, " " + host + "  "]))]
    for _ in range(rng.randrange(0, 6)):
        name = random_case(rng, rng.choice(HEADER_NAMES))
        headers.append((name, rng.choice(HEADER_VALUES)))
        if rng.random() < 0.2:  # repeated, perhaps in another case
            headers.append((random_case(rng, name), rng.choice(HEADER_VALUES)))
    rng.shuffle(headers)
    return headers


def make_payload(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return b""
    if kind == 1:
        return json.dumps({"TableName": "orders", "Limit": rng.randrange(100)}).encode()
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    if kind == 3:
        return "caf\u00e9 \u1234 \U0001f600".encode("utf-8") * rng.randrange(1, 4)
    return b"\x00" * rng.randrange(1, 16)


def random_text(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def make_request(rng):
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    token = ""
    if rng.random() < 0.5:
        token = random_text(rng, b64, rng.randrange(40, 400)) + "=="
    return {
        "method": rng.choice(METHODS),
        "path": make_path(rng),
        "query": make_query(rng),
        "headers": make_headers(rng),
        "payload": make_payload(rng),
        "region": rng.choice(REGIONS),
        "service": rng.choice(SERVICES),
        "access_key": "AKIA" + random_text(rng, upper, 16),
        "secret_key": random_text(rng, b64, 40),
        "token": token,
        # 2015 to 2035
        "epoch": rng.randrange(1420070400, 2051222400),
    }


def sign(r):
    credentials = Credentials(r["access_key"], r["secret_key"], r["token"] or None)
    signer = SigV4Auth(credentials, r["service"], r["region"])
    url = "https://example.amazonaws.com" + r["path"]
    if r["query"]:
        url += "?" + r["query"]
    request = AWSRequest(method=r["method"], url=url, data=r["payload"])
    for name, value in r["headers"]:
        request.headers[name] = value  # HTTPHeaders appends: repeated names stay
    # add_auth() with a fixed time: its steps, in its order.
    request.context["timestamp"] = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(r["epoch"]))
    signer._modify_request_before_signing(request)
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    signature = signer.signature(string_to_sign, request)
    signer._inject_signature_to_request(request, signature)
    return canonical_request, string_to_sign, request.headers["Authorization"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for _ in range(args.count):
        r = make_request(rng)
        canonical_request, string_to_sign, authorization = sign(r)
        out = dict(r)
        out["payload_hex"] = r["payload"].hex()
        del out["payload"]
        out["botocore"] = botocore.__version__
        out["canonical_request"] = canonical_request
        out["string_to_sign"] = string_to_sign
        out["authorization"] = authorization
        print(json.dumps(out))


if __name__ == "__main__":
    main()
