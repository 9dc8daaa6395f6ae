/**
 * `--redact`: consistent pseudonyms for what identifies a customer — host names, user names, IP addresses
 * and the path segment after /home/ (or /Users/) — so a bundle's analysis can be shared. It runs on the
 * timeline, before the model, so every later output (model, findings, report, SARIF…) sees only the
 * pseudonyms and they agree everywhere. The same bundle always gets the same pseudonyms: they are numbered
 * in order of first appearance, and the timeline's order is deterministic.
 *
 * Not redacted: system accounts (root, daemon, nobody, system services) and loopback addresses, which
 * identify no one and which the rules read.
 */
import type { TimelineRecord } from '../common/types.js';

export interface RedactionMap {
  hosts: Record<string, string>;
  users: Record<string, string>;
  ips: Record<string, string>;
}

/** Accounts every Linux host has; pseudonyms would only hide meaning. */
const SYSTEM_USERS = new Set(['root', 'daemon', 'bin', 'sys', 'sync', 'nobody', 'nogroup', 'messagebus', 'syslog', 'sshd', 'www-data', 'systemd-timesync', 'systemd-network', 'systemd-resolve', 'systemd-journal', 'polkitd', 'avahi', 'ntp', 'chrony', 'postfix', 'mail', 'man', 'lp', 'news', 'uucp', 'proxy', 'backup', 'list', 'irc', 'gnats', '_apt', 'tss', 'uuidd', 'dnsmasq', 'statd', 'rpc', 'rtkit', 'colord', 'geoclue', 'pulse', 'gdm', 'lightdm', 'sddm']);

const USER_FIELDS = ['user', 'ruser', 'suser', 'euser', 'owner'];
const HOST_FIELDS = ['hostname', 'host', 'nodename'];

const IPV4 = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b/g;
// IPv6, full (6+ colons) or compressed (`::`): never a time of day (`17:35:20` has two colons and no `::`).
const IPV6 = /\b(?:[0-9a-fA-F]{1,4}:){5,7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,7}(?::[0-9a-fA-F]{1,4}){1,7}\b|\b(?:[0-9a-fA-F]{1,4}:){1,7}:/g;
const HOME = /(\/(?:home|Users)\/)([^/\s"'<>|]+)/g;

function isLoopbackOrUnspecified(ip: string): boolean {
  return ip.startsWith('127.') || ip === '0.0.0.0' || ip === '::1' || ip === '::' || ip.startsWith('255.');
}

export class Redactor {
  private readonly hosts = new Map<string, string>();
  private readonly users = new Map<string, string>();
  private readonly ips = new Map<string, string>();
  /** Whole-word replacements for host and user names found in the records' own fields. */
  private names: RegExp | undefined;

  /** Learn the host and user names the records name in their own fields (first pass). */
  learn(records: readonly TimelineRecord[]): void {
    for (const r of records) {
      for (const f of HOST_FIELDS) {
        const v = r[f];
        if (typeof v === 'string' && v !== '' && !this.hosts.has(v) && v !== 'localhost') {
          this.hosts.set(v, `host-${this.hosts.size + 1}`);
          this.names = undefined;
        }
      }
      for (const f of USER_FIELDS) {
        const v = r[f];
        if (typeof v === 'string') this.user(v.replace(/\+$/, ''));
      }
    }
    // The whole-word pattern is made again by the next text() only when a name was added.
  }

  /**
   * One record of a timeline streamed to its output (src/timeline/stream.ts), after the timeline's
   * analysis pass learned and redacted its kept records: names it alone holds are learned now (and
   * redacted from here on), then it is redacted in place.
   */
  record(r: TimelineRecord): TimelineRecord {
    this.learn([r]);
    return this.value(r);
  }

  private user(name: string): string {
    if (name === '' || SYSTEM_USERS.has(name) || name.startsWith('systemd-') || /^\d+$/.test(name)) return name;
    let alias = this.users.get(name);
    if (!alias) {
      alias = `user-${this.users.size + 1}`;
      this.users.set(name, alias);
      this.names = undefined;
    }
    return alias;
  }

  private ip(address: string): string {
    if (isLoopbackOrUnspecified(address)) return address;
    let alias = this.ips.get(address);
    if (!alias) {
      const n = this.ips.size + 1;
      // Documentation ranges (RFC 5737, RFC 3849): they still read as addresses and route nowhere.
      alias = address.includes(':') ? `2001:db8::${n.toString(16)}` : `192.0.2.${n % 256}${n >= 256 ? `.${n >> 8}` : ''}`;
      this.ips.set(address, alias);
    }
    return alias;
  }

  private rebuild(): void {
    const words = [...this.hosts.keys(), ...this.users.keys()].filter((w) => w.length >= 2).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.names = words.length === 0 ? undefined : new RegExp(`(?<![\\w.-])(?:${words.map(escapeRegExp).join('|')})(?![\\w.-])`, 'g');
  }

  /** Redact one string: IPs, home directories, then the learned host and user names as whole words. */
  text(s: string): string {
    if (this.names === undefined && (this.hosts.size > 0 || this.users.size > 0)) this.rebuild();
    let out = s.replace(IPV4, (ip) => this.ip(ip)).replace(IPV6, (ip) => this.ip(ip));
    out = out.replace(HOME, (_m, prefix: string, name: string) => `${prefix}${this.user(name)}`);
    if (this.names) out = out.replace(this.names, (w) => this.hosts.get(w) ?? this.users.get(w) ?? w);
    return out;
  }

  /** Redact every string in a JSON-like value, in place for objects and arrays; returns the value. */
  value<T>(v: T): T {
    if (typeof v === 'string') return this.text(v) as T;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.value(v[i]);
      return v;
    }
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) o[k] = this.value(o[k]);
    }
    return v;
  }

  /** Redact a whole timeline in place (records, files, notes, diagnostics), after learning its names. */
  timeline<T extends { records: TimelineRecord[]; files: unknown; skipped: unknown; clock: unknown; diagnostics: unknown; bundle: { name: string } }>(t: T): T {
    this.learn(t.records);
    this.value(t.records);
    this.value(t.files);
    this.value(t.skipped);
    this.value(t.clock);
    this.value(t.diagnostics);
    t.bundle.name = this.text(t.bundle.name);
    return t;
  }

  map(): RedactionMap {
    return { hosts: Object.fromEntries(this.hosts), users: Object.fromEntries(this.users), ips: Object.fromEntries(this.ips) };
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
