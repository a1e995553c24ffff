/**
 * What is measured: caseroom through its Socket.IO SDK and through its y-websocket endpoint, and
 * the two servers a team would otherwise pick, each with the client made for it.
 */
export type ServerKind = 'caseroom' | 'hocuspocus' | 'y-websocket';
export type ClientKind = 'caseroom-sio' | 'caseroom-yws' | 'hocuspocus' | 'y-websocket';

export interface Target {
  id: ClientKind;
  label: string;
  server: ServerKind;
}

export const targets: Target[] = [
  { id: 'caseroom-sio', label: 'caseroom (socket.io)', server: 'caseroom' },
  { id: 'caseroom-yws', label: 'caseroom (y-websocket endpoint)', server: 'caseroom' },
  { id: 'hocuspocus', label: 'hocuspocus', server: 'hocuspocus' },
  { id: 'y-websocket', label: 'y-websocket', server: 'y-websocket' },
];

export const peerIds: ClientKind[] = ['hocuspocus', 'y-websocket'];
export const caseroomIds: ClientKind[] = ['caseroom-sio', 'caseroom-yws'];
