/**
 * The connection indicator in the header, with a switch to go offline on purpose: edits keep
 * working locally and merge when the console reconnects.
 */
import type { CaseClient, ClientStatus } from '@caseroom/client';
import { h } from './dom.js';

const labels: Record<ClientStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Online',
  offline: 'Offline — edits are kept and merge on reconnect',
  refused: 'Refused by the hub — sign in again',
  closed: 'Closed',
};

export function connectionIndicator(client: CaseClient): { element: HTMLElement; dispose: () => void } {
  const label = h('span', { class: 'status-label', 'data-testid': 'connection-status' });
  const toggle = h('button', { class: 'small', 'data-testid': 'connection-toggle' });
  const element = h('div', { class: 'connection' }, label, toggle);
  let goneOffline = false;
  toggle.addEventListener('click', () => {
    goneOffline = client.status !== 'offline';
    if (goneOffline) client.disconnect();
    else client.connect();
    render(client.status);
  });
  const render = (status: ClientStatus): void => {
    element.dataset.status = status;
    label.textContent = labels[status];
    toggle.textContent = status === 'offline' ? 'Reconnect' : 'Go offline';
    toggle.hidden = status === 'refused' || status === 'closed';
  };
  render(client.status);
  return { element, dispose: client.on('status', render) };
}
