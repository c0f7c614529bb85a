#!/usr/bin/env bash
# Tells you whether the Proxmox side is ready for the MCP server: cloudflared
# installed, running and connected; pveproxy reachable with a certificate
# cloudflared accepts; the API token working; optionally the public hostname
# through Cloudflare Access. Run it where cloudflared runs (host or LXC).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: check-tunnel.sh [options]

Options:
  --origin URL        pveproxy as cloudflared reaches it
                      (default: https://localhost:8006)
  --ca-pool FILE      the CA of pveproxy's certificate, as in originRequest.caPool
                      (default: /etc/pve/pve-root-ca.pem, else
                      /etc/cloudflared/pve-root-ca.pem)
  --server-name NAME  the name to verify that certificate for, as in
                      originRequest.originServerName (default: the origin's host)
  --metrics ADDR      cloudflared's metrics address (default: 127.0.0.1:20241
                      to :20245, the ports cloudflared picks from)
  --service UNIT      the systemd unit (default: cloudflared)
  --public-url URL    also call the API through the tunnel's public hostname
                      (access route), e.g. https://pve-api.example.com
  -h, --help          this text

Secrets come from the environment, never from arguments (ps would show them):
  PVE_TOKEN_ID, PVE_TOKEN_SECRET              the API token, to test it too
  CF_ACCESS_CLIENT_ID, CF_ACCESS_CLIENT_SECRET the Access service token,
                                              with --public-url

Exit status: 0 when every check passed, 1 otherwise.
EOF
}

die() {
  printf 'check-tunnel.sh: %s\n' "$1" >&2
  exit 2
}

need() { [ $# -ge 2 ] || die "$1 needs a value"; }

origin="https://localhost:8006"
ca_pool=""
server_name=""
metrics=""
service="cloudflared"
public_url=""

while [ $# -gt 0 ]; do
  case "$1" in
    --origin) need "$@"; origin="$2"; shift 2 ;;
    --ca-pool) need "$@"; ca_pool="$2"; shift 2 ;;
    --server-name) need "$@"; server_name="$2"; shift 2 ;;
    --metrics) need "$@"; metrics="$2"; shift 2 ;;
    --service) need "$@"; service="$2"; shift 2 ;;
    --public-url) need "$@"; public_url="${2%/}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

