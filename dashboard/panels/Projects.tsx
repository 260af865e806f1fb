// The user's projects, shown only when the service answers GET /projects (it is coming later):
// a 404 or any error hides the panel instead of showing an empty box.
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure } from '../api';
import { useResource } from '../hooks';
import { Panel } from '../ui';

interface ProjectLike {
  id?: string | number;
  name?: string;
  title?: string;
  status?: string;
}

export function ProjectsPanel(props: { version: number }) {
  // Once the service said it has no such route, stop asking on every refresh.
  const [absent, setAbsent] = useState(false);
  const projects = useResource<unknown>(absent ? null : '/projects', props.version);
  useEffect(() => {
    if (projects.error instanceof ApiFailure && projects.error.status === 404) setAbsent(true);
  }, [projects.error]);
  if (absent || projects.error || projects.data === null) return null;
  const data = projects.data as { projects?: ProjectLike[] } | ProjectLike[];
  const list = Array.isArray(data) ? data : (data.projects ?? []);
  return (
    <Panel id="projects" title="Projects" busy={projects.loading}>
      {list.length === 0 ? (
        <p class="fine">No projects yet.</p>
      ) : (
        <ul class="plain-list">
          {list.map((p, i) => (
            <li key={p.id ?? i}>
              <strong>{p.name ?? p.title ?? `Project ${p.id ?? i + 1}`}</strong>
              {p.status ? <span class="tag">{p.status}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
