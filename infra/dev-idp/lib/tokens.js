// Keycloak-shaped token contents (claims, scope, audience, mappers) and token verification for
// the endpoints that Keycloak serves differently from oidc-provider (userinfo, introspection,
// revocation, admin bearer checks).
import { randomUUID } from 'node:crypto';

import { atHash, decodeJwt, signJwt, verifyJwtSignature } from './keys.js';

export const DEFAULT_AUDIENCE = 'gip-api';

// Client scopes whose names Keycloak writes into the `scope` claim (include.in.token.scope=true).
const TOKEN_SCOPES = new Set(['profile', 'email', 'organization', 'address', 'phone', 'offline_access', 'microprofile-jwt']);

function isTrue(value) {
  return String(value).toLowerCase() === 'true';
}

function typedClaimValue(value, type) {
  switch ((type ?? 'String').toLowerCase()) {
    case 'long':
    case 'int': {
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    case 'boolean':
      return isTrue(value);
    case 'json':
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    default:
      return value;
  }
}

/** Sets a claim the way Keycloak does: `a.b` nests, `a\.b` is a literal dot. */
function setClaim(target, name, value) {
  const parts = name.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'));
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

export class TokenService {
  constructor({ store, key, issuer, adapters }) {
    this.store = store;
    this.key = key;
    this.issuer = issuer;
    this.adapters = adapters;
  }

  /** The `scope` string Keycloak would put in the token for this client and request. */
  scopeFor(client, requested) {
    const asked = new Set(String(requested ?? '').split(' ').filter(Boolean));
    const out = [];
    if (asked.has('openid')) out.push('openid');
    for (const name of client?.defaultClientScopes ?? []) if (TOKEN_SCOPES.has(name)) out.push(name);
    for (const name of client?.optionalClientScopes ?? []) if (TOKEN_SCOPES.has(name) && asked.has(name)) out.push(name);
    return [...new Set(out)].join(' ');
  }

  /** The access-token audience: the audience mappers' values, `gip-api` when there are none. */
  audienceFor(client) {
    const values = [];
    for (const mapper of client?.protocolMappers ?? []) {
      if (mapper.protocolMapper !== 'oidc-audience-mapper') continue;
      if (mapper.config['access.token.claim'] !== undefined && !isTrue(mapper.config['access.token.claim'])) continue;
      for (const key of ['included.custom.audience', 'included.client.audience']) {
        if (mapper.config[key]) values.push(mapper.config[key]);
      }
    }
    const unique = [...new Set(values.length ? values : [DEFAULT_AUDIENCE])];
    return unique.length === 1 ? unique[0] : unique;
  }

  /** Claims of the client's hardcoded-claim mappers enabled for `where` (e.g. access.token.claim). */
  hardcodedClaims(client, where) {
    const out = {};
    for (const mapper of client?.protocolMappers ?? []) {
      if (mapper.protocolMapper !== 'oidc-hardcoded-claim-mapper') continue;
      const { config } = mapper;
      if (!config['claim.name'] || !isTrue(config[where])) continue;
      setClaim(out, config['claim.name'], typedClaimValue(config['claim.value'], config['jsonType.label']));
    }
    return out;
  }

  /** Aliases of the enabled organisations the user belongs to, or undefined when none. */
  organizationsOf(user) {
    if (!user || user.serviceAccountClientId) return undefined;
    const aliases = this.store.orgsOfUser(user.id).filter((o) => o.enabled).map((o) => o.alias);
    return aliases.length ? aliases : undefined;
  }

  /** Profile claims of a person (profile + email scopes), as Keycloak's default mappers emit them. */
  profileClaims(user) {
    const out = { email_verified: Boolean(user.emailVerified) };
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
    if (name) out.name = name;
    out.preferred_username = user.username;
    if (user.firstName) out.given_name = user.firstName;
    if (user.lastName) out.family_name = user.lastName;
    if (user.email) out.email = user.email;
    return out;
  }

  /** What oidc-provider's findAccount().claims() answers (ID token claims for the code flow). */
  accountClaims(user, client) {
    const claims = { sub: user.id, ...this.profileClaims(user) };
    const orgs = this.organizationsOf(user);
    if (orgs) claims.organization = orgs;
    return { ...claims, ...this.hardcodedClaims(client, 'id.token.claim') };
  }

  realmAccess(user) {
    return { roles: this.store.effectiveRealmRoles(user) };
  }

  resourceAccess(user) {
    const out = {};
    for (const [clientId, roles] of Object.entries(user.clientRoles ?? {})) {
      if (roles?.length) out[clientId] = { roles: [...roles] };
    }
    return Object.keys(out).length ? out : undefined;
  }

  /**
   * The whole access-token payload, Keycloak-shaped.
   * kind: 'ClientCredentials' | 'AccessToken'; times: { iat, exp }.
   */
  accessTokenPayload({ kind, client, user, scope, sid, ip, iat, exp }) {
    const payload = {
      exp,
      iat,
      jti: randomUUID(),
      iss: this.issuer,
      aud: this.audienceFor(client),
      sub: user.id,
      typ: 'Bearer',
      azp: client.clientId,
    };
    if (sid) payload.sid = sid;
    payload.acr = '1';
    const origins = this.store.webOrigins(client);
    if (origins.length) payload['allowed-origins'] = origins;
    payload.realm_access = this.realmAccess(user);
    const resourceAccess = this.resourceAccess(user);
    if (resourceAccess) payload.resource_access = resourceAccess;
    payload.scope = this.scopeFor(client, scope);
    if (kind === 'ClientCredentials') {
      payload.email_verified = false;
      payload.clientHost = ip ?? '127.0.0.1';
      payload.preferred_username = user.username;
      payload.clientAddress = ip ?? '127.0.0.1';
      payload.client_id = client.clientId;
    } else {
      const profile = this.profileClaims(user);
      payload.email_verified = profile.email_verified;
      const orgs = this.organizationsOf(user);
      if (orgs) payload.organization = orgs;
      Object.assign(payload, profile);
    }
    Object.assign(payload, this.hardcodedClaims(client, 'access.token.claim'));
    return payload;
  }

  /** The ID token Keycloak adds to a client-credentials answer when `openid` is asked for. */
  clientCredentialsIdToken(accessToken, atPayload, client) {
    const payload = {
      exp: atPayload.exp,
      iat: atPayload.iat,
      jti: randomUUID(),
      iss: this.issuer,
      aud: client.clientId,
      sub: atPayload.sub,
      typ: 'ID',
      azp: client.clientId,
      at_hash: atHash(accessToken),
      acr: '1',
      email_verified: false,
      clientHost: atPayload.clientHost,
      preferred_username: atPayload.preferred_username,
      clientAddress: atPayload.clientAddress,
      client_id: client.clientId,
      ...this.hardcodedClaims(client, 'id.token.claim'),
    };
    return signJwt(payload, this.key);
  }

  // ------------------------------------------------------------------ revocation

  revokeAccessToken(payload) {
    const ttl = Math.max(1, (payload.exp ?? 0) - Math.floor(Date.now() / 1000));
    this.adapters.set('RevokedAccessToken', payload.jti, { jti: payload.jti }, ttl);
  }

  revokeClientSession(sid, clientId) {
    if (!sid) return;
    const ttl = this.store.realm.ssoSessionMaxLifespan;
    this.adapters.set('RevokedClientSession', `${sid}|${clientId}`, { sid, clientId }, ttl);
  }

  sessionActive(sid) {
    for (const [, payload] of this.adapters.all('Session')) if (payload.uid === sid) return true;
    return false;
  }

  /**
   * Verifies an access token of this IdP the way Keycloak's introspection/userinfo do.
   * Returns { payload, client, user } or undefined.
   */
  verifyAccessToken(token) {
    const payload = verifyJwtSignature(token, this.key);
    if (!payload) return undefined;
    const now = Math.floor(Date.now() / 1000);
    if (payload.iss !== this.issuer || payload.typ !== 'Bearer') return undefined;
    if (typeof payload.exp !== 'number' || payload.exp <= now) return undefined;
    if (payload.jti && this.adapters.get('RevokedAccessToken', payload.jti)) return undefined;
    const client = this.store.findClient(payload.azp);
    if (!client || !client.enabled) return undefined;
    const user = this.store.getUser(payload.sub);
    if (!user || !user.enabled) return undefined;
    if (payload.sid) {
      if (!this.sessionActive(payload.sid)) return undefined;
      if (this.adapters.get('RevokedClientSession', `${payload.sid}|${payload.azp}`)) return undefined;
    }
    return { payload, client, user };
  }

  static decode(token) {
    return decodeJwt(token);
  }
}
