#!/usr/bin/python3
"""Sign a message with Debian's python3-dkim (dkimpy): DKIM and ARC signatures
made by an implementation nobody here wrote, for Baton's inbound checks.

usage: dkim_sign.py dkim DOMAIN SELECTOR KEYFILE < message
       dkim_sign.py arc DOMAIN SELECTOR KEYFILE SRV_ID < message
Prints the header fields to put on top of the message (CRLF line ends): the
DKIM-Signature, or the ARC set (RFC 8617 §4.1) sealing the message's
Authentication-Results of SRV_ID. Run with /usr/bin/python3 (Debian's module).
"""
import sys

import dkim


def main():
    kind, domain, selector, keyfile = sys.argv[1:5]
    message = sys.stdin.buffer.read()
    with open(keyfile, "rb") as f:
        key = f.read()
    if kind == "dkim":
        out = dkim.sign(message, selector.encode(), domain.encode(), key,
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    elif kind == "arc":
        out = b"".join(dkim.arc_sign(message, selector.encode(), domain.encode(), key, sys.argv[5].encode()))
    else:
        raise SystemExit(f"unknown kind {kind}")
    if not out:
        raise SystemExit("nothing was signed")
    sys.stdout.buffer.write(out)


main()
