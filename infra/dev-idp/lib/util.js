// Small helpers shared by the dev IdP modules: HTTP bodies and answers, errors, passwords.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export const BODY_LIMIT = 1024 * 1024;

/** An error that carries the HTTP status and the JSON body to answer with. */
export class HttpError extends Error {
  constructor(status, body, headers = {}) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** Reads the whole request body as a string (bounded). */
export async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > BODY_LIMIT) {
      throw new HttpError(413, { error: 'request entity too large' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses an application/x-www-form-urlencoded body into a plain object (first value wins). */
export function parseForm(text) {
  const out = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (!(key in out)) out[key] = value;
  }
  return out;
}

export function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res, status, headers = {}) {
  res.writeHead(status, { 'Content-Length': '0', ...headers });
  res.end();
}

export function sendHtml(res, status, html, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store, must-revalidate, max-age=0',
    'X-Frame-Options': 'SAMEORIGIN',
    ...headers,
  });
  res.end(html);
}

export function escapeHtml(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Reads `true`/`True`/`1` (python-keycloak sends `str(bool)`). */
export function parseBool(value) {
  if (value === undefined || value === null || value === '') return undefined;
  return ['true', '1', 'yes'].includes(String(value).toLowerCase());
}

export function parseIntParam(value, fallback) {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number.parseInt(String(value), 10);
  return Number.isFinite(n) ? n : fallback;
}

/** Applies Keycloak's `first`/`max` pagination (max < 0 means no limit). */
export function paginate(items, query, defaultMax) {
  const first = Math.max(0, parseIntParam(query.get('first'), 0));
  const max = parseIntParam(query.get('max'), defaultMax);
  if (max === undefined || max < 0) return items.slice(first);
  return items.slice(first, first + max);
}

const SCRYPT = { N: 16384, r: 8, p: 1 };

export function hashPassword(password) {
  const salt = randomBytes(16);
  const hash = scryptSync(String(password), salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export function checkPassword(password, stored) {
  if (typeof stored !== 'string' || typeof password !== 'string') return false;
  const [kind, saltText, hashText] = stored.split('$');
  if (kind !== 'scrypt' || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64url');
  const actual = scryptSync(password, Buffer.from(saltText, 'base64url'), expected.length, SCRYPT);
  return timingSafeEqual(expected, actual);
}

export function randomSecret(bytes = 24) {
  return randomBytes(bytes).toString('base64url');
}

export function deepClone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export function log(...args) {
  process.stderr.write(`[dev-idp] ${args.join(' ')}\n`);
}
