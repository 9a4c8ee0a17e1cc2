#!/usr/bin/env python3
"""Raw SMTP dialog driver for end-to-end tests.

Plays a script of steps against a server over a plain socket (optionally
switching to TLS), byte for byte, so tests can send what well-behaved client
libraries refuse to send: bare LF, NUL, pipelined commands, text before the
greeting, TLS handshakes after pipelined commands.

usage: dialog.py HOST PORT [--source IP] [--implicit-tls] < script.json
script: a JSON array of steps:
  {"send": TEXT}          send TEXT encoded as latin-1 (one byte per char)
  {"read": true}          read one complete reply (multi-line aware)
  {"starttls": true, "max_version": "TLSv1_1"?}  TLS handshake on the socket
  {"sleep": SECONDS}
  {"expect_close": SECONDS} wait up to SECONDS for the server to close
  {"drain": SECONDS}      collect whatever arrives within SECONDS
Prints a JSON array of events, one per step that produces one.
"""
import json
import socket
import ssl
import sys
import time

READ_TIMEOUT = 10.0


def tls_context(max_version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if max_version:
        # Old protocol versions are disabled at OpenSSL's default security level;
        # lower it so the client really offers them and only the server can refuse.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = getattr(ssl.TLSVersion, max_version)
    return ctx


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.closed = False

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            data = b""
        if not data:
            self.closed = True
        self.buf += data
        return bool(data)

    def read_reply(self, timeout=READ_TIMEOUT):
        deadline = time.monotonic() + timeout
        lines = []
        while True:
            while b"\n" not in self.buf:
                if self.closed or not self._fill(deadline):
                    return {"closed": True, "partial": [l for l in lines] + ([self.buf.decode("latin-1")] if self.buf else [])}
            line, self.buf = self.buf.split(b"\n", 1)
            text = line.rstrip(b"\r").decode("latin-1")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                code = int(text[:3]) if text[:3].isdigit() else 0
                return {"reply": {"code": code, "lines": lines}}

    def wait_close(self, timeout):
        deadline = time.monotonic() + timeout
        start = time.monotonic()
        try:
            while not self.closed:
                self._fill(deadline)
        except socket.timeout:
            return {"closed": False, "data": self.buf.decode("latin-1")}
        return {"closed": True, "after": round(time.monotonic() - start, 3), "data": self.buf.decode("latin-1")}

    def drain(self, timeout):
        deadline = time.monotonic() + timeout
        try:
            while not self.closed:
                self._fill(deadline)
        except socket.timeout:
            pass
        data, self.buf = self.buf, b""
        return {"data": data.decode("latin-1"), "closed": self.closed}


def main():
    args = sys.argv[1:]
    host, port = args[0], int(args[1])
    source = None
    implicit = False
    if "--source" in args:
        source = (args[args.index("--source") + 1], 0)
    if "--implicit-tls" in args:
        implicit = True
    steps = json.load(sys.stdin)
    events = []
    sock = socket.create_connection((host, port), timeout=READ_TIMEOUT, source_address=source)
    if implicit:
        sock = tls_context().wrap_socket(sock)
    conn = Conn(sock)
    for i, step in enumerate(steps):
        try:
            if "send" in step:
                try:
                    conn.sock.sendall(step["send"].encode("latin-1"))
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError) as e:
                    events.append({"step": i, "send_error": str(e)})
            elif "read" in step:
                events.append({"step": i, **conn.read_reply(step.get("timeout", READ_TIMEOUT))})
            elif "starttls" in step:
                try:
                    if conn.buf:
                        events.append({"step": i, "unread_before_tls": conn.buf.decode("latin-1")})
                        conn.buf = b""
                    conn.sock = tls_context(step.get("max_version")).wrap_socket(conn.sock)
                    events.append({"step": i, "tls": conn.sock.version()})
                except (ssl.SSLError, OSError) as e:
                    events.append({"step": i, "tls_error": str(e)})
                    break
            elif "sleep" in step:
                time.sleep(step["sleep"])
            elif "expect_close" in step:
                events.append({"step": i, **conn.wait_close(step["expect_close"])})
            elif "drain" in step:
                events.append({"step": i, **conn.drain(step["drain"])})
        except socket.timeout:
            events.append({"step": i, "timeout": True})
    try:
        conn.sock.close()
    except OSError:
        pass
    json.dump(events, sys.stdout)


if __name__ == "__main__":
    main()
