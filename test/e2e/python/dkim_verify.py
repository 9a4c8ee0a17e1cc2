#!/usr/bin/python3
"""Verify every DKIM-Signature of a message with Debian's dkimpy (python3-dkim),
an implementation nobody here wrote, looking keys up at the test's own DNS
server (dnspython pointed at it), never at the system's resolvers.

usage: /usr/bin/python3 dkim_verify.py DNS_HOST DNS_PORT < message
Prints JSON: {"signatures": [{"d", "s", "a", "h", "t", "x", "ok", "error"}]}
in the order the fields appear (top first).
"""
import json
import sys

import dkim
import dkim.util
import dns.resolver


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = port

    def dnsfunc(name, timeout=5):
        qname = name.decode("ascii") if isinstance(name, bytes) else name
        try:
            answer = resolver.resolve(qname, "TXT", lifetime=timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        return b"".join(answer[0].strings)

    message = sys.stdin.buffer.read()
    headers, _ = dkim.rfc822_parse(message)
    fields = [v for k, v in headers if k.lower() == b"dkim-signature"]
    out = []
    for idx, value in enumerate(fields):
        tags = dkim.util.parse_tag_value(value)
        entry = {k: tags.get(k.encode(), b"").decode("latin-1") for k in ("d", "s", "a", "h", "t", "x")}
        entry["h"] = entry["h"].replace(" ", "").replace("\r\n", "").replace("\t", "")
        try:
            entry["ok"] = bool(dkim.DKIM(message).verify(idx=idx, dnsfunc=dnsfunc))
        except Exception as e:  # a verifier error is a failed signature, reported
            entry["ok"] = False
            entry["error"] = "%s: %s" % (type(e).__name__, e)
        out.append(entry)
    print(json.dumps({"signatures": out}))


main()
