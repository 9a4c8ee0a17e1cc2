#!/usr/bin/env bash
# Installs the Debian packages the end-to-end tests drive (real peers, DESIGN §8),
# only when something is missing: a fast no-op on a machine that has them all.
# `npm ci` is not done here: .ci/run does it before `npm test`.
set -euo pipefail

missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }

# smtp-sink / smtp-source live in /usr/sbin, which may not be on a user's PATH.
[ -x /usr/sbin/smtp-sink ] || [ -x /usr/bin/smtp-sink ] || missing+=(postfix)
need_cmd swaks swaks
# swaks only recommends its TLS modules, and we install without recommends.
need_pkg libnet-ssleay-perl
need_pkg libio-socket-ssl-perl
[ -x /usr/sbin/dnsmasq ] || command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
need_pkg dovecot-lmtpd
# The private Postfix smtpd of deliver-postfix.test.ts: Cyrus SASL with a sasldb
# (saslpasswd2 writes it; the PLAIN/LOGIN and sasldb plugins read it).
[ -x /usr/sbin/saslpasswd2 ] || command -v saslpasswd2 >/dev/null 2>&1 || missing+=(sasl2-bin)
need_pkg libsasl2-modules
need_pkg libsasl2-modules-db
need_pkg python3-dkim
# dkimpy's ARC signing (inbound authentication tests) parses Authentication-Results with it.
need_pkg python3-authres
# dkimpy verifies Ed25519 signatures (RFC 8463) only with PyNaCl.
need_pkg python3-nacl
need_cmd openssl openssl
need_cmd curl curl
need_cmd python3 python3
# script(1): the CLI's terminal password prompt is tested on a real pty.
need_cmd script bsdutils
# unshare/nsenter and ip: the embedded-default test runs Baton in a network
# namespace of its own, where the fixed default ports are always free.
need_cmd unshare util-linux
need_cmd nsenter util-linux
need_cmd ip iproute2
# Content scanners (rspamd-scan/clamav-scan tests): private rspamd and clamd
# instances; sigtool (package clamav) builds their test signature database.
[ -x /usr/bin/rspamd ] || missing+=(rspamd)
[ -x /usr/sbin/clamd ] || missing+=(clamav-daemon)
need_cmd sigtool clamav
# TLS hardening test: testssl.sh against our listeners.
need_cmd testssl testssl.sh
# ss: the connection-cap test counts established connections at the socket level.
need_cmd ss iproute2
# Milter test (accept-milter.test.ts): a private OpenDKIM and its key generator.
[ -x /usr/sbin/opendkim ] || missing+=(opendkim)
[ -x /usr/sbin/opendkim-genkey ] || missing+=(opendkim-tools)
# promtool (package prometheus; the server is not started): validates /metrics output.
need_cmd promtool prometheus
# The dashboard tests drive a real browser: Debian's chromium with playwright-core.
[ -x /usr/bin/chromium ] || missing+=(chromium)
# DANE tests (issue 14): a private unbound validating a zone signed locally with ldns-signzone.
[ -x /usr/sbin/unbound ] || missing+=(unbound)
need_cmd ldns-signzone ldnsutils
need_cmd ldns-keygen ldnsutils

# The PostgreSQL backend's tests use the server on this machine: start it if it is down.
bash "$(dirname "$0")/start-postgres.sh"

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

# De-duplicate.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "test-deps: installing ${missing[*]}" >&2

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
    echo "test-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Postfix must install without questions and must not become a system mailer on
# port 25: the tests only use its smtp-sink/smtp-source binaries.
printf '%s\n' \
  'postfix postfix/main_mailer_type select No configuration' \
  'postfix postfix/mailname string localhost' |
  "${SUDO[@]}" debconf-set-selections

# Keep package maintainer scripts from starting daemons (postfix, dovecot) when
# no policy is in place already; removed again afterwards if we created it.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  made_policy=1
fi
cleanup() { if [ "$made_policy" -eq 1 ]; then "${SUDO[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}" >&2
