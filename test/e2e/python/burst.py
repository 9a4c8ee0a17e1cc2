#!/usr/bin/env python3
"""Parallel sends for the kill -9 durability test.

usage: burst.py HOST PORT CONNECTIONS MESSAGES_PER_CONNECTION RCPT
Each thread keeps one smtplib connection and sends its messages in turn. Before
the DATA of each message it prints {"event": "sending", tag, sha, len} and after
the reply {"event": "reply", tag, code, text}, one JSON object per line, flushed,
so the test knows exactly what may be in the queue when the server is killed.
The message bytes are CRLF text without leading dots, so the wire bytes equal the
bytes the server must store (after its own trace header).
"""
import hashlib
import json
import smtplib
import sys
import threading

lock = threading.Lock()


def emit(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def message(tag):
    lines = [f"Subject: burst {tag}", f"X-Tag: {tag}", "", f"message {tag}"]
    for i in range(40):
        lines.append((f"{tag}-{i:02d}-" + "abcdefghijklmnopqrstuvwxyz" * 3)[:78])
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def worker(host, port, conn, count, rcpt):
    try:
        s = smtplib.SMTP(host, port, timeout=20)
        s.ehlo("burst.test")
    except Exception as e:  # noqa: BLE001 - report and stop this thread
        emit({"event": "error", "conn": conn, "error": repr(e)})
        return
    for n in range(count):
        tag = f"c{conn:02d}m{n:03d}"
        body = message(tag)
        try:
            s.mail(f"sender-{tag}@remote.test")
            s.rcpt(rcpt)
            emit({"event": "sending", "tag": tag, "sha": hashlib.sha256(body).hexdigest(), "len": len(body)})
            code, text = s.data(body)
            emit({"event": "reply", "tag": tag, "code": code, "text": text.decode("latin-1")})
        except smtplib.SMTPResponseException as e:
            emit({"event": "reply", "tag": tag, "code": e.smtp_code, "text": e.smtp_error.decode("latin-1")})
        except Exception as e:  # noqa: BLE001 - the server was killed: stop this thread
            emit({"event": "error", "conn": conn, "tag": tag, "error": repr(e)})
            return
    try:
        s.quit()
    except Exception:  # noqa: BLE001
        pass


def main():
    host, port, conns, per, rcpt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    threads = [threading.Thread(target=worker, args=(host, port, c, per, rcpt)) for c in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
