import { useEffect, useRef, useState, type RefObject } from 'react';
import type { ClearDiscApi } from '../../shared/api';
import { formatBytes } from '../../shared/format';
import { REASONS } from '../../shared/reasons';
import type { ScanSummary } from '../../shared/scan-types';
import type { LeftOut, SendPreview, SendStatus, ServiceState } from '../../shared/send-types';
import { count, modalityName, problemText, studyDate } from './format';
import { ServiceForm } from './ServiceForm';

const POLL_MS = 500;
const running = (s: SendStatus | null) => Boolean(s && s.phase !== 'done' && s.phase !== 'stopped');

function minutes(seconds: number): string {
  if (seconds < 60) return 'less than a minute';
  const m = Math.round(seconds / 60);
  return m === 1 ? 'about a minute' : `about ${m} minutes`;
}

/** One sentence for where a send stands. */
export function phaseLine(s: SendStatus): string {
  switch (s.phase) {
    case 'reading':
      return 'Reading the disc…';
    case 'review':
      return 'Prepared. Nothing has been sent yet: please check what will be sent.';
    case 'preparing':
      return `Removing personal information: ${s.done} of ${count(s.total, 'image')}`;
    case 'sending': {
      const bytes = s.bytesTotal ? ` (${formatBytes(s.bytesDone)} of ${formatBytes(s.bytesTotal)})` : '';
      const eta = s.etaSeconds !== undefined ? `, ${minutes(s.etaSeconds)} left` : '';
      return `Sending: ${s.done} of ${count(s.total, 'image')}${bytes}${eta}`;
    }
    case 'confirming':
      return 'Checking with the review service that every image arrived…';
    case 'done':
      return 'Sent.';
    case 'stopped':
      return 'Sending stopped.';
  }
}

/** Choose studies, say where they go, send, and follow it to the receipt. */
export function SendPanel({ api, summary }: { api: ClearDiscApi; summary: ScanSummary }) {
  // With scans of more than one person on the disc, nothing is chosen for them: they pick each study.
  const [chosen, setChosen] = useState<Set<string>>(
    () => new Set(summary.multiplePatients ? [] : summary.studies.map((s) => s.studyInstanceUID)),
  );
  const [service, setService] = useState<ServiceState | null>(null);
  const [status, setStatus] = useState<SendStatus | null>(null);
  const [problem, setProblem] = useState('');
  const outcome = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    api.getService().then(setService, (err: unknown) => setProblem(problemText(err)));
  }, [api]);

  // Follow the send while it runs. The first look (status null) picks up a send still running after a reload,
  // but not the outcome of an earlier one, which may be another disc's.
  useEffect(() => {
    // Nothing changes while the person reviews: no need to ask.
    if (status !== null && (!running(status) || status.phase === 'review')) return;
    let stop = false;
    const timer = setTimeout(
      () =>
        void api.sendStatus().then(
          (s) => !stop && setStatus(status === null && s && !running(s) ? null : s),
          (err: unknown) => !stop && setProblem(problemText(err)),
        ),
      status === null ? 0 : POLL_MS,
    );
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [api, status]);

  const finished = status?.phase === 'done' || status?.phase === 'stopped';
  useEffect(() => {
    if (finished) outcome.current?.focus();
  }, [finished]);

  const images = summary.studies
    .filter((s) => chosen.has(s.studyInstanceUID))
    .reduce((n, s) => n + s.instances, 0);

  async function send() {
    setProblem('');
    try {
      setStatus(await api.startSend({ source: summary.root, studies: [...chosen] }));
    } catch (err) {
      setProblem(problemText(err));
    }
  }

  const toggle = (uid: string, on: boolean) =>
    setChosen((c) => {
      const n = new Set(c);
      if (on) n.add(uid);
      else n.delete(uid);
      return n;
    });

  const busy = running(status);
  return (
    <section aria-labelledby="step-send" className="send">
      <h2 id="step-send">Send for a second opinion</h2>
      <fieldset disabled={busy}>
        <legend>Which studies should be sent?</legend>
        {summary.studies.map((st) => (
          <label key={st.studyInstanceUID} className="choice">
            <input
              type="checkbox"
              checked={chosen.has(st.studyInstanceUID)}
              onChange={(e) => toggle(st.studyInstanceUID, e.target.checked)}
            />{' '}
            {st.studyDate ? studyDate(st.studyDate) : 'No date'}: {st.studyDescription || 'No description'} (
            {st.modalities.map(modalityName).join(', ') || 'Unknown'}, {count(st.instances, 'image')})
          </label>
        ))}
      </fieldset>

      <h3>Where should they go?</h3>
      {service ? (
        <ServiceForm api={api} state={service} onChange={setService} />
      ) : (
        <p className="hint">Loading…</p>
      )}

      <h3>What leaves this computer</h3>
      <ul className="leaves">
        <li>Only the images of the studies you chose.</li>
        <li>
          Your name, ID numbers, birth date, address and phone number, and the names of doctors and hospitals,
          are removed from every image first. Dates are shifted by the same amount, so the time between scans
          stays right.
        </li>
        <li>Every image is checked again for any trace of your details just before it is sent.</li>
        <li>Images that may show your name in the picture itself are left out, and you will see which.</li>
      </ul>

      <button
        type="button"
        className="primary"
        onClick={() => void send()}
        disabled={busy || images === 0 || !service?.service}
      >
        {status?.phase === 'stopped' ? 'Send again' : `Send ${count(images, 'image')}`}
      </button>
      {!service?.service && service && <p className="hint">Save where to send the images first.</p>}

      <div role="status" aria-live="polite" className="status">
        {status && busy && <p>{phaseLine(status)}</p>}
      </div>
      {status && busy && status.phase !== 'review' && (
        <progress
          aria-label="Sending progress"
          max={Math.max(
            1,
            status.phase === 'sending' && status.bytesTotal ? status.bytesTotal : status.total,
          )}
          value={status.phase === 'sending' && status.bytesTotal ? status.bytesDone : status.done}
        />
      )}
      {problem && (
        <div role="alert" className="problem">
          <p>{problem}</p>
        </div>
      )}
      {status?.phase === 'review' && status.preview && (
        <Review
          preview={status.preview}
          onAnswer={async (send) => {
            setProblem('');
            try {
              setStatus(await (send ? api.confirmSend() : api.cancelSend()));
            } catch (err) {
              setProblem(problemText(err));
            }
          }}
        />
      )}
      {status && finished && <Outcome status={status} heading={outcome} />}
    </section>
  );
}

