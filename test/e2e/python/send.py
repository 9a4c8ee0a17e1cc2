#!/usr/bin/env python3
"""Send one message with Python's smtplib (a client nobody here wrote) and report
every reply as JSON, so the test can assert codes without parsing transcripts.

usage: send.py < spec.json
spec: {"host", "port", "source"?, "mode": "plain"|"starttls"|"ssl", "ehlo"?,
       "auth"?: {"user", "password", "mech": "PLAIN"|"LOGIN"},
       "mail_from", "mail_options"?: [...], "rcpts": [{"to", "options"?: [...]}],
       "data"?: TEXT (latin-1, sent byte for byte; smtplib dot-stuffs),
       "stop_after"?: "ehlo"|"auth"|"mail"}
"""
import json
import smtplib
import ssl
import sys


def ctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def pair(r):
    code, msg = r
    return [code, msg.decode("latin-1") if isinstance(msg, bytes) else str(msg)]


def main():
    spec = json.load(sys.stdin)
    out = {}
    source = (spec["source"], 0) if spec.get("source") else None
    mode = spec.get("mode", "plain")
    try:
        if mode == "ssl":
            s = smtplib.SMTP_SSL(spec["host"], spec["port"], timeout=15, source_address=source, context=ctx())
        else:
            s = smtplib.SMTP(spec["host"], spec["port"], timeout=15, source_address=source)
        ehlo = spec.get("ehlo", "client.test")
        out["ehlo"] = pair(s.ehlo(ehlo))
        out["features_before_tls"] = dict(s.esmtp_features)
        if mode == "starttls":
            out["starttls"] = pair(s.starttls(context=ctx()))
            out["ehlo_tls"] = pair(s.ehlo(ehlo))
        if mode != "plain":
            out["tls"] = s.sock.version()
        out["features"] = dict(s.esmtp_features)
        if spec.get("stop_after") == "ehlo":
            s.quit()
            print(json.dumps(out))
            return
        auth = spec.get("auth")
        if auth:
            s.user, s.password = auth["user"], auth["password"]
            obj = s.auth_plain if auth["mech"] == "PLAIN" else s.auth_login
            try:
                out["auth"] = pair(s.auth(auth["mech"], obj))
            except smtplib.SMTPAuthenticationError as e:
                out["auth"] = [e.smtp_code, e.smtp_error.decode("latin-1")]
            except smtplib.SMTPException as e:
                out["auth"] = [getattr(e, "smtp_code", 0), str(e)]
        if spec.get("stop_after") == "auth":
            s.quit()
            print(json.dumps(out))
            return
        out["mail"] = pair(s.mail(spec["mail_from"], spec.get("mail_options", [])))
        if out["mail"][0] != 250 or spec.get("stop_after") == "mail":
            s.rset()
            s.quit()
            print(json.dumps(out))
            return
        out["rcpts"] = [pair(s.rcpt(r["to"], r.get("options", []))) for r in spec["rcpts"]]
        if "data" in spec and any(r[0] in (250, 251) for r in out["rcpts"]):
            try:
                out["data"] = pair(s.data(spec["data"].encode("latin-1")))
            except smtplib.SMTPDataError as e:
                out["data"] = [e.smtp_code, e.smtp_error.decode("latin-1")]
        s.quit()
    except smtplib.SMTPServerDisconnected as e:
        out["disconnected"] = str(e)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
        out["error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
