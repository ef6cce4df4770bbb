#!/usr/bin/env node
// gip-mesure development identity provider: oidc-provider serving the Keycloak realm "gip" at
// Keycloak's paths, plus the subset of Keycloak's Admin REST API that the platform calls.
// DEVELOPMENT ONLY: fixture secrets, passwords equal to usernames, no TLS.
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AdminApi } from './lib/admin-api.js';
import { StateAdapters } from './lib/adapter.js';
import { KeycloakEndpoints } from './lib/keycloak-endpoints.js';
import { loadCookieKeys, loadSigningKey, publicKeyBase64 } from './lib/keys.js';
import { errorPage, loginPage } from './lib/pages.js';
import { PROTOCOL, createProvider } from './lib/provider.js';
import { RealmStore, describeImport } from './lib/store.js';
import { TokenService } from './lib/tokens.js';
import { HttpError, log, parseForm, readBody, sendHtml, sendJson } from './lib/util.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

const config = {
  host: process.env.DEV_IDP_HOST || '127.0.0.1',
  port: Number.parseInt(process.env.DEV_IDP_PORT ?? '8080', 10),
  issuer: process.env.DEV_IDP_ISSUER || undefined,
  realmFile: resolve(process.env.DEV_IDP_REALM_FILE || resolve(repoRoot, 'infra', 'keycloak', 'realm-gip.json')),
  stateDir: resolve(process.env.DEV_IDP_STATE_DIR || resolve(repoRoot, 'var', 'dev-idp')),
};

process.stderr.write(
  '*** gip-mesure dev IdP: DEVELOPMENT identity provider, NOT FOR PRODUCTION ***\n'
  + '*** (fixture secrets and passwords from the realm file; use Keycloak anywhere else) ***\n',
);

if (!['127.0.0.1', 'localhost', '::1'].includes(config.host)) {
  process.stderr.write(`*** WARNING: listening on ${config.host}, not on loopback: anyone who can reach it gets fixture credentials ***\n`);
}

mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });

const store = new RealmStore({ realmFile: config.realmFile, stateDir: config.stateDir });
describeImport(store.load());
const realmName = store.realm.realm;
const mountPath = `/realms/${realmName}`;
const key = loadSigningKey(config.stateDir);
const cookieKeys = loadCookieKeys(config.stateDir);
const adapters = new StateAdapters({ store, stateDir: config.stateDir });

let app; // set once the server listens (the issuer may depend on the bound port)

function publicBase(req) {
  return `http://${req.headers.host ?? `${config.host}:${config.port}`}`;
}

function sendError(res, err) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    if (typeof err.body === 'string') {
      res.writeHead(err.status, { 'Content-Type': 'text/plain; charset=utf-8', ...err.headers });
      res.end(err.body);
    } else {
      sendJson(res, err.status, err.body, err.headers);
    }
    return;
  }
  log(`internal error: ${err?.stack ?? err}`);
  sendJson(res, 500, { error: 'unknown_error' });
}

// ---------------------------------------------------------------------- login pages

async function loginActions(req, res, uid, action) {
  const { provider } = app;
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    sendHtml(res, 400, errorPage({
      title: 'Session expirée',
      message: 'Votre demande de connexion a expiré ou est introuvable. Relancez la connexion depuis l\'application.',
    }));
    return;
  }
  if (details.uid !== uid) {
    sendHtml(res, 400, errorPage({ title: 'Session expirée', message: 'Cette demande de connexion ne correspond pas à la session en cours.' }));
    return;
  }
  const client = store.findClient(details.params.client_id);
  const formAction = `${mountPath}/login-actions/${uid}`;
  const abortUrl = `${mountPath}/login-actions/${uid}/abort`;
  const render = (status, extra) => sendHtml(res, status, loginPage({
    realmName: store.realm.displayName,
    clientName: client?.name || client?.clientId,
    action: formAction,
    abortUrl,
    demoUsers: store.listUsers().filter((u) => u.origin === 'realm').map((u) => u.username),
    ...extra,
  }));

  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'L\'utilisateur a annulé la connexion',
    }, { mergeWithLastSubmission: false });
    return;
  }

  if (details.prompt.name === 'consent') {
    // First-party clients only: grant what is asked, without a consent screen.
    const { Grant } = provider;
    const grant = details.grantId
      ? await Grant.find(details.grantId)
      : new Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  if (req.method === 'GET') {
    render(200, { username: details.params.login_hint ?? '' });
    return;
  }
  if (req.method !== 'POST') throw new HttpError(405, { error: 'method not allowed' });

  const form = parseForm(await readBody(req));
  const user = store.authenticate(String(form.username ?? '').trim(), String(form.password ?? ''));
  if (!user) {
    render(200, { username: form.username ?? '', error: 'Nom d\'utilisateur ou mot de passe invalide.' });
    return;
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: user.id, remember: true, acr: '1' },
  }, { mergeWithLastSubmission: false });
}

