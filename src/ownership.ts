// Whose is each file of a generated project (DESIGN.md sections 4 and 11): the one table `upgrade`
// decides by, and the generator records (.serverless-dash/project.json) beside each file it wrote.
//
// - user:     the user's room. Ordinary Dash code, data and assets; `upgrade` never writes it.
// - platform: the platform's package, tools and tests. The user never edits it; `upgrade` replaces
//             it (refusing, by name, a file the user changed, unless --force).
// - shared:   everything else the generator wrote (template, Makefile, README, requirements,
//             workflows, the tests' shared fixtures, ...): merged three ways by `upgrade` against
//             what the recorded version wrote.

export type Owner = 'user' | 'platform' | 'shared';

export interface OwnershipRule {
  /** A project-relative path with `/`: exact, or `dir/**` for everything below dir. */
  pattern: string;
  owner: Owner;
  why: string;
}

/** First match wins. Patterns are for the project's layout (the platform package is src/serverless_dash/). */
export const OWNERSHIP: readonly OwnershipRule[] = [
  { pattern: 'src/serverless_dash/**', owner: 'platform', why: 'the platform package: Lambda entry, events, doors, responses, sign-in, CloudFront lock' },
  { pattern: 'src/requirements.in', owner: 'shared', why: 'what the function needs: yours and the platform\'s lines' },
  { pattern: 'src/requirements.txt', owner: 'shared', why: 'the pinned lock of requirements.in (make lock)' },
  { pattern: 'src/**', owner: 'user', why: 'your app: app.py, pages/, assets/, data' },
  { pattern: 'tools/**', owner: 'platform', why: 'build, lock, local API Gateway / CloudFront stand-ins, sam local' },
  { pattern: 'tests/conftest.py', owner: 'shared', why: 'the tests\' shared fixtures' },
  { pattern: 'tests/**', owner: 'platform', why: 'the platform\'s tests' },
  { pattern: '**', owner: 'shared', why: 'template.yaml, Makefile, samconfig.toml, README.md, pyproject.toml, requirements-dev.txt, .gitignore, workflows, ...' },
];

/** The directory holding the record; the generator writes it, and it belongs to no class. */
export const RECORD_DIR = '.serverless-dash';

function matches(pattern: string, rel: string): boolean {
  if (pattern === '**') return true;
  if (pattern.endsWith('/**')) return rel.startsWith(pattern.slice(0, -2));
  return rel === pattern;
}

/** The rule a project-relative path (`/`-separated) falls under. */
export function ruleFor(rel: string): OwnershipRule {
  const rule = OWNERSHIP.find((r) => matches(r.pattern, rel));
  if (!rule) throw new Error(`internal: no ownership rule for ${rel}`); // '**' is last
  return rule;
}

export function ownerOf(rel: string): Owner {
  return ruleFor(rel).owner;
}
