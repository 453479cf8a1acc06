import { ConnectionProblem, UNREACHABLE, createHttpClient } from '../../renderer/src/api/http-client';

type Call = { url: string; init?: RequestInit };

function client(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const api = createHttpClient(
    'http://127.0.0.1:9',
    async (url, init) => {
      calls.push({ url, init });
      return answer({ url, init });
    },
    'a-session-token-of-some-length',
  );
  return { api, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('the page’s HTTP client', () => {
  it('sends the session token and nothing else that identifies the page', async () => {
    const { api, calls } = client(() => json(200, { version: '1.2.3' }));
    await expect(api.version()).resolves.toBe('1.2.3');
    expect(calls[0].url).toBe('http://127.0.0.1:9/api/version');
    expect(calls[0].init?.headers).toEqual({
      Accept: 'application/json',
      Authorization: 'Bearer a-session-token-of-some-length',
    });
    expect(calls[0].init).toMatchObject({ credentials: 'omit', referrerPolicy: 'no-referrer' });
  });

  it('reports a refused session (401, 403) as a connection problem, with the server’s sentence', async () => {
    for (const status of [401, 403]) {
      const { api } = client(() => json(status, { error: 'Open the link again.' }));
      const err = await api.scan('/media/cdrom').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionProblem);
      expect((err as Error).name).toBe('ConnectionProblem');
      expect((err as Error).message).toBe('Open the link again.');
    }
  });

  it('reports a server that does not answer as a connection problem', async () => {
    const { api } = client(() => Promise.reject(new TypeError('fetch failed')));
    const err = await api.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionProblem);
    expect((err as Error).message).toBe(UNREACHABLE);
  });

  it('reports a folder that cannot be read as a plain error carrying the server’s sentence', async () => {
    const { api } = client(() => json(422, { error: 'ClearDisc could not open that location.' }));
    const err = await api.scan('/nowhere').catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ConnectionProblem);
    expect((err as Error).message).toBe('ClearDisc could not open that location.');
  });

  it('turns a missing folder picker (404) into "no choice", not an error', async () => {
    const { api } = client(() => json(404, { error: 'no picker' }));
    await expect(api.pickSource()).resolves.toBeNull();
  });

  it('sends the review service and a send as JSON bodies, and reads the answers', async () => {
    const state = { service: null, canRemember: false };
    const status = { phase: 'reading', done: 0, total: 0, bytesDone: 0, bytesTotal: 0 };
    const { api, calls } = client(({ url }) =>
      url.endsWith('/api/send/status')
        ? json(200, { status })
        : url.endsWith('/api/send')
          ? json(200, status)
          : json(200, state),
    );
    const input = {
      serviceUrl: 'https://review.example/dicom-web',
      signIn: 'token' as const,
      token: 'abc',
      remember: false,
    };
    await expect(api.setService(input)).resolves.toEqual(state);
    expect(calls[0].url).toBe('http://127.0.0.1:9/api/service/set');
    expect(calls[0].init).toMatchObject({ method: 'POST', body: JSON.stringify(input) });
    expect(calls[0].init?.headers).toMatchObject({ 'Content-Type': 'application/json' });

    await expect(api.startSend({ source: '/media/cdrom', studies: ['1.2.3'] })).resolves.toEqual(status);
    expect(calls[1]).toMatchObject({
      url: 'http://127.0.0.1:9/api/send',
      init: { method: 'POST', body: '{"source":"/media/cdrom","studies":["1.2.3"]}' },
    });
    await expect(api.sendStatus()).resolves.toEqual(status);
    await expect(api.getService()).resolves.toEqual(state);
    await expect(api.forgetService()).resolves.toEqual(state);
    // Calls without a body say nothing about a content type.
    expect(calls[2].init?.headers).not.toHaveProperty('Content-Type');
  });
});
