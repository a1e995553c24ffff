/** The bench's nginx (bench/src/nginx.ts): the deployed balancer's config, pointed at local hub nodes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nginxConfig } from '../../bench/src/nginx.js';

const deployed = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');

describe("the bench's nginx config", () => {
  it('keeps the deployed balancer (ip_hash, upgrades, timeouts) and points it at the nodes on loopback', () => {
    const config = nginxConfig(deployed, [4001, 4002], 5000, '/tmp/run');
    expect(config).toMatch(/upstream caseroom \{\s*ip_hash;\s*server 127\.0\.0\.1:4001;\s*server 127\.0\.0\.1:4002;\s*\}/);
    expect(config).not.toContain('hub1:3000');
    expect(config).toContain('listen 127.0.0.1:5000;');
    expect(config).not.toContain('listen 80;');
    expect(config).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(config).toContain('proxy_read_timeout 120s;');
  });

  it('says which node answered, and keeps its logs and temp files in its own directory', () => {
    const config = nginxConfig(deployed, [4001, 4002], 5000, '/tmp/run');
    expect(config).toContain('add_header X-Upstream $upstream_addr always;');
    expect(config).toContain('access_log /tmp/run/access.log;');
    expect(config).toContain('proxy_temp_path /tmp/run/proxy;');
  });

  it('refuses a deployed config whose upstream moved, rather than balancing to the wrong place', () => {
    expect(() => nginxConfig(deployed.replace('upstream caseroom', 'upstream hubs'), [4001], 5000, '/tmp/run')).toThrow(/upstream/);
  });
});
