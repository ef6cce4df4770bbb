// oidc-provider storage adapter: clients come live from the realm store (so Admin API changes apply
// at once); sessions, grants, codes, refresh tokens and revocations live in memory and are
// snapshotted to JSON in the state dir (debounced), so a restart keeps browser sessions.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { RealmStore } from './store.js';
import { log } from './util.js';

const GRANT_BOUND = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/** Maps a Keycloak client of the realm store to oidc-provider client metadata. */
export function clientMetadata(store, client) {
  if (!client || !client.enabled || client.bearerOnly) return undefined;
  // oidc-provider wants absolute redirect URIs; Keycloak's relative ones (to rootUrl) are dropped.
  const redirectUris = client.redirectUris.filter((uri) => URL.canParse(uri));
  const codeFlow = client.standardFlowEnabled && redirectUris.length > 0;
  const grantTypes = [];
  if (codeFlow) grantTypes.push('authorization_code', 'refresh_token');
  if (client.serviceAccountsEnabled && !client.publicClient) grantTypes.push('client_credentials');
  const metadata = {
    client_id: client.clientId,
    client_name: client.name || client.clientId,
    grant_types: grantTypes,
    response_types: codeFlow ? ['code'] : [],
    redirect_uris: codeFlow ? redirectUris : [],
    post_logout_redirect_uris: codeFlow ? store.postLogoutRedirectUris(client).filter((uri) => URL.canParse(uri)) : [],
    token_endpoint_auth_method: client.publicClient ? 'none' : 'client_secret_basic',
    application_type: 'web',
  };
  if (!client.publicClient) metadata.client_secret = client.secret;
  return metadata;
}

export class StateAdapters {
  constructor({ store, stateDir }) {
    this.store = store;
    this.path = join(stateDir, 'oidc-state.json');
    this.entries = new Map(); // `${model}:${id}` -> { payload, exp (ms epoch or undefined) }
    this.timer = undefined;
    this.#load();
  }

  #load() {
    if (!existsSync(this.path)) return;
    try {
      const data = JSON.parse(readFileSync(this.path, 'utf8'));
      const now = Date.now();
      for (const [key, entry] of Object.entries(data.entries ?? {})) {
        if (!entry.exp || entry.exp > now) this.entries.set(key, entry);
      }
    } catch (err) {
      log(`could not read ${this.path} (${err.message}); starting with no sessions`);
    }
  }

  scheduleSave() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, 200);
    this.timer.unref?.();
  }

  flush() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const now = Date.now();
    const entries = {};
    for (const [key, entry] of this.entries) {
      if (!entry.exp || entry.exp > now) entries[key] = entry;
      else this.entries.delete(key);
    }
    const tmp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ entries }), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  get(model, id) {
    const entry = this.entries.get(`${model}:${id}`);
    if (!entry) return undefined;
    if (entry.exp && entry.exp <= Date.now()) {
      this.entries.delete(`${model}:${id}`);
      return undefined;
    }
    return entry.payload;
  }

  set(model, id, payload, expiresIn) {
    this.entries.set(`${model}:${id}`, {
      payload,
      exp: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
    });
    this.scheduleSave();
  }

  delete(model, id) {
    if (this.entries.delete(`${model}:${id}`)) this.scheduleSave();
  }

  /** Every stored object of `model` (expired ones skipped). */
  *all(model) {
    const prefix = `${model}:`;
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (key.startsWith(prefix) && (!entry.exp || entry.exp > now)) yield [key.slice(prefix.length), entry.payload];
    }
  }

  revokeByGrantId(grantId) {
    for (const [key, entry] of this.entries) {
      const model = key.slice(0, key.indexOf(':'));
      if (GRANT_BOUND.has(model) && entry.payload?.grantId === grantId) this.entries.delete(key);
    }
    this.entries.delete(`Grant:${grantId}`);
    this.scheduleSave();
  }

  /** The class oidc-provider instantiates once per model name. */
  factory() {
    const adapters = this;
    const { store } = this;
    return class Adapter {
      constructor(name) {
        this.name = name;
      }

      async upsert(id, payload, expiresIn) {
        if (this.name === 'Client') return;
        adapters.set(this.name, id, payload, expiresIn);
      }

      async find(id) {
        if (this.name === 'Client') return clientMetadata(store, store.findClient(id));
        return adapters.get(this.name, id);
      }

      async findByUserCode(userCode) {
        for (const [, payload] of adapters.all(this.name)) if (payload.userCode === userCode) return payload;
        return undefined;
      }

      async findByUid(uid) {
        for (const [, payload] of adapters.all(this.name)) if (payload.uid === uid) return payload;
        return undefined;
      }

      async consume(id) {
        const payload = adapters.get(this.name, id);
        if (payload) {
          payload.consumed = Math.floor(Date.now() / 1000);
          adapters.scheduleSave();
        }
      }

      async destroy(id) {
        adapters.delete(this.name, id);
      }

      async revokeByGrantId(grantId) {
        adapters.revokeByGrantId(grantId);
      }
    };
  }
}

export { RealmStore };
