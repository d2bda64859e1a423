// Which files of templates/project a project gets: only what its answers turned on (DESIGN.md
// section 4). A file no row names goes into every project. Paths are as in templates/project/
// (before `_gitignore`-style renames and without `.hbs`); a path ending in `/` names a folder.
import type { TemplateContext } from './context.js';

export interface OptionalFiles {
  /** What the answers turned on, for the reader. */
  feature: string;
  when(c: TemplateContext): boolean;
  paths: readonly string[];
}

export const OPTIONAL_FILES: readonly OptionalFiles[] = [
  {
    feature: 'sign-in (--auth cognito)',
    when: (c) => c.hasCognito,
    paths: [
      'src/serverless_dash/auth.py',
      'tests/test_auth.py',
      'tests/test_auth_environments.py',
      'tests/local_provider.py',
      'tools/local_sign_in.py',
    ],
  },
  {
    feature: 'who may open it, in the template (--auth cognito or ip)',
    when: (c) => c.hasCognito || c.hasIpAllowList,
    paths: ['tests/test_auth_template.py'],
  },
  {
    feature: 'CloudFront (--cdn)',
    when: (c) => c.cdn,
    paths: ['src/serverless_dash/cdn.py', 'tests/test_cdn.py', 'tools/cloudfront.py'],
  },
  {
    feature: 'background callbacks (--background)',
    when: (c) => c.background,
    paths: [
      'src/serverless_dash/background.py',
      'src/serverless_dash/worker.py',
      'src/pages/report.py',
      'tests/test_background.py',
      'tests/background_app.py',
      'tools/local_aws.py',
    ],
  },
];

/** Whether the template file `rel` (relative to templates/project, `/` or `\` separated) is written for `ctx`. */
export function isIncluded(rel: string, ctx: TemplateContext): boolean {
  const file = rel.replaceAll('\\', '/').replace(/\.hbs$/, '');
  return OPTIONAL_FILES.every(
    (row) => row.when(ctx) || !row.paths.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)),
  );
}