command -v curl >/dev/null 2>&1 || die "curl is needed (apt-get install curl)"
[[ "$origin" =~ ^https://([^/:]+|\[[0-9A-Fa-f:]+\])(:([0-9]+))?/?$ ]] ||
  die "--origin must look like https://host:8006"
origin_host="${BASH_REMATCH[1]}"
origin_port="${BASH_REMATCH[3]:-443}"
server_name="${server_name:-$origin_host}"
if [ -z "$ca_pool" ]; then
  for candidate in /etc/pve/pve-root-ca.pem /etc/cloudflared/pve-root-ca.pem; do
    if [ -r "$candidate" ]; then ca_pool="$candidate"; break; fi
  done
fi

failures=0
ok() { printf '[ ok ] %s\n' "$1"; }
warn() { printf '[warn] %s\n' "$1"; }
skip() { printf '[skip] %s\n' "$1"; }
fail() {
  printf '[FAIL] %s\n' "$1"
  [ $# -lt 2 ] || printf '       %s\n' "$2"
  failures=$((failures + 1))
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Header files keep secrets off the command line (curl -H @file).
umask 077

# --- 1. cloudflared installed, recent enough for Workers VPC ----------------------------
if command -v cloudflared >/dev/null 2>&1; then
  version="$(cloudflared --version 2>/dev/null | sed -n 's/^cloudflared version \([0-9][0-9.]*\).*/\1/p')"
  year="${version%%.*}"
  rest="${version#*.}"
  month="${rest%%.*}"
  if [ -z "$version" ]; then
    warn "cloudflared is installed but its version could not be read"
  elif [ "$year" -gt 2025 ] || { [ "$year" -eq 2025 ] && [ "$month" -ge 7 ]; }; then
    ok "cloudflared $version"
  else
    fail "cloudflared $version is too old for Workers VPC" "Update to 2025.7.0 or later: apt-get update && apt-get install cloudflared"
  fi
else
  fail "cloudflared is not installed here" "See cloudflared/README.md, 'Install cloudflared'."
fi

# --- 2. the service runs and holds connections to Cloudflare ------------------------------
if [ -d /run/systemd/system ]; then
  if systemctl is-active --quiet "$service"; then
    ok "service $service is running"
  else
    fail "service $service is not running" "systemctl status $service; journalctl -u $service -n 50"
  fi
else
  skip "systemd is not running here: not checking the service"
fi

ready=""
if [ -n "$metrics" ]; then candidates="$metrics"; else candidates="127.0.0.1:20241 127.0.0.1:20242 127.0.0.1:20243 127.0.0.1:20244 127.0.0.1:20245"; fi
for address in $candidates; do
  if ready="$(curl -sS --max-time 3 "http://$address/ready" 2>/dev/null)"; then break; fi
  ready=""
done
if [ -z "$ready" ]; then
  warn "cloudflared's metrics endpoint did not answer; pass --metrics if you set --metrics on cloudflared"
elif printf '%s' "$ready" | grep -q '"readyConnections":[1-9]'; then
  ok "tunnel connected to Cloudflare ($(printf '%s' "$ready" | sed -n 's/.*"readyConnections":\([0-9]*\).*/\1/p') connections)"
else
  fail "the tunnel has no connection to Cloudflare" "Outbound TCP and UDP 7844 must be open (Workers VPC needs QUIC, i.e. UDP). journalctl -u $service"
fi

# --- 3. pveproxy answers, with a certificate cloudflared will accept ----------------------
origin_url="https://$server_name:$origin_port/api2/json/version"
connect_to=(--connect-to "$server_name:$origin_port:$origin_host:$origin_port")
if [ -z "$ca_pool" ]; then
  fail "no CA file for pveproxy's certificate" "Pass --ca-pool (copy /etc/pve/pve-root-ca.pem from the host into an LXC)."
else
  set +e
  code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$ca_pool" \
    "${connect_to[@]}" "$origin_url" 2>"$work/curl.err")"
  status=$?
  set -e
  if [ "$status" -eq 0 ] && [ "$code" = "401" ]; then
    ok "pveproxy answers at $origin (certificate valid for $server_name, signed by $ca_pool)"
  elif [ "$status" -eq 0 ]; then
    warn "pveproxy answered HTTP $code without credentials (expected 401)"
  elif [ "$status" -eq 60 ] || [ "$status" -eq 35 ] || [ "$status" -eq 51 ]; then
    names=""
    if command -v openssl >/dev/null 2>&1; then
      names="$(openssl s_client -connect "$origin_host:$origin_port" -servername "$server_name" </dev/null 2>/dev/null |
        openssl x509 -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ')"
    fi
    fail "pveproxy's certificate is not valid for $server_name with CA $ca_pool" \
      "Set originServerName (--server-name) to one of: ${names:-a name the certificate lists}; caPool to the CA that signed it."
  else
    fail "pveproxy is not reachable at $origin" "$(head -n 1 "$work/curl.err") (is pveproxy running? systemctl status pveproxy)"
  fi
fi

# --- 4. the API token works ------------------------------------------------------------
if [ -n "${PVE_TOKEN_ID:-}" ] && [ -n "${PVE_TOKEN_SECRET:-}" ] && [ -n "$ca_pool" ]; then
  printf 'Authorization: PVEAPIToken=%s=%s\n' "$PVE_TOKEN_ID" "$PVE_TOKEN_SECRET" >"$work/pve.h"
  set +e
  body="$(curl -sS --max-time 10 --cacert "$ca_pool" "${connect_to[@]}" -H @"$work/pve.h" \
    -w '\n%{http_code}' "$origin_url" 2>/dev/null)"
  set -e
  code="${body##*$'\n'}"
  if [ "$code" = "200" ]; then
    ok "API token $PVE_TOKEN_ID works (Proxmox VE $(printf '%s' "$body" | sed -n 's/.*"version":"\([^"]*\)".*/\1/p'))"
  else
    fail "API token $PVE_TOKEN_ID was refused (HTTP $code)" "Check the token id and secret; pveum user token list ${PVE_TOKEN_ID%%!*}"
  fi
else
  skip "API token not tested (set PVE_TOKEN_ID and PVE_TOKEN_SECRET)"
fi

# --- 5. the public hostname through Cloudflare Access (access route) ----------------------
if [ -n "$public_url" ]; then
  if [ -z "${CF_ACCESS_CLIENT_ID:-}" ] || [ -z "${CF_ACCESS_CLIENT_SECRET:-}" ]; then
    fail "--public-url needs CF_ACCESS_CLIENT_ID and CF_ACCESS_CLIENT_SECRET in the environment"
  else
    printf 'CF-Access-Client-Id: %s\nCF-Access-Client-Secret: %s\n' \
      "$CF_ACCESS_CLIENT_ID" "$CF_ACCESS_CLIENT_SECRET" >"$work/access.h"
    set +e
    answer="$(curl -sS -o /dev/null --max-time 15 -H @"$work/access.h" \
      -w '%{http_code} %{redirect_url}' "$public_url/api2/json/version" 2>"$work/curl.err")"
    status=$?
    set -e
    code="${answer%% *}"
    case "$status:$code" in
      0:401 | 0:200) ok "the API answers through $public_url (Access let the service token in)" ;;
      0:30[0-9]) fail "Access redirected to its login page: the service token was not accepted" \
        "Add a Service Auth policy that includes this service token to the Access application." ;;
      0:403) fail "Access refused the request (HTTP 403)" "Check the Access application's policies and the service token's expiry." ;;
      0:502 | 0:530) fail "Cloudflare could not reach the origin through the tunnel (HTTP $code)" \
        "Check the ingress rule for this hostname and steps 2 and 3 above." ;;
      0:*) fail "unexpected answer HTTP $code from $public_url" ;;
      *) fail "could not reach $public_url" "$(head -n 1 "$work/curl.err")" ;;
    esac
  fi
fi

if [ "$failures" -gt 0 ]; then
  printf '\n%d check(s) failed.\n' "$failures"
  exit 1
fi
printf '\nAll checks passed.\n'
