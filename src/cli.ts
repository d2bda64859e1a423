// The command: flags → answers → target consent → atomic write → post-steps → next steps.
import path from 'node:path';
import { bold, dim, green, red, yellow } from 'kolorist';
import { parseCliArgs } from './args.js';
import { resolveAnswers } from './ask.js';
import { templateContext } from './context.js';
import { Cancelled, EXIT, UsageError } from './errors.js';
import { helpText } from './help.js';
import { nextSteps } from './next-steps.js';
import { toAnswers } from './options.js';
import { findPackage } from './paths.js';
import { initGit, installDependencies } from './post-steps.js';
import { Interrupted, withSignalsDeferred } from './signals.js';
import { choosePlacement, inspectTarget } from './target.js';
import { writeProject, WriteError } from './write.js';

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCliArgs(argv);
    if (args.help) {
      process.stdout.write(helpText());
      return EXIT.ok;
    }
    const pkg = findPackage();
    if (args.version) {
      console.log(pkg.version);
      return EXIT.ok;
    }
    const mode = { interactive: Boolean(process.stdin.isTTY), yes: args.yes };
    const raw = await resolveAnswers(args.given, mode);
    const answers = toAnswers(raw);
    const target = path.resolve(raw.projectDir ?? '.');
    const placement = await choosePlacement(target, await inspectTarget(target), args.overwrite, mode);

    const { files, leftovers } = await withSignalsDeferred((checkpoint) =>
      writeProject({ templateDir: pkg.templateDir, target, placement, context: templateContext(answers), checkpoint }),
    );
    const verb = placement === 'create' ? 'Created' : placement === 'empty' ? 'Emptied and wrote' : 'Merged into';
    console.log(`\n${green('✔')} ${verb} ${bold(target)} (${files.length} files)`);
    for (const leftover of leftovers) console.warn(yellow(`! could not remove a temporary directory: ${leftover}`));

    if (raw.git) await initGit(target);
    const installed = raw.install ? (await installDependencies(target)).ok : false;
    console.log(`\n${nextSteps(answers, target, installed)}\n`);
    return EXIT.ok;
  } catch (e) {
    return report(e);
  }
}

function report(e: unknown): number {
  if (e instanceof UsageError) {
    console.error(`${red('✖')} ${e.message}\n${dim('  Run create-serverless-dash --help for every flag and rule.')}`);
    return e.exitCode;
  }
  if (e instanceof Cancelled) {
    console.error(`${red('✖')} ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof WriteError && e.cause instanceof Interrupted) {
    console.error(`${red('✖')} Interrupted while writing; ${e.message.split('\n').slice(1).join('\n')}`);
    return e.cause.exitCode;
  }
  if (e instanceof WriteError) {
    console.error(`${red('✖')} Writing the project failed: ${e.message}`);
    return EXIT.writeFailed;
  }
  console.error(`${red('✖')} ${(e as Error)?.stack ?? String(e)}`);
  return EXIT.writeFailed;
}
