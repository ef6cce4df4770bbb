// The subset of Keycloak's Admin REST API that gip-mesure calls through python-keycloak
// (see shared/reference/keycloak-subset.md), under /admin/realms/<realm>/...
import { HttpError, paginate, parseBool, readBody, sendEmpty, sendJson } from './util.js';

const notFound = (message) => new HttpError(404, { error: message });

function roleRep(store, role) {
  return {
    id: role.id,
    name: role.name,
    description: role.description ?? '',
    composite: Boolean(role.composite),
    clientRole: false,
    containerId: store.realm.id,
    attributes: {},
  };
}

function userRep(user) {
  const rep = {
    id: user.id,
    username: user.username,
  };
  if (user.firstName !== undefined) rep.firstName = user.firstName;
  if (user.lastName !== undefined) rep.lastName = user.lastName;
  if (user.email !== undefined) rep.email = user.email;
  rep.emailVerified = Boolean(user.emailVerified);
  if (user.attributes && Object.keys(user.attributes).length) rep.attributes = user.attributes;
  rep.createdTimestamp = user.createdTimestamp;
  rep.enabled = Boolean(user.enabled);
  rep.totp = false;
  if (user.serviceAccountClientId) rep.serviceAccountClientId = user.serviceAccountClientId;
  rep.disableableCredentialTypes = [];
  rep.requiredActions = [...(user.requiredActions ?? [])];
  rep.notBefore = 0;
  rep.access = { manage: true, view: true, mapRoles: true, impersonate: false, manageGroupMembership: true };
  return rep;
}

function orgRep(org) {
  const rep = { id: org.id, name: org.name, alias: org.alias, enabled: org.enabled };
  if (org.description !== undefined) rep.description = org.description;
  if (org.redirectUrl !== undefined) rep.redirectUrl = org.redirectUrl;
  if (org.attributes && Object.keys(org.attributes).length) rep.attributes = org.attributes;
  rep.domains = org.domains.map((d) => ({ name: d.name, verified: d.verified }));
  return rep;
}

function clientRep(client) {
  const { origin, ...rep } = client;
  void origin;
  return {
    ...rep,
    surrogateAuthRequired: false,
    alwaysDisplayInConsole: false,
    notBefore: 0,
    nodeReRegistrationTimeout: -1,
    access: { view: true, configure: true, manage: true },
  };
}

function textMatches(value, needle, exact) {
  if (value === undefined || value === null) return false;
  const a = String(value).toLowerCase();
  const b = String(needle).toLowerCase();
  return exact ? a === b : a.includes(b);
}

function parseJson(text) {
  if (!text || !text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, { error: 'unknown_error', error_description: 'The request body is not valid JSON' });
  }
}

