// A bundled slice of MITRE ATT&CK Enterprise (v15): every tactic, and the techniques and sub-techniques relevant to
// Windows endpoints, with the tactics each technique belongs to. `seqhunt rules check` validates [[rule.threat]]
// entries against it offline. Data only: extend the tables, never the logic.

export interface AttackTactic {
  id: string;
  name: string;
}

export interface AttackTechnique {
  id: string;
  name: string;
  /** Tactic ids (sub-techniques inherit their parent's). */
  tactics: string[];
  /** Sub-technique suffix ("005") → name. */
  subtechniques?: Record<string, string>;
}

export const ATTACK_VERSION = '15';

const TA = {
  recon: 'TA0043',
  resource: 'TA0042',
  initial: 'TA0001',
  execution: 'TA0002',
  persistence: 'TA0003',
  privesc: 'TA0004',
  evasion: 'TA0005',
  credential: 'TA0006',
  discovery: 'TA0007',
  lateral: 'TA0008',
  collection: 'TA0009',
  c2: 'TA0011',
  exfil: 'TA0010',
  impact: 'TA0040',
} as const;

export const TACTICS: readonly AttackTactic[] = [
  { id: TA.recon, name: 'Reconnaissance' },
  { id: TA.resource, name: 'Resource Development' },
  { id: TA.initial, name: 'Initial Access' },
  { id: TA.execution, name: 'Execution' },
  { id: TA.persistence, name: 'Persistence' },
  { id: TA.privesc, name: 'Privilege Escalation' },
  { id: TA.evasion, name: 'Defense Evasion' },
  { id: TA.credential, name: 'Credential Access' },
  { id: TA.discovery, name: 'Discovery' },
  { id: TA.lateral, name: 'Lateral Movement' },
  { id: TA.collection, name: 'Collection' },
  { id: TA.c2, name: 'Command and Control' },
  { id: TA.exfil, name: 'Exfiltration' },
  { id: TA.impact, name: 'Impact' },
];

const T = (id: string, name: string, tactics: string[], subtechniques?: Record<string, string>): AttackTechnique => ({ id, name, tactics, ...(subtechniques && { subtechniques }) });
const { recon, resource, initial, execution, persistence, privesc, evasion, credential, discovery, lateral, collection, c2, exfil, impact } = TA;

