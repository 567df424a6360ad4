import ipaddr from 'ipaddr.js';

export type AddressDecision = { allow: true } | { allow: false; reason: string };

/** The cloud metadata endpoints, named so a refusal says what was aimed at. */
const metadataAddresses = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/**
 * Whether web_fetch may connect to this IP address (a literal, never a name). Only public
 * unicast is allowed: loopback, private, link-local, CGNAT, multicast, unspecified, broadcast,
 * documentation and other reserved ranges are refused, and so is every IPv6 form that embeds
 * an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo), since the IPv4 inside may be private.
 */
export function decideAddress(address: string): AddressDecision {
  if (!ipaddr.isValid(address)) return { allow: false, reason: `"${address}" is not an IP address` };
  const parsed = ipaddr.parse(address);
  if (metadataAddresses.has(parsed.toNormalizedString()) || metadataAddresses.has(parsed.toString())) {
    return { allow: false, reason: 'a cloud metadata address' };
  }
  if (parsed.kind() === 'ipv6') {
    const ipv6 = parsed as ipaddr.IPv6;
    if (ipv6.isIPv4MappedAddress()) {
      const inner = decideAddress(ipv6.toIPv4Address().toString());
      return inner.allow ? { allow: false, reason: 'an IPv4-mapped IPv6 address' } : inner;
    }
    // ::/96 (IPv4-compatible) is "unicast" to ipaddr.js, yet reaches 127.0.0.1 as ::127.0.0.1.
    if (ipv6.parts.slice(0, 6).every((part) => part === 0)) {
      return { allow: false, reason: 'an IPv4-compatible or unspecified IPv6 address' };
    }
    // Global unicast is 2000::/3; nothing outside it is the public internet.
    if ((ipv6.parts[0]! & 0xe000) !== 0x2000) return { allow: false, reason: 'not a public IPv6 address' };
  }
  const range = parsed.range();
  return range === 'unicast' ? { allow: true } : { allow: false, reason: `a ${range} address` };
}
