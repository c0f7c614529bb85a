// Parameter extraction as in PVE::APIServer::AnyEvent::extract_params: the
// body (form or JSON) for POST/PUT, then the query string on top.

import type { JsonValue, RequestParams } from "./contract";
import { PveHttpError } from "./http";

function percentDecode(text: string): string {
  const bytes: number[] = [];
  const plain = text.replace(/\+/g, " ");
  for (let i = 0; i < plain.length; i++) {
    const hex = plain.slice(i + 1, i + 3);
    if (plain[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of new TextEncoder().encode(plain[i])) bytes.push(b);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * decode_urlencoded: pairs split on `&` or `;`; repeated keys become arrays.
 * Perl's `split(/=/, $kv)` keeps only the text up to a second `=` and drops an
 * empty value, so `key=` arrives as undef (null here), i.e. as "not given".
 */
export function decodeUrlencoded(data: string): RequestParams {
  const res: RequestParams = {};
  if (!data) return res;
  for (const kv of data.split(/[&;]/)) {
    const pieces = kv.split("=");
    while (pieces.length > 0 && pieces[pieces.length - 1] === "") pieces.pop();
    if (pieces.length === 0) continue;
    const k = percentDecode(pieces[0] ?? "");
    const raw = pieces[1];
    if (raw === undefined) {
      res[k] = null;
      continue;
    }
    const v = percentDecode(raw);
    const old = res[k];
    if (Array.isArray(old)) old.push(v);
    else if (old !== undefined && old !== null) res[k] = [old, v];
    else res[k] = v;
  }
  return res;
}

/** Reads the parameters of a request. Malformed JSON answers 500 like pveproxy. */
export async function extractParams(request: Request, url: URL): Promise<RequestParams> {
  let params: RequestParams = {};
  if (request.method === "POST" || request.method === "PUT") {
    const contentType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim();
    // Read as bytes: workerd warns when .text() is used on a form body.
    const body = new TextDecoder().decode(await request.arrayBuffer());
    if (contentType === "application/json") {
      let parsed: JsonValue;
      try {
        parsed = JSON.parse(body) as JsonValue;
      } catch {
        throw new PveHttpError(500, "malformed JSON string\n");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        // PVE's later `keys %$params` dies on a non-hash.
        throw new PveHttpError(500, "Not a HASH reference\n");
      }
      params = parsed;
    } else {
      params = decodeUrlencoded(body);
    }
  }
  const query = decodeUrlencoded(url.search.replace(/^\?/, ""));
  for (const [k, v] of Object.entries(query)) params[k] = v;
  // The GUI's cache buster is removed before validation.
  delete params._dc;
  return params;
}
