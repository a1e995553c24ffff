/**
 * Signing in with the hub's development login. The token lives in sessionStorage, so each tab
 * can be a different person (handy for trying two agents side by side) and closing it signs out.
 */
import { devLogin, type Identity } from './api.js';
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
          const signedIn = await devLogin({ name: name.value, role: role.value, team: team.value });
          sessionStorage.setItem(storageKey, JSON.stringify(signedIn));
          onSignedIn(signedIn);
        });
        submit.disabled = false;
      },
    },
    h('h1', {}, 'caseroom'),
    h('p', { class: 'muted' }, 'Development sign-in: pick a name, a role and a team.'),
    h('label', {}, 'Name', name),
    h('label', {}, 'Role', role),
    h('label', {}, 'Team', team),
    submit,
  );
  return h('main', { class: 'centered' }, form);
}
