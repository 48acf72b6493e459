#!/usr/bin/env bash
# pywb serving a WARC on 127.0.0.1: the peer of story serve's Memento figures
# (bench_http_pywb.py) and the replay tool tests/exports/test_export_pywb.py checks
# `story export --format warc` against. Everything it makes is under DIR; pywb lives in a
# virtual environment of its own ($PYWB_VENV, default /tmp/pywb-venv, made with pip when
# it has no wayback).
#
#   benchmarks/pywb_peer.sh install            # only makes $PYWB_VENV (.ci/run does this)
#   benchmarks/pywb_peer.sh DIR WARC PORT      # serves DIR's collection "story" until killed
#
# pywb's TimeMap is then http://127.0.0.1:PORT/story/timemap/link/URL, its TimeGate
# http://127.0.0.1:PORT/story/URL (with Accept-Datetime) and its CDX API
# http://127.0.0.1:PORT/story/cdx?url=URL, for the URLs the WARC holds.
set -euo pipefail
venv=${PYWB_VENV:-/tmp/pywb-venv}
if [ ! -x "$venv/bin/wayback" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'pywb==2.10.*'
fi
if [ "${1:-}" = install ]; then
    exit 0
fi
dir=$1 warc=$2 port=$3
mkdir -p "$dir"
cd "$dir"
# Memento headers on, no frames, and a TimeGate that redirects to the memento (as story
# serve's does) rather than answering with the memento's content.
cat > config.yaml <<'YAML'
enable_memento: true
framed_replay: false
redirect_to_exact: true
YAML
if [ ! -d collections/story ]; then
    "$venv/bin/wb-manager" init story >/dev/null
    "$venv/bin/wb-manager" add story "$warc" >/dev/null
fi
exec "$venv/bin/wayback" --bind 127.0.0.1 --port "$port"
