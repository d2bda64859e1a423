// The closing block: what to type next and where the dashboard will be, for these answers.
import path from 'node:path';
import { bold, cyan, dim } from 'kolorist';
import type { Answers } from './context.js';

/**
 * The one URL the deployed dashboard answers on (DESIGN.md section 7: one public door per stack),
 * with placeholders for what only the deploy knows.
 */
export function dashboardUrls(a: Answers): string[] {
  const below = a.basePath ? `${a.basePath}/` : '';
  if (a.domain) return [`https://${a.domain}/${below}`];
  if (a.cdn) return [`https://<id>.cloudfront.net/${below}`];
  const stage = a.stage === '$default' ? '' : `${a.stage}/`;
  return [`https://<api-id>.execute-api.<region>.amazonaws.com/${stage}`];
}

function shellQuote(s: string): string {
  return /^[\w./@%+:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function nextSteps(a: Answers, target: string, installed: boolean, cwd = process.cwd()): string {
  const rel = path.relative(cwd, target);
  const steps: [string, string][] = [];
  if (rel !== '') steps.push([`cd ${shellQuote(rel)}`, '']);
  if (!installed) steps.push(['make install', 'create .venv with the dependencies']);
  steps.push(['make dev', 'run the dashboard locally, no AWS account needed']);
  steps.push(['make test', 'run the tests']);
  // Build first: `sam deploy` alone would upload src/ without its dependencies.
  steps.push(['make build', 'sam build: the Lambda package with its dependencies']);
  steps.push(['sam deploy --guided', 'first deploy (AWS credentials needed); later: make deploy']);
  const width = Math.max(...steps.map(([cmd]) => cmd.length));
  const lines = [bold('Next steps:'), ...steps.map(([cmd, why]) => `  ${cyan(cmd.padEnd(width))}  ${why ? dim(why) : ''}`.trimEnd())];
  lines.push('', bold('After deploying, the dashboard is at:'), ...dashboardUrls(a).map((u) => `  ${u}`));
  if (a.domain && !a.hostedZoneId && a.cdn) {
    lines.push(dim(`  (point a DNS record (CNAME) for ${a.domain} at the distribution: the host of the CloudFrontUrl output)`));
  } else if (a.domain && !a.hostedZoneId) {
    // The stack cannot output it (cfn-lint E6101), so say where to read it.
    const lookup =
      a.api === 'rest'
        ? `aws apigateway get-domain-name --domain-name ${a.domain} --query regionalDomainName --output text`
        : `aws apigatewayv2 get-domain-name --domain-name ${a.domain} --query 'DomainNameConfigurations[0].ApiGatewayDomainName' --output text`;
    lines.push(dim(`  (point a DNS record (CNAME) for ${a.domain} at the API's regional domain name: ${lookup})`));
  }
  return lines.join('\n');
}
