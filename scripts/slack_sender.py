#!/usr/bin/env python3
"""Sends Slack's signed requests to a Debrief server, signed by Slack's own SDK.

The tests run this once and talk to it a line at a time. Each line on standard input is a JSON
object:

    {"url": "http://127.0.0.1:PORT/slack/commands",
     "content_type": "application/x-www-form-urlencoded",
     "body": "<the raw body, as Slack sends it>",
     "timestamp": 1765000000,            # optional: the X-Slack-Request-Timestamp (default: now)
     "signature": "v0=…",                # optional: sent instead of the SDK's (a forgery)
     "secret": "…",                      # the signing secret to sign with
     "headers": {"X-Slack-Retry-Num": "1"}}  # optional: more headers

and each answer is one line of JSON: {"status": 200, "headers": {...}, "body": "..."}.

The signature is `slack_sdk.signature.SignatureVerifier.generate_signature`, the function Slack's
SDK and Bolt use to check requests, so a server that accepts these accepts Slack.
"""

import json
import sys
import time
import urllib.error
import urllib.request

from slack_sdk.signature import SignatureVerifier


def send(req):
    body = req["body"].encode("utf-8")
    timestamp = str(req.get("timestamp") or int(time.time()))
    signature = req.get("signature")
    if signature is None:
        signature = SignatureVerifier(req["secret"]).generate_signature(
            timestamp=timestamp, body=body
        )
    headers = {
        "Content-Type": req["content_type"],
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    headers.update(req.get("headers") or {})
    request = urllib.request.Request(req["url"], data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as r:
            return {"status": r.status, "headers": dict(r.headers), "body": r.read().decode()}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "headers": dict(e.headers), "body": e.read().decode()}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            answer = send(json.loads(line))
        except Exception as e:  # the test reads the failure instead of hanging
            answer = {"status": 0, "headers": {}, "body": f"sender failed: {e!r}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
