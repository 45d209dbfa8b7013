// Registry paths in one spelling, and the ECS registry.* fields Elastic's Sysmon pipeline derives from them.
//
// Deliberate deviation from Elastic (which copies TargetObject verbatim): every hive spelling becomes its short
// form before registry.path/hive/key are set, so `registry.path : "HKLM\\SOFTWARE\\..."` matches Sysmon from 2017
// (`\REGISTRY\MACHINE\...`), Defend, and exports alike. The original stays in winlog.event_data.TargetObject.

import { table } from './values.js';

/** Full hive names and kernel object paths → short form. Keys are uppercase. */
const HIVES: Record<string, string> = table({
  HKEY_LOCAL_MACHINE: 'HKLM',
  HKLM: 'HKLM',
  HKEY_USERS: 'HKU',
  HKU: 'HKU',
  HKEY_CURRENT_USER: 'HKCU',
  HKCU: 'HKCU',
  HKEY_CLASSES_ROOT: 'HKCR',
  HKCR: 'HKCR',
  HKEY_CURRENT_CONFIG: 'HKCC',
  HKCC: 'HKCC',
  HKEY_DYN_DATA: 'HKDD',
  HKDD: 'HKDD',
  HKEY_PERFORMANCE_DATA: 'HKPD',
  HKPD: 'HKPD',
});

/** `\REGISTRY\<root>\` kernel paths (older Sysmon, Defend on some builds). */
const KERNEL_ROOTS: Record<string, string> = table({ MACHINE: 'HKLM', USER: 'HKU' });

export interface RegistryPathParts {
  /** Canonical path: short hive + `\` + rest, or the input unchanged when no hive is recognized. */
  path: string;
  hive?: string;
  /** Everything after the hive (Elastic's Sysmon rule: includes the last component). */
  key?: string;
  /** Last component. */
  value: string;
}

/** Splits a registry path and canonicalizes its hive spelling. */
export function registryPathParts(raw: string): RegistryPathParts {
  let hive: string | undefined;
  let rest: string | undefined;
  if (raw.charCodeAt(0) === 92) {
    // \REGISTRY\MACHINE\..., \REGISTRY\USER\...
    const m = /^\\REGISTRY\\([^\\]+)(?:\\(.*))?$/i.exec(raw);
    const root = m ? KERNEL_ROOTS[m[1]!.toUpperCase()] : undefined;
    if (m && root) {
      hive = root;
      rest = m[2];
    }
  } else {
    const i = raw.indexOf('\\');
    const first = (i < 0 ? raw : raw.slice(0, i)).toUpperCase();
    const short = HIVES[first];
    if (short) {
      hive = short;
      rest = i < 0 ? undefined : raw.slice(i + 1);
    }
  }
  const last = raw.lastIndexOf('\\');
  const value = last < 0 ? raw : raw.slice(last + 1);
  if (!hive) return { path: raw, value };
  const path = rest === undefined || rest === '' ? hive : hive + '\\' + rest;
  return rest ? { path, hive, key: rest, value } : { path, hive, value };
}

/** Canonical spelling of a registry path's hive (see registryPathParts). */
export function canonicalRegistryPath(raw: string): string {
  return registryPathParts(raw).path;
}

const QWORD_RE = /^QWORD \((0x[0-9A-F]{8})-(0x[0-9A-F]{8})\)$/i;
const DWORD_RE = /^DWORD \((0x[0-9A-F]{8})\)$/i;

/**
 * Sysmon `Details` → registry.data, as Elastic's pipeline does, including its QWORD arithmetic
 * ((high << 8) + low, kept for parity) and its type names SZ_DWORD / SZ_QWORD.
 */
export function registryDataFromDetails(details: string): { strings: string[]; type: string } {
  let m = QWORD_RE.exec(details);
  if (m) {
    const high = BigInt(parseInt(m[1]!.slice(2), 16));
    const low = BigInt(parseInt(m[2]!.slice(2), 16));
    return { strings: [((high << 8n) + low).toString()], type: 'SZ_QWORD' };
  }
  m = DWORD_RE.exec(details);
  if (m) return { strings: [parseInt(m[1]!.slice(2), 16).toString()], type: 'SZ_DWORD' };
  if (details === 'Binary Data') return { strings: [details], type: 'REG_BINARY' };
  return { strings: [details], type: 'REG_SZ' };
}

/** Sets registry.path/hive/key/value (and data from Details) on `doc` from a Sysmon TargetObject. */
export function setRegistryFields(doc: Record<string, unknown>, targetObject: string, details: string | undefined): void {
  const p = registryPathParts(targetObject);
  const registry: Record<string, unknown> = { path: p.path };
  if (p.hive) registry.hive = p.hive;
  if (p.key !== undefined) registry.key = p.key;
  registry.value = p.value;
  if (details !== undefined && details !== '') registry.data = registryDataFromDetails(details);
  doc.registry = registry;
}
