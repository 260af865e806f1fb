// The user's projects (docs/projects.md): create one, list them (paged), open one to see each
// agent's status, tokens, cost and timings, and execute it, watching the seven agents live from
// the event stream. A refusal (402) stops the run; it is said in words with what finished.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiStream, type StreamEvent } from '../api';
import * as fmt from '../format';
import { useResource } from '../hooks';
import type { Project, ProjectPage, ProjectStep } from '../types';
import { ErrorText, Notice, Panel } from '../ui';

const PAGE_SIZE = 5;

export function ProjectsPanel(props: { version: number; onChanged: () => void }) {
  const [own, setOwn] = useState(0);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [openId, setOpenId] = useState<string | null>(null);
  const cursor = cursors[cursors.length - 1];
  const path = `/projects?limit=${PAGE_SIZE}${cursor ? `&cursor=${cursor}` : ''}`;
  const page = useResource<ProjectPage>(path, props.version + own);
  const list = page.data?.projects ?? [];

  return (
    <Panel id="projects" title="Projects" busy={page.loading} wide>
      <CreateProject
        onCreated={(id) => {
          setCursors([undefined]);
          setOwn((v) => v + 1);
          setOpenId(id);
        }}
      />
      <ErrorText error={page.error} prefix="The projects could not be read:" />
      <h3 id="projects-list-title">Your projects</h3>
      {page.data && list.length === 0 ? <p class="fine">No projects yet.</p> : null}
      <ul class="plain-list projects" aria-labelledby="projects-list-title" data-testid="projects-list">
        {list.map((p) => (
          <li key={p.id} data-project={p.id}>
            <span class="project__name">
              <strong>{p.title}</strong> <span class="fine">{p.mode}</span>
              <span class="fine project__figures">
                {' '}
                {p.agents_finished} of {p.agents_total} agents · {fmt.tokens(p.tokens_used)} tokens ·{' '}
                {fmt.inrFromPaise(p.cost_inr_paise)}
              </span>
            </span>
            <span class="project__actions">
              <span class={`tag tag--${p.status}`}>{p.status}</span>
              <button
                type="button"
                class="secondary"
                aria-pressed={openId === p.id}
                aria-label={`Open ${p.title}`}
                onClick={() => setOpenId(openId === p.id ? null : p.id)}
              >
                {openId === p.id ? 'Close' : 'Open'}
              </button>
            </span>
          </li>
        ))}
      </ul>
      <nav class="pager" aria-label="Project pages" hidden={cursors.length === 1 && !page.data?.next_cursor}>
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </button>
        <span class="fine num">Page {cursors.length}</span>
        <button
          type="button"
          disabled={!page.data?.next_cursor}
          onClick={() => setCursors((c) => [...c, page.data!.next_cursor!])}
        >
          Older
        </button>
      </nav>
      {openId ? (
        <ProjectDetail
          key={openId}
          id={openId}
          version={props.version}
          onRan={() => {
            setOwn((v) => v + 1);
            props.onChanged();
          }}
        />
      ) : null}
    </Panel>
  );
}

function CreateProject(props: { onCreated: (id: string) => void }) {
  const [title, setTitle] = useState('');
  const [mode, setMode] = useState('student');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function create(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const body: { title: string; mode: string; description?: string } = { title: title.trim(), mode: mode.trim() };
      if (description.trim()) body.description = description.trim();
      const { data } = await api<Project>('/projects', {
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': crypto.randomUUID() },
      });
      setNotice(`Created “${data.title}”.`);
      setTitle('');
      setDescription('');
      props.onCreated(data.id);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="project-form" onSubmit={(event) => void create(event)} aria-labelledby="project-form-title">
      <h3 id="project-form-title">New project</h3>
      <label for="project-title">Title</label>
      <input
        id="project-title"
        required
        maxLength={200}
        value={title}
        onInput={(event) => setTitle(event.currentTarget.value)}
      />
      <label for="project-mode">Mode</label>
      <input
        id="project-mode"
        required
        maxLength={32}
        pattern="[a-z][a-z0-9_\-]*"
        list="project-modes"
        aria-describedby="project-mode-hint"
        value={mode}
        onInput={(event) => setMode(event.currentTarget.value)}
      />
      <datalist id="project-modes">
        <option value="student" />
        <option value="startup" />
      </datalist>
      <span id="project-mode-hint" class="fine">
        A lower-case word, such as student.
      </span>
      <label for="project-description">Description (optional)</label>
      <textarea
        id="project-description"
        rows={2}
        maxLength={2000}
        value={description}
        onInput={(event) => setDescription(event.currentTarget.value)}
      />
      <div>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create project'}
        </button>
      </div>
      <Notice text={notice} />
      <ErrorText error={error} />
    </form>
  );
}

