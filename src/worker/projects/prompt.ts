// What an agent is asked. The project's own words come last, so they read as the task.
import type { Project } from '../../account/contract/rpc';
import type { Agent } from '../../account/stores/catalogCache';

export function promptFor(project: Pick<Project, 'title' | 'mode' | 'description'>, agent: Agent): string {
  const lines = [`Step: ${agent.name} (${agent.id}).`, `Project: ${project.title}`, `Mode: ${project.mode}`];
  if (project.description) lines.push('', project.description);
  return lines.join('\n');
}
