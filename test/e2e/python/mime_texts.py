#!/usr/bin/env python3
"""Read a message on stdin with Python's email package (a MIME parser nobody here
wrote) and print its leaf parts as JSON: content type, charset, transfer
encoding, disposition, and the decoded text of text parts.

usage: mime_texts.py < message.eml
"""
import email
import email.policy
import json
import sys

msg = email.message_from_binary_file(sys.stdin.buffer, policy=email.policy.default)
parts = []
for part in msg.walk():
    if part.is_multipart():
        continue
    entry = {
        "type": part.get_content_type(),
        "charset": part.get_content_charset(),
        "cte": (part.get("Content-Transfer-Encoding") or "").lower(),
        "disposition": part.get_content_disposition(),
    }
    if part.get_content_maintype() == "text":
        entry["text"] = part.get_content()
    parts.append(entry)
print(json.dumps({"defects": [str(d) for d in msg.defects], "parts": parts}))
