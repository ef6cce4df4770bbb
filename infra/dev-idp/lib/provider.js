// oidc-provider configured as Keycloak's realm endpoints (mounted under /realms/<realm>).
import Provider, { errors } from 'oidc-provider';

import { RealmStore } from './store.js';
import { errorPage, loggedOutPage, logoutPage } from './pages.js';
import { decodeJwt } from './keys.js';

// The one resource server: every access token is a JWT for it (audience from the client's
// audience mappers, `gip-api` by default). Clients never need to send `resource`.
export const RESOURCE = 'urn:gip-mesure:api';

const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'organization', 'address', 'phone'];
const ALL_SCOPES = [...OIDC_SCOPES, 'roles', 'web-origins', 'acr', 'basic', 'microprofile-jwt'];

export const PROTOCOL = '/protocol/openid-connect';

export function createProvider({ issuer, mountPath, store, key, cookieKeys, adapters, tokens }) {
  const realm = store.realm;

  const provider = new Provider(issuer, {
    adapter: adapters.factory(),
    jwks: { keys: [key.privateJwk] },
    cookies: {
      keys: cookieKeys,
      names: { session: 'DEV_IDP_SESSION', interaction: 'DEV_IDP_INTERACTION', resume: 'DEV_IDP_RESUME' },
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'family_name', 'given_name', 'preferred_username'],
      email: ['email', 'email_verified'],
      organization: ['organization'],
    },
    scopes: ALL_SCOPES,
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'RS256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    async findAccount(ctx, sub) {
      const user = store.getUser(sub);
      if (!user || !user.enabled || user.serviceAccountClientId) return undefined;
      return {
        accountId: sub,
        async claims() {
          return tokens.accountClaims(user, store.findClient(ctx.oidc?.client?.clientId));
        },
      };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutPage({ form, clientName: ctx.oidc.client?.clientName });
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = loggedOutPage({ clientName: ctx.oidc.client?.clientName });
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, indicator) {
          if (indicator !== RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: ALL_SCOPES.join(' '),
            audience: 'gip-api',
            accessTokenTTL: realm.accessTokenLifespan,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    formats: {
      customizers: {
        // Rewrites oidc-provider's JWT access token into Keycloak's shape.
        async jwt(ctx, token, jwt) {
          const client = store.findClient(token.clientId);
          const user = token.kind === 'ClientCredentials'
            ? store.serviceAccountUser(client)
            : store.getUser(token.accountId);
          if (!client || !user) throw new errors.InvalidGrant('client or user no longer exists');
          jwt.header = { typ: 'JWT' };
          jwt.payload = tokens.accessTokenPayload({
            kind: token.kind,
            client,
            user,
            scope: token.kind === 'ClientCredentials' ? ctx?.oidc?.params?.scope : token.scope,
            sid: token.sessionUid,
            ip: ctx?.ip,
            iat: jwt.payload.iat,
            exp: jwt.payload.exp,
          });
        },
      },
    },
    interactions: {
      url: (ctx, interaction) => `${mountPath}/login-actions/${interaction.uid}`,
    },
    // First-party clients: no consent screen, the grant covers what is asked.
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (grant && grant.accountId !== session.accountId) grant = undefined;
      if (!grant) {
        grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      }
      const asked = [...(ctx.oidc.requestParamScopes ?? [])].filter((s) => ALL_SCOPES.includes(s));
      grant.addOIDCScope(asked.filter((s) => OIDC_SCOPES.includes(s)).join(' '));
      grant.addResourceScope(RESOURCE, asked.join(' '));
      await grant.save();
      return grant;
    },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Keycloak (revokeRefreshToken=false) lets a refresh token be used again; oidc-provider's
    // rotation would revoke the whole grant on a reuse (two tabs refreshing at once). So: no
    // rotation, and the refresh token lives as long as the SSO session (ssoSessionMaxLifespan).
    rotateRefreshToken: false,
    pkce: {
      required(ctx, client) {
        const kc = store.findClient(client.clientId);
        return client.clientAuthMethod === 'none' || Boolean(kc?.attributes?.['pkce.code.challenge.method']);
      },
    },
    routes: {
      authorization: `${PROTOCOL}/auth`,
      token: `${PROTOCOL}/token`,
      jwks: `${PROTOCOL}/certs`,
      userinfo: `${PROTOCOL}/userinfo`,
      introspection: `${PROTOCOL}/token/introspect`,
      revocation: `${PROTOCOL}/revoke`,
      end_session: `${PROTOCOL}/logout`,
      device_authorization: `${PROTOCOL}/auth/device`,
      code_verification: '/device',
      backchannel_authentication: `${PROTOCOL}/ext/ciba/auth`,
      pushed_authorization_request: `${PROTOCOL}/ext/par/request`,
      registration: '/clients-registrations/openid-connect',
    },
    ttl: {
      AccessToken: realm.accessTokenLifespan,
      ClientCredentials: realm.accessTokenLifespan,
      IdToken: realm.accessTokenLifespan,
      AuthorizationCode: realm.accessCodeLifespan,
      RefreshToken: realm.ssoSessionMaxLifespan,
      Session: realm.ssoSessionMaxLifespan,
      Grant: realm.ssoSessionMaxLifespan,
      Interaction: 1800,
    },
    clientBasedCORS(ctx, origin, client) {
      const kc = store.findClient(client.clientId);
      if (!kc) return false;
      const origins = store.webOrigins(kc);
      return origins.includes('*') || origins.includes(origin);
    },
    async renderError(ctx, out, error) {
      ctx.type = 'html';
      ctx.body = errorPage({
        message: out.error_description || 'La requête est invalide.',
        details: { erreur: out.error, état: out.state },
      });
      if (error?.status >= 500) ctx.status = error.status;
    },
  });

  // Keycloak's redirect-URI rules: a trailing `*` is a prefix wildcard.
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return RealmStore.uriMatches(this.redirectUris ?? [], value);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return RealmStore.uriMatches(this.postLogoutRedirectUris ?? [], value);
  };

  provider.use(async (ctx, next) => {
    // Keycloak adds the client's default token scopes (profile, email, ...) to what is asked.
    if (ctx.method === 'GET' && ctx.path === `${PROTOCOL}/auth` && ctx.query.client_id) {
      const client = store.findClient(String(ctx.query.client_id));
      if (client && typeof ctx.query.scope === 'string') {
        const asked = ctx.query.scope.split(' ').filter(Boolean);
        const wanted = new Set(asked);
        for (const s of tokens.scopeFor(client, ctx.query.scope).split(' ')) if (s) wanted.add(s);
        if (wanted.size !== asked.length) {
          ctx.query = { ...ctx.query, scope: [...wanted].join(' ') };
          // oidc-provider finds its mount path by locating ctx.url inside req.originalUrl.
          ctx.req.originalUrl = `${mountPath}${ctx.url}`;
        }
      }
    }

    await next();

    if (ctx.oidc?.route === 'token' && ctx.status === 200 && ctx.body?.access_token) {
      ctx.body = keycloakTokenResponse(ctx, store, tokens);
    } else if (
      ctx.oidc?.route === 'token'
      && ctx.status === 400
      && ctx.body?.error === 'invalid_grant'
      && ctx.oidc.params?.grant_type === 'refresh_token'
    ) {
      // Keycloak's wording, which python-keycloak looks for to fall back to a new login.
      ctx.body = { error: 'invalid_grant', error_description: 'Token is not active' };
    }
  });

  provider.on('server_error', (ctx, err) => {
    process.stderr.write(`[dev-idp] server_error on ${ctx.method} ${ctx.path}: ${err.stack ?? err}\n`);
  });

  return provider;
}

/** Rewrites oidc-provider's token answer into Keycloak's field set. */
function keycloakTokenResponse(ctx, store, tokens) {
  const body = ctx.body;
  const at = decodeJwt(body.access_token)?.payload ?? {};
  const client = store.findClient(at.azp ?? ctx.oidc.client?.clientId);
  const out = {
    access_token: body.access_token,
    expires_in: body.expires_in,
    refresh_expires_in: 0,
  };
  if (body.refresh_token) {
    // Keycloak announces the idle timeout (each refresh starts it again).
    out.refresh_expires_in = store.realm.ssoSessionIdleTimeout;
    out.refresh_token = body.refresh_token;
  }
  out.token_type = 'Bearer';
  let idToken = body.id_token;
  const asked = String(ctx.oidc.params?.scope ?? '').split(' ');
  if (!idToken && ctx.oidc.params?.grant_type === 'client_credentials' && asked.includes('openid') && client) {
    idToken = tokens.clientCredentialsIdToken(body.access_token, at, client);
  }
  if (idToken) out.id_token = idToken;
  out['not-before-policy'] = 0;
  if (at.sid) out.session_state = at.sid;
  out.scope = at.scope ?? body.scope ?? '';
  return out;
}
