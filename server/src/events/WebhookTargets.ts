/**
 * Where a webhook may deliver: public addresses only. A hub sits next to things no outsider should
 * reach (its Redis, the cloud's metadata service, internal admin pages), and a supervisor's URL
 * must not become a way in. A URL is checked when it is registered and again before every attempt;
 * a host name is checked once more after it resolves, inside the connection's own `lookup`, so the
 * address checked is the address connected to and a name that points somewhere public at
 * registration and inside later (DNS rebinding) is still refused. CASEROOM_WEBHOOK_ALLOW_PRIVATE
 * turns the rules off, for development and tests.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as systemLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { CaseroomError } from '@caseroom/shared';

/** All the addresses of a host name. The default is the system's resolver (getaddrinfo, so /etc/hosts too). */
export type HostResolver = (hostname: string) => Promise<LookupAddress[]>;

export interface TargetRules {
  /** true: any address will do (CASEROOM_WEBHOOK_ALLOW_PRIVATE) */
  allowPrivate: boolean;
  resolve?: HostResolver | undefined;
}

type Range = [subnet: string, prefix: number, kind: string];

const ipv4Ranges: Range[] = [
  // "This network": connecting to 0.0.0.0 reaches the hub's own host.
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  // Holds the cloud metadata service, 169.254.169.254.
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const ipv6Ranges: Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'private'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
  // IPv4 addresses written inside IPv6 ones reach the same place. BlockList already matches
  // IPv4-mapped addresses (::ffff:127.0.0.1) against IPv4 rules; the deprecated IPv4-compatible
  // form (::127.0.0.1) and the NAT64 prefix (64:ff9b::127.0.0.1) need rules of their own.
  ...ipv4Ranges.flatMap(([subnet, prefix, kind]): Range[] => [
    [`::${subnet}`, 96 + prefix, kind],
    [`64:ff9b::${subnet}`, 96 + prefix, kind],
  ]),
];

/** One list per range, in order, so a refusal can say which kind of address it met. */
const forbiddenRanges = [
  ...ipv4Ranges.map(([subnet, prefix, kind]) => ({ kind, list: listOf(subnet, prefix, 'ipv4') })),
  ...ipv6Ranges.map(([subnet, prefix, kind]) => ({ kind, list: listOf(subnet, prefix, 'ipv6') })),
];

function listOf(subnet: string, prefix: number, family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  list.addSubnet(subnet, prefix, family);
  return list;
}

/** Names of cloud metadata services that the suffix rules below do not already cover. */
const metadataNames = new Set(['metadata.goog']);

/** What kind of inside address this is (`loopback`, `private` …); null for a public address or not an address. */
export function insideAddressKind(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return forbiddenRanges.find(({ list }) => list.check(address, type))?.kind ?? null;
}

/** What kind of inside name this is by its spelling alone; null when only its addresses can tell. */
function insideNameKind(hostname: string): string | null {
  const name = hostname.replace(/\.+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback name';
  // `metadata`, `instance-data`, `redis`: resolved through the hub's own search domains.
  if (!name.includes('.')) return 'name without a domain';
  // .internal holds metadata.google.internal and instance-data.ec2.internal; .local is mDNS.
  if (/\.(internal|local|home\.arpa)$/.test(name)) return 'private-network name';
  if (metadataNames.has(name)) return 'cloud metadata name';
  return null;
}

function refusal(message: string, details: Record<string, unknown>): CaseroomError {
  return new CaseroomError('forbidden_target', `${message}; webhooks may only reach public addresses`, { field: 'url', details });
}

export class WebhookTargets {
  private readonly resolve: HostResolver;

  constructor(private readonly rules: TargetRules) {
    this.resolve = rules.resolve ?? ((hostname) => systemLookup(hostname, { all: true }));
  }

  /**
   * Throws `forbidden_target` for a URL whose host is inside by its spelling: an inside address
   * (in any notation: the URL parser has already turned `2130706433` or `0x7f.1` into 127.0.0.1)
   * or an inside name. A name that passes is checked again when it resolves (`lookup`).
   */
  check(url: string): void {
    if (this.rules.allowPrivate) return;
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) {
      const kind = insideAddressKind(host);
      if (kind !== null) throw refusal(`${host} is a ${kind} address`, { host, address: host, kind });
      return;
    }
    const nameKind = insideNameKind(host);
    if (nameKind !== null) throw refusal(`${host} is a ${nameKind}`, { host, kind: nameKind });
  }

  /**
   * For `http.request({ lookup })`: resolves like `dns.lookup` and fails with `forbidden_target`
   * when any address of the name is inside. A name with one public and one inside address is
   * refused rather than trimmed: a receiver has no reason to publish an inside address.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    this.resolve(hostname).then(
      (resolved) => {
        const addresses = resolved.filter((entry) => family === 0 || entry.family === family);
        const inside = this.rules.allowPrivate
          ? undefined
          : addresses.map((entry) => ({ ...entry, kind: insideAddressKind(entry.address) })).find((entry) => entry.kind !== null);
        if (inside) {
          const details = { host: hostname, address: inside.address, kind: inside.kind };
          callback(refusal(`${hostname} resolves to ${inside.address}, a ${inside.kind} address`, details), '');
        } else if (addresses.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no IPv${family || '4 or IPv6'} address`), { code: 'ENOTFOUND' }), '');
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, addresses[0]!.address, addresses[0]!.family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
