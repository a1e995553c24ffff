export * from './errors.js';
export * from './identity.js';
export * from './cases.js';
export * from './people.js';
export * from './approvals.js';
export * from './protocol.js';
export * from './document.js';
export * from './events.js';
