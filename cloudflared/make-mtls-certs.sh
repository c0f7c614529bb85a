#!/usr/bin/env bash
# Makes the certificates for the mTLS route: a private CA, a client certificate
# the Worker presents (uploaded with `wrangler mtls-certificate upload`) and a
# server certificate for the gateway in front of pveproxy. Needs openssl.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: make-mtls-certs.sh --gateway-host HOST [options]

Creates in the output directory:
  ca.pem, ca.key          private CA (10 years); the gateway accepts clients
                          with a certificate from this CA only
  client.pem, client.key  the Worker's client certificate (upload to Cloudflare)
  server.pem, server.key  a server certificate for HOST from the same CA, to try
                          the gateway locally (curl --cacert ca.pem). A deployed
                          Worker trusts public CAs only: in production the
                          gateway serves a publicly trusted certificate
                          (e.g. Let's Encrypt) for HOST.

Options:
  --gateway-host HOST  DNS name the Worker connects to (DNS-only, not proxied)
  --out DIR            output directory (default: ./mtls-certs)
  --san NAME           extra subjectAltName for the server, e.g. IP:192.0.2.10
                       or DNS:pve-gw.lan (repeatable)
  --client-name NAME   common name of the client certificate
                       (default: proxmox-mcp-worker)
  --days N             validity of client and server certificates (default: 825)
  --quiet              print nothing on success
  -h, --help           this text

If DIR already holds ca.pem and ca.key, that CA is reused: run the script again
to renew the client and server certificates without touching the gateway's
trust. Private keys are written with mode 600; keep ca.key offline.
EOF
}

die() {
  printf 'make-mtls-certs.sh: %s\n' "$1" >&2
  exit 1
}

gateway_host=""
out="./mtls-certs"
client_name="proxmox-mcp-worker"
days=825
quiet=0
extra_sans=()

# need OPTION "$@": fails unless OPTION is followed by a value.
need() { [ $# -ge 2 ] || die "$1 needs a value"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --gateway-host) need "$@"; gateway_host="$2"; shift 2 ;;
    --out) need "$@"; out="$2"; shift 2 ;;
    --san) need "$@"; extra_sans+=("$2"); shift 2 ;;
    --client-name) need "$@"; client_name="$2"; shift 2 ;;
    --days) need "$@"; days="$2"; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[ -n "$gateway_host" ] || { usage >&2; die "--gateway-host is required"; }
[[ "$gateway_host" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] ||
  die "--gateway-host must be a DNS name, e.g. pve-gw.example.com"
if ! [[ "$days" =~ ^[1-9][0-9]*$ ]]; then die "--days must be a positive number"; fi
[[ "$client_name" =~ ^[A-Za-z0-9._-]+$ ]] || die "--client-name may use letters, digits, '.', '_' and '-'"
# ${a[@]+...} keeps an empty array safe under set -u in bash 3.2 (macOS) too.
for san in ${extra_sans[@]+"${extra_sans[@]}"}; do
  [[ "$san" =~ ^(DNS|IP):[A-Za-z0-9.:-]+$ ]] || die "--san takes DNS:name or IP:address, got '$san'"
done
command -v openssl >/dev/null 2>&1 || die "openssl is not installed (Debian: apt-get install openssl)"

umask 077
mkdir -p "$out"
work="$(mktemp -d "$out/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

serial() { printf '0x%s' "$(openssl rand -hex 16)"; }

# Reuse the CA when there is one, so the gateway's trust stays valid across renewals.
if [ -f "$out/ca.pem" ] && [ -f "$out/ca.key" ]; then
  reused_ca=1
else
  reused_ca=0
  openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days 3650 \
    -keyout "$out/ca.key" -out "$out/ca.pem" \
    -subj "/O=Proxmox MCP/CN=Proxmox MCP gateway CA $(openssl rand -hex 4)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# issue NAME CN EXTENSIONS: a key and a certificate signed by the CA.
issue() {
  local name="$1" cn="$2" extensions="$3"
  printf '%s\n' "$extensions" >"$work/$name.ext"
  openssl req -new -newkey rsa:2048 -nodes -sha256 \
    -keyout "$work/$name.key" -out "$work/$name.csr" -subj "/O=Proxmox MCP/CN=$cn" 2>/dev/null
  openssl x509 -req -sha256 -days "$days" -set_serial "$(serial)" \
    -in "$work/$name.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -extfile "$work/$name.ext" -out "$work/$name.pem" 2>/dev/null
  mv "$work/$name.key" "$out/$name.key"
  mv "$work/$name.pem" "$out/$name.pem"
}

sans="DNS:$gateway_host"
for san in ${extra_sans[@]+"${extra_sans[@]}"}; do sans="$sans,$san"; done

issue client "$client_name" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

issue server "$gateway_host" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans"

openssl verify -CAfile "$out/ca.pem" "$out/client.pem" "$out/server.pem" >/dev/null ||
  die "the new certificates do not verify against $out/ca.pem"
chmod 600 "$out"/*.key
chmod 644 "$out"/*.pem

if [ "$quiet" -eq 1 ]; then exit 0; fi
cat <<EOF
Wrote to $out:
  ca.pem ca.key          private CA$([ "$reused_ca" -eq 1 ] && printf ' (reused)')
  client.pem client.key  client certificate "$client_name"
  server.pem server.key  server certificate for $sans

Next:
  1. Upload the client certificate and note its id:
       npx wrangler mtls-certificate upload --cert $out/client.pem --key $out/client.key --name proxmox-mcp
     then set it as certificate_id of PVE_MTLS in wrangler.toml [env.production].
  2. Give the gateway ca.pem as its client CA (cloudflared/gateway/nginx-pve-mtls.conf)
     and a publicly trusted certificate for $gateway_host. Then, from anywhere:
       curl --cert $out/client.pem --key $out/client.key https://$gateway_host/api2/json/version
     answers 401 from Proxmox (no API token sent); without --cert, nginx answers 400.
  3. Keep ca.key offline; delete client.key once uploaded.
EOF
