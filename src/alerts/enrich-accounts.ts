// Where the task came from and who created it, kept apart from the account it runs as: the source address
// (the network leg, else the creator's logon or the share access) and the remote user (4698's subject tied to
// its network logon by logon id, else the network logon from the same address and port).
import type { NormalizedEvent } from '../normalize/types.js';
import type { ContextEvent } from './context-events.js';
import { Correlation, ipOf, lc, logonKey, portOf, toContext } from './correlation.js';
import type { TaskFindings } from './enrich-task.js';
import { channelOf, cleanIp, data, eventIdOf, evidenceOf, isLoopback, num, sourceKindOf, str } from './fields.js';

/** Logging order slack: a logon is recorded a little after the connection that caused it. */
const LOGON_SLACK_MS = 2000;

export interface AccountFindings {
  sourceIp?: string;
  sourcePort?: number;
  sourceEvidence?: string;
  destinationIp?: string;
  destinationPort?: number;
  userName?: string;
  userDomain?: string;
  userEvidence?: string;
  /** The network logon of the creator, when one was tied to the task. */
  creatorLogon?: ContextEvent;
  /** Its logon id (normalized), for related 4672s. */
  creatorLogonId?: string;
}

export function findAccounts(cor: Correlation, found: TaskFindings, contextWindowMs: number): AccountFindings {
  const evs = cor.events;
  const out: AccountFindings = {};
  const setSource = (e: NormalizedEvent, what: string): void => {
    const ip = ipOf(e.doc);
    if (!ip || isLoopback(ip) || out.sourceIp) return;
    out.sourceIp = ip;
    const port = portOf(e.doc);
    if (port !== undefined) out.sourcePort = port;
    out.sourceEvidence = evidenceOf(e, what);
  };

  // The network leg, else logons and share accesses in the match.
  const net = found.net;
  if (net) {
    setSource(net, sourceKindOf(channelOf(net.doc)) === 'security' ? 'IpAddress' : 'network connection');
    const dip = cleanIp(str(net.doc, 'destination.ip'));
    if (dip) out.destinationIp = dip;
    const dport = num(net.doc, 'destination.port');
    if (dport !== undefined) out.destinationPort = dport;
  }
  for (const e of evs) {
    const id = eventIdOf(e.doc);
    if (id === 4624 || id === 5140 || id === 5145) setSource(e, 'IpAddress');
  }

  // The remote user who created the task: 4698's subject, tied to its network logon by logon id.
  const created = found.created;
  if (created) {
    const user = data(created.ev.doc, 'SubjectUserName');
    if (user) {
      out.userName = user;
      const dom = data(created.ev.doc, 'SubjectDomainName');
      if (dom) out.userDomain = dom;
      out.userEvidence = evidenceOf(created.ev, 'Subject');
    }
    const lid = logonKey(data(created.ev.doc, 'SubjectLogonId'));
    if (lid) {
      out.creatorLogonId = lid;
      const logon = cor.nearest((c) => c.kind === 'logon' && logonKey(data(c.ev.doc, 'TargetLogonId')) === lid);
      if (logon) {
        out.creatorLogon = logon;
        cor.anchor(logon);
        out.userEvidence = `${out.userEvidence ?? evidenceOf(created.ev)}; logon ${data(created.ev.doc, 'SubjectLogonId')} = ${evidenceOf(logon.ev, 'TargetLogonId')}`;
        setSource(logon.ev, 'IpAddress (logon of the task creator)');
      }
    }
  }
  if (!out.userName) {
    const inMatchLogon = evs.find((e) => eventIdOf(e.doc) === 4624 && data(e.doc, 'TargetUserName'));
    let logon = inMatchLogon ? toContext(inMatchLogon) : undefined;
    if (!logon && out.sourceIp) {
      // The network logon from the source address: the same source port identifies it; without the port, the
      // nearest in time that is not after the task was written (a later logon cannot have written it).
      const ip = out.sourceIp;
      const port = out.sourcePort;
      const samePort = (c: ContextEvent): boolean => port !== undefined && portOf(c.ev.doc) === port;
      logon = cor.nearest((c) => {
        if (c.kind !== 'logon' || ipOf(c.ev.doc) !== ip || /ANONYMOUS LOGON/i.test(data(c.ev.doc, 'TargetUserName') ?? '')) return false;
        if (samePort(c)) return true;
        return cor.distance(c) <= contextWindowMs && c.aligned <= cor.anchorTime(c.clock) + LOGON_SLACK_MS;
      }, samePort);
    }
    const user = logon && data(logon.ev.doc, 'TargetUserName');
    if (logon && user) {
      out.creatorLogon = logon;
      out.creatorLogonId = logonKey(data(logon.ev.doc, 'TargetLogonId'));
      cor.anchor(logon);
      out.userName = user;
      const dom = data(logon.ev.doc, 'TargetDomainName');
      if (dom) out.userDomain = dom;
      const samePort = out.sourcePort !== undefined && portOf(logon.ev.doc) === out.sourcePort;
      out.userEvidence = evidenceOf(logon.ev, samePort ? 'network logon from the same address and port' : 'network logon from the same address');
    }
  }
  if (!out.userName) {
    const share = evs.find((e) => {
      const id = eventIdOf(e.doc);
      return (id === 5145 || id === 5140) && data(e.doc, 'SubjectUserName');
    });
    if (share) {
      out.userName = data(share.doc, 'SubjectUserName');
      const dom = data(share.doc, 'SubjectDomainName');
      if (dom) out.userDomain = dom;
      out.userEvidence = evidenceOf(share, 'Subject');
    }
  }
  // SMB-pipe creation (atexec): the task's logon has no address; the IPC$\atsvc access by the same account does.
  if (!out.sourceIp && out.userName) {
    const user = lc(out.userName);
    const dom = lc(out.userDomain);
    const atsvc = cor.nearest(
      (c) =>
        c.kind === 'share' &&
        ipOf(c.ev.doc) !== undefined &&
        lc(data(c.ev.doc, 'SubjectUserName')) === user &&
        (dom === undefined || lc(data(c.ev.doc, 'SubjectDomainName')) === dom) &&
        cor.distance(c) <= contextWindowMs,
      (c) => /^atsvc$/i.test(data(c.ev.doc, 'RelativeTargetName') ?? ''),
    );
    if (atsvc) {
      const rel = data(atsvc.ev.doc, 'RelativeTargetName');
      setSource(atsvc.ev, `${data(atsvc.ev.doc, 'ShareName') ?? ''}${rel ? '\\' + rel : ''} access by the same account`);
    }
  }
  return out;
}
