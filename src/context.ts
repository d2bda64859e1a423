// The values a template sees. Built from validated answers only (src/options.ts validates);
// templates never see raw user input.

export type ApiFlavour = 'rest' | 'http';
export type Architecture = 'arm64' | 'x86_64';

/** Validated answers, one field per question of the CLI contract (DESIGN.md section 3). */
export interface Answers {
  projectName: string;
  api: ApiFlavour;
  stage: string;
  domain: string; // '' = no custom domain
  certificateArn: string; // '' when no domain
  hostedZoneId: string; // '' = no Route 53 record
  basePath: string; // '' = domain root
  memory: number;
  timeout: number;
  binaryTypes: string[];
  arch: Architecture;
  runtime: string; // python3.11 … python3.14
}

/** What `templates/project/**.hbs` can use: the answers plus derived flags. */
export interface TemplateContext extends Answers {
  isRest: boolean;
  isHttp: boolean;
  hasDomain: boolean;
  hasHostedZone: boolean;
  hasBasePath: boolean;
  /** false only for the HTTP API `$default` stage, whose URL has no stage segment. */
  hasStagePrefix: boolean;
  /** The function has environment variables: the binary media types (REST), the custom domain. */
  hasFunctionEnvironment: boolean;
  /** "3.13" for runtime "python3.13". */
  pythonVersion: string;
  /** ruff's target-version, e.g. "py313". */
  ruffTarget: string;
  /** binaryTypes with each `/` written `~1`, as CloudFormation's RestApi BinaryMediaTypes wants it. */
  samBinaryTypes: string[];
}

export function templateContext(a: Answers): TemplateContext {
  const pythonVersion = a.runtime.replace(/^python/, '');
  return {
    ...a,
    isRest: a.api === 'rest',
    isHttp: a.api === 'http',
    hasDomain: a.domain !== '',
    hasHostedZone: a.hostedZoneId !== '',
    hasBasePath: a.basePath !== '',
    hasStagePrefix: a.stage !== '$default',
    hasFunctionEnvironment: a.api === 'rest' || a.domain !== '',
    pythonVersion,
    ruffTarget: 'py' + pythonVersion.replace('.', ''),
    samBinaryTypes: a.binaryTypes.map((t) => t.replaceAll('/', '~1')),
  };
}