export class AdminApi {
  constructor({ store, tokens, realm }) {
    this.store = store;
    this.tokens = tokens;
    this.prefix = `/admin/realms/${realm}`;
    const id = '([^/]+)';
    this.routes = [
      ['GET', /^$/, this.getRealm],
      // roles
      ['GET', /^\/roles$/, this.listRoles],
      ['POST', /^\/roles$/, this.createRole],
      ['GET', new RegExp(`^/roles/${id}$`), this.getRole],
      ['GET', new RegExp(`^/roles-by-id/${id}$`), this.getRoleById],
      // clients
      ['GET', /^\/clients$/, this.listClients],
      ['POST', /^\/clients$/, this.createClient],
      ['GET', new RegExp(`^/clients/${id}$`), this.getClient],
      ['PUT', new RegExp(`^/clients/${id}$`), this.updateClient],
      ['DELETE', new RegExp(`^/clients/${id}$`), this.deleteClient],
      ['GET', new RegExp(`^/clients/${id}/client-secret$`), this.getClientSecret],
      ['POST', new RegExp(`^/clients/${id}/client-secret$`), this.regenerateClientSecret],
      ['GET', new RegExp(`^/clients/${id}/service-account-user$`), this.getServiceAccountUser],
      ['GET', new RegExp(`^/clients/${id}/protocol-mappers/models$`), this.listMappers],
      ['POST', new RegExp(`^/clients/${id}/protocol-mappers/models$`), this.addMapper],
      ['GET', new RegExp(`^/clients/${id}/protocol-mappers/models/${id}$`), this.getMapper],
      ['PUT', new RegExp(`^/clients/${id}/protocol-mappers/models/${id}$`), this.updateMapper],
      ['DELETE', new RegExp(`^/clients/${id}/protocol-mappers/models/${id}$`), this.deleteMapper],
      // users
      ['GET', /^\/users$/, this.listUsers],
      ['POST', /^\/users$/, this.createUser],
      ['GET', /^\/users\/count$/, this.countUsers],
      ['GET', new RegExp(`^/users/${id}$`), this.getUser],
      ['PUT', new RegExp(`^/users/${id}$`), this.updateUser],
      ['DELETE', new RegExp(`^/users/${id}$`), this.deleteUser],
      ['PUT', new RegExp(`^/users/${id}/reset-password$`), this.resetPassword],
      ['PUT', new RegExp(`^/users/${id}/execute-actions-email$`), this.executeActionsEmail],
      ['PUT', new RegExp(`^/users/${id}/send-verify-email$`), this.sendVerifyEmail],
      ['GET', new RegExp(`^/users/${id}/groups$`), this.userGroups],
      ['GET', new RegExp(`^/users/${id}/role-mappings$`), this.userRoleMappings],
      ['GET', new RegExp(`^/users/${id}/role-mappings/realm$`), this.userRealmRoles],
      ['GET', new RegExp(`^/users/${id}/role-mappings/realm/composite$`), this.userEffectiveRealmRoles],
      ['POST', new RegExp(`^/users/${id}/role-mappings/realm$`), this.assignRealmRoles],
      ['DELETE', new RegExp(`^/users/${id}/role-mappings/realm$`), this.removeRealmRoles],
      // organizations
      ['GET', /^\/organizations$/, this.listOrgs],
      ['POST', /^\/organizations$/, this.createOrg],
      ['GET', /^\/organizations\/count$/, this.countOrgs],
      ['GET', new RegExp(`^/organizations/members/${id}/organizations$`), this.orgsOfMember],
      ['GET', new RegExp(`^/organizations/${id}$`), this.getOrg],
      ['PUT', new RegExp(`^/organizations/${id}$`), this.updateOrg],
      ['DELETE', new RegExp(`^/organizations/${id}$`), this.deleteOrg],
      ['GET', new RegExp(`^/organizations/${id}/members$`), this.listMembers],
      ['POST', new RegExp(`^/organizations/${id}/members$`), this.addMember],
      ['GET', new RegExp(`^/organizations/${id}/members/count$`), this.countMembers],
      ['GET', new RegExp(`^/organizations/${id}/members/${id}$`), this.getMember],
      ['DELETE', new RegExp(`^/organizations/${id}/members/${id}$`), this.removeMember],
      ['GET', new RegExp(`^/organizations/${id}/identity-providers$`), this.listOrgIdps],
      ['POST', new RegExp(`^/organizations/${id}/identity-providers$`), this.addOrgIdp],
      ['DELETE', new RegExp(`^/organizations/${id}/identity-providers/${id}$`), this.removeOrgIdp],
    ];
  }

  matches(pathname) {
    return pathname === this.prefix || pathname.startsWith(`${this.prefix}/`);
  }

  /** Bearer check: a valid access token of this IdP whose realm roles include gip-admin. */
  authorize(req) {
    const header = req.headers.authorization ?? '';
    if (!/^bearer /i.test(header)) throw new HttpError(401, { error: 'HTTP 401 Unauthorized' });
    const verified = this.tokens.verifyAccessToken(header.slice(7).trim());
    if (!verified) throw new HttpError(401, { error: 'HTTP 401 Unauthorized' });
    const roles = verified.payload.realm_access?.roles ?? [];
    if (!roles.includes('gip-admin')) throw new HttpError(403, { error: 'HTTP 403 Forbidden' });
    return verified;
  }

  async handle(req, res, url) {
    this.authorize(req);
    const rest = url.pathname.slice(this.prefix.length);
    let methodAllowed = false;
    for (const [method, pattern, handler] of this.routes) {
      const match = pattern.exec(rest);
      if (!match) continue;
      methodAllowed = true;
      if (method !== req.method) continue;
      const params = match.slice(1).map((p) => decodeURIComponent(p));
      const text = ['POST', 'PUT', 'DELETE'].includes(req.method) ? await readBody(req) : '';
      const ctx = { req, res, url, query: url.searchParams, text, params, base: this.#base(req) };
      await handler.call(this, ctx, ...params);
      return;
    }
    if (methodAllowed) throw new HttpError(405, { error: 'HTTP 405 Method Not Allowed' });
    throw new HttpError(404, { error: 'Unable to find matching target resource method' });
  }

  #base(req) {
    const host = req.headers.host ?? '127.0.0.1';
    return `http://${host}${this.prefix}`;
  }

