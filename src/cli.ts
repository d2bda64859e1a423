// The command: flags → answers → target consent → atomic write → post-steps → next steps.
import path from 'node:path';
import { bold, dim, green, red, yellow } from 'kolorist';
import { parseCliArgs } from './args.js';
import { resolveAnswers } from './ask.js';
import { templateContext } from './context.js';
import { Cancelled, EXIT, UsageError } from './errors.js';
import { helpText } from './help.js';
import { nextSteps } from './next-steps.js';
import { toAnswers, type Mode } from './options.js';
import { answersAsFlags } from './record.js';
import { findPackage } from './paths.js';
import { deferSignals, Interrupted, testStepDelay } from './signals.js';
import { choosePlacement, inspectTarget } from './target.js';
import { writeProject, WriteError, type Checkpoint } from './write.js';

export async function main(argv: string[]): Promise<number> {
  // `upgrade` first: the command run inside a project (src/upgrade.ts, loaded only then). Anywhere
  // else, or spelt ./upgrade, it is a project directory like any other.
  if (argv[0] === 'upgrade') {
    const { upgrade } = await import('./upgrade.js');
    return upgrade(argv.slice(1));
  }
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
    // interactive is looked up when needed: process.stdin is a stream made on first use (~2 ms), and
    // a --yes run with every answer at hand never needs it.
    const mode: Mode = {
      yes: args.yes,
      get interactive() {
        return Boolean(process.stdin.isTTY);
      },
    };
    const raw = await resolveAnswers(args.given, mode);
    const answers = toAnswers(raw);
    const target = path.resolve(raw.projectDir ?? '.');
    const placement = await choosePlacement(target, await inspectTarget(target), args.overwrite, mode);

    const signals = deferSignals();
    const delay = testStepDelay();
    const checkpoint: Checkpoint = async (next) => {
      if (next === 'rename') await delay();
      signals.checkpoint();
    };
    const { files, leftovers } = await writeProject({
      templateDir: pkg.templateDir,
      target,
      placement,
      context: templateContext(answers),
      checkpoint,
      record: { version: pkg.version, answers: answersAsFlags(raw, answers.projectName) },
    });
    const verb = placement === 'create' ? 'Created' : placement === 'empty' ? 'Emptied and wrote' : 'Merged into';
    console.log(`\n${green('✔')} ${verb} ${bold(target)} (${files.length} files)`);
    for (const leftover of leftovers) console.warn(yellow(`! could not remove a temporary directory: ${leftover}`));
    // A leftover inside the project would go into its first commit.
    const leftoverInside = leftovers.some((l) => l.startsWith(target + path.sep));
    if (raw.git && leftoverInside) console.warn(yellow('! git: not run until that directory is gone; then git init'));

    let installed = false;
    if (raw.git || raw.install) {
      // Loaded only when a step runs: execa is most of the bundle, and --no-git --no-install never needs it.
      const { initGit, installDependencies } = await import('./post-steps.js');
      if (raw.git && !leftoverInside) await initGit(target, signals.signal);
      if (raw.install) installed = (await installDependencies(target, signals.signal)).ok;
    }
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
