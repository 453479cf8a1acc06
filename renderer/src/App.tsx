import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ClearDiscApi } from '../../shared/api';
import { REASONS, isReasonCode } from '../../shared/reasons';
import type { ScanSummary } from '../../shared/scan-types';
import { count, modalityName, personName, problemText, studyDate } from './format';
import { SendPanel } from './SendPanel';

type State =
  | { kind: 'idle' }
  | { kind: 'scanning' }
  | { kind: 'done'; summary: ScanSummary }
  | { kind: 'error'; message: string; connection: boolean };

const failed = (err: unknown): State => ({
  kind: 'error',
  message: problemText(err),
  // Set by the page's HTTP client (see api/http-client.ts); the desktop bridge never loses its connection.
  connection: err instanceof Error && err.name === 'ConnectionProblem',
});

export function App({ api, desktop }: { api: ClearDiscApi; desktop: boolean }) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [typed, setTyped] = useState('');
  const [showTyping, setShowTyping] = useState(!desktop);
  const [version, setVersion] = useState('');
  const pathId = useId();
  const busy = state.kind === 'scanning';

  useEffect(() => {
    // A page opened without its link (or after `cleardisc serve` stopped) learns it here, before anyone types.
    api.version().then(setVersion, (err: unknown) => {
      const s = failed(err);
      if (s.kind === 'error' && s.connection) setState(s);
    });
  }, [api]);

  async function look(path: string) {
    setState({ kind: 'scanning' });
    try {
      setState({ kind: 'done', summary: await api.scan(path) });
    } catch (err) {
      setState(failed(err));
    }
  }

  async function choose() {
    try {
      const path = await api.pickSource();
      if (path) await look(path);
      else if (!desktop) setShowTyping(true); // no picker in a browser: typing the location is the way
    } catch (err) {
      setState(failed(err));
    }
  }

  function submitTyped(e: FormEvent) {
    e.preventDefault();
    if (typed.trim()) void look(typed.trim());
  }

  const typedForm = (
    <form onSubmit={submitTyped} className="typed">
      <label htmlFor={pathId}>Location of the disc or folder</label>
      <p className="hint" id={`${pathId}-hint`}>
        For example <code>D:\</code> on Windows, <code>/Volumes/CDROM</code> on a Mac, or{' '}
        <code>/media/cdrom</code> on Linux.
      </p>
      <input
        id={pathId}
        type="text"
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        aria-describedby={`${pathId}-hint`}
        autoComplete="off"
        spellCheck={false}
      />
      <button type="submit" className={desktop ? undefined : 'primary'} disabled={busy || !typed.trim()}>
        Look for scans
      </button>
    </form>
  );

  return (
    <>
      <header className="masthead">
        <p className="brand">ClearDisc</p>
      </header>
      <main>
        <h1>Send your scans for a second opinion</h1>
        <p className="lead">
          Put your CD or DVD in the computer, or choose the folder that holds your scans. ClearDisc only reads
          it: nothing on your disc is changed. Your name and other personal details are removed before
          anything is sent.
        </p>

        <section aria-labelledby="step-choose">
          <h2 id="step-choose">{desktop ? 'Choose your disc or folder' : 'Where is your disc or folder?'}</h2>
          {desktop ? (
            <>
              <button type="button" className="primary" onClick={() => void choose()} disabled={busy}>
                Choose disc or folder…
              </button>
              <details open={showTyping} onToggle={(e) => setShowTyping(e.currentTarget.open)}>
                <summary>Type the location instead</summary>
                {typedForm}
              </details>
            </>
          ) : (
            // In a browser there is no folder picker: typing the location is the one way, so it is the main action.
            typedForm
          )}
        </section>

        <div role="status" aria-live="polite" className="status">
          {busy && 'Looking for scans… A full disc can take a minute or two.'}
        </div>
        {state.kind === 'error' && (
          <div role="alert" className="problem">
            <p>
              {!state.connection && <strong>We could not read that disc or folder. </strong>}
              {state.message}
            </p>
          </div>
        )}
        {state.kind === 'done' && <Found summary={state.summary} api={api} />}
      </main>
      <footer>{version && <p>ClearDisc {version}</p>}</footer>
    </>
  );
}

function Found({ summary, api }: { summary: ScanSummary; api: ClearDiscApi }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Move focus to the answer so keyboard and screen-reader users land on it.
  useEffect(() => heading.current?.focus(), [summary]);

  const names = [...new Set(summary.patients.map((p) => personName(p.patientName)).filter(Boolean))];
  const skippedByReason = new Map<string, number>();
  for (const s of summary.skipped) skippedByReason.set(s.reason, (skippedByReason.get(s.reason) ?? 0) + 1);

  return (
    <section aria-labelledby="found" className="found">
      <h2 id="found" tabIndex={-1} ref={heading}>
        What we found
      </h2>
      {summary.instances === 0 ? (
        <p>
          We did not find any medical images here. If this is the right disc, the images may be inside a
          folder on it: try choosing that folder.
        </p>
      ) : (
        <>
          <p>
            {count(summary.instances, 'image')} in {count(summary.studies.length, 'study', 'studies')}.
          </p>
          {summary.multiplePatients && (
            <p className="warning">
              <strong>This disc holds scans of more than one person.</strong> Please check each study below
              before sending anything.
            </p>
          )}
          <dl className="patient">
            <dt>{names.length > 1 ? 'Names on the scans' : 'Name on the scans'}</dt>
            <dd>{names.length ? names.join(', ') : 'No name is recorded'}</dd>
          </dl>
          <table>
            <caption>Studies on this disc</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Description</th>
                <th scope="col">Kind of scan</th>
                <th scope="col" className="num">
                  Images
                </th>
              </tr>
            </thead>
            <tbody>
              {summary.studies.map((st) => (
                <tr key={st.studyInstanceUID}>
                  <td>{st.studyDate ? studyDate(st.studyDate) : 'No date'}</td>
                  <td>{st.studyDescription || 'No description'}</td>
                  <td>{st.modalities.map(modalityName).join(', ') || 'Unknown'}</td>
                  <td className="num">{st.instances.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {summary.skipped.length > 0 && (
        <details className="skipped">
          <summary>{count(summary.skipped.length, 'file was', 'files were')} not used. Why?</summary>
          <ul>
            {[...skippedByReason].map(([reason, n]) => (
              <li key={reason}>
                {count(n, 'file')}: {isReasonCode(reason) ? REASONS[reason] : reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {summary.instances > 0 && <SendPanel key={summary.root} api={api} summary={summary} />}
    </section>
  );
}
