// The protocol endpoints where Keycloak's behaviour differs from oidc-provider's: userinfo,
// introspection and revocation of JWT access tokens, and the back-channel logout POST with a
// refresh token. Everything else goes to oidc-provider.
import { timingSafeEqual } from 'node:crypto';

import { TokenService } from './tokens.js';
import { HttpError, parseForm, readBody, sendEmpty, sendJson } from './util.js';

function secretEquals(a, b) {
  const x = Buffer.from(String(a ?? ''));
  const y = Buffer.from(String(b ?? ''));
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Client authentication as Keycloak's token-related endpoints do it (post or basic). */
export function authenticateClient(store, req, form, { allowPublic = false } = {}) {
  let clientId = form.client_id;
  let secret = form.client_secret;
  const header = req.headers.authorization;
  if (header && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      clientId = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, '%20'));
      secret = decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, '%20'));
    }
  }
  const unauthorized = new HttpError(401, {
    error: 'unauthorized_client',
    error_description: 'Invalid client or Invalid client credentials',
  });
  if (!clientId) throw new HttpError(400, { error: 'invalid_client', error_description: 'Missing parameter: client_id' });
  const client = store.findClient(clientId);
  if (!client || !client.enabled) throw unauthorized;
  if (client.publicClient) {
    if (!allowPublic) throw unauthorized;
    return client;
  }
  if (!secretEquals(secret, client.secret)) throw unauthorized;
  return client;
}

function bearer(req, form) {
  const header = req.headers.authorization;
  if (header && /^bearer /i.test(header)) return header.slice(7).trim();
  return form?.access_token;
}

export class KeycloakEndpoints {
  constructor({ store, tokens, provider, adapters }) {
    this.store = store;
    this.tokens = tokens;
    this.provider = provider;
    this.adapters = adapters;
  }

  async userinfo(req, res) {
    let form = {};
    if (req.method === 'POST') form = parseForm(await readBody(req));
    const token = bearer(req, form);
    const challenge = (error, description) => ({
      'WWW-Authenticate': `Bearer realm="${this.store.realm.realm}", error="${error}", error_description="${description}"`,
    });
    if (!token) {
      throw new HttpError(401, { error: 'invalid_request', error_description: 'Token not provided' }, challenge('invalid_request', 'Token not provided'));
    }
    const verified = this.tokens.verifyAccessToken(token);
    if (!verified) {
      throw new HttpError(401, { error: 'invalid_token', error_description: 'Token verification failed' }, challenge('invalid_token', 'Token verification failed'));
    }
    const { payload, client, user } = verified;
    if (!String(payload.scope ?? '').split(' ').includes('openid')) {
      throw new HttpError(403, { error: 'insufficient_scope', error_description: 'Missing openid scope' });
    }
    const body = { sub: user.id };
    if (user.serviceAccountClientId) {
      body.email_verified = false;
      body.preferred_username = user.username;
    } else {
      Object.assign(body, this.tokens.profileClaims(user));
      const orgs = this.tokens.organizationsOf(user);
      if (orgs) body.organization = orgs;
    }
    Object.assign(body, this.tokens.hardcodedClaims(client, 'userinfo.token.claim'));
    sendJson(res, 200, body);
  }

