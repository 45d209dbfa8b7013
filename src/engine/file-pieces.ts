// One big NDJSON file read by several threads at once: it is cut into pieces at line starts
// (`InputSource.piece`, src/formats/line-range.ts), and each piece is read as a source of its own, its events
// ordered after the pieces before it (input order is the piece's index, then the position in it). What the pieces
// report is then put back as reading the whole file would have: line numbers in a piece count from its first line,
// so the lines of the pieces before it are added (`placeOrigin`, `placeProblem`), and a piece that ended inside a
// document the JSON scanner was reading read on to the end of the file, so what the pieces after it read is not
// used (`used`). `placement` does both for the events the rule session takes from the sort.
import { isNdjsonFile, shiftLineNumbers, type InputFormat, type InputSource, type Origin, type PieceState } from '../formats/index.js';
import type { Placement } from './run-rules.js';
import { sourceOfOrder } from './source-pipeline.js';

/**
 * Smallest piece: enough work (about half a second) that a thread's per-source costs stay small, small enough that
 * threads which start at different times still end together.
 */
export const PIECE_BYTES = 64 << 20;
/**
 * A file's last piece is cut this many times smaller: the threads take pieces largest first, so these come last
 * and even out when the threads end (a worker starts reading later than the calling thread, which otherwise
 * waited for it up to a whole piece's time). Each piece costs its own start, so only the last ones are small.
 */
export const LAST_PIECE_SPLIT = 4;

/** The sources of a hunt as read: files whole, or in pieces. */
export class FilePieces {
  /** What is read, in input order: each file whole, or its pieces in order. */
  readonly units: InputSource[] = [];
  /** The file (index in the sources given) each unit reads. */
  readonly fileOf: number[] = [];
  /** Whether some file is read in pieces. */
  split = false;
  private readonly states: Array<PieceState | undefined> = [];
  /** Once every unit is read: lines of the file before each unit, and whether a piece before it read on past it. */
  private settled: { bases: number[]; unused: boolean[] } | undefined;

  private constructor() {}

  /** Every source whole. */
  static whole(sources: readonly InputSource[]): FilePieces {
    const p = new FilePieces();
    sources.forEach((s, i) => p.push(s, i));
    return p;
  }

  /** Regular UTF-8 NDJSON files of at least two pieces are cut into pieces of about `pieceBytes`; others stay whole. */
  static async cut(sources: readonly InputSource[], format: InputFormat | undefined, pieceBytes = PIECE_BYTES): Promise<FilePieces> {
    const p = new FilePieces();
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      const n = s.size === undefined || s.path === '-' || s.error || s.skipped ? 1 : Math.floor(s.size / pieceBytes);
      if (n < 2 || !(await isNdjsonFile(s.path, format))) {
        p.push(s, i);
        continue;
      }
      p.split = true;
      const size = s.size!;
      const cuts: number[] = [];
      for (let k = 0; k < n; k++) cuts.push(Math.floor((size * k) / n));
      const last = cuts[n - 1]!;
      for (let k = 1; k < LAST_PIECE_SPLIT; k++) cuts.push(last + Math.floor(((size - last) * k) / LAST_PIECE_SPLIT));
      cuts.push(size);
      for (let k = 0; k + 1 < cuts.length; k++) p.push({ ...s, size: cuts[k + 1]! - cuts[k]!, piece: { start: cuts[k]!, end: cuts[k + 1]! } }, i);
    }
    return p;
  }

  private push(source: InputSource, file: number): void {
    this.units.push(source);
    this.fileOf.push(file);
  }

  /** A unit is read: what its reading said of the piece (lines, overrun), when it was one. */
  done(unit: number, piece: PieceState | undefined): void {
    this.states[unit] = piece;
  }

  /** Once every unit is read: whether what a unit read is used (no piece before it in its file read on past it). */
  used(unit: number): boolean {
    return !this.settle().unused[unit];
  }

  /** Once every unit is read: turns a unit's line number into the file's. */
  placeOrigin(origin: Origin, unit: number): void {
    const base = this.settle().bases[unit]!;
    if (base !== 0 && origin.line !== undefined) origin.line += base;
  }

  /** Once every unit is read: a unit's problem as the file's (its place, and the lines its message names). */
  placeProblem(problem: { origin: Origin; message: string }, unit: number): void {
    this.placeOrigin(problem.origin, unit);
    problem.message = shiftLineNumbers(problem.message, this.settle().bases[unit]!);
  }

  /**
   * Once every unit is read: per file read in pieces that held `_bulk` action lines, how many its used pieces
   * skipped, and its last used piece (where the note goes, as it comes at the end of the file read whole).
   */
  bulkCounts(): Array<{ unit: number; count: number }> {
    const out: Array<{ unit: number; count: number }> = [];
    for (let u = 0; u < this.units.length; u++) {
      const bulk = this.states[u]?.bulk ?? 0;
      if (bulk === 0 || !this.used(u)) continue;
      const last = out.at(-1);
      if (last && this.fileOf[last.unit] === this.fileOf[u]) {
        last.count += bulk;
        last.unit = u;
      } else out.push({ unit: u, count: bulk });
    }
    return out;
  }

  /** The rule session's view (`Placement`): events by input order, whose source index is the unit's. */
  readonly placement: Placement = {
    used: (order) => this.used(sourceOfOrder(order)),
    place: (event) => this.placeOrigin(event.origin, sourceOfOrder(event.order!)),
  };

  private settle(): { bases: number[]; unused: boolean[] } {
    if (!this.settled) {
      const bases: number[] = [];
      const unused: boolean[] = [];
      let lines = 0;
      let overran = false;
      for (let u = 0; u < this.units.length; u++) {
        if (u === 0 || this.fileOf[u] !== this.fileOf[u - 1]) {
          lines = 0;
          overran = false;
        }
        bases.push(lines);
        unused.push(overran);
        const state = this.states[u];
        lines += state?.lines ?? 0;
        overran ||= state?.overran === true;
      }
      this.settled = { bases, unused };
    }
    return this.settled;
  }
}
