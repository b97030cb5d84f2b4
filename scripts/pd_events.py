#!/usr/bin/env python3
"""Drives PagerDuty's own Python clients (pdpyras 5.4.1, pagerduty 7.2.0) for the tests.

usage: pd_events.py BASE_URL [CA_FILE]
  BASE_URL: http://127.0.0.1:PORT (plain HTTP on loopback), or https://127.0.0.1:PORT with the
  PEM certificate to trust in CA_FILE (the server's self-signed one; over HTTPS only the
  `pagerduty` client is used: pdpyras ignores a session's `verify` and cannot trust it).

Reads one JSON command a line on stdin and answers one JSON line on stdout:
  {"client": "pdpyras"|"pagerduty", "key": ROUTING_KEY, "method": "trigger", "args": [...],
   "kwargs": {...}}
  -> {"ok": true, "result": <what the client method returned>}
  -> {"ok": false, "error": <exception class>, "message": ..., "status": <HTTP status|null>,
      "body": <answer text|null>}
Prints {"ready": true} first. One client object per (client, key), as an application keeps one.
pagerduty 7.2.0 only accepts https:// base URLs through its setter: over plain HTTP its private
`_url` is set instead; over HTTPS it is built the supported way, `base_url=` with `verify=` an
SSL context trusting CA_FILE (see shared/research/real-clients.md, section 2).
"""
import json
import ssl
import sys
import warnings

warnings.simplefilter("ignore")  # pdpyras warns that it is deprecated, on every import

import pagerduty  # noqa: E402
import pdpyras  # noqa: E402

BASE = sys.argv[1]
CA = sys.argv[2] if len(sys.argv) > 2 else None
TLS = BASE.startswith("https://")
CLIENTS = {}


def client(kind, key):
    c = CLIENTS.get((kind, key))
    if c is None:
        if kind == "pdpyras":
            c = pdpyras.EventsAPISession(key)
            c.url = BASE
        elif kind == "pagerduty":
            if TLS:
                ctx = ssl.create_default_context(cafile=CA)
                c = pagerduty.EventsApiV2Client(key, base_url=BASE, verify=ctx)
            else:
                c = pagerduty.EventsApiV2Client(key)
                c._url = BASE
        else:
            raise ValueError(f"unknown client {kind}")
        CLIENTS[(kind, key)] = c
    return c


def answer(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


answer({"ready": True})
for line in sys.stdin:
    if not line.strip():
        continue
    cmd = json.loads(line)
    try:
        c = client(cmd["client"], cmd["key"])
        result = getattr(c, cmd["method"])(*cmd.get("args", []), **cmd.get("kwargs", {}))
        answer({"ok": True, "result": result})
    except Exception as e:  # the test reads what failed and how
        response = getattr(e, "response", None)
        answer({
            "ok": False,
            "error": type(e).__name__,
            "message": str(e),
            "status": getattr(response, "status_code", None),
            "body": getattr(response, "text", None),
        })
