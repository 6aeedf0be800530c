#!/usr/bin/env node
/** The `athanor` command. */
import { Command } from 'commander';
// A command's modules (the agent, models, database, server) load when it runs, not before: a
// second or more of module loading that --help, a usage error or a light command need not wait for.
import { approvalModeOf, collect, integer, positiveInt, rankingOf } from './cli/arguments.js';
import { registerAutoencoderCommand } from './cli/autoencoder-command.js';
import { registerChainsCommand } from './cli/chains-command.js';
import { reportError } from './cli/errors.js';
import { registerLabSimCommand } from './cli/lab-sim-command.js';
import { registerPredictCommands } from './cli/predict-command.js';
import { registerTokenCommand } from './cli/token-command.js';

const program = new Command()
  .name('athanor')
  .description('Autonomous experiment planner for chemistry: closed-loop campaigns against robots and simulators.')
  .option('--home <dir>', 'Athanor home: embedded database and lab journals (env ATHANOR_HOME, default ./.athanor)')
  .option('--config <file>', 'service configuration: data folders, lab profiles, secrets (env ATHANOR_CONFIG, default <home>/service.yaml)')
  .showHelpAfterError()
  .exitOverride((error) => {
    // commander's own usage errors are the user's to fix: exit 2
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

program
  .command('run')
  .description('run a campaign to its end in this process, printing progress and a summary')
  .argument('[file]', 'campaign file (YAML or JSON)')
  .option('--budget <n>', 'experiments to run (overrides budget.experiments)', positiveInt)
  .option('--batch <n>', 'experiments per batch (overrides budget.batch)', positiveInt)
  .option('--seed <n>', 'random seed (overrides seed)', integer)
  .option('--resume', 'continue the newest unfinished campaign made from the same file and options')
  .option('--campaign <id>', 'continue this campaign')
  .option('--json', 'print the summary as one JSON object on the last line of stdout (progress goes to stderr)')
  .option('--quiet', 'print only the summary')
  .option('--data-dir <dir>', "a folder the campaign's files may be in, besides the campaign file's own folder and the home (repeatable)", collect)
  .option('--approve [mode]', "campaigns with an approval gate (planner.approval): 'all' (the default) approves every batch as the operator cli; 'ask' asks on stdin (the default on a terminal)", approvalModeOf)
  .action(async (file: string | undefined, options, command: Command) => {
    const { runCommand } = await import('./cli/run-command.js');
    process.exitCode = await runCommand(file, { ...options, ...command.optsWithGlobals() });
  });

program
  .command('serve')
  .description('run the planning service: every unfinished campaign, and the HTTP API on 127.0.0.1')
  .option('--port <n>', 'HTTP port (env ATHANOR_PORT, default 7340)', positiveInt)
  .option('--host <address>', 'address to listen on (env ATHANOR_HOST, default 127.0.0.1)')
  .option('--demo', 'create and start a demo campaign on the simulator when the database has none')
  .option('--data-dir <dir>', 'folder that campaigns created in the panel read datasets from (default: the bundled examples)')
  .action(async (options, command: Command) => {
    const { serveCommand } = await import('./cli/serve-command.js');
    // Exit once the service has stopped: a worker thread whose termination hangs must not keep
    // the process alive after the database is closed.
    process.exit(await serveCommand({ ...options, ...command.optsWithGlobals() }));
  });

program
  .command('migrate')
  .description('apply the database migrations (the service and run do this by themselves too)')
  .action(async (_options, command: Command) => {
    const { openDatabase, resolveHome } = await import('./db/index.js');
    const database = await openDatabase({ home: resolveHome(command.optsWithGlobals().home) });
    process.stdout.write(`database at ${database.location} (${database.kind}) is up to date\n`);
    await database.close();
  });

registerTokenCommand(program);
registerLabSimCommand(program);
registerPredictCommands(program);
registerChainsCommand(program);
registerAutoencoderCommand(program);

program
  .command('screen')
  .description("virtual screening: try every molecule of a library (CSV with a smiles column, .smi or SDF; streamed) in one substance role of a campaign, scored by its newest model, the other parameters at the best result's; prints the best with predicted value ± σ")
  .argument('<campaign>', 'campaign id')
  .option('--role <role>', 'the substance role the molecules are tried in')
  .option('--library <file>', 'the library: .csv/.tsv (a "smiles" column, optionally "name" or "id"), .smi (SMILES and name per line) or .sdf')
  .option('--top <n>', 'how many of the best to keep and print (default 25)', positiveInt, 25)
  .option('--rank <how>', "'mean' (the predicted value) or 'ucb' (optimistic: mean + 2σ)", rankingOf, 'mean')
  .option('--with <name=value>', "fix a parameter of the reaction instead of the best result's (repeatable)", collect)
  .option('--max-heavy-atoms <n>', 'larger molecules are left out (default 70)', positiveInt)
  .option('--elements <list>', "element symbols allowed, comma-separated (default: the organic set and the role's own substances' elements)")
  .option('--out <file>', 'write the best (all --top of them) as CSV')
  .option('--no-forward', "do not ask the forward model for each of the best molecules' product")
  .option('--json', 'print the whole report as one JSON object')
  .option('--quiet', 'no progress on stderr')
  .action(async (campaign: string, options, command: Command) => {
    const { screenCommand } = await import('./cli/screen-command.js');
    process.exitCode = await screenCommand(campaign, { ...options, ...command.optsWithGlobals() });
  });

program
  .command('suggest-substances')
  .description('new substances for a substance role, generated with the molecular autoencoder near the role\'s best performers, checked (size, elements, reactive groups, rings, the forward model\'s reaction) and ranked by the campaign\'s model; suggestions only, nothing is dispatched')
  .argument('<campaign>', 'campaign id')
  .option('--role <role>', 'the substance role to suggest for')
  .option('--count <n>', 'how many suggestions (default 10)', positiveInt, 10)
  .option('--with <name=value>', "fix a parameter of the reaction instead of the best result's (repeatable)", collect)
  .option('--max-heavy-atoms <n>', 'larger molecules are left out (default 70)', positiveInt)
  .option('--elements <list>', "element symbols allowed, comma-separated (default: the organic set and the role's own substances' elements)")
  .option('--allow-reactive <group>', 'allow a reactive group the role\'s substances lack, e.g. "aldehyde" (repeatable)', collect)
  .option('--no-forward-check', 'skip the forward model\'s check that the reaction stays the same kind')
  .option('--autoencoder <file>', 'a model written by athanor train-autoencoder (default: the shipped one)')
  .option('--rounds <n>', 'rounds of search in the latent space (default 3)', positiveInt)
  .option('--min-similarity <x>', 'set aside suggestions less similar than this (Tanimoto) to every substance of the role (default 0.3)', Number)
  .option('--seed <n>', 'random seed', positiveInt, 1)
  .option('--out <file>', 'write the suggestions as CSV')
  .option('--json', 'print the whole report as one JSON object')
  .option('--quiet', 'no progress on stderr')
  .action(async (campaign: string, options, command: Command) => {
    const { suggestSubstancesCommand } = await import('./cli/suggest-command.js');
    process.exitCode = await suggestSubstancesCommand(campaign, { ...options, ...command.optsWithGlobals() });
  });

program
  .command('status')
  .description('list campaigns, or show one in detail')
  .argument('[campaign]', 'campaign id')
  .option('--json', 'print JSON')
  .action(async (campaign: string | undefined, options, command: Command) => {
    const { statusCommand } = await import('./cli/status-command.js');
    process.exitCode = await statusCommand(campaign, { ...options, ...command.optsWithGlobals() });
  });

program
  .command('experiments')
  .description("list a campaign's experiments with their conditions, status and results")
  .argument('<campaign>', 'campaign id (athanor status lists them)')
  .option('--json', 'print JSON: one object per experiment, with the result as the lab sent it (raw)')
  .option('--csv', 'print CSV: a column per parameter and per measured quantity')
  .option('--status <list>', 'only these statuses, comma-separated (planned, dispatched, running, completed, failed, cancelled)')
  .action(async (campaign: string, options, command: Command) => {
    const { experimentsCommand } = await import('./cli/experiments-command.js');
    process.exitCode = await experimentsCommand(campaign, { ...options, ...command.optsWithGlobals() });
  });

program
  .command('export')
  .description("write a campaign's experiments with results as an Open Reaction Database dataset (validated)")
  .argument('<campaign>', 'campaign id (athanor status lists them)')
  .option('--email <address>', "the experimenter's e-mail (required: the ORD records one with every reaction)")
  .option('--name <name>', "the experimenter's name")
  .option('--orcid <id>', "the experimenter's ORCID iD")
  .option('--format <format>', 'pb.gz (as the ORD distributes datasets), pb or json', 'pb.gz')
  .option('--out <file>', 'where to write it (- for stdout; default <campaign name>.ord.<format>)')
  .action(async (campaign: string, options, command: Command) => {
    const { exportCommand } = await import('./cli/export-command.js');
    process.exitCode = await exportCommand(campaign, { ...options, ...command.optsWithGlobals() });
  });

program.parseAsync(process.argv).catch(reportError);
