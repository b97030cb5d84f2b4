#!/usr/bin/env python3
"""Loopback SMTP sink built on aiosmtpd: records every message as one JSON line.
Optional AUTH (PLAIN/LOGIN) without TLS, for checking that a client sends credentials.
usage: smtp_sink.py PORT OUT.jsonl [USER PASS]"""
import asyncio, json, sys, time
from email import message_from_bytes, policy
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

PORT, OUT = int(sys.argv[1]), sys.argv[2]
CREDS = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else None

class Recorder:
    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        rec = {"ts": time.time(), "peer": list(session.peer), "helo": session.host_name,
               "auth_user": (session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None),
               "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
               "headers": [[k, str(v)] for k, v in msg.items()],
               "text": body.get_content() if body else None,
               "raw": envelope.original_content.decode("utf-8", "replace")}
        with open(OUT, "a") as f:
            f.write(json.dumps(rec) + "\n")
        return "250 Message accepted for delivery"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == CREDS
    # handled=False => aiosmtpd itself replies 535 on failure (default handled=True sends nothing!)
    return AuthResult(success=ok, handled=False, auth_data=auth_data)

kw = dict(authenticator=authenticator, auth_require_tls=False, auth_required=True) if CREDS else {}
ctl = Controller(Recorder(), hostname="127.0.0.1", port=PORT, **kw)
ctl.start()
print(f"smtp sink on 127.0.0.1:{PORT} auth={'on' if CREDS else 'off'}", flush=True)
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
finally:
    ctl.stop()
