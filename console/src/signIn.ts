/**
 * Signing in: with the hub's development login, or with a token issued by the host application
 * (the only way under NODE_ENV=production). A host hands a token over in the URL fragment,
 * `/#token=<jwt>`, which never reaches a server log; it can also be pasted. The token lives in
 * sessionStorage, so each tab can be a different person and closing it signs out.
 */
import { devLogin, whoAmI, type Identity } from './api.js';
import { h } from './dom.js';
import { attempt } from './notices.js';

export interface SignedIn {
  token: string;
  identity: Identity;
}

const storageKey = 'caseroom.signedIn';

export function loadSignIn(): SignedIn | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null') as SignedIn | null;
    return stored && typeof stored.token === 'string' ? stored : null;
  } catch {
    return null;
  }
}

function remember(signedIn: SignedIn): SignedIn {
  sessionStorage.setItem(storageKey, JSON.stringify(signedIn));
  return signedIn;
}

/** Signs in with a token from the host application, once the hub has said whose it is. */
async function signInWithToken(token: string): Promise<SignedIn> {
  return remember({ token, identity: await whoAmI(token) });
}

/** Signs in with a token handed over as `#token=<jwt>`, and takes it out of the address bar. */
export async function signInFromFragment(): Promise<SignedIn | null> {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, '', location.pathname + location.search);
  return signInWithToken(decodeURIComponent(match[1]!));
}

export function signOut(): void {
  sessionStorage.removeItem(storageKey);
}

export function signInView(onSignedIn: (signedIn: SignedIn) => void): HTMLElement {
  const name = h('input', { name: 'name', required: true, autocomplete: 'name', 'data-testid': 'login-name', autofocus: true });
  const role = h(
    'select',
    { name: 'role', 'data-testid': 'login-role' },
    h('option', { value: 'agent' }, 'Agent'),
    h('option', { value: 'specialist' }, 'Specialist'),
    h('option', { value: 'supervisor' }, 'Supervisor'),
  );
  const team = h('input', { name: 'team', required: true, value: 'billing', 'data-testid': 'login-team' });
  const department = h('input', { name: 'department', placeholder: 'Shipping', 'data-testid': 'login-department' });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'card sign-in',
      'data-testid': 'login-form',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        submit.disabled = true;
        await attempt(async () => {
          const who = { name: name.value, role: role.value, team: team.value };
          onSignedIn(remember(await devLogin(department.value.trim() ? { ...who, department: department.value.trim() } : who)));
        });
        submit.disabled = false;
      },
    },
    h('h1', {}, 'caseroom'),
    h('p', { class: 'muted' }, 'Development sign-in: pick a name, a role and a team (and a department, to label your replies).'),
    h('label', {}, 'Name', name),
    h('label', {}, 'Role', role),
    h('label', {}, 'Team', team),
    h('label', {}, 'Department (optional)', department),
    submit,
  );
  const pasted = h('input', { required: true, 'aria-label': 'Token', placeholder: 'eyJhbGciOi…', 'data-testid': 'login-token' });
  const tokenForm = h(
    'form',
    {
      class: 'card sign-in',
      'data-testid': 'token-form',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        await attempt(async () => onSignedIn(await signInWithToken(pasted.value.trim())));
      },
    },
    h('p', { class: 'muted' }, 'Or sign in with a token from your application:'),
    pasted,
    h('button', { type: 'submit', 'data-testid': 'token-submit' }, 'Use token'),
  );
  return h('main', { class: 'centered' }, form, tokenForm);
}
