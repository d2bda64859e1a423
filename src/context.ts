// The values a template sees. Built from validated answers only (src/options.ts validates);
// templates never see raw user input.

export type ApiFlavour = 'rest' | 'http';
export type Architecture = 'arm64' | 'x86_64';
export type Auth = 'none' | 'cognito' | 'ip';

/** Validated answers, one field per question of the CLI contract (DESIGN.md section 3). */
export interface Answers {
  projectName: string;
  api: ApiFlavour;
  stage: string;
  domain: string; // '' = no custom domain
  certificateArn: string; // '' when no domain
  hostedZoneId: string; // '' = no Route 53 record
  basePath: string; // '' = domain root
  cdn: boolean; // a CloudFront distribution in front of the API (DESIGN.md section 9)
  background: boolean; // Dash background callbacks: a worker function and a DynamoDB table (DESIGN.md section 13)
  memory: number;
  timeout: number;
  binaryTypes: string[];
  arch: Architecture;
  runtime: string; // python3.11 … python3.14
  auth: Auth; // who may open the dashboard (DESIGN.md section 8)
  allowIp: string[]; // with auth "ip": the CIDRs let in; else []
}

/** What `templates/project/**.hbs` can use: the answers plus derived flags. */
export interface TemplateContext extends Answers {
  isRest: boolean;
  isHttp: boolean;
  hasDomain: boolean;
  hasHostedZone: boolean;
  hasBasePath: boolean;
  /** The API itself has the custom domain (a domain without --cdn; with --cdn the distribution has it). */
  hasApiDomain: boolean;
  /** The URL prefix a viewer sees on the distribution: "/" or "/<base path>/". */
  cdnPrefix: string;
  /** CloudFront path patterns cached at the edge: Dash's component suites and the app's assets. */
  cdnCachedPaths: string[];
  /** false only for the HTTP API `$default` stage, whose URL has no stage segment. */
  hasStagePrefix: boolean;
  /** The duration alarm's threshold: 80 % of the timeout, in milliseconds. */
  durationAlarmMs: number;
  /** The deploy environments, each its own stack (samconfig.toml, pipeline/bootstrap.yaml, deploy.yml). */
  deployEnvironments: { name: string; title: string; upper: string; stackName: string }[];
  /**
   * The one URL prefix people open the dashboard at (DESIGN.md section 7): CloudFront's base path or
   * "/" with --cdn; else the domain's base path or "/" with --domain; else "/<stage>/", or "/" for
   * the HTTP API `$default` stage.
   */
  publicPrefix: string;
  /** API Gateway's own URL's prefix: "/<stage>/", or "/" for the HTTP API `$default` stage (the dev stack's, without --cdn). */
  stagePrefix: string;
  /** API Gateway's own URL with its stage, as a CloudFormation !Sub string: the dev stack's door without --cdn. */
  executeApiDoor: string;
  /** The distribution's own URL with its base path, as a !Sub string (--cdn). */
  cdnDoor: string;
  /** The stack's own URL without a custom domain (the dev stack's door): cdnDoor with --cdn, else executeApiDoor. */
  ownDoor: string;
  /** The sign-in client's URL lists (--auth cognito): property name and the path below each door. */
  signInUrlLists: { property: string; path: string }[];
  /** "3.13" for runtime "python3.13". */
  pythonVersion: string;
  /** ruff's target-version, e.g. "py313". */
  ruffTarget: string;
  /** binaryTypes with each `/` written `~1`, as CloudFormation's RestApi BinaryMediaTypes wants it. */
  samBinaryTypes: string[];
  /** --auth cognito: a Cognito user pool, and sign-in in the function (src/adapter/auth.py). */
  hasCognito: boolean;
  /** --auth ip: a resource policy on the REST API lets only `allowIp` in. */
  hasIpAllowList: boolean;
  /**
   * With sign-in: the public door's URL up to and including its prefix, as a CloudFormation !Sub
   * string (`${DashApi}` is the API id): the app client's callback and sign-out URLs are built from it.
   */
  signInDoors: string[];
  /** The public door's URL: the custom domain, else CloudFront's, else the execute-api URL. */
  mainDoor: string;
}

export function templateContext(a: Answers): TemplateContext {
  const pythonVersion = a.runtime.replace(/^python/, '');
  const publicPrefix =
    a.cdn || a.domain ? (a.basePath ? `/${a.basePath}/` : '/') : a.stage === '$default' ? '/' : `/${a.stage}/`;
  // The one public door (DESIGN.md section 7): sign-in's callback and sign-out URLs are its own.
  const door = a.domain
    ? `https://${a.domain}${publicPrefix}`
    : a.cdn
      ? `https://\${DashDistribution.DomainName}${publicPrefix}`
      : `https://\${DashApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}${publicPrefix}`;
  return {
    ...a,
    isRest: a.api === 'rest',
    isHttp: a.api === 'http',
    hasDomain: a.domain !== '',
    hasHostedZone: a.hostedZoneId !== '',
    hasBasePath: a.basePath !== '',
    hasApiDomain: a.domain !== '' && !a.cdn,
    cdnPrefix: a.basePath ? `/${a.basePath}/` : '/',
    cdnCachedPaths: ['_dash-component-suites/*', 'assets/*'].map((p) => (a.basePath ? `${a.basePath}/${p}` : p)),
    hasStagePrefix: a.stage !== '$default',
    durationAlarmMs: a.timeout * 800,
    deployEnvironments: ['dev', 'prod'].map((name) => ({
      name,
      title: name[0].toUpperCase() + name.slice(1),
      upper: name.toUpperCase(),
      stackName: `${a.projectName}-${name}`,
    })),
    publicPrefix,
    stagePrefix: a.stage === '$default' ? '/' : `/${a.stage}/`,
    executeApiDoor: `https://\${DashApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${a.stage === '$default' ? '' : `${a.stage}/`}`,
    cdnDoor: `https://\${DashDistribution.DomainName}${a.basePath ? `/${a.basePath}/` : '/'}`,
    ownDoor: a.cdn
      ? `https://\${DashDistribution.DomainName}${a.basePath ? `/${a.basePath}/` : '/'}`
      : `https://\${DashApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${a.stage === '$default' ? '' : `${a.stage}/`}`,
    signInUrlLists: [
      { property: 'CallbackURLs', path: '_auth/callback' },
      { property: 'LogoutURLs', path: '_auth/signed-out' },
    ],
    pythonVersion,
    ruffTarget: 'py' + pythonVersion.replace('.', ''),
    samBinaryTypes: a.binaryTypes.map((t) => t.replaceAll('/', '~1')),
    hasCognito: a.auth === 'cognito',
    hasIpAllowList: a.auth === 'ip',
    signInDoors: [door],
    mainDoor: door,
  };
}
