/** Next steps: tick them, add them, give them to someone. Everything lives in the case document. */
import type { CaseSession, Step } from '@caseroom/client';
import { h, replace } from './dom.js';
import { nameOf, peopleList } from './people.js';

export function stepsPanel(session: CaseSession): { element: HTMLElement; dispose: () => void } {
  const steps = session.steps;
  const list = h('ul', { class: 'plain steps', 'data-testid': 'steps' });
  const people = h('div', {});

  const stepItem = (step: Step): HTMLLIElement => {
    const assignee = h('input', {
      class: 'assignee',
      list: 'room-people',
      value: step.assignee ?? '',
      placeholder: 'unassigned',
      'aria-label': `Assignee of ${step.text}`,
      'data-testid': 'step-assignee',
      onchange: () => steps.change(step.id, { assignee: assignee.value.trim() || null }),
    });
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
        h('span', {}, step.text),
      ),
      step.assignee ? h('span', { class: 'muted small' }, nameOf(session, step.assignee)) : null,
      assignee,
      h(
        'button',
        { class: 'link', 'aria-label': `Remove ${step.text}`, 'data-testid': 'step-remove', onclick: () => steps.remove(step.id) },
        '×',
      ),
    );
  };

  const render = (): void => {
    // Keep focus on the field being edited while others change the list.
    const focused = document.activeElement as HTMLElement | null;
    const focusedStep = focused?.closest<HTMLElement>('[data-step-id]')?.dataset.stepId;
    const focusedField = focused?.dataset.testid;
    replace(list, ...steps.list().map(stepItem));
    if (steps.list().length === 0) replace(list, h('li', { class: 'muted' }, 'No next steps yet.'));
    if (focusedStep && focusedField)
      list.querySelector<HTMLElement>(`[data-step-id="${CSS.escape(focusedStep)}"] [data-testid="${focusedField}"]`)?.focus();
    replace(people, peopleList(session, 'room-people'));
  };

  const text = h('input', {
    required: true,
    placeholder: 'Refund the duplicate charge',
    'aria-label': 'New step',
    'data-testid': 'new-step-text',
  });
  const assignee = h('input', {
    list: 'room-people',
    placeholder: 'assignee (user id)',
    'aria-label': 'Assignee',
    'data-testid': 'new-step-assignee',
  });
  const form = h(
    'form',
    {
      class: 'row',
      'data-testid': 'new-step-form',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        steps.add({ text: text.value.trim(), assignee: assignee.value.trim() || null });
        text.value = '';
        assignee.value = '';
        text.focus();
      },
    },
    text,
    assignee,
    h('button', { type: 'submit', 'data-testid': 'new-step-submit' }, 'Add step'),
  );

  steps.array.observeDeep(render);
  const offRoster = session.on('roster', render);
  render();
  return {
    element: h('section', { class: 'card' }, h('h2', {}, 'Next steps'), list, form, people),
    dispose: () => {
      steps.array.unobserveDeep(render);
      offRoster();
    },
  };
}