interface Refusal {
  agent: string;
  message: string;
  finished: string[];
}

function ProjectDetail(props: { id: string; version: number; onRan: () => void }) {
  const [own, setOwn] = useState(0);
  const loaded = useResource<Project>(`/projects/${props.id}`, props.version + own);
  const [project, setProject] = useState<Project | null>(null);
  const [running, setRunning] = useState(false);
  const [live, setLive] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [error, setError] = useState<unknown>(null);

  // While a run streams, the stream's events are the truth; afterwards each new answer of the API
  // is (an answer read before the run ended never replaces what the run showed).
  const runningNow = useRef(false);
  useEffect(() => {
    if (!runningNow.current && loaded.data) setProject(loaded.data);
  }, [loaded.data]);

  function patchStep(agent: string, patch: Partial<ProjectStep>) {
    setProject((p) => (p ? { ...p, agents: p.agents.map((s) => (s.agent === agent ? { ...s, ...patch } : s)) } : p));
  }

  function onEvent({ event, data }: StreamEvent) {
    const agent = typeof data.agent === 'string' ? data.agent : '';
    const num = (key: string) => (typeof data[key] === 'number' ? (data[key] as number) : null);
    switch (event) {
      case 'started': {
        const interrupted = Array.isArray(data.interrupted) ? (data.interrupted as string[]) : [];
        setProject((p) => (p && data.resumed_from ? { ...p, status: 'running' } : p));
        setLive(
          (data.resumed_from ? `Started at ${String(data.resumed_from)}.` : 'Nothing left to run.') +
            (interrupted.length ? ` Interrupted earlier: ${interrupted.join(', ')}.` : ''),
        );
        break;
      }
      case 'reserved':
        patchStep(agent, { status: 'running', estimated_tokens: num('estimated_tokens') });
        setLive(`${agent} is running.`);
        break;
      case 'finished': {
        const usd = num('estimated_cost_usd_micros');
        const inr = num('estimated_cost_inr_paise');
        patchStep(agent, {
          status: 'finished',
          tokens: num('tokens_charged'),
          input_tokens: num('input_tokens'),
          output_tokens: num('output_tokens'),
          cost_usd_micros: usd,
          cost_inr_paise: inr,
          duration_ms: num('duration_ms'),
          finished_at: typeof data.timestamp === 'string' ? data.timestamp : null,
        });
        setProject((p) =>
          p
            ? {
                ...p,
                agents_finished: p.agents_finished + 1,
                tokens_used: p.tokens_used + (num('tokens_charged') ?? 0),
                cost_usd_micros: p.cost_usd_micros + (usd ?? 0),
                cost_inr_paise: p.cost_inr_paise + (inr ?? 0),
              }
            : p,
        );
        setLive(`${agent} finished: ${fmt.tokens(num('tokens_charged') ?? 0)} tokens.`);
        break;
      }
      case 'refused':
        patchStep(agent, { status: 'pending' });
        setRefusal({
          agent,
          message: typeof data.message === 'string' ? data.message : 'The run was refused.',
          finished: [],
        });
        break;
      case 'failed':
        patchStep(agent, { status: 'failed', error: typeof data.message === 'string' ? data.message : null });
        setError(
          new Error(`The ${agent} agent's model call failed; nothing was charged for it. Execute again to retry.`),
        );
        break;
      case 'expired':
        // The agent was charged (its model ran) but its hold had run out, so the run stopped after it.
        setError(new Error(typeof data.message === 'string' ? data.message : 'The run stopped; execute again.'));
        break;
      case 'done':
        if (data.project) setProject(data.project as unknown as Project);
        break;
      case 'error':
        setError(new Error(typeof data.message === 'string' ? data.message : 'The run stopped unexpectedly.'));
        break;
    }
  }

  async function execute() {
    setRunning(true);
    runningNow.current = true;
    setRefusal(null);
    setError(null);
    setLive('Starting…');
    try {
      await apiStream(`/projects/${props.id}/execute`, onEvent);
    } catch (failure) {
      setError(failure);
    } finally {
      // Read the project again (a refusal sends no `done`), then the balance, usage and history.
      try {
        const { data } = await api<Project>(`/projects/${props.id}`);
        setProject(data);
        setRefusal((r) =>
          r ? { ...r, finished: data.agents.filter((s) => s.status === 'finished').map((s) => s.agent) } : r,
        );
        setLive(
          data.status === 'completed'
            ? `Completed: ${data.agents_finished} of ${data.agents_total} agents, ${fmt.tokens(data.tokens_used)} tokens.`
            : `Stopped: ${data.agents_finished} of ${data.agents_total} agents finished.`,
        );
      } catch (failure) {
        setError(failure);
      }
      runningNow.current = false;
      setRunning(false);
      setOwn((v) => v + 1);
      props.onRan();
    }
  }

  if (!project) {
    return loaded.error ? <ErrorText error={loaded.error} /> : <p class="fine">Loading the project…</p>;
  }
  const done = project.status === 'completed';
  return (
    <section class="project" aria-labelledby="project-title-open" data-testid="project-detail">
      <h3 id="project-title-open">{project.title}</h3>
      <p class="fine">
        <span class={`tag tag--${project.status}`} data-testid="project-status">
          {project.status}
        </span>{' '}
        {project.mode} · {project.model} · {project.agents_finished} of {project.agents_total} agents ·{' '}
        <span data-testid="project-tokens">{fmt.tokens(project.tokens_used)}</span> tokens ·{' '}
        {fmt.usdFromMicros(project.cost_usd_micros)} · {fmt.inrFromPaise(project.cost_inr_paise)}
      </p>
      {project.description ? <p class="project__description">{project.description}</p> : null}
      <div class="table-scroll" tabIndex={0} role="region" aria-label={`Agents of ${project.title}`}>
        <table class="table table--stack" data-testid="project-agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Tokens
              </th>
              <th scope="col" class="num">
                Cost
              </th>
              <th scope="col" class="num">
                Time
              </th>
            </tr>
          </thead>
          <tbody>
            {project.agents.map((s) => (
              <tr key={s.agent} data-agent={s.agent} data-status={s.status}>
                <th scope="row" data-label="Agent">
                  {s.position}. {s.agent}
                </th>
                <td data-label="Status">
                  <span class="step__cell">
                    <span class={`tag tag--${s.status}`}>{s.status}</span>
                    {s.error ? <span class="fine step__error">{s.error}</span> : null}
                  </span>
                </td>
                <td class="num" data-label="Tokens">
                  {s.tokens !== null
                    ? fmt.tokens(s.tokens)
                    : s.estimated_tokens !== null
                      ? `~${fmt.tokens(s.estimated_tokens)}`
                      : '—'}
                </td>
                <td class="num" data-label="Cost">
                  {s.cost_usd_micros !== null && s.cost_inr_paise !== null
                    ? `${fmt.usdFromMicros(s.cost_usd_micros)} · ${fmt.inrFromPaise(s.cost_inr_paise)}`
                    : '—'}
                </td>
                <td class="num" data-label="Time">
                  <span class="step__cell">
                    {s.duration_ms !== null ? duration(s.duration_ms) : '—'}
                    {s.finished_at ? <span class="fine">{fmt.dateTime(s.finished_at)}</span> : null}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="sr-status fine" role="status" aria-live="polite" data-testid="project-live">
        {live ?? ''}
      </p>
      {refusal ? (
        <div class="message message--error" role="alert" data-testid="project-refusal">
          <p>
            Stopped at <strong>{refusal.agent}</strong>: {refusal.message}
          </p>
          <p>
            {refusal.finished.length
              ? `Finished: ${refusal.finished.join(', ')}. Nothing was charged for the agents that did not run.`
              : 'No agent finished; nothing was charged.'}{' '}
            Add tokens (see Buy tokens) and execute again to resume at {refusal.agent}.
          </p>
        </div>
      ) : null}
      <ErrorText error={error} />
      <button type="button" disabled={running || done} onClick={() => void execute()}>
        {running ? 'Running…' : done ? 'Completed' : project.status === 'created' ? 'Execute the agents' : 'Resume'}
      </button>
    </section>
  );
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
