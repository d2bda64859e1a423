// What made a project, kept in the project (DESIGN.md section 11): `.serverless-dash/project.json`
// (the generator's version, every answer as its flag's value, and each written file's owner and
// sha256) and `.serverless-dash/base.json.gz` (what the generator wrote of every shared file: the
// base of `upgrade`'s three-way merges). Written by every generation, committed by its first commit.
//
// Only shared files are kept whole: a platform file needs only its hash (was it changed since?), and
// the user's files are never merged. A digest over the record (`integrity`) and the base's hash make
// a hand-edited or damaged record an error instead of a wrong merge.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { stepSync } from './errors.js';
import { OPTIONS, type RawAnswers } from './options.js';
import { ownerOf, RECORD_DIR, type Owner } from './ownership.js';

export const RECORD_FILE = `${RECORD_DIR}/project.json`;
export const BASE_FILE = `${RECORD_DIR}/base.json.gz`;
export const GENERATOR = 'create-serverless-dash';
const FORMAT = 1;

/** The flag an answer is recorded under: the option's flag, `project-dir` for the positional. */
export const flagOf = (o: (typeof OPTIONS)[number]): string => o.flag || 'project-dir';

export interface FileEntry {
  owner: Owner;
  sha256: string;
}

export interface ProjectRecord {
  generator: typeof GENERATOR;
  format: typeof FORMAT;
  version: string;
  /** Every question (flag) the recording version asked: a question not listed here is newer. */
  questions: string[];
  /** flag → value as the CLI takes it ("1024", "rest", true); the project directory as its name. */
  answers: Record<string, string | boolean>;
  /** Every file the generator wrote (relative, `/`), sorted: its owner and the sha256 of what it wrote. */
  files: Record<string, FileEntry>;
  base: { file: string; sha256: string };
  /** sha256 of this record without this field, as written (JSON.stringify of the rest). */
  integrity: string;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The answers as flags: what replaying them through the option table needs. */
export function answersAsFlags(raw: RawAnswers, projectName: string): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const o of OPTIONS) {
    const value = o.key === 'projectDir' ? projectName : raw[o.key];
    if (value !== undefined) out[flagOf(o)] = value;
  }
  return out;
}

function withIntegrity(r: Omit<ProjectRecord, 'integrity'>): ProjectRecord {
  return { ...r, integrity: sha256(JSON.stringify(r)) };
}

/** The record and base for the files written (relative path → content, as rendered); nothing written. */
export function buildRecord(
  written: ReadonlyMap<string, string | Buffer>,
  version: string,
  answers: Record<string, string | boolean>,
): { record: ProjectRecord; base: Buffer } {
  const entries: Record<string, FileEntry> = {};
  const pristine: Record<string, string> = {};
  for (const rel of [...written.keys()].sort()) {
    const content = written.get(rel)!;
    const owner = ownerOf(rel);
    entries[rel] = { owner, sha256: sha256(content) };
    if (owner === 'shared') pristine[rel] = Buffer.from(content).toString('base64');
  }
  // Level 1: a few kB larger than the default level, and half its time in every generation.
  const base = gzipSync(JSON.stringify(pristine), { level: 1 });
  const record = withIntegrity({
    generator: GENERATOR,
    format: FORMAT,
    version,
    questions: OPTIONS.map(flagOf),
    answers,
    files: entries,
    base: { file: path.posix.basename(BASE_FILE), sha256: sha256(base) },
  });
  return { record, base };
}