// ---------------------------------------------------------------------- routing

async function route(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const { pathname } = url;

  if (pathname === '/health' || pathname === '/health/ready' || pathname === '/health/live' || pathname === '/health/started') {
    sendJson(res, app ? 200 : 503, { status: app ? 'UP' : 'DOWN', checks: [] });
    return;
  }
  if (!app) {
    sendJson(res, 503, { error: 'starting' });
    return;
  }
  if (app.admin.matches(pathname)) {
    await app.admin.handle(req, res, url);
    return;
  }
  if (pathname === mountPath || pathname === `${mountPath}/`) {
    const base = publicBase(req);
    sendJson(res, 200, {
      realm: realmName,
      public_key: publicKeyBase64(key),
      'token-service': `${base}${mountPath}${PROTOCOL}`,
      'account-service': `${base}${mountPath}/account`,
      'tokens-not-before': 0,
    });
    return;
  }
  const login = new RegExp(`^${mountPath}/login-actions/([A-Za-z0-9_-]+)(/abort)?$`).exec(pathname);
  if (login) {
    await loginActions(req, res, login[1], login[2] ? 'abort' : undefined);
    return;
  }
  if (pathname === `${mountPath}${PROTOCOL}/userinfo`) {
    await app.keycloak.userinfo(req, res);
    return;
  }
  if (pathname === `${mountPath}${PROTOCOL}/token/introspect` && req.method === 'POST') {
    await app.keycloak.introspect(req, res);
    return;
  }
  if (pathname === `${mountPath}${PROTOCOL}/revoke` && req.method === 'POST') {
    await app.keycloak.revoke(req, res);
    return;
  }
  if (pathname === `${mountPath}${PROTOCOL}/logout` && req.method === 'POST') {
    const text = await readBody(req);
    if (await app.keycloak.backchannelLogout(req, res, parseForm(text))) return;
    // An RP-initiated logout sent as a form: oidc-provider reads the already-read body.
    req.body = text;
  }
  if (pathname.startsWith(`${mountPath}/`)) {
    req.originalUrl = req.url;
    req.url = req.url.slice(mountPath.length);
    app.callback(req, res);
    return;
  }
  sendJson(res, 404, { error: 'Unable to find matching target resource method' });
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => sendError(res, err));
});
server.keepAliveTimeout = 5000;

function shutdown(signal) {
  log(`${signal} received, stopping`);
  try {
    adapters.flush();
  } catch (err) {
    log(`could not save sessions: ${err.message}`);
  }
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

// For supervisors and test fixtures: stop when the process that started us is gone.
if (process.env.DEV_IDP_EXIT_WITH_PARENT === '1') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('parent exit');
  }, 1000).unref();
}

server.on('error', (err) => {
  log(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
  process.exit(1);
});

server.listen(config.port, config.host, () => {
  const { port } = server.address();
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const issuer = config.issuer ?? `${base}${mountPath}`;
  const tokens = new TokenService({ store, key, issuer, adapters });
  const provider = createProvider({ issuer, mountPath, store, key, cookieKeys, adapters, tokens });
  app = {
    provider,
    callback: provider.callback(),
    admin: new AdminApi({ store, tokens, realm: realmName }),
    keycloak: new KeycloakEndpoints({ store, tokens, provider, adapters }),
  };
  log(`realm "${realmName}" from ${config.realmFile}; state in ${config.stateDir}; issuer ${issuer}`);
  process.stderr.write(`dev IdP ready on ${base} (issuer ${issuer})\n`);
});
