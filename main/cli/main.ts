import { processIO, UsageError, type CliIO } from './io';
import { scanCommand, SCAN_USAGE } from './scan-command';
import { deidCommand, DEID_USAGE } from './deid-command';
import { uploadCommand, UPLOAD_USAGE } from './upload-command';
import { sendCommand, SEND_USAGE } from './send-command';
import { watchCommand, WATCH_USAGE } from './watch-command';
import { serveCommand, SERVE_USAGE } from './serve-command';

type Command = (argv: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  scan: scanCommand,
  deid: deidCommand,
  upload: (argv, io) => uploadCommand(argv, io),
  send: sendCommand,
  watch: (argv, io) => watchCommand(argv, io),
  serve: serveCommand,
};

const HELP: Record<string, string> = {
  scan: SCAN_USAGE,
  deid: DEID_USAGE,
  upload: UPLOAD_USAGE,
  send: SEND_USAGE,
  watch: WATCH_USAGE,
  serve: SERVE_USAGE,
};

const USAGE = [
  'usage:',
  `  ${SCAN_USAGE}`,
  `  ${DEID_USAGE}`,
  `  ${UPLOAD_USAGE}`,
  `  ${SEND_USAGE}`,
  `  ${WATCH_USAGE}`,
  `  ${SERVE_USAGE}`,
].join('\n');

/** Runs one command; returns the exit code (0 done, 1 failed, 2 bad arguments or unreadable input). */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd) {
    io.err(name && name !== '--help' ? `cleardisc: unknown command "${name}"\n${USAGE}\n` : `${USAGE}\n`);
    return name && name !== '--help' ? 2 : 0;
  }
  // `cleardisc deid --help`: the command's usage on stdout, nothing run.
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${HELP[name]}\n`);
    return 0;
  }
  try {
    return await cmd(rest, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`cleardisc ${name}: ${(err as Error).message}\n`);
      return 2;
    }
    // One line, no stack: messages from the core carry no patient identity by construction.
    io.err(`cleardisc ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}