export const TECHNIQUES: readonly AttackTechnique[] = [
  T('T1003', 'OS Credential Dumping', [credential], { '001': 'LSASS Memory', '002': 'Security Account Manager', '003': 'NTDS', '004': 'LSA Secrets', '005': 'Cached Domain Credentials', '006': 'DCSync' }),
  T('T1005', 'Data from Local System', [collection]),
  T('T1007', 'System Service Discovery', [discovery]),
  T('T1010', 'Application Window Discovery', [discovery]),
  T('T1012', 'Query Registry', [discovery]),
  T('T1014', 'Rootkit', [evasion]),
  T('T1016', 'System Network Configuration Discovery', [discovery], { '001': 'Internet Connection Discovery' }),
  T('T1018', 'Remote System Discovery', [discovery]),
  T('T1020', 'Automated Exfiltration', [exfil]),
  T('T1021', 'Remote Services', [lateral], { '001': 'Remote Desktop Protocol', '002': 'SMB/Windows Admin Shares', '003': 'Distributed Component Object Model', '004': 'SSH', '005': 'VNC', '006': 'Windows Remote Management' }),
  T('T1027', 'Obfuscated Files or Information', [evasion], { '002': 'Software Packing', '004': 'Compile After Delivery', '010': 'Command Obfuscation' }),
  T('T1033', 'System Owner/User Discovery', [discovery]),
  T('T1036', 'Masquerading', [evasion], { '003': 'Rename System Utilities', '004': 'Masquerade Task or Service', '005': 'Match Legitimate Name or Location' }),
  T('T1037', 'Boot or Logon Initialization Scripts', [persistence, privesc], { '001': 'Logon Script (Windows)' }),
  T('T1039', 'Data from Network Shared Drive', [collection]),
  T('T1041', 'Exfiltration Over C2 Channel', [exfil]),
  T('T1046', 'Network Service Discovery', [discovery]),
  T('T1047', 'Windows Management Instrumentation', [execution]),
  T('T1048', 'Exfiltration Over Alternative Protocol', [exfil]),
  T('T1049', 'System Network Connections Discovery', [discovery]),
  T('T1053', 'Scheduled Task/Job', [execution, persistence, privesc], { '002': 'At', '005': 'Scheduled Task' }),
  T('T1055', 'Process Injection', [evasion, privesc], { '001': 'Dynamic-link Library Injection', '002': 'Portable Executable Injection', '012': 'Process Hollowing' }),
  T('T1056', 'Input Capture', [collection, credential], { '001': 'Keylogging' }),
  T('T1057', 'Process Discovery', [discovery]),
  T('T1059', 'Command and Scripting Interpreter', [execution], { '001': 'PowerShell', '003': 'Windows Command Shell', '005': 'Visual Basic', '006': 'Python', '007': 'JavaScript' }),
  T('T1068', 'Exploitation for Privilege Escalation', [privesc]),
  T('T1069', 'Permission Groups Discovery', [discovery], { '001': 'Local Groups', '002': 'Domain Groups' }),
  T('T1070', 'Indicator Removal', [evasion], { '001': 'Clear Windows Event Logs', '004': 'File Deletion', '005': 'Network Share Connection Removal', '006': 'Timestomp' }),
  T('T1071', 'Application Layer Protocol', [c2], { '001': 'Web Protocols', '004': 'DNS' }),
  T('T1072', 'Software Deployment Tools', [execution, lateral]),
  T('T1074', 'Data Staged', [collection], { '001': 'Local Data Staging', '002': 'Remote Data Staging' }),
  T('T1078', 'Valid Accounts', [evasion, persistence, privesc, initial], { '001': 'Default Accounts', '002': 'Domain Accounts', '003': 'Local Accounts' }),
  T('T1082', 'System Information Discovery', [discovery]),
  T('T1083', 'File and Directory Discovery', [discovery]),
  T('T1087', 'Account Discovery', [discovery], { '001': 'Local Account', '002': 'Domain Account' }),
  T('T1090', 'Proxy', [c2]),
  T('T1091', 'Replication Through Removable Media', [lateral, initial]),
  T('T1095', 'Non-Application Layer Protocol', [c2]),
  T('T1098', 'Account Manipulation', [persistence, privesc]),
  T('T1105', 'Ingress Tool Transfer', [c2]),
  T('T1106', 'Native API', [execution]),
  T('T1110', 'Brute Force', [credential], { '001': 'Password Guessing', '003': 'Password Spraying' }),
  T('T1112', 'Modify Registry', [evasion]),
  T('T1113', 'Screen Capture', [collection]),
  T('T1114', 'Email Collection', [collection]),
  T('T1119', 'Automated Collection', [collection]),
  T('T1120', 'Peripheral Device Discovery', [discovery]),
  T('T1124', 'System Time Discovery', [discovery]),
  T('T1127', 'Trusted Developer Utilities Proxy Execution', [evasion], { '001': 'MSBuild' }),
  T('T1133', 'External Remote Services', [persistence, initial]),
  T('T1134', 'Access Token Manipulation', [evasion, privesc], { '001': 'Token Impersonation/Theft', '002': 'Create Process with Token' }),
  T('T1135', 'Network Share Discovery', [discovery]),
  T('T1136', 'Create Account', [persistence], { '001': 'Local Account', '002': 'Domain Account' }),
  T('T1140', 'Deobfuscate/Decode Files or Information', [evasion]),
  T('T1185', 'Browser Session Hijacking', [collection]),
  T('T1187', 'Forced Authentication', [credential]),
  T('T1189', 'Drive-by Compromise', [initial]),
  T('T1190', 'Exploit Public-Facing Application', [initial]),
  T('T1195', 'Supply Chain Compromise', [initial]),
  T('T1197', 'BITS Jobs', [evasion, persistence]),
  T('T1199', 'Trusted Relationship', [initial]),
  T('T1201', 'Password Policy Discovery', [discovery]),
  T('T1202', 'Indirect Command Execution', [evasion]),
  T('T1203', 'Exploitation for Client Execution', [execution]),
  T('T1204', 'User Execution', [execution], { '001': 'Malicious Link', '002': 'Malicious File' }),
  T('T1210', 'Exploitation of Remote Services', [lateral]),
  T('T1211', 'Exploitation for Defense Evasion', [evasion]),
  T('T1216', 'System Script Proxy Execution', [evasion]),
  T('T1218', 'System Binary Proxy Execution', [evasion], { '001': 'Compiled HTML File', '003': 'CMSTP', '005': 'Mshta', '007': 'Msiexec', '010': 'Regsvr32', '011': 'Rundll32' }),
  T('T1219', 'Remote Access Software', [c2]),
  T('T1220', 'XSL Script Processing', [evasion]),
  T('T1222', 'File and Directory Permissions Modification', [evasion], { '001': 'Windows File and Directory Permissions Modification' }),
  T('T1482', 'Domain Trust Discovery', [discovery]),
  T('T1484', 'Domain or Tenant Policy Modification', [evasion, privesc], { '001': 'Group Policy Modification' }),
  T('T1485', 'Data Destruction', [impact]),
  T('T1486', 'Data Encrypted for Impact', [impact]),
  T('T1489', 'Service Stop', [impact]),
  T('T1490', 'Inhibit System Recovery', [impact]),
  T('T1497', 'Virtualization/Sandbox Evasion', [evasion, discovery]),
  T('T1505', 'Server Software Component', [persistence], { '003': 'Web Shell' }),
  T('T1518', 'Software Discovery', [discovery], { '001': 'Security Software Discovery' }),
  T('T1529', 'System Shutdown/Reboot', [impact]),
  T('T1531', 'Account Access Removal', [impact]),
  T('T1543', 'Create or Modify System Process', [persistence, privesc], { '003': 'Windows Service' }),
  T('T1546', 'Event Triggered Execution', [privesc, persistence], { '001': 'Change Default File Association', '003': 'Windows Management Instrumentation Event Subscription', '008': 'Accessibility Features', '012': 'Image File Execution Options Injection', '015': 'Component Object Model Hijacking' }),
  T('T1547', 'Boot or Logon Autostart Execution', [persistence, privesc], { '001': 'Registry Run Keys / Startup Folder', '004': 'Winlogon Helper DLL', '005': 'Security Support Provider', '009': 'Shortcut Modification' }),
  T('T1548', 'Abuse Elevation Control Mechanism', [privesc, evasion], { '002': 'Bypass User Account Control' }),
  T('T1550', 'Use Alternate Authentication Material', [evasion, lateral], { '002': 'Pass the Hash', '003': 'Pass the Ticket' }),
  T('T1552', 'Unsecured Credentials', [credential], { '001': 'Credentials In Files', '002': 'Credentials in Registry', '006': 'Group Policy Preferences' }),
  T('T1553', 'Subvert Trust Controls', [evasion], { '004': 'Install Root Certificate', '005': 'Mark-of-the-Web Bypass' }),
  T('T1555', 'Credentials from Password Stores', [credential], { '003': 'Credentials from Web Browsers', '004': 'Windows Credential Manager' }),
  T('T1556', 'Modify Authentication Process', [credential, evasion, persistence], { '002': 'Password Filter DLL' }),
  T('T1557', 'Adversary-in-the-Middle', [credential, collection], { '001': 'LLMNR/NBT-NS Poisoning and SMB Relay' }),
  T('T1558', 'Steal or Forge Kerberos Tickets', [credential], { '001': 'Golden Ticket', '002': 'Silver Ticket', '003': 'Kerberoasting', '004': 'AS-REP Roasting' }),
  T('T1559', 'Inter-Process Communication', [execution], { '001': 'Component Object Model', '002': 'Dynamic Data Exchange' }),
  T('T1560', 'Archive Collected Data', [collection], { '001': 'Archive via Utility' }),
  T('T1562', 'Impair Defenses', [evasion], { '001': 'Disable or Modify Tools', '002': 'Disable Windows Event Logging', '004': 'Disable or Modify System Firewall', '006': 'Indicator Blocking' }),
  T('T1563', 'Remote Service Session Hijacking', [lateral], { '002': 'RDP Hijacking' }),
  T('T1564', 'Hide Artifacts', [evasion], { '001': 'Hidden Files and Directories', '003': 'Hidden Window', '004': 'NTFS File Attributes' }),
  T('T1566', 'Phishing', [initial], { '001': 'Spearphishing Attachment', '002': 'Spearphishing Link' }),
  T('T1567', 'Exfiltration Over Web Service', [exfil], { '002': 'Exfiltration to Cloud Storage' }),
  T('T1569', 'System Services', [execution], { '002': 'Service Execution' }),
  T('T1570', 'Lateral Tool Transfer', [lateral]),
  T('T1571', 'Non-Standard Port', [c2]),
  T('T1572', 'Protocol Tunneling', [c2]),
  T('T1573', 'Encrypted Channel', [c2]),
  T('T1574', 'Hijack Execution Flow', [persistence, privesc, evasion], { '001': 'DLL Search Order Hijacking', '002': 'DLL Side-Loading', '011': 'Services Registry Permissions Weakness' }),
  T('T1583', 'Acquire Infrastructure', [resource]),
  T('T1587', 'Develop Capabilities', [resource]),
  T('T1588', 'Obtain Capabilities', [resource]),
  T('T1589', 'Gather Victim Identity Information', [recon]),
  T('T1592', 'Gather Victim Host Information', [recon]),
  T('T1595', 'Active Scanning', [recon]),
  T('T1615', 'Group Policy Discovery', [discovery]),
  T('T1620', 'Reflective Code Loading', [evasion]),
  T('T1649', 'Steal or Forge Authentication Certificates', [credential]),
];

const tacticById = new Map(TACTICS.map((t) => [t.id, t]));
const techniqueById = new Map(TECHNIQUES.map((t) => [t.id, t]));

export function findTactic(id: string): AttackTactic | undefined {
  return tacticById.get(id);
}

export function findTechnique(id: string): AttackTechnique | undefined {
  return techniqueById.get(id);
}

/** A sub-technique "T1053.005" → its parent and name, when both are in the table. */
export function findSubtechnique(id: string): { parent: AttackTechnique; name: string } | undefined {
  const m = /^(T\d{4})\.(\d{3})$/.exec(id);
  if (!m) return undefined;
  const parent = techniqueById.get(m[1]!);
  const name = parent?.subtechniques?.[m[2]!];
  return parent && name ? { parent, name } : undefined;
}

/** The canonical reference URL of a tactic, technique or sub-technique id. */
export function attackUrl(id: string): string {
  if (id.startsWith('TA')) return `https://attack.mitre.org/tactics/${id}/`;
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}