/** Writes the record and base into `dir` (a staging directory). */
export function writeRecord(dir: string, record: ProjectRecord, base: Buffer): void {
  const recordDir = path.join(dir, RECORD_DIR);
  stepSync(`creating ${recordDir}`, () => fs.mkdirSync(recordDir, { recursive: true }));
  stepSync(`writing ${path.join(dir, BASE_FILE)}`, () => fs.writeFileSync(path.join(dir, BASE_FILE), base));
  stepSync(`writing ${path.join(dir, RECORD_FILE)}`, () =>
    fs.writeFileSync(path.join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`),
  );
}

/** No `.serverless-dash/project.json`: a project generated before records existed, or none at all. */
export class NoRecord extends Error {}
/** The record or base is there but unusable; the message says which and why. */
export class BadRecord extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const HEX64 = /^[0-9a-f]{64}$/;

function shapeProblem(r: unknown): string | undefined {
  if (!isObject(r)) return 'not a JSON object';
  if (r.generator !== GENERATOR) return `"generator" is not ${JSON.stringify(GENERATOR)}`;
  if (r.format !== FORMAT) return `"format" ${JSON.stringify(r.format)} is not one this version reads (${FORMAT})`;
  if (typeof r.version !== 'string' || !parseVersion(r.version)) return '"version" is not a version (x.y.z)';
  if (!Array.isArray(r.questions) || !r.questions.every((q) => typeof q === 'string')) return '"questions" is not a list of flags';
  if (!isObject(r.answers) || !Object.values(r.answers).every((v) => typeof v === 'string' || typeof v === 'boolean')) {
    return '"answers" is not an object of flag values';
  }
  if (!isObject(r.files)) return '"files" is not an object';
  for (const [rel, e] of Object.entries(r.files)) {
    if (rel.startsWith('/') || rel.split('/').includes('..') || rel.includes('\\')) return `"files" names a path outside the project: ${rel}`;
    if (!isObject(e) || !['user', 'platform', 'shared'].includes(e.owner as string) || !HEX64.test(String(e.sha256))) {
      return `"files" entry ${rel} is not { owner, sha256 }`;
    }
  }
  if (!isObject(r.base) || r.base.file !== path.posix.basename(BASE_FILE) || !HEX64.test(String(r.base.sha256))) {
    return '"base" is not { file, sha256 }';
  }
  if (typeof r.integrity !== 'string') return '"integrity" is missing';
  return undefined;
}

/**
 * Reads and checks the record and base of the project in `dir`. Throws NoRecord when there is no
 * record, BadRecord when it or the base is unusable (missing, damaged or edited by hand).
 */
export function readRecord(dir: string): { record: ProjectRecord; base: Map<string, Buffer> } {
  const recordPath = path.join(dir, RECORD_FILE);
  let text: string;
  try {
    text = fs.readFileSync(recordPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NoRecord(`${RECORD_FILE} not found`);
    throw new BadRecord(`${RECORD_FILE} cannot be read: ${(e as Error).message}`);
  }
  const corrupted = (why: string) =>
    new BadRecord(`${RECORD_FILE} is corrupted or was edited by hand (${why}): restore it from git (git checkout -- ${RECORD_DIR})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw corrupted(`not JSON: ${(e as Error).message}`);
  }
  const problem = shapeProblem(parsed);
  if (problem) throw corrupted(problem);
  const record = parsed as ProjectRecord;
  const { integrity, ...rest } = record;
  if (sha256(JSON.stringify(rest)) !== integrity) throw corrupted('its integrity digest does not match its content');

  const basePath = path.join(dir, BASE_FILE);
  let gz: Buffer;
  try {
    gz = fs.readFileSync(basePath);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new BadRecord(
      `${BASE_FILE} ${missing ? 'is missing' : `cannot be read (${(e as Error).message})`}: it holds what version ${record.version} wrote, the base of the merge; restore it from git (git checkout -- ${BASE_FILE})`,
    );
  }
  const badBase = (why: string) =>
    new BadRecord(`${BASE_FILE} is damaged or was replaced (${why}): restore it from git (git checkout -- ${BASE_FILE})`);
  if (sha256(gz) !== record.base.sha256) throw badBase('its sha256 is not the one the record holds');
  let pristine: unknown;
  try {
    pristine = JSON.parse(gunzipSync(gz).toString('utf8'));
  } catch (e) {
    throw badBase((e as Error).message);
  }
  if (!isObject(pristine)) throw badBase('not an object of files');
  const base = new Map<string, Buffer>();
  for (const [rel, b64] of Object.entries(pristine)) {
    const content = Buffer.from(String(b64), 'base64');
    if (record.files[rel]?.sha256 !== sha256(content)) throw badBase(`${rel} is not what the record says was written`);
    base.set(rel, content);
  }
  return { record, base };
}

/** [major, minor, patch, prerelease] of x.y.z or x.y.z-pre; undefined for anything else. */
export function parseVersion(v: string): [number, number, number, string] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ''] : undefined;
}

/** < 0 when a is older than b, 0 when the same, > 0 when newer (a prerelease is older than its release). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  if (!x || !y) throw new Error(`internal: not a version: ${x ? b : a}`);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  if (x[3] === y[3]) return 0;
  if (x[3] === '') return 1;
  if (y[3] === '') return -1;
  return x[3] < y[3] ? -1 : 1;
}
