// The DESIGN.md section 3 defaults as typed answers, for tests that render and write directly.
import { templateContext, type Answers, type TemplateContext } from '../../src/context.js';

export const DEFAULT_ANSWERS: Answers = {
  projectName: 'serverless-dash',
  api: 'rest',
  stage: 'Prod',
  domain: '',
  certificateArn: '',
  hostedZoneId: '',
  basePath: '',
  cdn: false,
  background: true,
  memory: 1024,
  timeout: 29,
  binaryTypes: ['*/*'],
  arch: 'arm64',
  runtime: 'python3.13',
  auth: 'none',
  allowIp: [],
};

export function context(overrides: Partial<Answers> = {}): TemplateContext {
  return templateContext({ ...DEFAULT_ANSWERS, ...overrides });
}
