// The realm signing key (RS256 JWK kept in the state dir) and compact-JWS helpers.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

function b64url(input) {
  return Buffer.from(input).toString('base64url');
}

function thumbprint(jwk) {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

function writeSecretFile(path, content) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * Loads the realm signing key from `<stateDir>/signing-key.jwk.json`, creating it on the first start.
 * Returns { privateJwk, publicJwk, privateKey, publicKey, kid }.
 */
export function loadSigningKey(stateDir) {
  const path = join(stateDir, 'signing-key.jwk.json');
  let privateJwk;
  if (existsSync(path)) {
    privateJwk = JSON.parse(readFileSync(path, 'utf8'));
  } else {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateJwk = privateKey.export({ format: 'jwk' });
    privateJwk.kid = thumbprint(privateJwk);
    privateJwk.alg = 'RS256';
    privateJwk.use = 'sig';
    writeSecretFile(path, `${JSON.stringify(privateJwk, null, 2)}\n`);
  }
  const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const publicJwk = {
    kid: privateJwk.kid,
    kty: 'RSA',
    alg: 'RS256',
    use: 'sig',
    n: privateJwk.n,
    e: privateJwk.e,
  };
  return { privateJwk, publicJwk, privateKey, publicKey, kid: privateJwk.kid };
}

/** Cookie signing keys for oidc-provider, kept so that browser sessions survive a restart. */
export function loadCookieKeys(stateDir) {
  const path = join(stateDir, 'cookie-keys.json');
  if (existsSync(path)) {
    return JSON.parse(readFileSync(path, 'utf8'));
  }
  const keys = [randomBytes(32).toString('base64url')];
  writeSecretFile(path, `${JSON.stringify(keys)}\n`);
  return keys;
}

/** Signs a JWT with RS256. */
export function signJwt(payload, key, header = {}) {
  const head = { alg: 'RS256', typ: 'JWT', kid: key.kid, ...header };
  const input = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** Decodes a compact JWS without checking it; returns { header, payload } or undefined. */
export function decodeJwt(token) {
  if (typeof token !== 'string') return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof header !== 'object' || typeof payload !== 'object' || !header || !payload) {
      return undefined;
    }
    return { header, payload };
  } catch {
    return undefined;
  }
}

/** Verifies an RS256 JWS signed with the realm key; returns its payload or undefined. */
export function verifyJwtSignature(token, key) {
  const decoded = decodeJwt(token);
  if (!decoded || decoded.header.alg !== 'RS256') return undefined;
  if (decoded.header.kid !== undefined && decoded.header.kid !== key.kid) return undefined;
  const [h, p, s] = token.split('.');
  const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, 'base64url'));
  return ok ? decoded.payload : undefined;
}

/** Keycloak's `public_key` field: base64 DER SubjectPublicKeyInfo. */
export function publicKeyBase64(key) {
  return key.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}

/** at_hash for an ID token: left half of SHA-256 of the access token, base64url. */
export function atHash(accessToken) {
  const digest = createHash('sha256').update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