/** What will leave this computer, exactly, before anything does; then send or not. */
function Review({ preview, onAnswer }: { preview: SendPreview; onAnswer: (send: boolean) => Promise<void> }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [answering, setAnswering] = useState(false);
  useEffect(() => heading.current?.focus(), []);
  const images = preview.studies.reduce((n, s) => n + s.images, 0);
  const bytes = preview.studies.reduce((n, s) => n + s.bytes, 0);
  const answer = async (send: boolean) => {
    setAnswering(true);
    await onAnswer(send);
    setAnswering(false);
  };
  return (
    <div className="review">
      <h3 tabIndex={-1} ref={heading}>
        Check what will leave this computer
      </h3>
      <p>
        Nothing has been sent yet. {images === 1 ? 'This image' : `These ${count(images, 'image')}`} (
        {formatBytes(bytes)}) will go to the review service:
      </p>
      <ul>
        {preview.studies.map((s, i) => (
          <li key={i}>
            {s.description || 'No description'} ({s.modalities.map(modalityName).join(', ') || 'Unknown'}):{' '}
            {count(s.images, 'image')}
          </li>
        ))}
      </ul>
      {preview.keptFreeText.length > 0 && (
        <p>
          Some written notes were kept, with names and other details taken out. They are in the lists below.
        </p>
      )}
      {preview.samples.map((sample, i) => (
        <details key={i} className="attributes">
          <summary>Everything that is written in one image of “{sample.study || 'this study'}”</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Detail</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {sample.attributes.map((a, j) => (
                <tr key={j}>
                  <td className={`depth-${Math.min(a.depth, 4)}`}>
                    {a.name} <span className="tag">{a.tag}</span>
                  </td>
                  <td>{a.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
      <LeftOutList leftOut={preview.leftOut} one="file is" many="files are" what="left out" />
      <div className="actions">
        <button type="button" className="primary" disabled={answering} onClick={() => void answer(true)}>
          Send now
        </button>
        <button type="button" disabled={answering} onClick={() => void answer(false)}>
          Don’t send
        </button>
      </div>
    </div>
  );
}

function Outcome({ status, heading }: { status: SendStatus; heading: RefObject<HTMLHeadingElement | null> }) {
  const r = status.result;
  const done = status.phase === 'done';
  return (
    <div className={done ? 'outcome' : 'outcome problem'} role={done ? undefined : 'alert'}>
      <h3 tabIndex={-1} ref={heading}>
        {done ? 'Your images were sent' : 'Not everything was sent'}
      </h3>
      {status.message && <p>{status.message}</p>}
      {r && done && (
        <p>
          The review service confirmed it received {count(r.stored, 'image')} from{' '}
          {count(r.studies.length, 'study', 'studies')}.
        </p>
      )}
      {r && !done && r.stored > 0 && <p>{count(r.stored, 'image')} arrived safely.</p>}
      {status.caseCode && (
        <p>
          Your case code is <strong className="case-code">{status.caseCode}</strong>. The review service knows
          your images by this code, not by your name.
        </p>
      )}
      {r?.receipt && (
        <p>
          A receipt is saved on this computer: <code>{r.receipt}</code>
        </p>
      )}
      {r && <LeftOutList leftOut={r.leftOut} one="file was" many="files were" what="not sent" />}
    </div>
  );
}

/** "3 files were not sent. Why?", opening to one line per reason. */
function LeftOutList({
  leftOut,
  one,
  many,
  what,
}: {
  leftOut: LeftOut[];
  one: string;
  many: string;
  what: string;
}) {
  if (leftOut.length === 0) return null;
  return (
    <details className="skipped">
      <summary>
        {count(
          leftOut.reduce((n, l) => n + l.count, 0),
          one,
          many,
        )}{' '}
        {what}. Why?
      </summary>
      <ul>
        {leftOut.map((l) => (
          <li key={l.reason}>
            {count(l.count, 'file')}: {REASONS[l.reason]}
          </li>
        ))}
      </ul>
    </details>
  );
}
