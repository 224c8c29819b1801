// AWS Signature Version 4 for the console's own calls, when the server checks signatures. The keys
// never leave the browser: each request carries only a signature made with them. Web Crypto does
// the hashing where the browser offers it (https pages and http on loopback); elsewhere (plain
// http on another host) the small SHA-256 below does the same work.
'use strict';

const NoctuaSigV4 = (() => {
  const encoder = new TextEncoder();
  const subtle = globalThis.crypto && globalThis.crypto.subtle;

  // ---- SHA-256 (FIPS 180-4) and HMAC (RFC 2104), for browsers without Web Crypto on this page

  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);

  function sha256Sync(bytes) {
    const bitLength = bytes.length * 8;
    const padded = new Uint8Array(((bytes.length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[bytes.length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bitLength / 0x100000000));
    view.setUint32(padded.length - 4, bitLength >>> 0);
    const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const w = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let offset = 0; offset < padded.length; offset += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
      }
      let [a, b, c, d, e, f, g, k] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
        k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    h.forEach((word, i) => outView.setUint32(i * 4, word));
    return out;
  }

  function hmacSync(key, data) {
    let block = key.length > 64 ? sha256Sync(key) : key;
    const inner = new Uint8Array(64 + data.length);
    const outer = new Uint8Array(64 + 32);
    for (let i = 0; i < 64; i++) {
      const byte = i < block.length ? block[i] : 0;
      inner[i] = byte ^ 0x36;
      outer[i] = byte ^ 0x5c;
    }
    inner.set(data, 64);
    outer.set(sha256Sync(inner), 64);
    return sha256Sync(outer);
  }

  // ---- the same through Web Crypto when the page has it

  async function sha256(bytes) {
    return subtle ? new Uint8Array(await subtle.digest('SHA-256', bytes)) : sha256Sync(bytes);
  }

  async function hmac(key, text) {
    const data = encoder.encode(text);
    if (!subtle) return hmacSync(key, data);
    const imported = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await subtle.sign('HMAC', imported, data));
  }

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  /** RFC 3986 encoding, as SigV4 has it: encodeURIComponent leaves !'()* alone, SigV4 does not. */
  const encode = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

  /** A query string in SigV4's canonical form (and fit to send as it is). */
  function query(parameters) {
    return Object.entries(parameters).map(([name, value]) => [encode(name), encode(value)])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
      .map(([name, value]) => name + '=' + value).join('&');
  }

  /**
   * The headers that sign a request: Authorization and X-Amz-Date. {@code headers} are the request's
   * own (all of them are signed, with Host), {@code queryString} as made by query().
   */
  async function sign({ method, host, path, queryString, headers, body, keys, region, service }) {
    const now = new Date();
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const all = { ...Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), String(v).trim().replace(/ +/g, ' ')])),
      host, 'x-amz-date': amzDate };
    const names = Object.keys(all).sort();
    const canonical = [method, path, queryString || '',
      ...names.map((name) => name + ':' + all[name]), '',
      names.join(';'), hex(await sha256(encoder.encode(body || '')))].join('\n');
    const scope = [day, region, service, 'aws4_request'].join('/');
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(await sha256(encoder.encode(canonical)))].join('\n');
    let key = await hmac(encoder.encode('AWS4' + keys.secretAccessKey), day);
    key = await hmac(key, region);
    key = await hmac(key, service);
    key = await hmac(key, 'aws4_request');
    const signature = hex(await hmac(key, stringToSign));
    return {
      'X-Amz-Date': amzDate,
      Authorization: 'AWS4-HMAC-SHA256 Credential=' + keys.accessKeyId + '/' + scope + ', SignedHeaders=' + names.join(';')
        + ', Signature=' + signature,
    };
  }

  return { sign, query, selfTest: { sha256Sync, hmacSync, sha256, hmac, hex, usesWebCrypto: Boolean(subtle) } };
})();
