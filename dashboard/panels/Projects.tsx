// The user's projects, shown only when the service answers GET /projects (it is coming later):
// a 404 or any error hides the panel instead of showing an empty box.
import { useResource } from '../hooks';
import { Panel } from '../ui';

interface ProjectLike {
  id?: string | number;
  name?: string;
  title?: string;
  status?: string;
}

export function ProjectsPanel(props: { version: number }) {
  const projects = useResource<unknown>('/projects', props.version);
  if (projects.error || projects.data === null) return null;
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
