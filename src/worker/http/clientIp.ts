// The client's address as Cloudflare reports it (CF-Connecting-IP), reduced to what one client
// controls: an IPv4 address, or the /64 prefix of an IPv6 address (a single host usually holds a
// whole /64, so limiting exact IPv6 addresses would limit nothing).
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;
const IP_KEY_CHARS_MAX = 64;

/** A key for the client's address, or null when the request carries none (only outside Cloudflare). */
export function clientAddressKey(request: Request): string | null {
  const raw = request.headers.get('CF-Connecting-IP')?.trim().toLowerCase();
  if (!raw) return null;
  if (IPV4.test(raw)) return raw;
  const groups = ipv6Groups(raw);
  if (groups)
    return `${groups
      .slice(0, 4)
      .map((g) => g.padStart(4, '0'))
      .join(':')}::/64`;
  return raw.slice(0, IP_KEY_CHARS_MAX);
}

/** The eight groups of an IPv6 address (with :: expanded), or null when it is not one. */
export function ipv6Groups(address: string): string[] | null {
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return groups.every((g) => HEX_GROUP.test(g)) ? groups : null;
}
