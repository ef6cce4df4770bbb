// The realm's entities (roles, clients, users, organizations): imported from the Keycloak realm
// file, changed through the Admin REST API, persisted as JSON in the state dir.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { HttpError, checkPassword, deepClone, hashPassword, log, randomSecret } from './util.js';

const FORMAT_VERSION = 1;

export const DEFAULT_CLIENT_SCOPES = ['web-origins', 'acr', 'profile', 'roles', 'basic', 'email'];
export const OPTIONAL_CLIENT_SCOPES = ['address', 'phone', 'offline_access', 'organization', 'microprofile-jwt'];

const conflict = (message) => new HttpError(409, { errorMessage: message });
const badRequest = (message) => new HttpError(400, { errorMessage: message });
const notFound = (message) => new HttpError(404, { error: message });

function lower(value) {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function stringConfig(config) {
  const out = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

function normalizeMapper(rep, id) {
  return {
    id: id ?? rep.id ?? randomUUID(),
    name: rep.name,
    protocol: rep.protocol ?? 'openid-connect',
    protocolMapper: rep.protocolMapper,
    consentRequired: false,
    config: stringConfig(rep.config),
  };
}

function normalizeClient(rep, { id, origin }) {
  const publicClient = rep.publicClient === true;
  const bearerOnly = rep.bearerOnly === true;
  return {
    id,
    clientId: rep.clientId,
    name: rep.name ?? '',
    description: rep.description ?? '',
    rootUrl: rep.rootUrl ?? '',
    adminUrl: rep.adminUrl ?? '',
    baseUrl: rep.baseUrl ?? '',
    enabled: rep.enabled !== false,
    protocol: 'openid-connect',
    publicClient,
    bearerOnly,
    clientAuthenticatorType: rep.clientAuthenticatorType ?? 'client-secret',
    secret: publicClient || bearerOnly ? undefined : rep.secret || randomSecret(24),
    serviceAccountsEnabled: !publicClient && rep.serviceAccountsEnabled === true,
    standardFlowEnabled: rep.standardFlowEnabled !== false,
    implicitFlowEnabled: rep.implicitFlowEnabled === true,
    directAccessGrantsEnabled: rep.directAccessGrantsEnabled === true,
    consentRequired: rep.consentRequired === true,
    fullScopeAllowed: rep.fullScopeAllowed !== false,
    frontchannelLogout: rep.frontchannelLogout !== false,
    redirectUris: [...(rep.redirectUris ?? [])],
    webOrigins: [...(rep.webOrigins ?? [])],
    attributes: stringConfig(rep.attributes),
    protocolMappers: (rep.protocolMappers ?? []).map((m) => normalizeMapper(m)),
    defaultClientScopes: [...(rep.defaultClientScopes ?? DEFAULT_CLIENT_SCOPES)],
    optionalClientScopes: [...(rep.optionalClientScopes ?? OPTIONAL_CLIENT_SCOPES)],
    origin,
  };
}

function normalizeUser(rep, { id, origin }) {
  let passwordHash;
  for (const credential of rep.credentials ?? []) {
    if ((credential.type ?? 'password') === 'password' && typeof credential.value === 'string') {
      passwordHash = hashPassword(credential.value);
    }
  }
  return {
    id,
    username: lower(rep.username),
    email: rep.email ? lower(rep.email) : undefined,
    firstName: rep.firstName ?? undefined,
    lastName: rep.lastName ?? undefined,
    enabled: rep.enabled === true,
    emailVerified: rep.emailVerified === true,
    createdTimestamp: rep.createdTimestamp ?? Date.now(),
    attributes: deepClone(rep.attributes) ?? {},
    requiredActions: [...(rep.requiredActions ?? [])],
    realmRoles: [...new Set(rep.realmRoles ?? [])],
    clientRoles: deepClone(rep.clientRoles) ?? {},
    serviceAccountClientId: rep.serviceAccountClientId ?? undefined,
    passwordHash,
    origin,
  };
}

function normalizeOrg(rep, { id, origin }) {
  return {
    id,
    name: rep.name,
    alias: rep.alias || rep.name,
    enabled: rep.enabled !== false,
    description: rep.description ?? undefined,
    redirectUrl: rep.redirectUrl ?? undefined,
    attributes: deepClone(rep.attributes) ?? {},
    domains: (rep.domains ?? []).map((d) => ({ name: lower(d.name), verified: d.verified === true })),
    members: [],
    origin,
  };
}

export class RealmStore {
  constructor({ realmFile, stateDir }) {
    this.realmFile = realmFile;
    this.statePath = join(stateDir, 'realm-state.json');
    this.state = undefined;
  }

  // ------------------------------------------------------------------ load / save

  load() {
    const text = readFileSync(this.realmFile, 'utf8');
    const hash = createHash('sha256').update(text).digest('hex');
    let previous;
    if (existsSync(this.statePath)) {
      previous = JSON.parse(readFileSync(this.statePath, 'utf8'));
      if (previous.formatVersion !== FORMAT_VERSION) previous = undefined;
    }
    if (previous && previous.realmFileSha256 === hash) {
      this.state = previous;
      return { imported: false };
    }
    this.state = this.#importRealm(JSON.parse(text), previous);
    this.state.realmFileSha256 = hash;
    this.save();
    return { imported: true, merged: Boolean(previous) };
  }

  save() {
    const tmp = `${this.statePath}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.statePath);
  }

  #importRealm(json, previous) {
    const prev = previous ?? { roles: [], clients: [], users: [], organizations: [] };
    const realmName = json.realm ?? 'gip';
    const state = {
      formatVersion: FORMAT_VERSION,
      realm: {
        id: json.id ?? realmName,
        realm: realmName,
        displayName: json.displayName ?? realmName,
        enabled: json.enabled !== false,
        accessTokenLifespan: json.accessTokenLifespan ?? 300,
        ssoSessionIdleTimeout: json.ssoSessionIdleTimeout ?? 1800,
        ssoSessionMaxLifespan: json.ssoSessionMaxLifespan ?? 36000,
        accessCodeLifespan: json.accessCodeLifespan ?? 60,
        organizationsEnabled: json.organizationsEnabled === true,
        defaultLocale: json.defaultLocale ?? 'fr',
      },
      roles: [],
      clients: [],
      users: [],
      organizations: [],
    };
    this.state = state;

    // Roles: Keycloak's built-in ones, then the file's, then those created through the Admin API.
    const prevRole = (name) => prev.roles.find((r) => r.name === name);
    const addRole = (rep, origin) => {
      if (state.roles.some((r) => r.name === rep.name)) return;
      state.roles.push({
        id: rep.id ?? prevRole(rep.name)?.id ?? randomUUID(),
        name: rep.name,
        description: rep.description ?? '',
        composite: Boolean(rep.composites?.realm?.length),
        composites: rep.composites?.realm ? [...rep.composites.realm] : [],
        origin,
      });
    };
    addRole({ name: 'offline_access', description: '${role_offline-access}' }, 'builtin');
    addRole({ name: 'uma_authorization', description: '${role_uma_authorization}' }, 'builtin');
    addRole(
      {
        name: this.defaultRoleName,
        description: '${role_default-roles}',
        composites: { realm: ['offline_access', 'uma_authorization'] },
      },
      'builtin',
    );
    for (const rep of json.roles?.realm ?? []) addRole(rep, 'realm');
    for (const rep of prev.roles) if (rep.origin === 'admin') addRole(rep, 'admin');

    // Clients.
    for (const rep of json.clients ?? []) {
      if (!rep.clientId || state.clients.some((c) => c.clientId === rep.clientId)) continue;
      const id = rep.id ?? prev.clients.find((c) => c.clientId === rep.clientId)?.id ?? randomUUID();
      state.clients.push(normalizeClient(rep, { id, origin: 'realm' }));
    }
    const carriedClients = prev.clients.filter(
      (c) => c.origin === 'admin' && !state.clients.some((x) => x.clientId === c.clientId || x.id === c.id),
    );
    state.clients.push(...carriedClients);

    // Users (service-account users included, as Keycloak exports them).
    for (const rep of json.users ?? []) {
      if (!rep.username || state.users.some((u) => u.username === lower(rep.username))) continue;
      const id = rep.id ?? prev.users.find((u) => u.username === lower(rep.username))?.id ?? randomUUID();
      const user = normalizeUser(rep, { id, origin: 'realm' });
      for (const role of user.realmRoles) {
        if (!this.getRole(role)) addRole({ name: role }, 'realm');
      }
      state.users.push(user);
    }
    const carriedClientIds = new Set(carriedClients.map((c) => c.clientId));
    for (const user of prev.users) {
      const keep = user.origin === 'admin' || (user.serviceAccountClientId && carriedClientIds.has(user.serviceAccountClientId));
      if (keep && !state.users.some((u) => u.username === user.username || u.id === user.id)) {
        state.users.push(user);
      }
    }
    for (const client of state.clients) {
      if (client.serviceAccountsEnabled) this.#ensureServiceAccount(client, client.origin);
    }

    // Organizations and their members (members by username, as Keycloak 26 imports them).
    for (const rep of json.organizations ?? []) {
      const alias = rep.alias || rep.name;
      if (!rep.name || state.organizations.some((o) => o.alias === alias)) continue;
      const before = prev.organizations.find((o) => o.alias === alias);
      const org = normalizeOrg(rep, { id: rep.id ?? before?.id ?? randomUUID(), origin: 'realm' });
      for (const member of rep.members ?? []) {
        const user = this.findUserByUsername(member.username);
        if (user && !org.members.includes(user.id)) org.members.push(user.id);
      }
      for (const userId of before?.members ?? []) {
        const user = this.getUser(userId);
        if (user?.origin === 'admin' && !org.members.includes(userId)) org.members.push(userId);
      }
      state.organizations.push(org);
    }
    for (const org of prev.organizations) {
      if (
        org.origin === 'admin'
        && !state.organizations.some((o) => o.alias === org.alias || o.name === org.name || o.id === org.id)
      ) {
        state.organizations.push({ ...org, members: org.members.filter((id) => this.getUser(id)) });
      }
    }
    return state;
  }

  // ------------------------------------------------------------------ realm

  get realm() {
    return this.state.realm;
  }

  get defaultRoleName() {
    return `default-roles-${this.state?.realm?.realm ?? 'gip'}`;
  }

  // ------------------------------------------------------------------ roles

  listRoles() {
    return [...this.state.roles].sort((a, b) => a.name.localeCompare(b.name));
  }

  getRole(name) {
    return this.state.roles.find((r) => r.name === name);
  }

  getRoleById(id) {
    return this.state.roles.find((r) => r.id === id);
  }

  createRole(rep) {
    if (!rep?.name) throw badRequest('Role name is missing');
    if (this.getRole(rep.name)) throw conflict(`Role with name ${rep.name} already exists`);
    const role = {
      id: randomUUID(),
      name: rep.name,
      description: rep.description ?? '',
      composite: false,
      composites: [],
      origin: 'admin',
    };
    this.state.roles.push(role);
    this.save();
    return role;
  }

  /** The realm roles a user holds, composites expanded (what a token's realm_access carries). */
  effectiveRealmRoles(user) {
    const out = new Set();
    const visit = (name) => {
      if (out.has(name)) return;
      const role = this.getRole(name);
      if (!role) return;
      out.add(name);
      for (const child of role.composites ?? []) visit(child);
    };
    for (const name of user.realmRoles ?? []) visit(name);
    return [...out];
  }

  // ------------------------------------------------------------------ clients

  listClients() {
    return this.state.clients;
  }

  getClient(id) {
    return this.state.clients.find((c) => c.id === id);
  }

  findClient(clientId) {
    return this.state.clients.find((c) => c.clientId === clientId);
  }

  createClient(rep) {
    if (!rep?.clientId) throw badRequest('Client id is missing');
    if (this.findClient(rep.clientId)) throw conflict(`Client ${rep.clientId} already exists`);
    const id = rep.id && !this.getClient(rep.id) ? rep.id : randomUUID();
    const client = normalizeClient(rep, { id, origin: 'admin' });
    this.state.clients.push(client);
    if (client.serviceAccountsEnabled) this.#ensureServiceAccount(client, 'admin');
    this.save();
    return client;
  }

  updateClient(id, rep) {
    const client = this.getClient(id);
    if (!client) throw notFound('Could not find client');
    if (rep.clientId && rep.clientId !== client.clientId && this.findClient(rep.clientId)) {
      throw conflict(`Client ${rep.clientId} already exists`);
    }
    const merged = normalizeClient(
      {
        ...client,
        ...rep,
        attributes: { ...client.attributes, ...(rep.attributes ?? {}) },
        protocolMappers: rep.protocolMappers ?? client.protocolMappers,
      },
      { id: client.id, origin: client.origin },
    );
    if (!merged.publicClient && !merged.bearerOnly) merged.secret = rep.secret || client.secret || randomSecret(24);
    const renamed = merged.clientId !== client.clientId;
    Object.assign(client, merged);
    if (client.serviceAccountsEnabled) {
      const sa = this.serviceAccountUser(client);
      if (sa && renamed) {
        sa.serviceAccountClientId = client.clientId;
        sa.username = `service-account-${client.clientId}`.toLowerCase();
      }
      this.#ensureServiceAccount(client, client.origin);
    }
    this.save();
    return client;
  }

  deleteClient(id) {
    const client = this.getClient(id);
    if (!client) throw notFound('Could not find client');
    const sa = this.serviceAccountUser(client);
    if (sa) this.#removeUser(sa.id);
    this.state.clients = this.state.clients.filter((c) => c.id !== id);
    this.save();
  }

  regenerateSecret(id) {
    const client = this.getClient(id);
    if (!client) throw notFound('Could not find client');
    if (client.publicClient) throw badRequest('Public client has no secret');
    client.secret = randomSecret(24);
    this.save();
    return client.secret;
  }

  addMapper(clientDbId, rep) {
    const client = this.getClient(clientDbId);
    if (!client) throw notFound('Could not find client');
    if (!rep?.name || !rep?.protocolMapper) throw badRequest('Protocol mapper name and type are required');
    if (client.protocolMappers.some((m) => m.name === rep.name)) {
      throw conflict(`Protocol mapper exists with same name`);
    }
    const mapper = normalizeMapper(rep, randomUUID());
    client.protocolMappers.push(mapper);
    this.save();
    return mapper;
  }

  updateMapper(clientDbId, mapperId, rep) {
    const client = this.getClient(clientDbId);
    if (!client) throw notFound('Could not find client');
    const mapper = client.protocolMappers.find((m) => m.id === mapperId);
    if (!mapper) throw notFound('Model not found');
    Object.assign(mapper, normalizeMapper({ ...mapper, ...rep, config: rep.config ?? mapper.config }, mapper.id));
    this.save();
    return mapper;
  }

  deleteMapper(clientDbId, mapperId) {
    const client = this.getClient(clientDbId);
    if (!client) throw notFound('Could not find client');
    if (!client.protocolMappers.some((m) => m.id === mapperId)) throw notFound('Model not found');
    client.protocolMappers = client.protocolMappers.filter((m) => m.id !== mapperId);
    this.save();
  }

  serviceAccountUser(client) {
    if (!client) return undefined;
    return this.state.users.find((u) => u.serviceAccountClientId === client.clientId);
  }

  #ensureServiceAccount(client, origin) {
    if (this.serviceAccountUser(client)) return;
    const username = `service-account-${client.clientId}`.toLowerCase();
    const clash = this.findUserByUsername(username);
    if (clash) {
      clash.serviceAccountClientId = client.clientId;
      return;
    }
    this.state.users.push(
      normalizeUser(
        {
          username,
          enabled: true,
          emailVerified: false,
          serviceAccountClientId: client.clientId,
          realmRoles: [this.defaultRoleName],
        },
        { id: randomUUID(), origin },
      ),
    );
  }

  /**
   * Keycloak's redirect URI rule: exact, or a prefix when the registered value ends with `*`.
   * For loopback IP literals (http://127.0.0.1, http://[::1]) any port matches, as RFC 8252
   * §7.3 requires: a console started on a free port (the e2e tests) logs in like on :8000.
   */
  static uriMatches(patterns, value) {
    if (typeof value !== 'string') return false;
    const candidates = [value, RealmStore.loopbackWithoutPort(value)].filter(Boolean);
    return patterns.some((pattern) => {
      if (pattern === '*') return true;
      const registered = [pattern, RealmStore.loopbackWithoutPort(pattern)].filter(Boolean);
      return registered.some((p) =>
        candidates.some((v) => (p.endsWith('*') ? v.startsWith(p.slice(0, -1)) : p === v)),
      );
    });
  }

  /** The URI with its port removed when its host is a loopback IP literal over http. */
  static loopbackWithoutPort(uri) {
    const match = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d+)?(\/.*)?$/.exec(uri);
    return match ? `http://${match[1]}${match[3] ?? ''}` : null;
  }

  postLogoutRedirectUris(client) {
    const raw = client.attributes?.['post.logout.redirect.uris'];
    if (!raw) return [];
    const out = [];
    for (const item of raw.split('##')) {
      if (item === '+') out.push(...client.redirectUris);
      else if (item && item !== '-') out.push(item);
    }
    return out;
  }

  webOrigins(client) {
    const out = new Set();
    for (const origin of client.webOrigins ?? []) {
      if (origin === '+') {
        for (const uri of client.redirectUris ?? []) {
          try {
            out.add(new URL(uri.replace(/\*$/, '')).origin);
          } catch {
            // not a URL: ignored, as Keycloak does
          }
        }
      } else if (origin === '*') {
        out.add('*');
      } else if (origin) {
        out.add(origin.replace(/\/$/, ''));
      }
    }
    return [...out];
  }

  // ------------------------------------------------------------------ users

  listUsers({ includeServiceAccounts = false } = {}) {
    return this.state.users
      .filter((u) => includeServiceAccounts || !u.serviceAccountClientId)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  getUser(id) {
    return this.state.users.find((u) => u.id === id);
  }

  findUserByUsername(username) {
    const wanted = lower(username);
    return this.state.users.find((u) => u.username === wanted);
  }

  findUserByEmail(email) {
    const wanted = lower(email);
    return wanted ? this.state.users.find((u) => u.email === wanted) : undefined;
  }

  createUser(rep) {
    if (!rep?.username) {
      throw new HttpError(400, { field: 'username', errorMessage: 'error-user-attribute-required', params: ['username'] });
    }
    if (this.findUserByUsername(rep.username)) throw conflict('User exists with same username');
    if (rep.email && this.findUserByEmail(rep.email)) throw conflict('User exists with same email');
    // As Keycloak's Admin API does, `realmRoles`/`clientRoles` in the create payload are ignored:
    // roles are assigned with POST /users/{id}/role-mappings/realm.
    const user = normalizeUser(
      { ...rep, realmRoles: [this.defaultRoleName], clientRoles: {}, serviceAccountClientId: undefined },
      { id: randomUUID(), origin: 'admin' },
    );
    this.state.users.push(user);
    this.save();
    return user;
  }

  updateUser(id, rep) {
    const user = this.getUser(id);
    if (!user) throw notFound('User not found');
    if (rep.username && lower(rep.username) !== user.username) {
      if (this.findUserByUsername(rep.username)) throw conflict('User exists with same username');
      user.username = lower(rep.username);
    }
    if (rep.email !== undefined && lower(rep.email) !== user.email) {
      if (rep.email && this.findUserByEmail(rep.email)) throw conflict('User exists with same email');
      user.email = rep.email ? lower(rep.email) : undefined;
    }
    for (const key of ['firstName', 'lastName']) if (rep[key] !== undefined) user[key] = rep[key];
    for (const key of ['enabled', 'emailVerified']) if (rep[key] !== undefined) user[key] = rep[key] === true;
    if (rep.attributes !== undefined) user.attributes = deepClone(rep.attributes) ?? {};
    if (rep.requiredActions !== undefined) user.requiredActions = [...rep.requiredActions];
    for (const credential of rep.credentials ?? []) {
      if ((credential.type ?? 'password') === 'password' && typeof credential.value === 'string') {
        user.passwordHash = hashPassword(credential.value);
      }
    }
    this.save();
    return user;
  }

  deleteUser(id) {
    if (!this.getUser(id)) throw notFound('User not found');
    this.#removeUser(id);
    this.save();
  }

  #removeUser(id) {
    this.state.users = this.state.users.filter((u) => u.id !== id);
    for (const org of this.state.organizations) org.members = org.members.filter((m) => m !== id);
  }

  setPassword(id, rep) {
    const user = this.getUser(id);
    if (!user) throw notFound('User not found');
    if (!rep || typeof rep.value !== 'string' || rep.value === '') {
      throw new HttpError(400, { error: 'invalidPasswordMinLengthMessage', error_description: 'Password must not be empty' });
    }
    user.passwordHash = hashPassword(rep.value);
    const actions = new Set(user.requiredActions ?? []);
    if (rep.temporary === true) actions.add('UPDATE_PASSWORD');
    else actions.delete('UPDATE_PASSWORD');
    user.requiredActions = [...actions];
    this.save();
  }

  /** Checks a login (username or email); returns the user or undefined. */
  authenticate(login, password) {
    const user = this.findUserByUsername(login) ?? this.findUserByEmail(login);
    if (!user || user.serviceAccountClientId || !user.enabled) return undefined;
    return checkPassword(password, user.passwordHash) ? user : undefined;
  }

  addRealmRoles(userId, roleReps) {
    const user = this.getUser(userId);
    if (!user) throw notFound('User not found');
    const names = this.#resolveRoles(roleReps);
    user.realmRoles = [...new Set([...(user.realmRoles ?? []), ...names])];
    this.save();
  }

  removeRealmRoles(userId, roleReps) {
    const user = this.getUser(userId);
    if (!user) throw notFound('User not found');
    const names = new Set(this.#resolveRoles(roleReps));
    user.realmRoles = (user.realmRoles ?? []).filter((r) => !names.has(r));
    this.save();
  }

  #resolveRoles(roleReps) {
    const list = Array.isArray(roleReps) ? roleReps : [roleReps];
    return list.map((rep) => {
      const role = (rep?.name && this.getRole(rep.name)) || (rep?.id && this.getRoleById(rep.id));
      if (!role) throw notFound('Role not found');
      return role.name;
    });
  }

  // ------------------------------------------------------------------ organizations

  listOrgs() {
    return [...this.state.organizations].sort((a, b) => a.name.localeCompare(b.name));
  }

  getOrg(id) {
    return this.state.organizations.find((o) => o.id === id);
  }

  findOrgByAlias(alias) {
    return this.state.organizations.find((o) => o.alias === alias);
  }

  #checkOrgUnique(org, exceptId) {
    for (const other of this.state.organizations) {
      if (other.id === exceptId) continue;
      if (other.name === org.name) throw conflict('A organization with the same name already exists.');
      if (other.alias === org.alias) throw conflict('A organization with the same alias already exists');
      for (const domain of org.domains) {
        if (other.domains.some((d) => d.name === domain.name)) {
          throw conflict(`Domain ${domain.name} is already linked to another organization in realm ${this.realm.realm}`);
        }
      }
    }
  }

  createOrg(rep) {
    if (!rep?.name || !String(rep.name).trim()) throw badRequest('Name cannot be empty');
    const org = normalizeOrg(rep, { id: randomUUID(), origin: 'admin' });
    if (!/^[\p{L}\p{N}._-]+$/u.test(org.alias)) {
      // Keycloak derives a missing alias from the name; it must be usable in URLs.
      org.alias = org.alias.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
    }
    this.#checkOrgUnique(org);
    this.state.organizations.push(org);
    this.save();
    return org;
  }

  updateOrg(id, rep) {
    const org = this.getOrg(id);
    if (!org) throw notFound('Organization not found');
    if (rep.alias && rep.alias !== org.alias) throw badRequest('Cannot change the alias');
    const next = normalizeOrg({ ...org, ...rep, alias: org.alias }, { id: org.id, origin: org.origin });
    next.members = org.members;
    this.#checkOrgUnique(next, org.id);
    Object.assign(org, next);
    this.save();
    return org;
  }

  deleteOrg(id) {
    if (!this.getOrg(id)) throw notFound('Organization not found');
    this.state.organizations = this.state.organizations.filter((o) => o.id !== id);
    this.save();
  }

  addMember(orgId, userId) {
    const org = this.getOrg(orgId);
    if (!org) throw notFound('Organization not found');
    const user = this.getUser(userId);
    if (!user) throw badRequest('User does not exist');
    if (org.members.includes(userId)) throw conflict('User is already a member of the organization.');
    org.members.push(userId);
    this.save();
  }

  removeMember(orgId, userId) {
    const org = this.getOrg(orgId);
    if (!org) throw notFound('Organization not found');
    if (!org.members.includes(userId)) throw notFound('User is not a member of the organization');
    org.members = org.members.filter((m) => m !== userId);
    this.save();
  }

  orgsOfUser(userId) {
    return this.listOrgs().filter((o) => o.members.includes(userId));
  }
}

export function describeImport(result) {
  if (!result.imported) log('realm state loaded from the state dir (realm file unchanged)');
  else if (result.merged) log('realm file changed: fixtures re-imported, Admin API changes kept');
  else log('realm imported from the realm file');
}
