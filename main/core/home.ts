import * as os from 'node:os';
import * as path from 'node:path';

/**
 * ClearDisc's own folder on this computer: private case records, job folders, what `send` and `watch`
 * remember. $CLEARDISC_HOME when set (tests, portable installs), else ~/.cleardisc. Never on the source disc.
 */
export function clearDiscHome(env: Record<string, string | undefined> = process.env): string {
  return env.CLEARDISC_HOME ? env.CLEARDISC_HOME : path.join(os.homedir(), '.cleardisc');
}