  #created(ctx, path) {
    sendEmpty(ctx.res, 201, { Location: `${ctx.base}${path}` });
  }

  // ------------------------------------------------------------------ realm and roles

  async getRealm(ctx) {
    const { realm } = this.store;
    sendJson(ctx.res, 200, {
      id: realm.id,
      realm: realm.realm,
      displayName: realm.displayName,
      enabled: realm.enabled,
      sslRequired: 'external',
      accessTokenLifespan: realm.accessTokenLifespan,
      ssoSessionIdleTimeout: realm.ssoSessionIdleTimeout,
      ssoSessionMaxLifespan: realm.ssoSessionMaxLifespan,
      organizationsEnabled: realm.organizationsEnabled,
      defaultSignatureAlgorithm: 'RS256',
      defaultLocale: realm.defaultLocale,
    });
  }

  async listRoles(ctx) {
    let roles = this.store.listRoles();
    const search = ctx.query.get('search');
    if (search) roles = roles.filter((r) => textMatches(r.name, search, false));
    sendJson(ctx.res, 200, paginate(roles, ctx.query, -1).map((r) => roleRep(this.store, r)));
  }

  async createRole(ctx) {
    const role = this.store.createRole(parseJson(ctx.text));
    this.#created(ctx, `/roles/${encodeURIComponent(role.name)}`);
  }

  async getRole(ctx, name) {
    const role = this.store.getRole(name);
    if (!role) throw notFound('Could not find role');
    sendJson(ctx.res, 200, roleRep(this.store, role));
  }

  async getRoleById(ctx, id) {
    const role = this.store.getRoleById(id);
    if (!role) throw notFound('Could not find role with id');
    sendJson(ctx.res, 200, roleRep(this.store, role));
  }

  // ------------------------------------------------------------------ clients

  #client(id) {
    const client = this.store.getClient(id);
    if (!client) throw notFound('Could not find client');
    return client;
  }

  async listClients(ctx) {
    let clients = [...this.store.listClients()];
    const clientId = ctx.query.get('clientId');
    if (clientId) {
      const search = parseBool(ctx.query.get('search')) === true;
      clients = clients.filter((c) => textMatches(c.clientId, clientId, !search));
    }
    sendJson(ctx.res, 200, paginate(clients, ctx.query, -1).map(clientRep));
  }

  async createClient(ctx) {
    const client = this.store.createClient(parseJson(ctx.text) ?? {});
    this.#created(ctx, `/clients/${client.id}`);
  }

  async getClient(ctx, id) {
    sendJson(ctx.res, 200, clientRep(this.#client(id)));
  }

  async updateClient(ctx, id) {
    this.store.updateClient(id, parseJson(ctx.text) ?? {});
    sendEmpty(ctx.res, 204);
  }

  async deleteClient(ctx, id) {
    this.store.deleteClient(id);
    sendEmpty(ctx.res, 204);
  }

  async getClientSecret(ctx, id) {
    const client = this.#client(id);
    if (client.publicClient) throw new HttpError(400, { errorMessage: 'Public client has no secret' });
    sendJson(ctx.res, 200, { type: 'secret', value: client.secret });
  }

  async regenerateClientSecret(ctx, id) {
    const value = this.store.regenerateSecret(id);
    sendJson(ctx.res, 200, { type: 'secret', value });
  }

  async getServiceAccountUser(ctx, id) {
    const client = this.#client(id);
    const user = client.serviceAccountsEnabled ? this.store.serviceAccountUser(client) : undefined;
    if (!user) throw new HttpError(400, { error: 'Service account not enabled for the client' });
    sendJson(ctx.res, 200, userRep(user));
  }

  async listMappers(ctx, id) {
    sendJson(ctx.res, 200, this.#client(id).protocolMappers);
  }

  async addMapper(ctx, id) {
    const mapper = this.store.addMapper(id, parseJson(ctx.text));
    this.#created(ctx, `/clients/${id}/protocol-mappers/models/${mapper.id}`);
  }

  async getMapper(ctx, id, mapperId) {
    const mapper = this.#client(id).protocolMappers.find((m) => m.id === mapperId);
    if (!mapper) throw notFound('Model not found');
    sendJson(ctx.res, 200, mapper);
  }

  async updateMapper(ctx, id, mapperId) {
    this.store.updateMapper(id, mapperId, parseJson(ctx.text) ?? {});
    sendEmpty(ctx.res, 204);
  }

  async deleteMapper(ctx, id, mapperId) {
    this.store.deleteMapper(id, mapperId);
    sendEmpty(ctx.res, 204);
  }

  // ------------------------------------------------------------------ users

  #user(id) {
    const user = this.store.getUser(id);
    if (!user) throw notFound('User not found');
    return user;
  }

  #filterUsers(query) {
    let users = this.store.listUsers();
    const exact = parseBool(query.get('exact')) === true;
    const search = query.get('search');
    if (search && search !== '*') {
      const quoted = /^".*"$/.test(search);
      const needle = quoted ? search.slice(1, -1) : search.replace(/\*/g, '');
      users = users.filter((u) => ['username', 'email', 'firstName', 'lastName'].some((k) => textMatches(u[k], needle, quoted)));
    }
    for (const key of ['username', 'email', 'firstName', 'lastName']) {
      const value = query.get(key);
      if (value) users = users.filter((u) => textMatches(u[key], value, exact));
    }
    const enabled = parseBool(query.get('enabled'));
    if (enabled !== undefined) users = users.filter((u) => Boolean(u.enabled) === enabled);
    const emailVerified = parseBool(query.get('emailVerified'));
    if (emailVerified !== undefined) users = users.filter((u) => Boolean(u.emailVerified) === emailVerified);
    return users;
  }

  async listUsers(ctx) {
    const users = paginate(this.#filterUsers(ctx.query), ctx.query, 100);
    sendJson(ctx.res, 200, users.map(userRep));
  }

  async countUsers(ctx) {
    sendJson(ctx.res, 200, this.#filterUsers(ctx.query).length);
  }

  async createUser(ctx) {
    const user = this.store.createUser(parseJson(ctx.text) ?? {});
    this.#created(ctx, `/users/${user.id}`);
  }

  async getUser(ctx, id) {
    sendJson(ctx.res, 200, userRep(this.#user(id)));
  }

  async updateUser(ctx, id) {
    this.store.updateUser(id, parseJson(ctx.text) ?? {});
    sendEmpty(ctx.res, 204);
  }

  async deleteUser(ctx, id) {
    this.store.deleteUser(id);
    sendEmpty(ctx.res, 204);
  }

  async resetPassword(ctx, id) {
    this.store.setPassword(id, parseJson(ctx.text));
    sendEmpty(ctx.res, 204);
  }

  async executeActionsEmail(ctx, id) {
    const user = this.#user(id);
    const actions = parseJson(ctx.text) ?? [];
    process.stderr.write(`[dev-idp] (no mail sent) execute-actions-email for ${user.username}: ${JSON.stringify(actions)}\n`);
    sendEmpty(ctx.res, 204);
  }

  async sendVerifyEmail(ctx, id) {
    const user = this.#user(id);
    process.stderr.write(`[dev-idp] (no mail sent) verify-email for ${user.username}\n`);
    sendEmpty(ctx.res, 204);
  }

  async userGroups(ctx, id) {
    this.#user(id);
    sendJson(ctx.res, 200, []);
  }

  async userRoleMappings(ctx, id) {
    const user = this.#user(id);
    const realmMappings = (user.realmRoles ?? []).map((n) => this.store.getRole(n)).filter(Boolean).map((r) => roleRep(this.store, r));
    sendJson(ctx.res, 200, realmMappings.length ? { realmMappings } : {});
  }

  async userRealmRoles(ctx, id) {
    const user = this.#user(id);
    sendJson(ctx.res, 200, (user.realmRoles ?? []).map((n) => this.store.getRole(n)).filter(Boolean).map((r) => roleRep(this.store, r)));
  }

  async userEffectiveRealmRoles(ctx, id) {
    const user = this.#user(id);
    sendJson(ctx.res, 200, this.store.effectiveRealmRoles(user).map((n) => roleRep(this.store, this.store.getRole(n))));
  }

  async assignRealmRoles(ctx, id) {
    this.store.addRealmRoles(id, parseJson(ctx.text) ?? []);
    sendEmpty(ctx.res, 204);
  }

  async removeRealmRoles(ctx, id) {
    this.store.removeRealmRoles(id, parseJson(ctx.text) ?? []);
    sendEmpty(ctx.res, 204);
  }

  // ------------------------------------------------------------------ organizations

  #org(id) {
    const org = this.store.getOrg(id);
    if (!org) throw notFound('Organization not found');
    return org;
  }

  #filterOrgs(query) {
    let orgs = this.store.listOrgs();
    const search = query.get('search');
    if (search) {
      const exact = parseBool(query.get('exact')) === true;
      // As in Keycloak: `search` looks at the name and the domains, not at the alias.
      orgs = orgs.filter((o) => textMatches(o.name, search, exact)
        || o.domains.some((d) => textMatches(d.name, search, exact)));
    }
    const q = query.get('q');
    if (q) {
      for (const pair of q.split(' ')) {
        const [k, v] = pair.split(':');
        orgs = orgs.filter((o) => (o.attributes?.[k] ?? []).includes(v));
      }
    }
    return orgs;
  }

  async listOrgs(ctx) {
    sendJson(ctx.res, 200, paginate(this.#filterOrgs(ctx.query), ctx.query, 10).map(orgRep));
  }

  async countOrgs(ctx) {
    sendJson(ctx.res, 200, this.#filterOrgs(ctx.query).length);
  }

  async createOrg(ctx) {
    const org = this.store.createOrg(parseJson(ctx.text) ?? {});
    this.#created(ctx, `/organizations/${org.id}`);
  }

  async getOrg(ctx, id) {
    sendJson(ctx.res, 200, orgRep(this.#org(id)));
  }

  async updateOrg(ctx, id) {
    this.store.updateOrg(id, parseJson(ctx.text) ?? {});
    sendEmpty(ctx.res, 204);
  }

  async deleteOrg(ctx, id) {
    this.store.deleteOrg(id);
    sendEmpty(ctx.res, 204);
  }

  #members(org, query) {
    let users = org.members.map((m) => this.store.getUser(m)).filter(Boolean);
    users.sort((a, b) => a.username.localeCompare(b.username));
    const search = query.get('search');
    if (search) {
      const exact = parseBool(query.get('exact')) === true;
      users = users.filter((u) => ['username', 'email', 'firstName', 'lastName'].some((k) => textMatches(u[k], search, exact)));
    }
    return users;
  }

  async listMembers(ctx, id) {
    const users = paginate(this.#members(this.#org(id), ctx.query), ctx.query, 10);
    sendJson(ctx.res, 200, users.map((u) => ({ ...userRep(u), membershipType: 'UNMANAGED' })));
  }

  async countMembers(ctx, id) {
    sendJson(ctx.res, 200, this.#org(id).members.length);
  }

  async getMember(ctx, id, userId) {
    const org = this.#org(id);
    const user = org.members.includes(userId) ? this.store.getUser(userId) : undefined;
    if (!user) throw notFound('Not a member of the organization');
    sendJson(ctx.res, 200, { ...userRep(user), membershipType: 'UNMANAGED' });
  }

  async addMember(ctx, id) {
    this.#org(id);
    // Keycloak trims the raw body and strips the quotes around the user id.
    const userId = ctx.text.trim().replace(/^"+|"+$/g, '');
    this.store.addMember(id, userId);
    this.#created(ctx, `/organizations/${id}/members/${userId}`);
  }

  async removeMember(ctx, id, userId) {
    this.store.removeMember(id, userId);
    sendEmpty(ctx.res, 204);
  }

  async orgsOfMember(ctx, userId) {
    this.#user(userId);
    sendJson(ctx.res, 200, this.store.orgsOfUser(userId).map(orgRep));
  }

  async listOrgIdps(ctx, id) {
    this.#org(id);
    sendJson(ctx.res, 200, []);
  }

  async addOrgIdp(ctx, id) {
    this.#org(id);
    const alias = ctx.text.trim().replace(/^"+|"+$/g, '');
    throw new HttpError(400, { errorMessage: `Identity provider with alias ${alias} not found (the dev IdP has no identity providers)` });
  }

  async removeOrgIdp(ctx, id) {
    this.#org(id);
    throw notFound('Identity provider not associated with the organization');
  }
}
