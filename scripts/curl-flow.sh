#!/usr/bin/env bash
# The whole flow with curl and jq: sign up, confirm, log in, presign, upload straight to storage,
# wait for indexing, list, download (checking the sha256), delete.
#
#   scripts/curl-flow.sh photo.jpg                       # against `npm start` on http://127.0.0.1:3000
#   API_URL=https://xxxx.execute-api.us-east-1.amazonaws.com scripts/curl-flow.sh song.mp3
#
# Locally the confirmation code is read from the outbox; against a deployed stage, set EMAIL and
# PASSWORD of a confirmed account (or CODE for a new one, after reading the email).
set -euo pipefail

file=${1:?usage: scripts/curl-flow.sh FILE}
[ -f "$file" ] || { echo "no such file: $file" >&2; exit 2; }
API_URL=${API_URL:-http://127.0.0.1:3000}
API_URL=${API_URL%/}
EMAIL=${EMAIL:-curl-$(date +%s)-$RANDOM@example.com}
PASSWORD=${PASSWORD:-Curl-flow-$RANDOM-Pw1!}
for tool in curl jq sha256sum file; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 2; }; done

step() { printf '\n== %s\n' "$*" >&2; }
# api METHOD PATH [JSON]: prints the body, fails on a status >= 400 with the error shown.
api() {
  local method=$1 path=$2 data=${3:-} out status
  out=$(mktemp)
  local args=(-sS -o "$out" -w '%{http_code}' -X "$method" "$API_URL$path")
  [ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data "$data")
  status=$(curl "${args[@]}")
  if [ "$status" -ge 400 ]; then echo "$method $path -> $status $(cat "$out")" >&2; rm -f "$out"; return 1; fi
  cat "$out"; rm -f "$out"
}

size=$(wc -c <"$file" | tr -d ' ')
type=$(file --brief --mime-type "$file")
name=$(basename "$file")

TOKEN=
step "sign up $EMAIL"
if signup=$(api POST /signup "$(jq -nc --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')" 2>/dev/null); then
  echo "$signup" | jq .
  if [ "$(echo "$signup" | jq -r .confirmed)" != "true" ]; then
    step "confirm"
    code=${CODE:-}
    if [ -z "$code" ]; then
      code=$(curl -sS --get "$API_URL/_local/outbox" --data-urlencode "to=$EMAIL" | jq -r '.messages[-1].code // empty' || true)
    fi
    [ -n "$code" ] || { echo "no confirmation code: set CODE from the email" >&2; exit 1; }
    api POST /confirm "$(jq -nc --arg e "$EMAIL" --arg c "$code" '{email:$e,code:$c}')" | jq .
  fi
else
  echo "(account exists, logging in)" >&2
fi

step "log in"
TOKEN=$(api POST /login "$(jq -nc --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')" | jq -r .token)

step "presign an upload of $name ($type, $size bytes)"
presign=$(api POST /upload "$(jq -nc --arg n "$name" --arg t "$type" --argjson s "$size" '{fileName:$n,contentType:$t,size:$s}')")
echo "$presign" | jq '{fileId, key, maxBytes, url: .upload.url, expiresAt: .upload.expiresAt}'
fileId=$(echo "$presign" | jq -r .fileId)

step "upload straight to storage"
form=()
while IFS=$'\t' read -r k v; do form+=(-F "$k=$v"); done < <(echo "$presign" | jq -r '.upload.fields | to_entries[] | [.key, .value] | @tsv')
status=$(curl -sS -o /dev/null -w '%{http_code}' "${form[@]}" -F "file=@$file;type=$type" "$(echo "$presign" | jq -r .upload.url)")
[ "$status" -lt 300 ] || { echo "upload refused: $status" >&2; exit 1; }
echo "storage answered $status" >&2

step "wait until indexed"
for _ in $(seq 1 60); do
  status=$(api GET "/files/$fileId" | jq -r .status)
  [ "$status" != pending ] && break
  sleep 1
done
echo "status: $status" >&2
[ "$status" = ready ] || exit 1

step "list"
api GET "/retrieve?limit=5" | jq '.files[] | {fileId, fileName, contentType, size, status}'

step "download and compare"
out=$(mktemp)
# -L follows the 302 to the presigned URL; curl drops the Authorization header on the other host.
curl -sS -L -f -o "$out" -H "Authorization: Bearer $TOKEN" "$API_URL/files/$fileId/download"
want=$(sha256sum "$file" | cut -d' ' -f1)
got=$(sha256sum "$out" | cut -d' ' -f1)
rm -f "$out"
echo "sha256 sent $want" >&2
echo "sha256 got  $got" >&2
[ "$want" = "$got" ] || { echo "MISMATCH" >&2; exit 1; }

step "delete"
api DELETE "/files/$fileId" >/dev/null
api GET /me | jq .
echo "OK" >&2
