import { isIP, isIPv4 } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { decideAddress } from './address-policy.ts';
import type { HostResolver } from './host-resolver.ts';

/**
 * An address and port that tests may reach although the policy refuses them (their own
 * loopback page server). Only code can pass one; no configuration or environment sets it.
 */
export interface TestAllowance {
  address: string;
  port: number;
}

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
}

/**
 * An undici Agent whose every connection resolves the name once, checks every address it got,
 * and connects to a checked address, never to the name: a DNS answer that changes between a
 * check and a connect (rebinding) cannot redirect the socket. Literal addresses are checked too.
 */
export function createGuardedAgent(options: {
  resolver: HostResolver;
  connectTimeoutMs: number;
  testAllowance?: TestAllowance;
}): Agent {
  const connector = buildConnector({ timeout: options.connectTimeoutMs });
  return new Agent({
    connect: (connectOptions, callback) => {
      const hostname = connectOptions.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = Number(connectOptions.port) || (connectOptions.protocol === 'https:' ? 443 : 80);
      pickAddress({ ...options, hostname, port }).then(
        (address) => connector({ ...connectOptions, hostname: address }, callback),
        (error: Error) => callback(error, null),
      );
    },
  });
}

async function pickAddress(options: {
  resolver: HostResolver;
  hostname: string;
  port: number;
  testAllowance?: TestAllowance;
}): Promise<string> {
  const { hostname, port } = options;
  const addresses = isIP(hostname)
    ? [hostname]
    : (await options.resolver(hostname)).map((answer) => answer.address);
  if (addresses.length === 0) throw new BlockedAddressError(`${hostname} has no address.`);
  // Every answer must pass: a name that resolves to a public and a private address is refused.
  for (const address of addresses) {
    const allowance = options.testAllowance;
    if (allowance && allowance.address === address && allowance.port === port) continue;
    const decision = decideAddress(address);
    if (!decision.allow) {
      throw new BlockedAddressError(
        `Refused to connect to ${hostname}${hostname === address ? '' : ` (${address})`}: ${decision.reason}.`,
      );
    }
  }
  // IPv4 first: many hosts have no IPv6 route, and there is no fallback to a second address.
  return addresses.find((address) => isIPv4(address)) ?? addresses[0]!;
}