  async introspect(req, res) {
    const form = parseForm(await readBody(req));
    try {
      authenticateClient(this.store, req, form);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) {
        throw new HttpError(401, { error: 'invalid_request', error_description: 'Authentication failed.' });
      }
      throw err;
    }
    if (!form.token) throw new HttpError(400, { error: 'invalid_request', error_description: 'Token not provided.' });
    const decoded = TokenService.decode(form.token);
    if (decoded) {
      const verified = this.tokens.verifyAccessToken(form.token);
      if (!verified) return sendJson(res, 200, { active: false });
      const { payload, client } = verified;
      const body = { ...payload };
      // Claims of hardcoded mappers flagged for introspection only.
      Object.assign(body, this.tokens.hardcodedClaims(client, 'introspection.token.claim'));
      Object.assign(body, {
        client_id: payload.azp,
        username: payload.preferred_username,
        token_type: 'Bearer',
        active: true,
      });
      return sendJson(res, 200, body);
    }
    const refresh = await this.#findRefreshToken(form.token);
    if (!refresh) return sendJson(res, 200, { active: false });
    const user = this.store.getUser(refresh.accountId);
    const client = this.store.findClient(refresh.clientId);
    if (!user || !client) return sendJson(res, 200, { active: false });
    return sendJson(res, 200, {
      exp: refresh.exp,
      iat: refresh.iat,
      jti: refresh.jti,
      iss: this.tokens.issuer,
      aud: this.tokens.issuer,
      sub: user.id,
      typ: 'Refresh',
      azp: client.clientId,
      sid: refresh.sessionUid,
      scope: this.tokens.scopeFor(client, refresh.scope),
      client_id: client.clientId,
      username: user.username,
      active: true,
    });
  }

  async revoke(req, res) {
    const form = parseForm(await readBody(req));
    const client = authenticateClient(this.store, req, form, { allowPublic: true });
    if (!form.token) throw new HttpError(400, { error: 'invalid_request', error_description: 'Token not provided' });
    const decoded = TokenService.decode(form.token);
    if (decoded) {
      const verified = this.tokens.verifyAccessToken(form.token);
      if (verified) {
        if (verified.payload.azp !== client.clientId) {
          throw new HttpError(400, { error: 'unauthorized_client', error_description: 'Unmatching clients' });
        }
        this.tokens.revokeAccessToken(verified.payload);
      }
      return sendEmpty(res, 200);
    }
    const refresh = await this.#findRefreshToken(form.token);
    if (refresh) {
      if (refresh.clientId !== client.clientId) {
        throw new HttpError(400, { error: 'unauthorized_client', error_description: 'Unmatching clients' });
      }
      // Keycloak ends the client's part of the session: its tokens stop being active.
      this.adapters.revokeByGrantId(refresh.grantId);
      this.tokens.revokeClientSession(refresh.sessionUid, client.clientId);
    }
    return sendEmpty(res, 200);
  }

  /**
   * POST /logout with a refresh token (what python-keycloak's logout() sends): ends the user
   * session, answers 204. Returns false when the request is not of that kind (the caller then
   * lets oidc-provider handle an RP-initiated logout).
   */
  async backchannelLogout(req, res, form) {
    if (!form.refresh_token) return false;
    const client = authenticateClient(this.store, req, form, { allowPublic: true });
    const refresh = await this.#findRefreshToken(form.refresh_token);
    if (!refresh) throw new HttpError(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
    if (refresh.clientId !== client.clientId) {
      throw new HttpError(400, { error: 'invalid_grant', error_description: 'Invalid refresh token. Token client and authorized client don\'t match' });
    }
    await this.endSession(refresh.sessionUid);
    this.adapters.revokeByGrantId(refresh.grantId);
    sendEmpty(res, 204);
    return true;
  }

  /** Ends a browser session (all its grants and tokens). */
  async endSession(sessionUid) {
    if (!sessionUid) return;
    for (const [id, payload] of [...this.adapters.all('Session')]) {
      if (payload.uid !== sessionUid) continue;
      for (const authorization of Object.values(payload.authorizations ?? {})) {
        if (authorization.grantId) this.adapters.revokeByGrantId(authorization.grantId);
      }
      this.adapters.delete('Session', id);
    }
  }

  async #findRefreshToken(value) {
    const token = await this.provider.RefreshToken.find(value);
    if (!token || !token.isValid) return undefined;
    if (!this.adapters.get('Grant', token.grantId)) return undefined;
    if (token.expiresWithSession && token.sessionUid && !this.tokens.sessionActive(token.sessionUid)) return undefined;
    return token;
  }
}
