/**
 * Next steps: tick them, add them, give them to someone of the team, chosen by name from the
 * team's people (and whoever is in the room). Everything lives in the case document, where an
 * assignee is a user id.
 */
import type { CaseSession, Step } from '@caseroom/client';
import type { Identity } from './api.js';
import { h, replace } from './dom.js';
import { byName, type KnownPerson, type People } from './people.js';

/** Who a step can be given to: the case team's people and the room's, not bots; and whoever has it now. */
function assignees(session: CaseSession, people: People, me: Identity, current: string | null): KnownPerson[] {
  const candidates = byName([...people.ofTeam(session.case?.team ?? me.team), ...session.roster]).filter((p) => p.role !== 'bot');
  if (current && !candidates.some((p) => p.userId === current))
    candidates.push({ userId: current, name: people.nameOf(current), role: 'unknown' });
  return candidates;
}

/**
 * Fills a picker of people (its value a user id, or '' for nobody) and selects `current`. The
 * options are only rebuilt when the people changed, so a picker in use keeps its state.
 */
function fillPicker(picker: HTMLSelectElement, session: CaseSession, people: People, me: Identity, current: string | null): void {
  const candidates = assignees(session, people, me, current);
  const labels = candidates.map((p) => [p.userId, p.userId === me.userId ? `${p.name} (you)` : p.name] as const);
  const key = JSON.stringify(labels);
  if (picker.dataset.people !== key) {
    replace(picker, h('option', { value: '' }, 'unassigned'), ...labels.map(([userId, label]) => h('option', { value: userId }, label)));
    picker.dataset.people = key;
  }
  picker.value = current ?? '';
}

export function stepsPanel(session: CaseSession, people: People, me: Identity): { element: HTMLElement; dispose: () => void } {
  const steps = session.steps;
  const list = h('ul', { class: 'plain steps', 'data-testid': 'steps' });

  const stepItem = (step: Step): HTMLLIElement => {
    const assignee = h('select', {
      class: 'assignee',
      'aria-label': `Assignee of ${step.text}`,
      'data-testid': 'step-assignee',
      onchange: () => steps.change(step.id, { assignee: assignee.value || null }),
    });
    fillPicker(assignee, session, people, me, step.assignee);
    return h(
      'li',
      { class: step.done ? 'step done' : 'step', 'data-testid': 'step', 'data-step-id': step.id },
      h(
        'label',
        { class: 'check' },
        h('input', {
          type: 'checkbox',
          checked: step.done,
          'data-testid': 'step-done',
          onchange: (event: Event) => steps.complete(step.id, (event.target as HTMLInputElement).checked),
        }),
        h('span', { 'data-testid': 'step-text' }, step.text),
      ),
      assignee,
      h(
        'button',
        { class: 'link', 'aria-label': `Remove ${step.text}`, 'data-testid': 'step-remove', onclick: () => steps.remove(step.id) },
        '×',
      ),
    );
  };

  const text = h('input', {
    required: true,
    placeholder: 'What needs doing next?',
    'aria-label': 'New step',
    'data-testid': 'new-step-text',
  });
  const newAssignee = h('select', { class: 'assignee', 'aria-label': 'Assignee', 'data-testid': 'new-step-assignee' });

  const render = (): void => {
    // Keep focus on the field being used while others change the list.
    const focused = document.activeElement as HTMLElement | null;
    const focusedStep = focused?.closest<HTMLElement>('[data-step-id]')?.dataset.stepId;
    const focusedField = focused?.dataset.testid;
    replace(list, ...steps.list().map(stepItem));
    if (steps.list().length === 0) replace(list, h('li', { class: 'muted' }, 'No next steps yet.'));
    if (focusedStep && focusedField)
      list.querySelector<HTMLElement>(`[data-step-id="${CSS.escape(focusedStep)}"] [data-testid="${focusedField}"]`)?.focus();
    // The new step's picker learns of people too, keeping the choice.
    fillPicker(newAssignee, session, people, me, newAssignee.value || null);
  };

  const form = h(
    'form',
    {
      class: 'row',
      'data-testid': 'new-step-form',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        steps.add({ text: text.value.trim(), assignee: newAssignee.value || null });
        text.value = '';
        newAssignee.value = '';
        text.focus();
      },
    },
    text,
    newAssignee,
    h('button', { type: 'submit', 'data-testid': 'new-step-submit' }, 'Add step'),
  );

  steps.array.observeDeep(render);
  const offs = [session.on('roster', render), session.on('case', render), people.onChange(render)];
  render();
  return {
    element: h('section', { class: 'card' }, h('h2', {}, 'Next steps'), list, form),
    dispose: () => {
      steps.array.unobserveDeep(render);
      offs.forEach((off) => off());
    },
  };
}
