// Server-rendered French pages: login, logout confirmation, logout done, errors.
import { escapeHtml } from './util.js';

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f3f4f6;color:#111827}
  .dev{background:#b91c1c;color:#fff;text-align:center;padding:.4rem;font-size:.85rem;font-weight:600}
  main{max-width:380px;margin:3rem auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
  h1{font-size:1.35rem;margin:0 0 .25rem}
  p.sub{margin:0 0 1.5rem;color:#4b5563;font-size:.95rem}
  label{display:block;font-weight:600;margin:1rem 0 .3rem;font-size:.9rem}
  input[type=text],input[type=password]{width:100%;padding:.6rem;border:1px solid #9ca3af;border-radius:4px;font-size:1rem}
  button,.button{display:block;width:100%;margin-top:1.5rem;padding:.7rem;border:0;border-radius:4px;background:#000091;color:#fff;font-size:1rem;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
  .secondary{background:#e5e7eb;color:#111827;margin-top:.75rem}
  .error{background:#fef2f2;border:1px solid #fca5a5;color:#991b1b;padding:.6rem .8rem;border-radius:4px;margin-bottom:1rem}
  .hint{margin-top:1.5rem;font-size:.8rem;color:#6b7280}
`;

function layout(title, body) {
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="dev">Fournisseur d'identité de DÉVELOPPEMENT — ne pas utiliser en production</div>
<main>
${body}
</main>
</body>
</html>
`;
}

export function loginPage({ realmName, clientName, action, abortUrl, username = '', error, demoUsers = [] }) {
  const errorBlock = error ? `<div class="error" role="alert" id="input-error">${escapeHtml(error)}</div>` : '';
  return layout(
    `Connexion — ${realmName}`,
    `<h1>Connexion</h1>
<p class="sub">${escapeHtml(realmName)}${clientName ? ` · ${escapeHtml(clientName)}` : ''}</p>
${errorBlock}
<form id="kc-form-login" method="post" action="${escapeHtml(action)}">
  <label for="username">Nom d'utilisateur ou courriel</label>
  <input type="text" id="username" name="username" value="${escapeHtml(username)}" autocomplete="username" autofocus required>
  <label for="password">Mot de passe</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <button type="submit" name="login" id="kc-login" value="login">Se connecter</button>
</form>
<a class="button secondary" href="${escapeHtml(abortUrl)}">Annuler</a>
${demoUsers.length ? `<p class="hint">Comptes de démonstration (fichier de realm) : ${demoUsers.map(escapeHtml).join(', ')}.</p>` : ''}`,
  );
}

export function logoutPage({ form, clientName }) {
  return layout(
    'Déconnexion',
    `<h1>Déconnexion</h1>
<p class="sub">Voulez-vous vous déconnecter${clientName ? ` de ${escapeHtml(clientName)}` : ''} ?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="kc-logout" autofocus>Se déconnecter</button>
<button type="submit" form="op.logoutForm" class="secondary">Rester connecté</button>
<script>document.getElementById('kc-logout').click();</script>`,
  );
}

export function loggedOutPage({ clientName }) {
  return layout(
    'Déconnecté',
    `<h1>Vous êtes déconnecté</h1>
<p class="sub">Votre session${clientName ? ` sur ${escapeHtml(clientName)}` : ''} est terminée.</p>`,
  );
}

export function errorPage({ title = 'Une erreur est survenue', message, details = {} }) {
  const rows = Object.entries(details)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<p class="hint"><strong>${escapeHtml(k)}</strong> : ${escapeHtml(v)}</p>`)
    .join('\n');
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<div class="error">${escapeHtml(message)}</div>\n${rows}`);
}
