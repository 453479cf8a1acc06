import { useId, useState, type FormEvent } from 'react';
import type { ClearDiscApi } from '../../shared/api';
import type { ServiceState, SignIn } from '../../shared/send-types';
import { problemText } from './format';

/** Where the images go and how ClearDisc signs in there. The password or token is never shown back. */
export function ServiceForm({
  api,
  state,
  onChange,
}: {
  api: ClearDiscApi;
  state: ServiceState;
  onChange: (s: ServiceState) => void;
}) {
  const id = useId();
  const current = state.service;
  const [editing, setEditing] = useState(!current);
  const [serviceUrl, setServiceUrl] = useState(current?.serviceUrl ?? '');
  const [signIn, setSignIn] = useState<SignIn>(current?.signIn ?? 'password');
  const [user, setUser] = useState(current?.user ?? '');
  const [secret, setSecret] = useState('');
  // Off until the person asks: on a shared computer, details left behind would let others send as them.
  const [remember, setRemember] = useState(false);
  const [problem, setProblem] = useState('');
  const [saving, setSaving] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setProblem('');
    try {
      const next = await api.setService({
        serviceUrl: serviceUrl.trim(),
        signIn,
        ...(signIn === 'password' ? { user: user.trim(), password: secret } : {}),
        ...(signIn === 'token' ? { token: secret.trim() } : {}),
        remember: state.canRemember && remember,
      });
      setSecret('');
      setEditing(false);
      onChange(next);
    } catch (err) {
      setProblem(problemText(err));
    } finally {
      setSaving(false);
    }
  }

  async function forget() {
    try {
      onChange(await api.forgetService());
      setServiceUrl('');
      setUser('');
      setEditing(true);
    } catch (err) {
      setProblem(problemText(err));
    }
  }

  if (current && !editing) {
    return (
      <div className="service">
        <p>
          Images go to <strong className="address">{current.serviceUrl}</strong>
          {current.signIn === 'password' && current.user ? <>, signed in as {current.user}</> : null}
          {current.signIn === 'token' ? <>, signed in with an access token</> : null}.
        </p>
        <p className="hint">
          {current.remembered
            ? 'Your sign-in details are kept on this computer, locked by its own security.'
            : 'Your sign-in details are kept only until ClearDisc is closed.'}
        </p>
        {state.notice && <p className="warning">{state.notice}</p>}
        <div className="actions">
          <button type="button" onClick={() => setEditing(true)}>
            Change
          </button>
          <button type="button" onClick={() => void forget()}>
            Forget these details
          </button>
        </div>
        {problem && (
          <p role="alert" className="problem">
            {problem}
          </p>
        )}
      </div>
    );
  }

  return (
    <form className="typed service" onSubmit={(e) => void save(e)} aria-label="Review service">
      {state.notice && <p className="warning">{state.notice}</p>}
      <label htmlFor={`${id}-url`}>Address of the review service</label>
      <p className="hint" id={`${id}-url-hint`}>
        The review service gives you this address. It starts with <code>https://</code>
      </p>
      <input
        id={`${id}-url`}
        type="text"
        inputMode="url"
        value={serviceUrl}
        onChange={(e) => setServiceUrl(e.target.value)}
        aria-describedby={`${id}-url-hint`}
        autoComplete="off"
        spellCheck={false}
      />
      <fieldset>
        <legend>How do you sign in?</legend>
        {(
          [
            ['password', 'With a user name and password'],
            ['token', 'With an access token'],
            ['none', 'No sign-in is needed'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="choice">
            <input
              type="radio"
              name={`${id}-signin`}
              value={value}
              checked={signIn === value}
              onChange={() => setSignIn(value)}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      {signIn === 'password' && (
        <>
          <label htmlFor={`${id}-user`}>User name</label>
          <input
            id={`${id}-user`}
            type="text"
            value={user}
            onChange={(e) => setUser(e.target.value)}
            autoComplete="username"
            spellCheck={false}
          />
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="current-password"
          />
        </>
      )}
      {signIn === 'token' && (
        <>
          <label htmlFor={`${id}-token`}>Access token</label>
          <input
            id={`${id}-token`}
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="off"
          />
        </>
      )}
      {state.canRemember && (
        <label className="choice">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />{' '}
          Remember these details on this computer (kept locked by its own security)
        </label>
      )}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={saving || !serviceUrl.trim()}>
          Save
        </button>
        {current && (
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
